/*
 * /proc/net/unix as a program sees its own sockets there (net/unix/af_unix.c:
 * unix_seq_show): for every socket it makes, the type, state (St), flags, reference count
 * and name of the line with its inode (fstat), and the lines of connections pending on its
 * listeners (inode 0, the listener's name). Made: stream and seqpacket listeners bound to a
 * path and to an abstract name, with a connected client, an accepted socket and a pending
 * connection each, a socket bound but not listening, an unbound one and a socketpair;
 * datagram sockets bound to a path and to an abstract name, one connected to each, an
 * unbound one and a socketpair. The table is read through the names of it under /proc/net
 * (open(2) with any flags, openat2, fopen, io_uring's OPENAT, a directory descriptor of
 * /proc/net, a working directory, a descriptor's link, /proc/PID/root) and must list the same. /proc/self/net/unix
 * and the other per-process names are not read: under jvisor they are the kernel's table
 * (README, Known differences).
 *
 *   proc-net-unix [others]
 *       "others" adds the number of lines that are not the probe's own (not comparable with
 *       a native run, where the host's sockets are listed too: 0 in a fresh sandbox).
 *   proc-net-unix hold COMMAND [ARG...]
 *       makes the same sockets, prints nothing of its own, runs COMMAND (a reader of the
 *       table: cat, ss) and exits with its status.
 *   proc-net-unix witness PATH NAME
 *       (natively) a listener bound to PATH and one bound to the abstract NAME; prints
 *       "ready" and waits for a line on stdin.
 *
 * Path names are relative (the probe runs in its working directory) and are removed at the
 * start and the end; abstract names carry the kind (the conformance trace compares them), so
 * that two runs at once natively would collide. The Num column (a kernel pointer, hashed) is
 * never printed.
 */
#include "probe.h"
#include "uring.h"

#include <fcntl.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

#define MAX_SOCKETS 64
#define MAX_LINES 4096

struct entry {
    unsigned long refs, protocol, flags, type, state, inode;
    char path[256];
};

static struct entry table[MAX_LINES];
static int table_size;

static struct {
    const char *label;
    int fd;
    unsigned long inode;
} own[MAX_SOCKETS];
static int own_count;
static char abstract_prefix[64];

static void die(const char *what) {
    fprintf(stderr, "proc-net-unix: %s: %s\n", what, errno_name(errno));
    exit(1);
}

static void keep(const char *label, int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0) die(label);
    own[own_count].label = label;
    own[own_count].fd = fd;
    own[own_count].inode = st.st_ino;
    own_count++;
}

/* Reads the table from FD (closing it) into table[]; returns the header line's text. */
static void parse(int fd, char *header, size_t header_size) {
    static char text[1 << 20];
    size_t used = 0;
    for (;;) {
        ssize_t got = read(fd, text + used, sizeof text - 1 - used);
        if (got < 0) die("read");
        if (got == 0) break;
        used += (size_t)got;
    }
    close(fd);
    text[used] = '\0';
    table_size = 0;
    char *line = text;
    int first = 1;
    while (*line != '\0') {
        char *end = strchr(line, '\n');
        if (end != NULL) *end = '\0';
        if (first) {
            size_t length = strlen(line) < header_size - 1 ? strlen(line) : header_size - 1;
            memcpy(header, line, length);
            header[length] = '\0';
            first = 0;
        } else if (table_size < MAX_LINES) {
            struct entry *e = &table[table_size];
            int at = 0;
            memset(e, 0, sizeof *e);
            if (sscanf(line, "%*[0-9a-f]: %lx %lx %lx %lx %lx %lu%n", &e->refs, &e->protocol, &e->flags, &e->type,
                       &e->state, &e->inode, &at) >= 6) {
                if (line[at] == ' ') {
                    size_t length = strlen(line + at + 1);
                    if (length >= sizeof e->path) length = sizeof e->path - 1;
                    memcpy(e->path, line + at + 1, length);
                    e->path[length] = '\0';
                }
                table_size++;
            }
        }
        if (end == NULL) break;
        line = end + 1;
    }
}

/* A name as printed. */
static const char *shown(const char *path) {
    return path;
}

static const struct entry *find(unsigned long inode) {
    for (int i = 0; i < table_size; i++)
        if (table[i].inode == inode) return &table[i];
    return NULL;
}

