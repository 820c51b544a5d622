/*
 * Credentials on AF_UNIX connections: SO_PEERCRED (taken at socketpair, listen and connect
 * time, by whichever process made the call, with its effective ids), SO_PEERGROUPS,
 * SO_PASSCRED, and SCM_CREDENTIALS (filled in by the kernel, or stated by the sender and
 * checked: root may state any pid and ids, an unprivileged sender only its own).
 *
 *   unix-creds KIND   (KIND as in unix-kind.h)
 *
 * Several processes take part; a process id prints as the name of the process it is ("main",
 * "listening child", ...), never as a number. User and group ids print as numbers: the probe
 * runs as root and sets 65534 and the other ids it prints itself (and its own supplementary
 * groups, 0 and 7). Sections that need root
 * say so and are skipped without it. For path kinds the probe works in a subdirectory of the
 * working directory that every user may enter, so that children with other ids can reach the
 * socket files; it is removed at the end.
 */
#include "probe.h"
#include "unix-kind.h"

#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define PROBE "unix-creds"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59
#endif

#define NOBODY 65534

static const struct unix_kind *kind;
static pid_t main_pid;
static int is_root;
static char directory[128];
static int saved_cwd = -1;

/* ---- naming processes ---- */

static struct {
    pid_t pid;
    char name[48];
} processes[64];
static int process_count;

static void name_process(pid_t pid, const char *name) {
    if (process_count == (int)(sizeof processes / sizeof processes[0])) return;
    processes[process_count].pid = pid;
    snprintf(processes[process_count].name, sizeof processes[process_count].name, "%s", name);
    process_count++;
}

static const char *pid_name(pid_t pid) {
    if (pid == 0) return "0";
    if (pid == main_pid) return "main";
    for (int i = process_count - 1; i >= 0; i--)
        if (processes[i].pid == pid) return processes[i].name;
    return "another process";
}

static const char *cred_text(const struct ucred *cred) {
    static char text[4][128];
    static int next;
    char *out = text[next++ % 4];
    snprintf(out, sizeof text[0], "pid %s uid %d gid %d", pid_name(cred->pid), (int)cred->uid, (int)cred->gid);
    return out;
}

/* ---- children ---- */

struct gate {
    int fds[2];
};

static void gate_open(struct gate *gate) {
    if (pipe2(gate->fds, O_CLOEXEC) < 0) {
        say("setup pipe: -1 %s\n", errno_name(errno));
        exit(1);
    }
}

static void gate_pass(struct gate *gate) {
    if (write(gate->fds[1], "g", 1) != 1) say("  gate write failed\n");
}

static void gate_wait(struct gate *gate) {
    char token;
    if (read(gate->fds[0], &token, 1) != 1) say("  gate read failed\n");
}

static void gate_close(struct gate *gate) {
    close(gate->fds[0]);
    close(gate->fds[1]);
}

typedef void (*child_body)(void *argument);

/* Forks a named child that runs BODY and exits 0. */
static pid_t start_child(const char *name, child_body body, void *argument) {
    pid_t pid = fork();
    if (pid < 0) {
        say("setup fork: -1 %s\n", errno_name(errno));
        exit(1);
    }
    if (pid == 0) {
        name_process(getpid(), name);
        body(argument);
        _exit(0);
    }
    name_process(pid, name);
    return pid;
}

static void finish_child(pid_t pid) {
    int status = 0;
    if (waitpid(pid, &status, 0) < 0) {
        say("  waitpid %s: -1 %s\n", pid_name(pid), errno_name(errno));
        return;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        say("  %s ended abnormally (status 0x%x)\n", pid_name(pid), (unsigned)status);
}

/* The ids a child takes before it acts. */
enum ids { IDS_ROOT, IDS_NOBODY, IDS_REAL_NOBODY, IDS_SAVED_ROOT };

static const char *ids_name(enum ids ids) {
    switch (ids) {
    case IDS_ROOT: return "as root";
    case IDS_NOBODY: return "uid and gid 65534, groups 30 10 20";
    case IDS_REAL_NOBODY: return "real uid and gid 65534, effective 0";
    case IDS_SAVED_ROOT: return "real and effective 65534, saved 0";
    }
    return "?";
}

static void take_ids(enum ids ids) {
    int result = 0;
    switch (ids) {
    case IDS_ROOT: return;
    case IDS_NOBODY: {
        gid_t groups[] = {30, 10, 20};
        result |= setgroups(3, groups);
        result |= setresgid(NOBODY, NOBODY, NOBODY);
        result |= setresuid(NOBODY, NOBODY, NOBODY);
        break;
    }
    case IDS_REAL_NOBODY:
        result |= setresgid(NOBODY, 0, 0);
        result |= setresuid(NOBODY, 0, 0);
        break;
    case IDS_SAVED_ROOT:
        result |= setgroups(0, NULL);
        result |= setresgid(NOBODY, NOBODY, 0);
        result |= setresuid(NOBODY, NOBODY, 0);
        break;
    }
    if (result < 0) {
        say("  take ids (%s): -1 %s\n", ids_name(ids), errno_name(errno));
        _exit(3);
    }
}

/* ---- socket helpers ---- */

/* A name for an extra socket of this probe: the kind's naming, abstract for pair kinds. */
static void extra_name(const char *suffix, struct sockaddr_un *address, socklen_t *length) {
    struct unix_kind named = *kind;
    if (named.naming == UNIX_PAIR) named.naming = UNIX_ABSTRACT;
    char probe[64];
    snprintf(probe, sizeof probe, "%s-%s", PROBE, suffix);
    unix_kind_address(&named, probe, address, length);
    if (named.naming == UNIX_PATH) unlink(address->sun_path);
}

static void unlink_name(const struct sockaddr_un *address) {
    if (kind->naming == UNIX_PATH) unlink(address->sun_path);
}

static int new_socket(void) {
    int fd = socket(AF_UNIX, kind->type | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        say("setup socket: -1 %s\n", errno_name(errno));
        exit(1);
    }
    return fd;
}

static void show_peercred(const char *label, int fd) {
    struct ucred cred;
    memset(&cred, 0xff, sizeof cred);
    socklen_t length = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &length) < 0) {
        say("  %s SO_PEERCRED: -1 %s\n", label, errno_name(errno));
        return;
    }
    say("  %s SO_PEERCRED: length %u %s\n", label, (unsigned)length, cred_text(&cred));
}

