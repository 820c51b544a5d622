/*
 * AF_UNIX connections: listen, connect, accept and socketpair; the addresses each end
 * reports, peer credentials, the backlog, the errors of every step and data and EOF after
 * the connection. The sentry answers connect, accept, getsockname, getpeername and
 * SO_PEERCRED itself, so each answer here is one it must give as Linux does.
 *
 *   unix-connect KIND   KIND: stream-path, stream-abstract, seqpacket-path,
 *                       seqpacket-abstract, stream-pair, seqpacket-pair
 *
 * Path names are relative (the probe runs in its working directory) and are removed at the
 * start and the end; abstract names carry the kind. Process ids print as self, parent or
 * child; descriptor numbers never print.
 */
#include "probe.h"
#include "unix-kind.h"

#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#define FAMILY_LENGTH ((socklen_t)offsetof(struct sockaddr_un, sun_path))


static const char *kind;
static int type;
static int other_type; /* the other connection-oriented type, for EPROTOTYPE */
static enum unix_naming naming;
static pid_t child_pid;

/* Read at run time, so that the compiler neither warns about nor optimises around it. */
static void *volatile bad = (void *)1;

struct name {
    struct sockaddr_un address;
    socklen_t length;
};

static struct sockaddr *sa(struct name *name) {
    return (struct sockaddr *)&name->address;
}

/* "connect-KIND-SUFFIX.sock" for path kinds, "\0jvisor-connect-KIND-SUFFIX" otherwise. */
static struct name kind_name(const char *suffix) {
    struct name name;
    memset(&name, 0, sizeof name);
    name.address.sun_family = AF_UNIX;
    if (naming == UNIX_PATH) {
        int length = snprintf(name.address.sun_path, sizeof name.address.sun_path, "connect-%s-%s.sock", kind, suffix);
        name.length = FAMILY_LENGTH + (socklen_t)length + 1;
    } else {
        int length = snprintf(name.address.sun_path + 1, sizeof name.address.sun_path - 1, "jvisor-connect-%s-%s",
                              kind, suffix);
        name.length = FAMILY_LENGTH + 1 + (socklen_t)length;
    }
    return name;
}

static const char *const suffixes[] = {"listener", "client", "late", "missing", "mismatch", "dgram", "backlog", "client2"};

static void remove_files(void) {
    if (naming != UNIX_PATH) return;
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        struct name name = kind_name(suffixes[i]);
        unlink(name.address.sun_path);
    }
}

static int new_socket_of(int socket_type) {
    int fd = socket(AF_UNIX, socket_type, 0);
    if (fd < 0) {
        say("socket: -1 %s\n", errno_name(errno));
        exit(1);
    }
    return fd;
}

static int new_socket(void) {
    return new_socket_of(type);
}

static void show_address(const char *what, int result, struct sockaddr_un *address, socklen_t length,
                         socklen_t capacity) {
    if (result < 0) {
        say("%s: -1 %s\n", what, errno_name(errno));
        return;
    }
    socklen_t copied = length < capacity ? length : capacity;
    char text[4 * sizeof *address + 1];
    escape_bytes(text, sizeof text, address->sun_path, copied > FAMILY_LENGTH ? copied - FAMILY_LENGTH : 0);
    say("%s: %s len %u family %s name \"%s\"\n", what, result == 0 ? "0" : "fd", (unsigned)length,
        copied < sizeof(sa_family_t) ? "-" : address->sun_family == AF_UNIX ? "AF_UNIX" : "other", text);
}

static void show_sockname(const char *what, int fd) {
    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    socklen_t length = sizeof address;
    int result = getsockname(fd, (struct sockaddr *)&address, &length);
    show_address(what, result, &address, length, sizeof address);
}

static void show_peername(const char *what, int fd) {
    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    socklen_t length = sizeof address;
    int result = getpeername(fd, (struct sockaddr *)&address, &length);
    show_address(what, result, &address, length, sizeof address);
}

/* accept into a full sockaddr_un; prints the peer address, returns the new descriptor. */
static int accept_showing(const char *what, int listener, socklen_t capacity) {
    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    socklen_t length = capacity;
    int fd = accept(listener, (struct sockaddr *)&address, &length);
    show_address(what, fd < 0 ? -1 : 1, &address, length, capacity);
    return fd;
}