/* Every own socket's line, and the pending connections of the listeners named LISTENERS. */
static void report_own(const char *const *names, int count_others) {
    for (int i = 0; i < own_count; i++) {
        const struct entry *e = find(own[i].inode);
        if (e == NULL) {
            say("%s: not listed\n", own[i].label);
            continue;
        }
        say("%s: type %04lx state %02lx flags %08lx refs %lu protocol %lu path '%s'\n", own[i].label, e->type,
            e->state, e->flags, e->refs, e->protocol, shown(e->path));
    }
    for (int l = 0; names[l] != NULL; l++) {
        int pending = 0;
        unsigned long state = 0, flags = 0, type = 0;
        for (int i = 0; i < table_size; i++) {
            if (table[i].inode != 0 || strcmp(table[i].path, names[l]) != 0) continue;
            pending++;
            state = table[i].state, flags = table[i].flags, type = table[i].type;
        }
        say("pending on '%s': %d (type %04lx state %02lx flags %08lx)\n", shown(names[l]), pending, type, state,
            flags);
    }
    if (count_others) {
        int others = 0;
        for (int i = 0; i < table_size; i++) {
            int mine = 0;
            for (int j = 0; j < own_count; j++) mine |= table[i].inode == own[j].inode;
            for (int l = 0; names[l] != NULL; l++)
                mine |= table[i].inode == 0 && strcmp(table[i].path, names[l]) == 0;
            if (!mine) {
                others++;
                fprintf(stderr, "proc-net-unix: not its own: inode %lu '%s'\n", table[i].inode, table[i].path);
            }
        }
        say("entries not its own: %d\n", others);
    }
}

/* A digest of the own lines, to compare the table read through another name. */
static unsigned long digest(const char *const *names) {
    unsigned long sum = 0;
    for (int i = 0; i < own_count; i++) {
        const struct entry *e = find(own[i].inode);
        if (e == NULL) continue;
        sum = sum * 31 + e->inode + e->state * 7 + e->flags + e->type * 3 + e->refs;
        for (const char *c = e->path; *c; c++) sum = sum * 131 + (unsigned char)*c;
    }
    for (int l = 0; names[l] != NULL; l++)
        for (int i = 0; i < table_size; i++)
            if (table[i].inode == 0 && strcmp(table[i].path, names[l]) == 0) sum += 17;
    return sum;
}

static char pool[64][128];
static int pooled;

static const char *text(const char *format, const char *a, const char *b) {
    if (pooled == 64) die("pool");
    char *out = pool[pooled++];
    snprintf(out, sizeof pool[0], format, a, b);
    return out;
}

static const char *listeners[8];
static int listener_count;

static socklen_t address_of(struct sockaddr_un *address, const char *kind, int abstract) {
    memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    if (abstract) {
        snprintf(address->sun_path + 1, sizeof address->sun_path - 1, "%s-%s", abstract_prefix + 1, kind);
        listeners[listener_count++] = text("%s-%s", abstract_prefix, kind);
        return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(address->sun_path + 1));
    }
    snprintf(address->sun_path, sizeof address->sun_path, "pnu-%s.sock", kind);
    unlink(address->sun_path);
    listeners[listener_count++] = text("pnu-%s.sock%s", kind, "");
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(address->sun_path) + 1);
}

static int made(int fd, const char *what) {
    if (fd < 0) die(what);
    return fd;
}

static void pair(int type, const char *kind) {
    int ends[2];
    if (socketpair(AF_UNIX, type, 0, ends) != 0) die("socketpair");
    keep(text("%s pair first%s", kind, ""), ends[0]);
    keep(text("%s pair second%s", kind, ""), ends[1]);
}

/* A path and an abstract listener, each with a connected client, an accepted socket and a
 * pending connection; a socket bound but not listening; an unbound one; a pair. */
static void connection_kind(int type, const char *kind) {
    for (int abstract = 0; abstract < 2; abstract++) {
        const char *where = abstract ? "abstract" : "path";
        struct sockaddr_un address;
        socklen_t length = address_of(&address, kind, abstract);
        int server = made(socket(AF_UNIX, type, 0), "socket");
        if (bind(server, (struct sockaddr *)&address, length) != 0 || listen(server, 8) != 0) die("listener");
        keep(text("%s %s listener", kind, where), server);
        int client = made(socket(AF_UNIX, type, 0), "socket");
        if (connect(client, (struct sockaddr *)&address, length) != 0) die("connect");
        keep(text("%s %s client", kind, where), client);
        keep(text("%s %s accepted", kind, where), made(accept(server, NULL, NULL), "accept"));
        int pending = made(socket(AF_UNIX, type, 0), "socket");
        if (connect(pending, (struct sockaddr *)&address, length) != 0) die("connect");
        keep(text("%s %s pending client", kind, where), pending);
    }
    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    address.sun_family = AF_UNIX;
    snprintf(address.sun_path, sizeof address.sun_path, "pnu-%s-bound.sock", kind);
    unlink(address.sun_path);
    int bound = made(socket(AF_UNIX, type, 0), "socket");
    if (bind(bound, (struct sockaddr *)&address, sizeof address) != 0) die("bind");
    keep(text("%s bound%s", kind, ""), bound);
    keep(text("%s unbound%s", kind, ""), made(socket(AF_UNIX, type, 0), "socket"));
    pair(type, kind);
}

