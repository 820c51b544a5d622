/*
 * Socket options of a connected AF_UNIX pair (and its listener, for named kinds): the values
 * getsockopt reports, what setsockopt changes, and the errors for bad options, lengths and
 * pointers. Values that depend on the machine's sysctls are printed relative to them.
 *
 *   unix-options KIND   (KIND as in unix-kind.h)
 */
#include "probe.h"
#include "unix-kind.h"

#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>

#define PROBE "unix-options"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59
#endif

/* Read at run time, so that the compiler neither warns about nor optimises around it. */
static void *volatile bad = (void *)1;

static long wmem_default = -1, rmem_default = -1, wmem_max = -1, rmem_max = -1;

static long read_sysctl(const char *path) {
    FILE *file = fopen(path, "r");
    long value = -1;
    if (file) {
        if (fscanf(file, "%ld", &value) != 1) value = -1;
        fclose(file);
    }
    return value;
}

static const char *domain_name(int domain) {
    switch (domain) {
    case AF_UNIX: return "AF_UNIX";
    case AF_INET: return "AF_INET";
    case AF_INET6: return "AF_INET6";
    default: return "other-domain";
    }
}

/* A buffer size relative to the sysctls that bound it (net.core.[rw]mem_default, _max). */
static void say_buffer(const char *label, const char *what, int value, long defaults, long max, char letter) {
    if (value == defaults) say("%s %s: %cmem_default\n", label, what, letter);
    else if (value == 2 * max) say("%s %s: 2 * %cmem_max\n", label, what, letter);
    else if (value == max) say("%s %s: %cmem_max\n", label, what, letter);
    else say("%s %s: %d\n", label, what, value);
}

static int get_int(int fd, int option, int *value) {
    socklen_t length = sizeof *value;
    *value = -12345;
    int result = getsockopt(fd, SOL_SOCKET, option, value, &length);
    if (result == 0 && length != sizeof *value) say("  (length %u)\n", (unsigned)length);
    return result;
}

static void show_int(const char *label, int fd, int option, const char *option_name) {
    int value;
    if (get_int(fd, option, &value) < 0) {
        say("%s %s: -1 %s\n", label, option_name, errno_name(errno));
        return;
    }
    switch (option) {
    case SO_TYPE: say("%s %s: %s\n", label, option_name, unix_type_name(value)); break;
    case SO_DOMAIN: say("%s %s: %s\n", label, option_name, domain_name(value)); break;
    case SO_ERROR: say("%s %s: %s\n", label, option_name, errno_name(value)); break;
    case SO_SNDBUF: say_buffer(label, option_name, value, wmem_default, wmem_max, 'w'); break;
    case SO_RCVBUF: say_buffer(label, option_name, value, rmem_default, rmem_max, 'r'); break;
    default: say("%s %s: %d\n", label, option_name, value); break;
    }
}

static const char *id_name(long id, long self) {
    static char text[4][32];
    static int next;
    if (id == self) return "self";
    char *slot = text[next++ % 4];
    snprintf(slot, sizeof text[0], "%ld", id);
    return slot;
}

static void show_peercred(const char *label, int fd) {
    struct ucred cred;
    memset(&cred, 0xff, sizeof cred);
    socklen_t length = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &length) < 0) {
        say("%s SO_PEERCRED: -1 %s\n", label, errno_name(errno));
        return;
    }
    /* A pid other than 0 or this process's would vary between runs: never print it. */
    const char *pid = cred.pid == getpid() ? "self" : cred.pid == 0 ? "0" : "another process";
    say("%s SO_PEERCRED: length %u pid %s uid %s gid %s\n", label, (unsigned)length, pid,
        id_name((long)(int)cred.uid, (long)(int)getuid()), id_name((long)(int)cred.gid, (long)(int)getgid()));
}

static void show_peersec(const char *label, int fd) {
    char context[256];
    memset(context, 0, sizeof context);
    socklen_t length = sizeof context - 1;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERSEC, context, &length) < 0) {
        say("%s SO_PEERSEC: -1 %s length %u\n", label, errno_name(errno), (unsigned)length);
        return;
    }
    say("%s SO_PEERSEC: length %u \"%.*s\"\n", label, (unsigned)length, (int)length, context);
}