static const char *pid_text(pid_t pid, char *buffer, size_t size) {
    if (pid == getpid()) return "self";
    if (child_pid != 0 && pid == child_pid) return "child";
    if (pid == getppid()) return "parent";
    snprintf(buffer, size, pid == 0 ? "0" : "other");
    return buffer;
}

static const char *id_text(unsigned id, unsigned own, char *buffer, size_t size) {
    if (id == own) return "self";
    snprintf(buffer, size, "%d", (int)id);
    return buffer;
}

/* SO_PEERCRED as "pid P uid U gid G" with P self/parent/child/0 and U, G self or a number. */
static void credentials_text(int fd, char *out, size_t size) {
    struct ucred credentials;
    memset(&credentials, 0, sizeof credentials);
    socklen_t length = sizeof credentials;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) < 0) {
        snprintf(out, size, "-1 %s", errno_name(errno));
        return;
    }
    char p[16], u[16], g[16];
    snprintf(out, size, "len %u pid %s uid %s gid %s", (unsigned)length, pid_text(credentials.pid, p, sizeof p),
             id_text(credentials.uid, getuid(), u, sizeof u), id_text(credentials.gid, getgid(), g, sizeof g));
}

static void show_credentials(const char *what, int fd) {
    char text[128];
    credentials_text(fd, text, sizeof text);
    say("%s: %s\n", what, text);
}

static void show_flags(const char *what, int fd) {
    int status = fcntl(fd, F_GETFL);
    int descriptor = fcntl(fd, F_GETFD);
    say("%s: nonblock %s cloexec %s\n", what, status >= 0 && (status & O_NONBLOCK) ? "yes" : "no",
        descriptor >= 0 && (descriptor & FD_CLOEXEC) ? "yes" : "no");
}

static void show_accepting(const char *what, int fd) {
    int value = -1;
    socklen_t length = sizeof value;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &value, &length) < 0) say("%s: -1 %s\n", what, errno_name(errno));
    else say("%s: %d\n", what, value);
}

static void set_nonblocking(int fd, int on) {
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK);
}

static void send_text(const char *what, int fd, const char *text) {
    report(what, send(fd, text, strlen(text), MSG_NOSIGNAL));
}

/* One read: "what: N "bytes"" or the error. Nonblocking, so a missing byte cannot hang the run. */
static void receive_text(const char *what, int fd) {
    char buffer[64];
    ssize_t n = recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n < 0) {
        say("%s: -1 %s\n", what, errno_name(errno));
        return;
    }
    char text[4 * sizeof buffer + 1];
    say("%s: %zd \"%s\"\n", what, n, escape_bytes(text, sizeof text, buffer, (size_t)n));
}

static int connect_to(const char *what, int fd, struct name *name) {
    return (int)report(what, connect(fd, sa(name), name->length));
}

static int listener_at(const char *what, struct name *name, int socket_type, int backlog) {
    int fd = new_socket_of(socket_type);
    report(what, bind(fd, sa(name), name->length));
    if (backlog >= 0) report("  listen", listen(fd, backlog));
    return fd;
}

static void listener_states(void) {
    say("== listener before and after listen\n");
    struct name name = kind_name("listener");
    int l = new_socket();
    show_credentials("SO_PEERCRED(unconnected)", l);
    /* net/unix/af_unix.c: unix_listen: no address is EINVAL; listen does not autobind. */
    report("listen(unbound)", listen(l, 4));
    show_sockname("getsockname(after listen on unbound)", l);
    report("accept(unbound, not listening)", accept(l, NULL, NULL));
    show_peername("getpeername(unconnected)", l);
    report("bind(listener)", bind(l, sa(&name), name.length));
    report("accept(bound, not listening)", accept(l, NULL, NULL));
    show_accepting("SO_ACCEPTCONN(bound)", l);
    int c = new_socket();
    connect_to("connect(bound, not listening)", c, &name);
    close(c);
    report("listen(bound, 4)", listen(l, 4));
    show_accepting("SO_ACCEPTCONN(listening)", l);
    show_peername("getpeername(listening)", l);
    /* The listener's credentials are taken at listen (init_peercred). */
    show_credentials("SO_PEERCRED(listening)", l);
    report("listen(again, 4)", listen(l, 4));
    close(l);
    if (naming == UNIX_PATH) unlink(name.address.sun_path);
}