/* Datagram sockets bound to a path and to an abstract name, one connected to each, an
 * unbound one, a pair. */
static void datagram_kind(void) {
    for (int abstract = 0; abstract < 2; abstract++) {
        const char *where = abstract ? "abstract" : "path";
        struct sockaddr_un address;
        socklen_t length = address_of(&address, "dgram", abstract);
        listener_count--;   /* no connection is ever pending on a datagram socket */
        int receiver = made(socket(AF_UNIX, SOCK_DGRAM, 0), "socket");
        if (bind(receiver, (struct sockaddr *)&address, length) != 0) die("bind");
        keep(text("dgram %s bound%s", where, ""), receiver);
        int sender = made(socket(AF_UNIX, SOCK_DGRAM, 0), "socket");
        if (connect(sender, (struct sockaddr *)&address, length) != 0) die("connect");
        keep(text("dgram %s connected%s", where, ""), sender);
    }
    keep("dgram unbound", made(socket(AF_UNIX, SOCK_DGRAM, 0), "socket"));
    pair(SOCK_DGRAM, "dgram");
}

static void cleanup(void) {
    const char *files[] = {"pnu-stream.sock", "pnu-seqpacket.sock", "pnu-dgram.sock", "pnu-stream-bound.sock",
                           "pnu-seqpacket-bound.sock"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) unlink(files[i]);
}

/* The table read through another of its names: the same lines of the probe's own? */
static void via(const char *route, int fd, unsigned long expected) {
    if (fd < 0) {
        say("via %s: %s\n", route, errno_name(errno));
        return;
    }
    char header[256];
    parse(fd, header, sizeof header);
    say("via %s: %s\n", route, digest(listeners) == expected ? "the same" : "different");
}

static socklen_t path_address(struct sockaddr_un *address, const char *path) {
    memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    snprintf(address->sun_path, sizeof address->sun_path, "%s", path);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(address->sun_path) + 1);
}

static int witness(const char *path, const char *abstract) {
    struct sockaddr_un address;
    socklen_t length = path_address(&address, path);
    int by_path = made(socket(AF_UNIX, SOCK_STREAM, 0), "socket");
    if (bind(by_path, (struct sockaddr *)&address, length) != 0 || listen(by_path, 1) != 0) die("witness path");
    memset(&address, 0, sizeof address);
    address.sun_family = AF_UNIX;
    snprintf(address.sun_path + 1, sizeof address.sun_path - 1, "%s", abstract);
    length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(abstract));
    int by_name = made(socket(AF_UNIX, SOCK_STREAM, 0), "socket");
    if (bind(by_name, (struct sockaddr *)&address, length) != 0 || listen(by_name, 1) != 0) die("witness name");
    say("ready\n");
    char line[16];
    if (fgets(line, sizeof line, stdin) == NULL) {}
    unlink(path);
    return 0;
}