static void show_peergroups(const char *label, int fd) {
    gid_t mine[256];
    int count = getgroups(256, mine);
    socklen_t wanted = count < 0 ? 0 : (socklen_t)((size_t)count * sizeof(gid_t));

    /* A buffer too small for the groups: Linux writes back the length it needs and fails
     * ERANGE (net/core/sock.c: sk_getsockopt, SO_PEERGROUPS). */
    gid_t groups[256];
    for (socklen_t given = 0; given < 4; given += 2) {
        socklen_t length = given;
        int result = getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &length);
        const char *relation = length == wanted ? "ngroups * sizeof(gid_t)" : length == given ? "unchanged" : "other";
        if (result < 0)
            say("%s SO_PEERGROUPS(optlen %u): -1 %s length %s\n", label, (unsigned)given, errno_name(errno), relation);
        else
            say("%s SO_PEERGROUPS(optlen %u): %d length %s\n", label, (unsigned)given, result, relation);
    }

    socklen_t length = sizeof groups;
    int result = getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &length);
    if (result < 0) {
        say("%s SO_PEERGROUPS(full buffer): -1 %s\n", label, errno_name(errno));
        return;
    }
    int same = length == wanted;
    for (size_t i = 0; same && i < length / sizeof(gid_t); i++) {
        int found = 0;
        for (int j = 0; j < count; j++) found |= groups[i] == mine[j];
        same = found;
    }
    say("%s SO_PEERGROUPS(full buffer): %d, %s\n", label, result,
        same ? "the groups of getgroups()" : "not the groups of getgroups()");
}

static void show_socket(const char *label, int fd) {
    show_int(label, fd, SO_TYPE, "SO_TYPE");
    show_int(label, fd, SO_DOMAIN, "SO_DOMAIN");
    show_int(label, fd, SO_PROTOCOL, "SO_PROTOCOL");
    show_int(label, fd, SO_ACCEPTCONN, "SO_ACCEPTCONN");
    show_int(label, fd, SO_ERROR, "SO_ERROR");
    show_int(label, fd, SO_PASSCRED, "SO_PASSCRED");
    show_int(label, fd, SO_SNDBUF, "SO_SNDBUF");
    show_int(label, fd, SO_RCVBUF, "SO_RCVBUF");
    show_peercred(label, fd);
    show_peersec(label, fd);
    show_peergroups(label, fd);
}

static void set_int(const char *label, int fd, int option, const char *option_name, int value) {
    char what[128];
    snprintf(what, sizeof what, "%s setsockopt(%s, %d)", label, option_name, value);
    report(what, setsockopt(fd, SOL_SOCKET, option, &value, sizeof value));
}

/* getsockopt(SO_TYPE) with a given optlen into a buffer of 0xff bytes: the return value, the
 * length written back and the bytes written. */
static void short_length(int fd, socklen_t given) {
    unsigned char value[8];
    memset(value, 0xff, sizeof value);
    socklen_t length = given;
    int result = getsockopt(fd, SOL_SOCKET, SO_TYPE, value, &length);
    if (result < 0) {
        say("getsockopt(SO_TYPE, optlen %d): -1 %s length %d\n", (int)given, errno_name(errno), (int)length);
        return;
    }
    say("getsockopt(SO_TYPE, optlen %d): %d length %d bytes %02x %02x %02x %02x %02x\n", (int)given, result,
        (int)length, value[0], value[1], value[2], value[3], value[4]);
}