static void round_trip(void) {
    say("== connect and accept\n");
    struct name name = kind_name("listener");
    int l = listener_at("bind(listener)", &name, type, 4);

    int c = new_socket();
    connect_to("connect(unbound client)", c, &name);
    show_sockname("getsockname(client, no autobind)", c);
    show_peername("getpeername(client)", c);
    int a = accept_showing("accept(peer address)", l, sizeof(struct sockaddr_un));
    show_flags("accepted flags", a);
    show_sockname("getsockname(accepted)", a);
    show_peername("getpeername(accepted)", a);
    show_credentials("SO_PEERCRED(client)", c);
    show_credentials("SO_PEERCRED(accepted)", a);
    show_accepting("SO_ACCEPTCONN(accepted)", a);

    send_text("send(client -> accepted, \"ping\")", c, "ping");
    receive_text("recv(accepted)", a);
    send_text("send(accepted -> client, \"pong\")", a, "pong");
    receive_text("recv(client)", c);
    receive_text("recv(client, nothing queued)", c);
    /* Two sends, one read: a stream joins them, a seqpacket socket keeps the boundary. */
    send_text("send(client, \"one\")", c, "one");
    send_text("send(client, \"two\")", c, "two");
    receive_text("recv(accepted)", a);
    receive_text("recv(accepted)", a);

    say("== calls that do not fit a connected or listening socket\n");
    connect_to("connect(connected client, same listener)", c, &name);
    struct name missing = kind_name("missing");
    /* unix_stream_connect looks the name up before it looks at the socket's state. */
    connect_to("connect(connected client, missing name)", c, &missing);
    connect_to("connect(listening socket)", l, &name);
    report("listen(connected, unbound)", listen(c, 4));
    report("listen(accepted, has the listener's name)", listen(a, 4));
    report("accept(connected socket)", accept(c, NULL, NULL));
    report("accept(accepted socket)", accept(a, NULL, NULL));

    say("== the peer's name is read when asked\n");
    struct name late = kind_name("late");
    report("bind(connected client)", bind(c, sa(&late), late.length));
    show_sockname("getsockname(client after bind)", c);
    show_peername("getpeername(accepted, client bound late)", a);

    say("== EOF\n");
    close(c);
    receive_text("recv(accepted, client closed)", a);
    send_text("send(accepted, client closed)", a, "late");
    show_peername("getpeername(accepted, client closed)", a);
    show_credentials("SO_PEERCRED(accepted, client closed)", a);
    close(a);

    say("== bound connector\n");
    struct name client = kind_name("client");
    int c2 = new_socket();
    report("bind(client)", bind(c2, sa(&client), client.length));
    connect_to("connect(bound client)", c2, &name);
    int a2 = accept_showing("accept(peer address, addrlen 110)", l, sizeof(struct sockaddr_un));
    show_peername("getpeername(accepted)", a2);
    show_sockname("getsockname(bound client)", c2);
    show_peername("getpeername(bound client)", c2);
    int c3 = new_socket();
    struct name client2 = kind_name("client2");
    report("bind(second client)", bind(c3, sa(&client2), client2.length));
    connect_to("connect(second bound client)", c3, &name);
    /* A short buffer: the kernel copies what fits and returns the whole length. */
    int a3 = accept_showing("accept(peer address, addrlen 6)", l, 6);
    int c4 = new_socket();
    connect_to("connect(third client)", c4, &name);
    int a4 = accept(l, NULL, NULL);
    say("accept(NULL, NULL): %s\n", a4 >= 0 ? "fd" : errno_name(errno));
    close(c2);
    close(c3);
    close(c4);
    close(a2);
    close(a3);
    close(a4);

    say("== accept4 flags and nonblocking accept\n");
    int c5 = new_socket();
    connect_to("connect(client)", c5, &name);
    report("accept4(flags 0x1)", accept4(l, NULL, NULL, 0x1));
    int a5 = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    say("accept4(SOCK_NONBLOCK|SOCK_CLOEXEC): %s\n", a5 >= 0 ? "fd" : errno_name(errno));
    show_flags("accept4 flags", a5);
    receive_text("recv(accept4'd, nothing queued)", a5);
    show_flags("listener flags after accept4", l);
    set_nonblocking(l, 1);
    report("accept(nonblocking, empty queue)", accept(l, NULL, NULL));
    report("accept4(nonblocking, empty queue, SOCK_CLOEXEC)", accept4(l, NULL, NULL, SOCK_CLOEXEC));
    set_nonblocking(l, 0);
    close(a5);
    close(c5);
    close(l);
    if (naming == UNIX_PATH) {
        unlink(name.address.sun_path);
        unlink(client.address.sun_path);
        unlink(client2.address.sun_path);
        unlink(late.address.sun_path);
    }
}