static void show_peergroups(const char *label, int fd) {
    gid_t groups[64];
    for (socklen_t given = 0; given <= 4; given += 4) {
        socklen_t length = given;
        int result = getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &length);
        if (result < 0)
            say("  %s SO_PEERGROUPS(optlen %u): -1 %s length %u\n", label, (unsigned)given, errno_name(errno),
                (unsigned)length);
        else say("  %s SO_PEERGROUPS(optlen %u): %d length %u\n", label, (unsigned)given, result, (unsigned)length);
    }
    socklen_t length = sizeof groups;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &length) < 0) {
        say("  %s SO_PEERGROUPS: -1 %s\n", label, errno_name(errno));
        return;
    }
    char text[512];
    size_t used = 0;
    text[0] = '\0';
    for (size_t i = 0; i < length / sizeof(gid_t) && used < sizeof text - 16; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, " %d", (int)groups[i]);
    say("  %s SO_PEERGROUPS: length %u groups%s\n", label, (unsigned)length, used ? text : " none");
}

static void show_passcred(const char *label, int fd) {
    int value = -1;
    socklen_t length = sizeof value;
    if (getsockopt(fd, SOL_SOCKET, SO_PASSCRED, &value, &length) < 0)
        say("  %s SO_PASSCRED: -1 %s\n", label, errno_name(errno));
    else say("  %s SO_PASSCRED: %d\n", label, value);
}

static void set_passcred(const char *label, int fd, int value) {
    char what[64];
    snprintf(what, sizeof what, "  %s setsockopt(SO_PASSCRED, %d)", label, value);
    report(what, setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &value, sizeof value));
}

/* getsockname as text: the escaped name, or the autobind form (a NUL and five hex digits,
 * which differ in every run). */
static const char *name_text(const struct sockaddr_un *address, socklen_t length) {
    static char text[4][4 * sizeof address->sun_path + 64];
    static int next;
    char *out = text[next++ % 4];
    socklen_t family = (socklen_t)offsetof(struct sockaddr_un, sun_path);
    if (length == family + 6 && address->sun_path[0] == '\0') {
        int hex = 1;
        for (int i = 1; i < 6; i++)
            hex &= (address->sun_path[i] >= '0' && address->sun_path[i] <= '9') ||
                   (address->sun_path[i] >= 'a' && address->sun_path[i] <= 'f');
        if (hex) {
            snprintf(out, sizeof text[0], "len %u autobind name", (unsigned)length);
            return out;
        }
    }
    char escaped[4 * sizeof address->sun_path + 1];
    escape_bytes(escaped, sizeof escaped, address->sun_path, length > family ? length - family : 0);
    snprintf(out, sizeof text[0], "len %u \"%s\"", (unsigned)length, escaped);
    return out;
}

static int get_name(int fd, int peer, struct sockaddr_un *address, socklen_t *length) {
    memset(address, 0, sizeof *address);
    *length = sizeof *address;
    return peer ? getpeername(fd, (struct sockaddr *)address, length)
                : getsockname(fd, (struct sockaddr *)address, length);
}

static void show_name(const char *label, int fd, int peer) {
    struct sockaddr_un address;
    socklen_t length;
    if (get_name(fd, peer, &address, &length) < 0)
        say("  %s %s: -1 %s\n", peer ? "getpeername" : "getsockname", label, errno_name(errno));
    else say("  %s %s: %s\n", peer ? "getpeername" : "getsockname", label, name_text(&address, length));
}

/* Whether getpeername(PEER_SIDE) is the same address as getsockname(NAMED_SIDE). */
static void show_same_name(const char *label, int peer_side, int named_side) {
    struct sockaddr_un peer, own;
    socklen_t peer_length, own_length;
    if (get_name(peer_side, 1, &peer, &peer_length) < 0 || get_name(named_side, 0, &own, &own_length) < 0) {
        say("  %s: -1 %s\n", label, errno_name(errno));
        return;
    }
    say("  %s: %d\n", label, peer_length == own_length && memcmp(&peer, &own, own_length) == 0);
}