static void bad_arguments(int fd) {
    int value = 0;
    socklen_t length;

    length = sizeof value;
    report("getsockopt(SOL_SOCKET, 9999)", getsockopt(fd, SOL_SOCKET, 9999, &value, &length));
    value = 1;
    report("setsockopt(SOL_SOCKET, 9999)", setsockopt(fd, SOL_SOCKET, 9999, &value, sizeof value));
    length = sizeof value;
    report("getsockopt(IPPROTO_TCP, TCP_NODELAY)", getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, &length));
    value = 1;
    report("setsockopt(IPPROTO_TCP, TCP_NODELAY)", setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, sizeof value));
    length = sizeof value;
    report("getsockopt(IPPROTO_IP, IP_TOS)", getsockopt(fd, IPPROTO_IP, IP_TOS, &value, &length));
    length = sizeof value;
    report("getsockopt(level 9999, 1)", getsockopt(fd, 9999, 1, &value, &length));

    short_length(fd, 0);
    short_length(fd, 1);
    short_length(fd, 2);
    short_length(fd, 3);
    short_length(fd, 8);
    short_length(fd, (socklen_t)-1);
    value = 1;
    report("setsockopt(SO_PASSCRED, optlen 2)", setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &value, 2));
    report("setsockopt(SO_PASSCRED, optlen 0)", setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &value, 0));

    report("getsockopt(SO_TYPE, optlen NULL)", getsockopt(fd, SOL_SOCKET, SO_TYPE, &value, NULL));
    report("getsockopt(SO_TYPE, optlen 0x1)", getsockopt(fd, SOL_SOCKET, SO_TYPE, &value, bad));
    socklen_t *read_only = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (read_only != MAP_FAILED) {
        *read_only = sizeof value;
        mprotect(read_only, 4096, PROT_READ);
        report("getsockopt(SO_TYPE, optlen read-only)", getsockopt(fd, SOL_SOCKET, SO_TYPE, &value, read_only));
        report("getsockopt(SO_PEERCRED, optlen read-only)",
               getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &value, read_only));
        munmap(read_only, 4096);
    }
    length = sizeof value;
    report("getsockopt(SO_TYPE, optval 0x1)", getsockopt(fd, SOL_SOCKET, SO_TYPE, bad, &length));
    report("getsockopt(SO_TYPE, optval NULL)", getsockopt(fd, SOL_SOCKET, SO_TYPE, NULL, &length));
    report("setsockopt(SO_PASSCRED, optval 0x1)", setsockopt(fd, SOL_SOCKET, SO_PASSCRED, bad, sizeof value));
    struct ucred cred;
    length = sizeof cred;
    report("getsockopt(SO_PEERCRED, optval 0x1)", getsockopt(fd, SOL_SOCKET, SO_PEERCRED, bad, &length));
    /* A short buffer gets the first bytes of the struct ucred. Not 4: that much is the pid
     * alone, which differs between the two runs that jvisor conform compares. */
    length = 8;
    memset(&cred, 0xff, sizeof cred);
    int result = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &length);
    if (result < 0) say("getsockopt(SO_PEERCRED, optlen 8): -1 %s\n", errno_name(errno));
    else say("getsockopt(SO_PEERCRED, optlen 8): %d length %u pid %s uid %s gid %s\n", result, (unsigned)length,
             cred.pid == getpid() ? "self" : "other", id_name((long)(int)cred.uid, (long)(int)getuid()),
             cred.gid == (gid_t)-1 ? "untouched" : "written");

    /* The socket must still answer after the bad calls. */
    show_int("after bad calls", fd, SO_TYPE, "SO_TYPE");
}

static void not_sockets(void) {
    int value = 0;
    socklen_t length = sizeof value;
    int pipes[2];
    if (pipe(pipes) == 0) {
        report("getsockopt(pipe, SO_TYPE)", getsockopt(pipes[0], SOL_SOCKET, SO_TYPE, &value, &length));
        value = 1;
        report("setsockopt(pipe, SO_PASSCRED)", setsockopt(pipes[0], SOL_SOCKET, SO_PASSCRED, &value, sizeof value));
        close(pipes[0]);
        close(pipes[1]);
    }
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    length = sizeof value;
    report("getsockopt(/dev/null, SO_TYPE)", getsockopt(null, SOL_SOCKET, SO_TYPE, &value, &length));
    close(null);
    length = sizeof value;
    report("getsockopt(-1, SO_TYPE)", getsockopt(-1, SOL_SOCKET, SO_TYPE, &value, &length));
    length = sizeof value;
    report("getsockopt(closed fd, SO_TYPE)", getsockopt(null, SOL_SOCKET, SO_TYPE, &value, &length));
}