static void name_errors(void) {
    say("== connect errors\n");
    struct name missing = kind_name("missing");
    int c = new_socket();
    /* unix_find_bsd: no file is ENOENT; unix_find_abstract: no socket is ECONNREFUSED.
     * A socket of another type at the name is EPROTOTYPE for a path, but an abstract name
     * is looked up among sockets of the caller's type only (unix_abstract_hash mixes in
     * the type): ECONNREFUSED. */
    connect_to("connect(missing name)", c, &missing);

    struct name mismatch = kind_name("mismatch");
    int m = listener_at("bind(listener of the other type)", &mismatch, other_type, 4);
    connect_to("connect(listener of the other type)", c, &mismatch);
    struct name dgram = kind_name("dgram");
    int d = listener_at("bind(datagram socket)", &dgram, SOCK_DGRAM, -1);
    connect_to("connect(datagram socket)", c, &dgram);

    struct name name = kind_name("listener");
    int l = listener_at("bind(listener)", &name, type, 4);
    if (naming == UNIX_ABSTRACT) {
        /* The other type's listener at the same abstract name: both bind, each connect
         * reaches its own type. */
        int twin = listener_at("bind(listener's name, other type)", &name, other_type, 4);
        int other_client = new_socket_of(other_type);
        connect_to("connect(other type to the shared name)", other_client, &name);
        int accepted = accept(twin, NULL, NULL);
        say("accept(other type's listener): %s\n", accepted >= 0 ? "fd" : errno_name(errno));
        close(accepted);
        close(other_client);
        close(twin);
    }
    struct name wrong = name;
    report("connect(addrlen 1)", connect(c, sa(&wrong), 1));
    report("connect(addrlen 111)", connect(c, sa(&wrong), sizeof(struct sockaddr_un) + 1));
    report("connect(addrlen -1)", connect(c, sa(&wrong), (socklen_t)-1));
    report("connect(NULL, 0)", connect(c, NULL, 0));
    wrong.address.sun_family = AF_INET;
    report("connect(family AF_INET)", connect(c, sa(&wrong), wrong.length));
    report("connect(addr 0x1, 110)", connect(c, (struct sockaddr *)bad, sizeof(struct sockaddr_un)));
    show_peername("getpeername(after the failed connects)", c);
    connect_to("connect(listener, after the failed connects)", c, &name);

    say("== bad pointers\n");
    struct sockaddr_un address;
    socklen_t length = sizeof address;
    int a = accept(l, NULL, NULL);
    say("accept: %s\n", a >= 0 ? "fd" : errno_name(errno));
    report("getpeername(addr 0x1)", getpeername(a, (struct sockaddr *)bad, &length));
    report("getpeername(addrlen 0x1)", getpeername(a, (struct sockaddr *)&address, (socklen_t *)bad));
    length = sizeof address;
    report("getsockname(addr 0x1)", getsockname(a, (struct sockaddr *)bad, &length));
    length = sizeof(struct ucred);
    report("getsockopt(SO_PEERCRED, optval 0x1)", getsockopt(a, SOL_SOCKET, SO_PEERCRED, bad, &length));
    show_credentials("SO_PEERCRED(after the bad calls)", a);
    close(a);
    close(c);

    /* __sys_accept4_file takes the connection before it writes the address: a bad address
     * fails with EFAULT and the new socket is closed, which the client sees. */
    int c2 = new_socket();
    connect_to("connect(client for a bad accept address)", c2, &name);
    length = sizeof address;
    report("accept(addr 0x1)", accept(l, (struct sockaddr *)bad, &length));
    receive_text("recv(client of the failed accept)", c2);
    send_text("send(client of the failed accept)", c2, "x");
    int c3 = new_socket();
    connect_to("connect(client for a bad accept addrlen)", c3, &name);
    report("accept(addrlen 0x1)", accept(l, (struct sockaddr *)&address, (socklen_t *)bad));
    receive_text("recv(client of the failed accept)", c3);
    set_nonblocking(l, 1);
    report("accept(queue after the failed accepts)", accept(l, NULL, NULL));
    set_nonblocking(l, 0);
    close(c2);
    close(c3);

    say("== listener closed with connections queued\n");
    int q1 = new_socket(), q2 = new_socket();
    connect_to("connect(queued 1)", q1, &name);
    send_text("send(queued 1)", q1, "unread");
    connect_to("connect(queued 2)", q2, &name);
    close(l);
    receive_text("recv(queued 1, listener closed)", q1);
    receive_text("recv(queued 1, again)", q1);
    receive_text("recv(queued 2, listener closed)", q2);
    receive_text("recv(queued 2, again)", q2);
    send_text("send(queued 2)", q2, "x");
    show_peername("getpeername(queued 2)", q2);
    int c4 = new_socket();
    connect_to("connect(closed listener's name)", c4, &name);
    close(c4);
    close(q1);
    close(q2);
    close(m);
    close(d);
    if (naming == UNIX_PATH) {
        unlink(name.address.sun_path);
        unlink(mismatch.address.sun_path);
        unlink(dgram.address.sun_path);
    }
}