/* ---- sending and receiving credentials ---- */

union control {
    struct cmsghdr align;
    char bytes[512];
};

static void do_send(const char *label, int fd, const char *text) {
    ssize_t result = send(fd, text, strlen(text), MSG_NOSIGNAL);
    if (result < 0) say("  send %s \"%s\": -1 %s\n", label, text, errno_name(errno));
    else say("  send %s \"%s\": %zd\n", label, text, result);
}

/* sendmsg with COUNT SCM_CREDENTIALS messages (the last CMSG_LEN is LENGTH) and, if FD >= 0,
 * an SCM_RIGHTS message after them. */
static ssize_t send_creds(const char *label, int fd, const char *text, const struct ucred *creds, int count,
                          size_t last_length, int pass_fd) {
    union control control;
    memset(&control, 0, sizeof control);
    struct msghdr header = {.msg_control = control.bytes, .msg_controllen = sizeof control.bytes};
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&header);
    size_t used = 0;
    for (int i = 0; i < count; i++) {
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_CREDENTIALS;
        cmsg->cmsg_len = i == count - 1 ? last_length : CMSG_LEN(sizeof(struct ucred));
        memcpy(CMSG_DATA(cmsg), &creds[i], sizeof creds[i]);
        used += CMSG_SPACE(sizeof(struct ucred));
        cmsg = (struct cmsghdr *)(control.bytes + used);
    }
    if (pass_fd >= 0) {
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &pass_fd, sizeof(int));
        used += CMSG_SPACE(sizeof(int));
    }
    struct iovec iov = {.iov_base = (void *)text, .iov_len = strlen(text)};
    header.msg_iov = &iov;
    header.msg_iovlen = 1;
    header.msg_controllen = used;
    if (used == 0) header.msg_control = NULL;
    ssize_t result = sendmsg(fd, &header, MSG_NOSIGNAL);
    char stated[160] = "";
    if (count > 0)
        snprintf(stated, sizeof stated, " stating %s%s", cred_text(&creds[count - 1]),
                 last_length != CMSG_LEN(sizeof(struct ucred)) ? " (cmsg_len other)" : "");
    if (count > 1) strncat(stated, " (last of two)", sizeof stated - strlen(stated) - 1);
    if (pass_fd >= 0) strncat(stated, " with SCM_RIGHTS", sizeof stated - strlen(stated) - 1);
    if (result < 0) say("  sendmsg %s \"%s\"%s: -1 %s\n", label, text, stated, errno_name(errno));
    else say("  sendmsg %s \"%s\"%s: %zd\n", label, text, stated, result);
    return result;
}

static ssize_t send_stated(const char *label, int fd, const char *text, pid_t pid, uid_t uid, gid_t gid) {
    struct ucred cred = {.pid = pid, .uid = uid, .gid = gid};
    return send_creds(label, fd, text, &cred, 1, CMSG_LEN(sizeof cred), -1);
}


/* recvmsg with CONTROLLEN bytes of control buffer (0: none); prints data, flags and the
 * control messages, credentials as names and numbers. Returns the result. */
static ssize_t recv_creds(const char *label, int fd, size_t controllen, int flags) {
    union control control;
    char data[128], text[4 * sizeof data + 1];
    memset(&control, 0, sizeof control);
    struct iovec iov = {.iov_base = data, .iov_len = sizeof data};
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = controllen ? control.bytes : NULL,
                             .msg_controllen = controllen};
    ssize_t result = recvmsg(fd, &message, flags | MSG_DONTWAIT);
    if (result < 0) {
        say("  recvmsg %s ctl %zu %s: -1 %s\n", label, controllen, msg_flag_names(flags), errno_name(errno));
        return result;
    }
    escape_bytes(text, sizeof text, data, (size_t)result);
    say("  recvmsg %s ctl %zu %s: %zd \"%s\" msg_flags %s controllen %zu\n", label, controllen, msg_flag_names(flags),
        result, text, msg_flag_names(message.msg_flags), (size_t)message.msg_controllen);
    for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message); cmsg; cmsg = CMSG_NXTHDR(&message, cmsg)) {
        if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_CREDENTIALS &&
            cmsg->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
            struct ucred cred;
            memcpy(&cred, CMSG_DATA(cmsg), sizeof cred);
            say("    SCM_CREDENTIALS len %zu %s\n", (size_t)cmsg->cmsg_len, cred_text(&cred));
        } else if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS) {
            int count = (int)((cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            say("    SCM_RIGHTS len %zu, %d fds\n", (size_t)cmsg->cmsg_len, count);
            for (int i = 0; i < count; i++) {
                int received;
                memcpy(&received, CMSG_DATA(cmsg) + sizeof(int) * (size_t)i, sizeof received);
                close(received);
            }
        } else {
            say("    cmsg level %d type %d len %zu\n", cmsg->cmsg_level, cmsg->cmsg_type, (size_t)cmsg->cmsg_len);
        }
    }
    return result;
}

/* Receives everything queued, one recvmsg at a time. */
static void drain(const char *label, int fd) {
    for (int i = 0; i < 16; i++)
        if (recv_creds(label, fd, sizeof(union control), 0) < 0) break;
}