static int hold(char **command) {
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
        execvp(command[0], command);
        die(command[0]);
    }
    int status;
    if (waitpid(child, &status, 0) != child) die("waitpid");
    cleanup();
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "witness") == 0) return witness(argv[2], argv[3]);
    int count_others = argc > 1 && strcmp(argv[1], "others") == 0;
    snprintf(abstract_prefix, sizeof abstract_prefix, "@pnu");
    cleanup();
    connection_kind(SOCK_STREAM, "stream");
    connection_kind(SOCK_SEQPACKET, "seqpacket");
    datagram_kind();
    listeners[listener_count] = NULL;
    if (argc > 2 && strcmp(argv[1], "hold") == 0) return hold(argv + 2);

    int lowest = dup(0);
    if (lowest >= 0) close(lowest);
    int fd = open("/proc/net/unix", O_RDONLY);
    if (fd < 0) die("/proc/net/unix");
    say("open: the lowest free descriptor: %s\n", fd == lowest ? "yes" : "no");
    say("open: close-on-exec: %s\n", fcntl(fd, F_GETFD) & FD_CLOEXEC ? "yes" : "no");
    int flags = fcntl(fd, F_GETFL);
    say("open: access %s\n", (flags & O_ACCMODE) == O_RDONLY ? "O_RDONLY" : "other");
    say("write: %s\n", write(fd, "x", 1) < 0 ? errno_name(errno) : "written");
    struct stat st;
    say("fstat: %s\n", fstat(fd, &st) != 0 ? errno_name(errno) : S_ISREG(st.st_mode) ? "regular file" : "other");
    say("fstat: mode %o, size %lld\n", (unsigned)(st.st_mode & 07777), (long long)st.st_size);
    /* Reads at an offset, and a seek back: the header's bytes are the same whatever else the
     * table lists (natively the host's sockets come and go). */
    char middle[21] = {0};
    ssize_t got = pread(fd, middle, 20, 10);
    say("pread at 10: %zd bytes '%s'\n", got, got >= 0 ? middle : errno_name(errno));
    say("lseek to 0: %lld\n", (long long)lseek(fd, 0, SEEK_SET));
    char header[256];
    parse(fd, header, sizeof header);
    say("header: %s\n", header);
    report_own(listeners, count_others);
    unsigned long expected = digest(listeners);

    char path[128];
    via("open(2)", (int)syscall(SYS_open, "/proc/net/unix", O_RDONLY), expected);
    via("O_CLOEXEC", open("/proc/net/unix", O_RDONLY | O_CLOEXEC), expected);
    via("O_NOCTTY", open("/proc/net/unix", O_RDONLY | O_NOCTTY), expected);
    via("/proc/net/./unix", open("/proc/net/./unix", O_RDONLY), expected);
    snprintf(path, sizeof path, "/proc/%d/root/proc/net/unix", (int)getpid());
    via("/proc/PID/root/proc/net/unix", open(path, O_RDONLY), expected);
    int table = open("/proc/net/unix", O_RDONLY);
    snprintf(path, sizeof path, "/proc/self/fd/%d", table);
    via("/proc/self/fd/N of the table", open(path, O_RDONLY), expected);
    if (table >= 0) close(table);
    int net = open("/proc/net", O_RDONLY | O_DIRECTORY);
    if (net < 0) die("/proc/net");
    via("openat(/proc/net, unix)", openat(net, "unix", O_RDONLY), expected);
    snprintf(path, sizeof path, "/proc/self/fd/%d/unix", net);
    via("/proc/self/fd/N/unix", open(path, O_RDONLY), expected);
    int here = open(".", O_RDONLY | O_DIRECTORY);
    if (here < 0 || fchdir(net) != 0) die("chdir");
    via("unix in /proc/net", open("unix", O_RDONLY), expected);
    if (fchdir(here) != 0) die("fchdir");
    close(here);
    close(net);
    struct {
        unsigned long long flags, mode, resolve;
    } how = {O_RDONLY, 0, 0};
    int opened2 = (int)syscall(SYS_openat2, AT_FDCWD, "/proc/net/unix", &how, sizeof how);
    if (opened2 < 0 && errno == ENOSYS) say("via openat2: ENOSYS\n");
    else via("openat2", opened2, expected);
    struct uring ring;
    if (uring_init(&ring, 4, 0) < 0) {
        say("via io_uring OPENAT: io_uring_setup %s\n", errno_name(errno));
    } else {
        struct uring_sqe sqe = uring_sqe_of(OP_OPENAT, AT_FDCWD, "/proc/net/unix", 0, 0);
        sqe.op_flags = O_RDONLY | O_CLOEXEC;
        int opened = uring_run(&ring, &sqe);
        if (opened < 0) say("via io_uring OPENAT: %d\n", opened);
        else via("io_uring OPENAT", opened, expected);
        uring_free(&ring);
    }
    FILE *stream = fopen("/proc/net/unix", "r");
    int copy = stream == NULL ? -1 : dup(fileno(stream));
    if (stream != NULL) fclose(stream);
    via("fopen", copy, expected);
    lowest = dup(0);
    if (lowest >= 0) close(lowest);
    how.flags = O_RDONLY | O_CLOEXEC;
    int cloexec = (int)syscall(SYS_openat2, AT_FDCWD, "/proc/net/unix", &how, sizeof how);
    if (cloexec >= 0) {
        say("openat2 O_CLOEXEC: the lowest free descriptor: %s, close-on-exec: %s\n", cloexec == lowest ? "yes" : "no",
            fcntl(cloexec, F_GETFD) & FD_CLOEXEC ? "yes" : "no");
        via("openat2 O_CLOEXEC", cloexec, expected);
    } else {
        say("openat2 O_CLOEXEC: %s\n", errno_name(errno));
    }
    cleanup();
    return 0;
}