/* Nonblocking connects until one fails; returns how many succeeded (at most LIMIT). */
static int fill(int *clients, int limit, struct name *name, int *error) {
    int count = 0;
    *error = 0;
    while (count < limit) {
        int c = new_socket_of(type | SOCK_NONBLOCK);
        if (connect(c, sa(name), name->length) < 0) {
            *error = errno;
            close(c);
            break;
        }
        clients[count++] = c;
    }
    return count;
}

/*
 * A client asked about its peer only after the accepted end, taken without an address, has
 * sent and closed: Linux still names the listener (unix_getname reads the peer's address,
 * which the accepted socket shares), and so does recvfrom for the data it left.
 */
static void peer_gone_before_asked(void) {
    say("== a client asks after its accepted end is gone\n");
    struct name name = kind_name("gone");
    int l = listener_at("bind(listener)", &name, type, 4);
    int c = new_socket();
    connect_to("connect", c, &name);
    int a = accept(l, NULL, NULL);
    say("accept: %s\n", a >= 0 ? "fd" : errno_name(errno));
    send_text("send(accepted)", a, "bye");
    close(a);
    close(l);
    show_peername("getpeername(client, peer and listener closed)", c);
    struct sockaddr_un from;
    memset(&from, 0, sizeof from);
    socklen_t length = sizeof from;
    char buffer[16];
    ssize_t n = recvfrom(c, buffer, sizeof buffer, MSG_DONTWAIT, (struct sockaddr *)&from, &length);
    show_address("recvfrom(client) sender", n < 0 ? -1 : 0, &from, length, sizeof from);
    close(c);
    if (naming == UNIX_PATH) unlink(name.address.sun_path);
}

static void backlog(void) {
    say("== backlog (nonblocking connects until one fails)\n");
    struct name name = kind_name("backlog");
    static const int backlogs[] = {0, 1, 3};
    enum { LIMIT = 32 };
    for (size_t i = 0; i < sizeof backlogs / sizeof *backlogs; i++) {
        int l = listener_at("bind(backlog listener)", &name, type, backlogs[i]);
        int clients[3 * LIMIT];
        int error;
        int count = fill(clients, LIMIT, &name, &error);
        say("listen(%d): %d connects, then %s\n", backlogs[i], count, errno_name(error));
        int a = accept(l, NULL, NULL);
        say("accept: %s\n", a >= 0 ? "fd" : errno_name(errno));
        int more = fill(clients + count, 1, &name, &error);
        say("after one accept: %d more, then %s\n", more, more == 1 ? "-" : errno_name(error));
        count += more;
        if (i == 1) {
            /* listen again on a listening socket sets the new backlog. */
            report("listen(again, 3)", listen(l, 3));
            more = fill(clients + count, LIMIT, &name, &error);
            say("after listen(3): %d more, then %s\n", more, errno_name(error));
            count += more;
        }
        close(a);
        close(l);
        if (i == 0) {
            /* A refused nonblocking connect leaves the socket usable for the next try. */
            int c = new_socket_of(type | SOCK_NONBLOCK);
            connect_to("connect(closed backlog listener)", c, &name);
            close(c);
        }
        for (int j = 0; j < count; j++) close(clients[j]);
        if (naming == UNIX_PATH) unlink(name.address.sun_path);
    }
}