/* ---- sections ---- */

static void fresh(struct unix_conn *conn) {
    unix_kind_connect(kind, PROBE, SOCK_CLOEXEC, conn);
}

static void section(struct unix_conn *conn, const char *title) {
    unix_kind_close(conn);
    say("== %s\n", title);
    fresh(conn);
}

static int need_root(void) {
    if (!is_root) say("  skipped: needs root\n");
    return is_root;
}

static void unconnected(void) {
    /* No peer, no credentials: pid 0 and ids -1 (net/core/sock.c: cred_to_ucred); a listener
     * reports its own, taken at listen (net/unix/af_unix.c: unix_listen). */
    say("== sockets that are not connected\n");
    int fd = new_socket();
    show_peercred("new socket", fd);
    struct sockaddr_un address;
    socklen_t length;
    extra_name("bound", &address, &length);
    report("  bind", bind(fd, (struct sockaddr *)&address, length));
    show_peercred("bound socket", fd);
    report("  listen", listen(fd, 4));
    show_peercred("listener", fd);
    struct ucred cred[2];
    memset(cred, 0xff, sizeof cred);
    socklen_t big = sizeof cred;
    int result = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &big);
    say("  listener SO_PEERCRED(optlen %zu): %d length %u\n", sizeof cred, result, (unsigned)big);
    close(fd);
    unlink_name(&address);
}

struct peer_child_arguments {
    struct unix_conn *conn;
};

static void peer_child(void *argument) {
    struct peer_child_arguments *arguments = argument;
    show_peercred("child: a", arguments->conn->a);
    show_peercred("child: b", arguments->conn->b);
}

static void connected(struct unix_conn *c) {
    section(c, "a connected pair made by main");
    show_peercred("a", c->a);
    show_peercred("b", c->b);
    if (c->listener >= 0) show_peercred("listener", c->listener);
    struct peer_child_arguments arguments = {c};
    finish_child(start_child("child", peer_child, &arguments));
    say("  close b\n");
    close(c->b);
    c->b = -1;
    show_peercred("a", c->a);
    report("  shutdown a SHUT_RDWR", shutdown(c->a, SHUT_RDWR));
    show_peercred("a", c->a);
}

/* ---- listener and client in different processes ---- */

struct listener_arguments {
    struct sockaddr_un address;
    socklen_t length;
    struct gate ready, go, done;
};

static void listening_child(void *argument) {
    struct listener_arguments *arguments = argument;
    int listener = new_socket();
    if (bind(listener, (struct sockaddr *)&arguments->address, arguments->length) < 0 || listen(listener, 4) < 0) {
        say("  listening child: bind/listen: -1 %s\n", errno_name(errno));
        _exit(3);
    }
    show_peercred("listening child: listener", listener);
    gate_pass(&arguments->ready);
    gate_wait(&arguments->go);
    int accepted = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (accepted < 0) say("  listening child: accept4: -1 %s\n", errno_name(errno));
    else {
        show_peercred("listening child: accepted", accepted);
        show_peergroups("listening child: accepted", accepted);
    }
    gate_pass(&arguments->done);
    gate_wait(&arguments->go);
    close(listener);
    unlink_name(&arguments->address);
}

static void listener_elsewhere(void) {
    say("== listener in a child, client in main\n");
    if (kind->naming == UNIX_PAIR) {
        say("  not for socketpair kinds\n");
        return;
    }
    struct listener_arguments arguments;
    extra_name("child-listener", &arguments.address, &arguments.length);
    gate_open(&arguments.ready);
    gate_open(&arguments.go);
    gate_open(&arguments.done);
    pid_t child = start_child("listening child", listening_child, &arguments);
    gate_wait(&arguments.ready);
    int client = new_socket();
    report("  connect client", connect(client, (struct sockaddr *)&arguments.address, arguments.length));
    show_peercred("client", client);
    gate_pass(&arguments.go);
    gate_wait(&arguments.done);
    gate_pass(&arguments.go);
    finish_child(child);
    say("  the listening child has exited\n");
    show_peercred("client", client);
    close(client);
    gate_close(&arguments.ready);
    gate_close(&arguments.go);
    gate_close(&arguments.done);
}

/* ---- listen and connect with other ids ---- */

struct act_arguments {
    enum ids ids;
    int fd;
    struct sockaddr_un address;
    socklen_t length;
    int listen;           /* listen(fd) instead of connect(fd, address) */
};

static void acting_child(void *argument) {
    struct act_arguments *arguments = argument;
    take_ids(arguments->ids);
    if (arguments->listen) report("  child: listen", listen(arguments->fd, 4));
    else {
        report("  child: connect", connect(arguments->fd, (struct sockaddr *)&arguments->address, arguments->length));
        show_peercred("child: client", arguments->fd);
    }
}