int main(int argc, char **argv) {
    const struct unix_kind *kind = unix_kind_from_args(argc, argv);
    wmem_default = read_sysctl("/proc/sys/net/core/wmem_default");
    rmem_default = read_sysctl("/proc/sys/net/core/rmem_default");
    wmem_max = read_sysctl("/proc/sys/net/core/wmem_max");
    rmem_max = read_sysctl("/proc/sys/net/core/rmem_max");
    say("%s %s\n", PROBE, kind->name);

    /* With no supplementary groups a too-short SO_PEERGROUPS buffer is long enough; give the
     * process one (when it may) so that the ERANGE path runs. The kernel takes the peer's
     * groups when the pair is made, so do it first. */
    if (getgroups(0, NULL) == 0) {
        gid_t group = getgid();
        setgroups(1, &group);
    }

    struct unix_conn conn;
    unix_kind_connect(kind, PROBE, SOCK_CLOEXEC, &conn);

    say("== defaults\n");
    if (conn.listener >= 0) show_socket("listener", conn.listener);
    show_socket("a", conn.a);
    show_socket("b", conn.b);

    /* A socket that never connected has no peer credentials: pid 0, ids -1
     * (net/core/sock.c: cred_to_ucred without a cred). */
    int fresh = socket(AF_UNIX, kind->type | SOCK_CLOEXEC, 0);
    show_socket("unconnected", fresh);
    close(fresh);

    say("== SO_PASSCRED\n");
    set_int("a", conn.a, SO_PASSCRED, "SO_PASSCRED", 1);
    show_int("a", conn.a, SO_PASSCRED, "SO_PASSCRED");
    show_int("b", conn.b, SO_PASSCRED, "SO_PASSCRED");
    set_int("a", conn.a, SO_PASSCRED, "SO_PASSCRED", 7);
    show_int("a", conn.a, SO_PASSCRED, "SO_PASSCRED");
    set_int("a", conn.a, SO_PASSCRED, "SO_PASSCRED", 0);
    show_int("a", conn.a, SO_PASSCRED, "SO_PASSCRED");
    if (conn.listener >= 0) {
        set_int("listener", conn.listener, SO_PASSCRED, "SO_PASSCRED", 1);
        show_int("listener", conn.listener, SO_PASSCRED, "SO_PASSCRED");
    }

    say("== buffer sizes\n");
    /* Linux stores twice the requested size to leave room for bookkeeping, and at least
     * SOCK_MIN_SNDBUF/SOCK_MIN_RCVBUF (net/core/sock.c: sk_setsockopt, SO_SNDBUF). */
    set_int("a", conn.a, SO_SNDBUF, "SO_SNDBUF", 4096);
    show_int("a", conn.a, SO_SNDBUF, "SO_SNDBUF");
    show_int("b", conn.b, SO_SNDBUF, "SO_SNDBUF");
    set_int("a", conn.a, SO_RCVBUF, "SO_RCVBUF", 4096);
    show_int("a", conn.a, SO_RCVBUF, "SO_RCVBUF");
    show_int("b", conn.b, SO_RCVBUF, "SO_RCVBUF");
    set_int("b", conn.b, SO_SNDBUF, "SO_SNDBUF", 1);
    show_int("b", conn.b, SO_SNDBUF, "SO_SNDBUF");
    set_int("b", conn.b, SO_RCVBUF, "SO_RCVBUF", 1);
    show_int("b", conn.b, SO_RCVBUF, "SO_RCVBUF");
    set_int("b", conn.b, SO_SNDBUF, "SO_SNDBUF", -1);
    show_int("b", conn.b, SO_SNDBUF, "SO_SNDBUF");

    say("== bad options, lengths and pointers\n");
    bad_arguments(conn.a);
    not_sockets();

    say("== after the peer closed\n");
    close(conn.b);
    conn.b = -1;
    show_int("a", conn.a, SO_ERROR, "SO_ERROR");
    show_peercred("a", conn.a);
    show_int("a", conn.a, SO_ACCEPTCONN, "SO_ACCEPTCONN");

    unix_kind_close(&conn);
    say("done\n");
    return 0;
}