/* The child reports through a pipe, so its lines print after the parent waited for it. */
static void child_report(int out, const char *format, ...) {
    char line[256];
    va_list args;
    va_start(args, format);
    int length = vsnprintf(line, sizeof line, format, args);
    va_end(args);
    if (length > 0) (void)!write(out, line, (size_t)length < sizeof line ? (size_t)length : sizeof line - 1);
}

static void print_child_report(int in) {
    char buffer[2048];
    size_t used = 0;
    ssize_t n;
    while (used < sizeof buffer - 1 && (n = read(in, buffer + used, sizeof buffer - 1 - used)) != 0) {
        if (n < 0) {
            if (errno == EINTR) continue;
            break;
        }
        used += (size_t)n;
    }
    buffer[used] = '\0';
    for (char *line = strtok(buffer, "\n"); line != NULL; line = strtok(NULL, "\n")) say("child: %s\n", line);
}

static void wait_child(void) {
    int status;
    while (waitpid(child_pid, &status, 0) < 0 && errno == EINTR) {}
    say("child exited: %s\n", WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "status 0" : "abnormally");
}

static void across_fork(void) {
    say("== a client in another process\n");
    struct name name = kind_name("listener");
    int l = listener_at("bind(listener)", &name, type, 4);
    int pipe_fds[2];
    if (pipe(pipe_fds) < 0) exit(1);
    child_pid = fork();
    if (child_pid == 0) {
        close(pipe_fds[0]);
        int out = pipe_fds[1];
        int c = socket(AF_UNIX, type, 0);
        int result = connect(c, sa(&name), name.length);
        child_report(out, "connect: %s\n", result == 0 ? "0" : errno_name(errno));
        char credentials[128];
        credentials_text(c, credentials, sizeof credentials);
        child_report(out, "SO_PEERCRED(client): %s\n", credentials);
        send(c, "from child", 10, MSG_NOSIGNAL);
        char byte;
        ssize_t n = recv(c, &byte, 1, 0);
        child_report(out, "recv(until the parent closes): %zd\n", n);
        _exit(0);
    }
    close(pipe_fds[1]);
    int a = accept_showing("accept(child's connection)", l, sizeof(struct sockaddr_un));
    show_credentials("SO_PEERCRED(accepted)", a);
    char buffer[10];
    ssize_t n = recv(a, buffer, sizeof buffer, MSG_WAITALL);
    say("recv(accepted): %zd\n", n);
    close(a);
    wait_child();
    print_child_report(pipe_fds[0]);
    close(pipe_fds[0]);
    close(l);
    child_pid = 0;
    if (naming == UNIX_PATH) unlink(name.address.sun_path);
}