static void other_ids(void) {
    /* The credentials are those of the process that calls listen or connect, with its
     * effective ids (net/unix/af_unix.c: init_peercred; net/core/sock.c: cred_to_ucred). */
    say("== listen and connect by children with other ids\n");
    if (kind->naming == UNIX_PAIR) {
        say("  not for socketpair kinds\n");
        return;
    }
    if (!need_root()) return;
    struct act_arguments arguments;
    memset(&arguments, 0, sizeof arguments);
    extra_name("ids", &arguments.address, &arguments.length);
    int listener = new_socket();
    report("  main: bind", bind(listener, (struct sockaddr *)&arguments.address, arguments.length));
    arguments.fd = listener;
    arguments.listen = 1;
    arguments.ids = IDS_NOBODY;
    say("  listening child (%s) listens on main's socket\n", ids_name(arguments.ids));
    finish_child(start_child("listening child", acting_child, &arguments));
    show_peercred("listener", listener);

    static const enum ids connectors[] = {IDS_ROOT, IDS_NOBODY, IDS_REAL_NOBODY};
    static const char *const names[] = {"connecting child 1", "connecting child 2", "connecting child 3"};
    for (int i = 0; i < 3; i++) {
        int client = new_socket();
        arguments.fd = client;
        arguments.listen = 0;
        arguments.ids = connectors[i];
        say("  %s (%s) connects main's socket\n", names[i], ids_name(arguments.ids));
        finish_child(start_child(names[i], acting_child, &arguments));
        show_peercred("main: client", client);
        int accepted = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        if (accepted < 0) say("  accept4: -1 %s\n", errno_name(errno));
        else {
            show_peercred("main: accepted", accepted);
            show_peergroups("main: accepted", accepted);
            close(accepted);
        }
        close(client);
    }

    say("  main listens again\n");
    report("  main: listen", listen(listener, 4));
    show_peercred("listener", listener);
    int client = new_socket();
    report("  main: connect", connect(client, (struct sockaddr *)&arguments.address, arguments.length));
    show_peercred("main: client", client);
    close(client);
    close(listener);
    unlink_name(&arguments.address);
}

/* ---- a pair made by another process ---- */

struct maker_arguments {
    enum ids ids;
    int channel;          /* main receives the pair's ends over this */
};

static void making_child(void *argument) {
    struct maker_arguments *arguments = argument;
    take_ids(arguments->ids);
    struct unix_conn inner;
    unix_kind_connect(kind, PROBE "-made", SOCK_CLOEXEC, &inner);
    int one = 1;
    setsockopt(inner.b, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    if (send(inner.a, "from the maker", 14, 0) != 14) say("  maker: send failed\n");
    union control control;
    memset(&control, 0, sizeof control);
    struct msghdr header = {.msg_control = control.bytes, .msg_controllen = CMSG_SPACE(2 * sizeof(int))};
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&header);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(2 * sizeof(int));
    memcpy(CMSG_DATA(cmsg), (int[]){inner.a, inner.b}, 2 * sizeof(int));
    struct iovec iov = {.iov_base = "ends", .iov_len = 4};
    header.msg_iov = &iov;
    header.msg_iovlen = 1;
    report("  maker: sendmsg both ends", sendmsg(arguments->channel, &header, MSG_NOSIGNAL));
    unix_kind_close(&inner);
}

static void made_elsewhere(struct unix_conn *c) {
    static const enum ids makers[] = {IDS_ROOT, IDS_NOBODY, IDS_REAL_NOBODY};
    static const char *const names[] = {"making child 1", "making child 2", "making child 3"};
    for (int i = 0; i < 3; i++) {
        char title[160];
        snprintf(title, sizeof title, "a pair made by a child (%s), passed to main", ids_name(makers[i]));
        section(c, title);
        if (makers[i] != IDS_ROOT && !need_root()) continue;
        struct maker_arguments arguments = {makers[i], c->a};
        finish_child(start_child(names[i], making_child, &arguments));
        union control control;
        char data[16];
        struct iovec iov = {.iov_base = data, .iov_len = sizeof data};
        struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.bytes,
                                 .msg_controllen = sizeof control.bytes};
        ssize_t result = recvmsg(c->b, &message, MSG_DONTWAIT);
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
        if (result < 0 || !cmsg || cmsg->cmsg_type != SCM_RIGHTS || cmsg->cmsg_len != CMSG_LEN(2 * sizeof(int))) {
            say("  recvmsg: no pair (%zd %s)\n", result, result < 0 ? errno_name(errno) : "");
            continue;
        }
        int ends[2];
        memcpy(ends, CMSG_DATA(cmsg), sizeof ends);
        show_peercred("main: received a", ends[0]);
        show_peercred("main: received b", ends[1]);
        show_peergroups("main: received a", ends[0]);
        recv_creds("received b", ends[1], sizeof(union control), 0);
        set_passcred("received b", ends[1], 1);
        do_send("received a", ends[0], "from main");
        recv_creds("received b", ends[1], sizeof(union control), 0);
        close(ends[0]);
        close(ends[1]);
    }
}

/* ---- SO_PASSCRED ---- */

static void passcred(struct unix_conn *c) {
    section(c, "SO_PASSCRED");
    show_passcred("a", c->a);
    show_passcred("b", c->b);
    set_passcred("b", c->b, 1);
    show_passcred("b", c->b);
    show_passcred("a", c->a);
    set_passcred("b", c->b, 5);
    show_passcred("b", c->b);
    set_passcred("b", c->b, 0);
    show_passcred("b", c->b);
    int value = 1;
    report("  b setsockopt(SO_PASSCRED, optlen 1)", setsockopt(c->b, SOL_SOCKET, SO_PASSCRED, &value, 1));
    report("  b setsockopt(SO_PASSCRED, optval NULL)", setsockopt(c->b, SOL_SOCKET, SO_PASSCRED, NULL, sizeof value));
    show_passcred("b", c->b);

    /* A sender with SO_PASSCRED and no name gets one (net/unix/af_unix.c: unix_autobind,
     * from unix_dgram_sendmsg, which SOCK_SEQPACKET uses). */
    say("== SO_PASSCRED on an unnamed sender\n");
    show_name("a", c->a, 0);
    set_passcred("a", c->a, 1);
    show_name("a", c->a, 0);
    do_send("a", c->a, "x");
    show_name("a", c->a, 0);
    show_same_name("getpeername b == getsockname a", c->b, c->a);
    recv_creds("b", c->b, sizeof(union control), 0);

    if (c->listener < 0) return;
    /* An accepted socket takes SO_PASSCRED from its listener (unix_sock_inherit_flags), and a
     * client with SO_PASSCRED is named when it connects. */
    say("== SO_PASSCRED on the listener and on a connecting client\n");
    set_passcred("listener", c->listener, 1);
    int client = new_socket();
    set_passcred("client", client, 1);
    report("  connect client", connect(client, (struct sockaddr *)&c->address, c->address_length));
    show_name("client", client, 0);
    int accepted = accept4(c->listener, NULL, NULL, SOCK_CLOEXEC);
    if (accepted >= 0) {
        show_passcred("accepted", accepted);
        show_same_name("getpeername accepted == getsockname client", accepted, client);
        do_send("client", client, "hello");
        recv_creds("accepted", accepted, sizeof(union control), 0);
        close(accepted);
    }
    close(client);
    set_passcred("listener", c->listener, 0);
    client = new_socket();
    report("  connect another client", connect(client, (struct sockaddr *)&c->address, c->address_length));
    accepted = accept4(c->listener, NULL, NULL, SOCK_CLOEXEC);
    if (accepted >= 0) {
        show_passcred("accepted", accepted);
        close(accepted);
    }
    show_name("client", client, 0);
    close(client);
}

/* ---- SCM_CREDENTIALS filled in by the kernel ---- */

struct sender_arguments {
    int fd;
    const char *text;
};

static void sending_child(void *argument) {
    struct sender_arguments *arguments = argument;
    do_send("child: a", arguments->fd, arguments->text);
}

static void from_child(int fd, const char *name, const char *text) {
    struct sender_arguments arguments = {fd, text};
    finish_child(start_child(name, sending_child, &arguments));
}

static void kernel_creds(struct unix_conn *c) {
    section(c, "SCM_CREDENTIALS the kernel fills in");
    set_passcred("b", c->b, 1);
    do_send("main: a", c->a, "m1");
    recv_creds("b", c->b, sizeof(union control), 0);
    from_child(c->a, "sending child 1", "c1");
    recv_creds("b", c->b, sizeof(union control), 0);

    /* A stream receive never joins data of different writers while SO_PASSCRED is set
     * (unix_stream_read_generic: unix_skb_scm_eq). */
    say("== data of several writers\n");
    do_send("main: a", c->a, "ab");
    from_child(c->a, "sending child 2", "cd");
    do_send("main: a", c->a, "ef");
    do_send("main: a", c->a, "gh");
    drain("b", c->b);
    set_passcred("b", c->b, 0);
    do_send("main: a", c->a, "ab");
    from_child(c->a, "sending child 3", "cd");
    do_send("main: a", c->a, "ef");
    drain("b", c->b);

    say("== SO_PASSCRED set after the data was queued, and on the sender only\n");
    do_send("main: a", c->a, "queued");
    set_passcred("b", c->b, 1);
    recv_creds("b", c->b, sizeof(union control), 0);
    set_passcred("b", c->b, 0);
    set_passcred("a", c->a, 1);
    do_send("main: a", c->a, "sender only");
    recv_creds("b", c->b, sizeof(union control), 0);
    set_passcred("a", c->a, 0);

    say("== control room\n");
    set_passcred("b", c->b, 1);
    static const size_t rooms[] = {0, 8, sizeof(struct cmsghdr), CMSG_LEN(sizeof(struct ucred)) - 4,
                                   CMSG_LEN(sizeof(struct ucred)), CMSG_SPACE(sizeof(struct ucred))};
    for (size_t i = 0; i < sizeof rooms / sizeof rooms[0]; i++) {
        do_send("main: a", c->a, "room");
        recv_creds("b", c->b, rooms[i], 0);
    }
    do_send("main: a", c->a, "peek");
    recv_creds("b", c->b, sizeof(union control), MSG_PEEK);
    recv_creds("b", c->b, sizeof(union control), 0);
    do_send("main: a", c->a, "read");
    char buffer[64];
    ssize_t n = read(c->b, buffer, sizeof buffer);
    if (n < 0) say("  read b: -1 %s\n", errno_name(errno));
    else say("  read b: %zd \"%.*s\"\n", n, (int)n, buffer);

    say("== credentials and descriptors in one message\n");
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    send_creds("main: a", c->a, "both", NULL, 0, 0, null);
    recv_creds("b", c->b, sizeof(union control), 0);
    struct ucred mine = {.pid = main_pid, .uid = getuid(), .gid = getgid()};
    send_creds("main: a", c->a, "both, stated", &mine, 1, CMSG_LEN(sizeof mine), null);
    recv_creds("b", c->b, sizeof(union control), 0);
    close(null);
}