static void pair(void) {
    say("== socketpair\n");
    int sv[2];
    report("socketpair", socketpair(AF_UNIX, type, 0, sv));
    show_sockname("getsockname(end 0)", sv[0]);
    show_sockname("getsockname(end 1)", sv[1]);
    show_peername("getpeername(end 0)", sv[0]);
    show_peername("getpeername(end 1)", sv[1]);
    show_credentials("SO_PEERCRED(end 0)", sv[0]);
    show_credentials("SO_PEERCRED(end 1)", sv[1]);
    show_accepting("SO_ACCEPTCONN(end 0)", sv[0]);
    show_flags("flags(end 0)", sv[0]);

    send_text("send(end 0 -> end 1, \"ping\")", sv[0], "ping");
    receive_text("recv(end 1)", sv[1]);
    send_text("send(end 1 -> end 0, \"pong\")", sv[1], "pong");
    receive_text("recv(end 0)", sv[0]);
    receive_text("recv(end 0, nothing queued)", sv[0]);

    say("== calls that do not fit a connected pair\n");
    struct name target = kind_name("listener");
    int l = listener_at("bind(abstract listener)", &target, type, 4);
    connect_to("connect(end 0, listener)", sv[0], &target);
    struct name missing = kind_name("missing");
    connect_to("connect(end 0, missing name)", sv[0], &missing);
    report("listen(end 0, unbound)", listen(sv[0], 4));
    report("accept(end 0)", accept(sv[0], NULL, NULL));
    show_peername("getpeername(end 0, after the failed calls)", sv[0]);

    say("== the peer's name is read when asked\n");
    struct name late = kind_name("late");
    report("bind(end 0)", bind(sv[0], sa(&late), late.length));
    show_sockname("getsockname(end 0 after bind)", sv[0]);
    show_peername("getpeername(end 1, end 0 bound)", sv[1]);
    report("listen(end 0, bound and connected)", listen(sv[0], 4));

    say("== EOF\n");
    close(sv[0]);
    receive_text("recv(end 1, end 0 closed)", sv[1]);
    send_text("send(end 1, end 0 closed)", sv[1], "late");
    show_peername("getpeername(end 1, end 0 closed)", sv[1]);
    show_credentials("SO_PEERCRED(end 1, end 0 closed)", sv[1]);
    close(sv[1]);
    close(l);

    say("== socketpair flags\n");
    report("socketpair(SOCK_NONBLOCK|SOCK_CLOEXEC)", socketpair(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
    show_flags("flags(end 0)", sv[0]);
    show_flags("flags(end 1)", sv[1]);
    receive_text("recv(end 0, nothing queued)", sv[0]);
    close(sv[0]);
    close(sv[1]);
    report("socketpair(unknown type flag 0x100000)", socketpair(AF_UNIX, type | 0x100000, 0, sv));
    /* unix_create takes protocol 0 or PF_UNIX (1). */
    if (report("socketpair(protocol PF_UNIX)", socketpair(AF_UNIX, type, PF_UNIX, sv)) == 0) {
        close(sv[0]);
        close(sv[1]);
    }
    report("socketpair(protocol 2)", socketpair(AF_UNIX, type, 2, sv));
    report("socketpair(sv 0x1)", socketpair(AF_UNIX, type, 0, (int *)bad));

    say("== an end in another process\n");
    report("socketpair", socketpair(AF_UNIX, type, 0, sv));
    int pipe_fds[2];
    if (pipe(pipe_fds) < 0) exit(1);
    child_pid = fork();
    if (child_pid == 0) {
        close(pipe_fds[0]);
        close(sv[0]);
        int out = pipe_fds[1];
        char credentials[128];
        /* The credentials were taken at socketpair, in the parent. */
        credentials_text(sv[1], credentials, sizeof credentials);
        child_report(out, "SO_PEERCRED(end 1): %s\n", credentials);
        send(sv[1], "from child", 10, MSG_NOSIGNAL);
        _exit(0);
    }
    close(pipe_fds[1]);
    close(sv[1]);
    char buffer[10];
    ssize_t n = recv(sv[0], buffer, sizeof buffer, MSG_WAITALL);
    say("recv(end 0, until the child exits): %zd\n", n);
    show_credentials("SO_PEERCRED(end 0)", sv[0]);
    wait_child();
    print_child_report(pipe_fds[0]);
    close(pipe_fds[0]);
    close(sv[0]);
    child_pid = 0;
}

int main(int argc, char **argv) {
    const struct unix_kind *chosen = unix_kind_from_args(argc, argv);
    kind = chosen->name;
    type = chosen->type;
    naming = chosen->naming;
    other_type = type == SOCK_STREAM ? SOCK_SEQPACKET : SOCK_STREAM;
    say("unix-connect %s\n", kind);
    remove_files();
    if (naming == UNIX_PAIR) {
        pair();
    } else {
        listener_states();
        round_trip();
        name_errors();
        backlog();
        peer_gone_before_asked();
        across_fork();
    }
    remove_files();
    say("done\n");
    return 0;
}