/* ---- stated credentials ---- */

static void idle_child(void *argument) {
    gate_wait(argument);
}

static void stated_by_root(struct unix_conn *c) {
    /* Root may state any pid that exists and any valid ids (net/core/scm.c: scm_check_creds,
     * then the pid is looked up). */
    section(c, "SCM_CREDENTIALS stated by root");
    if (!need_root()) return;
    struct gate gate;
    gate_open(&gate);
    pid_t idle = start_child("idle child", idle_child, &gate);
    set_passcred("b", c->b, 1);
    struct ucred two[2] = {{main_pid, 0, 0}, {idle, 7, 8}};
    const struct { pid_t pid; uid_t uid; gid_t gid; } cases[] = {
        {main_pid, 0, 0}, {idle, 0, 0}, {main_pid, 1234, 5678}, {idle, NOBODY, NOBODY},
        {0, 0, 0}, {INT_MAX, 0, 0}, {-1, 0, 0}, {main_pid, (uid_t)-1, 0}, {main_pid, 0, (gid_t)-1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (send_stated("main: a", c->a, "stated", cases[i].pid, cases[i].uid, cases[i].gid) >= 0)
            recv_creds("b", c->b, sizeof(union control), 0);
    if (send_creds("main: a", c->a, "two", two, 2, CMSG_LEN(sizeof(struct ucred)), -1) >= 0)
        recv_creds("b", c->b, sizeof(union control), 0);
    struct ucred mine = {main_pid, 0, 0};
    send_creds("main: a", c->a, "short", &mine, 1, CMSG_LEN(sizeof mine) - 4, -1);
    send_creds("main: a", c->a, "long", &mine, 1, CMSG_LEN(sizeof mine) + 4, -1);
    recv_creds("b", c->b, sizeof(union control), 0);
    set_passcred("b", c->b, 0);
    send_stated("main: a", c->a, "unasked", idle, 1234, 5678);
    recv_creds("b", c->b, sizeof(union control), 0);
    gate_pass(&gate);
    finish_child(idle);
    gate_close(&gate);
}

struct stating_arguments {
    enum ids ids;
    int fd;
};

static void stating_child(void *argument) {
    struct stating_arguments *arguments = argument;
    take_ids(arguments->ids);
    pid_t self = getpid();
    uid_t ruid, euid, suid;
    gid_t rgid, egid, sgid;
    getresuid(&ruid, &euid, &suid);
    getresgid(&rgid, &egid, &sgid);
    say("  child: uids %d %d %d gids %d %d %d\n", (int)ruid, (int)euid, (int)suid, (int)rgid, (int)egid, (int)sgid);
    do_send("child: a", arguments->fd, "none");
    send_stated("child: a", arguments->fd, "own", self, ruid, rgid);
    send_stated("child: a", arguments->fd, "effective", self, euid, egid);
    send_stated("child: a", arguments->fd, "saved", self, suid, sgid);
    send_stated("child: a", arguments->fd, "uid 0", self, 0, rgid);
    send_stated("child: a", arguments->fd, "gid 0", self, ruid, 0);
    send_stated("child: a", arguments->fd, "main's pid", main_pid, ruid, rgid);
    send_stated("child: a", arguments->fd, "no such pid", INT_MAX, ruid, rgid);
    send_stated("child: a", arguments->fd, "uid 1234", self, 1234, rgid);
}

static void stated_by_others(struct unix_conn *c) {
    /* Without CAP_SYS_ADMIN the pid must be the sender's own; without CAP_SETUID/CAP_SETGID
     * the ids must be one of its real, effective or saved ids (scm_check_creds). */
    static const enum ids ids[] = {IDS_NOBODY, IDS_SAVED_ROOT, IDS_REAL_NOBODY};
    static const char *const names[] = {"stating child 1", "stating child 2", "stating child 3"};
    for (int i = 0; i < 3; i++) {
        char title[160];
        snprintf(title, sizeof title, "SCM_CREDENTIALS stated by a child (%s)", ids_name(ids[i]));
        section(c, title);
        if (!need_root()) continue;
        set_passcred("b", c->b, 1);
        struct stating_arguments arguments = {ids[i], c->a};
        finish_child(start_child(names[i], stating_child, &arguments));
        drain("b", c->b);
    }
}

/* ---- credentials through a passed socket ---- */

struct passed_arguments {
    int channel;
    struct gate go;
};

static void passed_child(void *argument) {
    struct passed_arguments *arguments = argument;
    gate_wait(&arguments->go);
    union control control;
    char data[16];
    struct iovec iov = {.iov_base = data, .iov_len = sizeof data};
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.bytes,
                             .msg_controllen = sizeof control.bytes};
    ssize_t result = recvmsg(arguments->channel, &message, MSG_DONTWAIT);
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
    if (result < 0 || !cmsg || cmsg->cmsg_type != SCM_RIGHTS) {
        say("  child: recvmsg: no socket\n");
        return;
    }
    int socket_fd;
    memcpy(&socket_fd, CMSG_DATA(cmsg), sizeof socket_fd);
    show_peercred("child: received inner a", socket_fd);
    do_send("child: received inner a", socket_fd, "from the child");
    close(socket_fd);
}

static void through_passed(struct unix_conn *c) {
    /* The credentials of a message are the sender's at send time, whoever made the socket;
     * SO_PEERCRED stays the maker's, whoever holds it. */
    section(c, "credentials through a socket passed to a child");
    struct passed_arguments arguments;
    arguments.channel = c->b;
    gate_open(&arguments.go);
    pid_t child = start_child("receiving child", passed_child, &arguments);
    struct unix_conn inner;
    unix_kind_connect(kind, PROBE "-inner", SOCK_CLOEXEC, &inner);
    set_passcred("inner b", inner.b, 1);
    union control control;
    memset(&control, 0, sizeof control);
    struct msghdr header = {.msg_control = control.bytes, .msg_controllen = CMSG_SPACE(sizeof(int))};
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&header);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &inner.a, sizeof(int));
    struct iovec iov = {.iov_base = "s", .iov_len = 1};
    header.msg_iov = &iov;
    header.msg_iovlen = 1;
    report("  main: sendmsg inner a to the child", sendmsg(c->a, &header, MSG_NOSIGNAL));
    gate_pass(&arguments.go);
    finish_child(child);
    gate_close(&arguments.go);
    recv_creds("inner b", inner.b, sizeof(union control), 0);
    do_send("main: inner a", inner.a, "from main");
    recv_creds("inner b", inner.b, sizeof(union control), 0);
    show_peercred("main: inner a", inner.a);
    show_peercred("main: inner b", inner.b);
    unix_kind_close(&inner);
}

static void peergroups(struct unix_conn *c) {
    section(c, "SO_PEERGROUPS of main's pair");
    gid_t mine[256];
    int count = getgroups(256, mine);
    for (socklen_t given = 0; given <= 4; given += 4) {
        gid_t groups[256];
        socklen_t length = given;
        int result = getsockopt(c->a, SOL_SOCKET, SO_PEERGROUPS, groups, &length);
        say("  a SO_PEERGROUPS(optlen %u): %d %s, length == ngroups * sizeof(gid_t) %d\n", (unsigned)given, result,
            result < 0 ? errno_name(errno) : "OK", count >= 0 && length == (socklen_t)count * sizeof(gid_t));
    }
    gid_t groups[256];
    socklen_t length = sizeof groups;
    int result = getsockopt(c->a, SOL_SOCKET, SO_PEERGROUPS, groups, &length);
    int same = result == 0 && count >= 0 && length == (socklen_t)count * sizeof(gid_t);
    for (int i = 0; same && i < count; i++) {
        int found = 0;
        for (int j = 0; j < count; j++) found |= groups[i] == mine[j];
        same = found;
    }
    say("  a SO_PEERGROUPS(full): %d, the groups of getgroups() %d\n", result, same);
    report("  a SO_PEERGROUPS(optval NULL)", getsockopt(c->a, SOL_SOCKET, SO_PEERGROUPS, NULL, &length));
    int fd = new_socket();
    show_peergroups("unconnected", fd);
    close(fd);
}

/* ---- the working directory of path kinds ---- */

static void enter_directory(void) {
    if (kind->naming != UNIX_PATH) return;
    snprintf(directory, sizeof directory, "%s-%s.dir", PROBE, kind->name);
    saved_cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    mkdir(directory, 0777);
    if (chmod(directory, 0777) < 0 || chdir(directory) < 0) {
        say("setup directory: -1 %s\n", errno_name(errno));
        exit(1);
    }
}

static void leave_directory(void) {
    if (kind->naming != UNIX_PATH) return;
    if (fchdir(saved_cwd) < 0 || rmdir(directory) < 0) say("cleanup directory: -1 %s\n", errno_name(errno));
    close(saved_cwd);
}

int main(int argc, char **argv) {
    kind = unix_kind_from_args(argc, argv);
    /* A hung probe should fail, not wedge the suite. */
    alarm(60);
    signal(SIGPIPE, SIG_IGN);
    main_pid = getpid();
    is_root = geteuid() == 0;
    umask(0);
    /* Fixed supplementary groups, so that SO_PEERGROUPS prints the same on every machine. The
     * kernel takes them with the other credentials, so set them before any socket is made. */
    if (is_root) {
        gid_t groups[] = {7, 0};
        if (setgroups(2, groups) < 0) say("setup setgroups: -1 %s\n", errno_name(errno));
    }
    enter_directory();
    say("%s %s\n", PROBE, kind->name);

    struct unix_conn conn;
    unconnected();
    fresh(&conn);
    connected(&conn);
    listener_elsewhere();
    other_ids();
    made_elsewhere(&conn);
    passcred(&conn);
    kernel_creds(&conn);
    stated_by_root(&conn);
    stated_by_others(&conn);
    through_passed(&conn);
    peergroups(&conn);
    unix_kind_close(&conn);
    leave_directory();
    say("done\n");
    return 0;
}
