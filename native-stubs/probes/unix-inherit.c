/*
 * AF_UNIX sockets across fork and exec: a child uses an inherited connected socket both ways
 * and sees its peer's credentials; the peer sees end of file only when the last process
 * holding an end closes it; the probe executes itself again (/proc/self/exe) keeping one
 * socket and a listener, and the new image uses them while a SOCK_CLOEXEC socket is gone; a
 * vfork child makes trapped calls on a shared socket and executes an image that keeps it; a
 * listener inherited by a child accepts what the parent connects; a name lives as long as
 * some process holds its listener (abstract names then free, a socket file stays and
 * refuses); and what a process killed with SIGKILL held is released once it is reaped.
 *
 *   unix-inherit KIND   (KIND as in unix-kind.h; pair kinds skip the listener checks)
 *
 * Parent and children print to the same output; each prints only while the other waits for
 * it (pipes and the sockets themselves order them), so the transcript has one order.
 * Process ids print as self, parent or child; descriptor numbers never print.
 */
#include "probe.h"
#include "unix-kind.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define PROBE "unix-inherit"
#define EXEC_MODE "exec-image"
#define VFORK_MODE "vfork-image"

static const struct unix_kind *kind;
static struct sockaddr_un address;
static socklen_t address_length;
static pid_t child;

static void remove_name(void) {
    if (kind->naming == UNIX_PATH) unlink(address.sun_path);
}

static int new_socket(int flags) {
    return unix_kind_check("socket", socket(AF_UNIX, kind->type | SOCK_CLOEXEC | flags, 0));
}

static int connect_name(int fd) {
    return connect(fd, (struct sockaddr *)&address, address_length);
}

static int make_listener(void) {
    remove_name();
    int l = new_socket(0);
    unix_kind_check("bind", bind(l, (struct sockaddr *)&address, address_length));
    unix_kind_check("listen", listen(l, 8));
    return l;
}

static const char *relation(pid_t pid) {
    if (pid == getpid()) return "self";
    if (pid == getppid()) return "parent";
    if (child > 0 && pid == child) return "child";
    return "other";
}

static void show_peer(const char *label, int fd) {
    struct ucred credentials;
    socklen_t length = sizeof credentials;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) < 0)
        say("%s: SO_PEERCRED -1 %s\n", label, errno_name(errno));
    else
        say("%s: SO_PEERCRED pid %s uid %s\n", label, relation(credentials.pid),
            credentials.uid == getuid() ? "self" : "other");
}

static void do_send(const char *label, int fd, const char *text) {
    char what[128];
    snprintf(what, sizeof what, "%s: send \"%s\"", label, text);
    report(what, send(fd, text, strlen(text), MSG_NOSIGNAL));
}

/* For a child whose send the parent waits for: the line prints before the send, so that it
 * comes before whatever the parent prints next; only a failure prints afterwards. */
static void send_then(const char *label, int fd, const char *text) {
    say("%s: send \"%s\"\n", label, text);
    ssize_t n = send(fd, text, strlen(text), MSG_NOSIGNAL);
    if (n != (ssize_t)strlen(text)) say("%s: send returned %zd %s\n", label, n, n < 0 ? errno_name(errno) : "");
}

static void do_recv(const char *label, int fd, int flags) {
    char buffer[64];
    ssize_t n = recv(fd, buffer, sizeof buffer, flags);
    if (n < 0) say("%s: recv -1 %s\n", label, errno_name(errno));
    else say("%s: recv %zd \"%.*s\"\n", label, n, (int)n, buffer);
}

static void show_fd(const char *label, int fd) {
    int descriptor = fcntl(fd, F_GETFD);
    if (descriptor < 0) {
        say("%s: F_GETFD -1 %s\n", label, errno_name(errno));
        return;
    }
    int type = -1;
    socklen_t length = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) < 0) {
        say("%s: SO_TYPE -1 %s\n", label, errno_name(errno));
        return;
    }
    say("%s: open, FD_CLOEXEC %d, SO_TYPE %s\n", label, (descriptor & FD_CLOEXEC) != 0, unix_type_name(type));
}

static void show_name(const char *label, int fd) {
    struct sockaddr_un name;
    memset(&name, 0, sizeof name);
    socklen_t length = sizeof name;
    if (getsockname(fd, (struct sockaddr *)&name, &length) < 0) {
        say("%s: getsockname -1 %s\n", label, errno_name(errno));
        return;
    }
    char text[4 * sizeof name.sun_path + 1];
    size_t bytes = length > offsetof(struct sockaddr_un, sun_path) ? length - offsetof(struct sockaddr_un, sun_path) : 0;
    escape_bytes(text, sizeof text, name.sun_path, bytes);
    say("%s: getsockname len %u \"%s\"\n", label, (unsigned)length, text);
}

static void clear_cloexec(int fd) {
    fcntl(fd, F_SETFD, 0);
}

/* ---- children ---- */

struct channel {
    int to_child[2], to_parent[2];
};

static void channel_open(struct channel *channel) {
    unix_kind_check("pipe", pipe2(channel->to_child, O_CLOEXEC));
    unix_kind_check("pipe", pipe2(channel->to_parent, O_CLOEXEC));
}

/* After fork: each side keeps the ends it uses. */
static void channel_side(struct channel *channel, int is_child) {
    if (is_child) {
        close(channel->to_child[1]);
        close(channel->to_parent[0]);
    } else {
        close(channel->to_child[0]);
        close(channel->to_parent[1]);
    }
}

static void channel_close(struct channel *channel, int is_child) {
    if (is_child) {
        close(channel->to_child[0]);
        close(channel->to_parent[1]);
    } else {
        close(channel->to_child[1]);
        close(channel->to_parent[0]);
    }
}

static char wait_token(int fd) {
    char token = 0;
    while (read(fd, &token, 1) < 0 && errno == EINTR) {}
    return token;
}

static void give_token(int fd, char token) {
    (void)!write(fd, &token, 1);
}

static pid_t fork_child(void) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        say("setup fork: -1 %s\n", errno_name(errno));
        exit(1);
    }
    return pid;
}

static void reap(const char *label) {
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    if (WIFEXITED(status)) say("%s: exit %d\n", label, WEXITSTATUS(status));
    else if (WIFSIGNALED(status)) say("%s: killed by %s\n", label, WTERMSIG(status) == SIGKILL ? "SIGKILL" : "another signal");
    else say("%s: ended otherwise\n", label);
    child = 0;
}

/* ---- sections ---- */

static struct unix_conn conn;

static void fresh(const char *title) {
    if (conn.kind != NULL) unix_kind_close(&conn);
    say("== %s\n", title);
    unix_kind_connect(kind, PROBE, SOCK_CLOEXEC, &conn);
    if (conn.listener >= 0) {
        close(conn.listener);
        conn.listener = -1;
        remove_name();
    }
}

static void forked_child(void) {
    fresh("a forked child uses an inherited connected socket");
    child = fork_child();
    if (child == 0) {
        close(conn.b);
        show_peer("child a", conn.a);
        do_recv("child a", conn.a, 0);
        send_then("child a", conn.a, "to parent");
        /* Then end of file, once the parent closed b. */
        do_recv("child a", conn.a, 0);
        _exit(0);
    }
    close(conn.a);
    conn.a = -1;
    char buffer[64];
    ssize_t sent = send(conn.b, "to child", 8, MSG_NOSIGNAL);
    ssize_t n = recv(conn.b, buffer, sizeof buffer, 0);
    say("parent b: send \"to child\" %zd, recv %zd \"%.*s\"\n", sent, n, n > 0 ? (int)n : 0, buffer);
    show_peer("parent b", conn.b);
    say("parent: close b\n");
    close(conn.b);
    conn.b = -1;
    reap("child");
}

static void last_holder(void) {
    fresh("the peer sees end of file when the last holder closes");
    struct channel channel;
    channel_open(&channel);
    child = fork_child();
    if (child == 0) {
        channel_side(&channel, 1);
        close(conn.b);
        wait_token(channel.to_child[0]);
        say("child: close a\n");
        close(conn.a);
        give_token(channel.to_parent[1], 'c');
        wait_token(channel.to_child[0]);
        _exit(0);
    }
    channel_side(&channel, 0);
    say("parent: close a (the child holds a copy)\n");
    close(conn.a);
    conn.a = -1;
    do_recv("parent b", conn.b, MSG_DONTWAIT);
    struct pollfd entry = {.fd = conn.b, .events = POLLIN | POLLRDHUP};
    say("parent b: poll %d\n", poll(&entry, 1, 0));
    do_send("parent b", conn.b, "kept");
    give_token(channel.to_child[1], 'c');
    wait_token(channel.to_parent[0]);
    do_recv("parent b", conn.b, MSG_DONTWAIT);
    do_recv("parent b", conn.b, MSG_DONTWAIT);
    do_send("parent b", conn.b, "late");
    give_token(channel.to_child[1], 'x');
    reap("child");
    channel_close(&channel, 0);
}

/* The image the probe executes: argv holds the kept descriptors' numbers, never printed. */
static int exec_image(int argc, char **argv) {
    if (argc < 6) return 2;
    int kept = atoi(argv[3]);
    int gone = atoi(argv[4]);
    int listener = atoi(argv[5]);
    show_fd("exec kept", kept);
    show_peer("exec kept", kept);
    show_fd("exec SOCK_CLOEXEC socket", gone);
    int type = 0;
    socklen_t length = sizeof type;
    report("exec SOCK_CLOEXEC socket: getsockopt SO_TYPE", getsockopt(gone, SOL_SOCKET, SO_TYPE, &type, &length));
    report("exec SOCK_CLOEXEC socket: send", send(gone, "x", 1, MSG_NOSIGNAL));
    if (listener >= 0) {
        show_fd("exec listener", listener);
        show_name("exec listener", listener);
        int accepting = -1;
        length = sizeof accepting;
        getsockopt(listener, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length);
        say("exec listener: SO_ACCEPTCONN %d\n", accepting);
    }
    send_then("exec kept", kept, "from exec");
    do_recv("exec kept", kept, 0);
    if (listener >= 0) {
        int a = accept(listener, NULL, NULL);
        say("exec listener: accept %s\n", a >= 0 ? "fd" : errno_name(errno));
        if (a >= 0) {
            show_peer("exec accepted", a);
            do_recv("exec accepted", a, 0);
            send_then("exec accepted", a, "from listener");
            close(a);
        }
    }
    return 0;
}

/* The image a vfork child executes: it sends on the descriptor it kept, and ends. */
static int vfork_image(int argc, char **argv) {
    if (argc < 4) return 2;
    return send(atoi(argv[3]), "from the exec", 13, MSG_NOSIGNAL) == 13 ? 0 : 1;
}

/* A vfork child (sharing the parent's memory, the parent suspended) makes a trapped call on
 * the socket it shares, then executes an image that keeps it. */
static void vfork_keeps(const char *self) {
    fresh("a vfork child sends, then execs an image that keeps the socket");
    clear_cloexec(conn.a);
    char kept_text[16];
    snprintf(kept_text, sizeof kept_text, "%d", conn.a);
    char *args[] = {(char *)self, (char *)kind->name, VFORK_MODE, kept_text, NULL};
    /* Written by the child in the memory it shares with the parent. */
    static volatile int got = -1;
    static int type;
    static socklen_t length = sizeof type;
    child = vfork();
    if (child == 0) {
        got = getsockopt(conn.a, SOL_SOCKET, SO_TYPE, &type, &length);
        send(conn.a, "from vfork", 10, MSG_NOSIGNAL);
        execv("/proc/self/exe", args);
        _exit(127);
    }
    say("vfork child: getsockopt SO_TYPE %d, %s\n", got, type == kind->type ? "the socket's type" : "another type");
    close(conn.a);
    conn.a = -1;
    /* A stream may join the two sends: read both, whatever the pieces. */
    char buffer[64];
    size_t total = 0;
    while (total < 10 + 13) {
        ssize_t n = recv(conn.b, buffer + total, sizeof buffer - total, 0);
        if (n <= 0) break;
        total += (size_t)n;
    }
    say("parent b: received \"%.*s\"\n", (int)total, buffer);
    reap("vfork child");
    do_recv("parent b, after the image ended", conn.b, MSG_DONTWAIT);
}

static void exec_keeps(const char *self) {
    fresh("exec keeps a socket and drops a SOCK_CLOEXEC one");
    int gone, gone_peer, listener = -1;
    if (kind->naming == UNIX_PAIR) {
        int sv[2];
        unix_kind_check("socketpair", socketpair(AF_UNIX, kind->type | SOCK_CLOEXEC, 0, sv));
        gone = sv[0];
        gone_peer = sv[1];
    } else {
        listener = make_listener();
        gone = new_socket(0);
        unix_kind_check("connect", connect_name(gone));
        gone_peer = unix_kind_check("accept4", accept4(listener, NULL, NULL, SOCK_CLOEXEC));
        clear_cloexec(listener);
    }
    clear_cloexec(conn.a);
    child = fork_child();
    if (child == 0) {
        close(conn.b);
        close(gone_peer);
        char kept_text[16], gone_text[16], listener_text[16];
        snprintf(kept_text, sizeof kept_text, "%d", conn.a);
        snprintf(gone_text, sizeof gone_text, "%d", gone);
        snprintf(listener_text, sizeof listener_text, "%d", listener);
        char *args[] = {(char *)self, (char *)kind->name, EXEC_MODE, kept_text, gone_text, listener_text, NULL};
        execv("/proc/self/exe", args);
        say("child: execv -1 %s\n", errno_name(errno));
        _exit(127);
    }
    close(conn.a);
    conn.a = -1;
    close(gone);
    char buffer[64];
    /* The image sends once it printed its first lines. */
    ssize_t n = recv(conn.b, buffer, sizeof buffer, 0);
    say("parent b: recv %zd \"%.*s\"\n", n, n > 0 ? (int)n : 0, buffer);
    do_recv("parent, peer of the SOCK_CLOEXEC socket", gone_peer, MSG_DONTWAIT);
    if (listener >= 0) {
        show_peer("parent b", conn.b);
        close(listener);
        int c = new_socket(0);
        int connected = connect_name(c);
        int error = errno;
        ssize_t sent = send(conn.b, "to exec", 7, MSG_NOSIGNAL);
        ssize_t sent2 = send(c, "to listener", 11, MSG_NOSIGNAL);
        n = recv(c, buffer, sizeof buffer, 0);
        say("parent: listener closed here, connect %s, send b %zd, send %zd, recv %zd \"%.*s\"\n",
            connected == 0 ? "0" : errno_name(error), sent, sent2, n, n > 0 ? (int)n : 0, buffer);
        reap("exec image");
        close(c);
        remove_name();
    } else {
        ssize_t sent = send(conn.b, "to exec", 7, MSG_NOSIGNAL);
        reap("exec image");
        say("parent b: send \"to exec\" %zd\n", sent);
    }
    do_recv("parent b", conn.b, MSG_DONTWAIT);
    close(gone_peer);
}

static void inherited_listener(void) {
    say("== a listener inherited by a child accepts the parent's connection\n");
    int l = make_listener();
    struct channel channel;
    channel_open(&channel);
    child = fork_child();
    if (child == 0) {
        channel_side(&channel, 1);
        int a = accept(l, NULL, NULL);
        say("child: accept %s\n", a >= 0 ? "fd" : errno_name(errno));
        show_peer("child accepted", a);
        do_recv("child accepted", a, 0);
        send_then("child accepted", a, "reply");
        wait_token(channel.to_child[0]);
        _exit(0);
    }
    channel_side(&channel, 0);
    int c = new_socket(0);
    int connected = connect_name(c);
    int error = errno;
    ssize_t sent = send(c, "hello", 5, MSG_NOSIGNAL);
    char buffer[64];
    ssize_t n = recv(c, buffer, sizeof buffer, 0);
    say("parent: connect %s, send %zd, recv %zd \"%.*s\"\n", connected == 0 ? "0" : errno_name(error), sent, n,
        n > 0 ? (int)n : 0, buffer);
    show_peer("parent client", c);
    give_token(channel.to_child[1], 'x');
    reap("child");
    channel_close(&channel, 0);
    close(c);
    close(l);
    remove_name();
}

static void show_file(const char *label) {
    if (kind->naming != UNIX_PATH) return;
    struct stat info;
    if (lstat(address.sun_path, &info) < 0) say("%s: socket file: lstat -1 %s\n", label, errno_name(errno));
    else say("%s: socket file: %s\n", label, S_ISSOCK(info.st_mode) ? "a socket" : "not a socket");
}

static void try_bind(const char *label) {
    int s = new_socket(0);
    char what[128];
    snprintf(what, sizeof what, "%s: bind", label);
    if (report(what, bind(s, (struct sockaddr *)&address, address_length)) == 0) {
        snprintf(what, sizeof what, "%s: listen", label);
        report(what, listen(s, 1));
        int c = new_socket(SOCK_NONBLOCK);
        snprintf(what, sizeof what, "%s: connect to the new listener", label);
        report(what, connect_name(c));
        close(c);
    }
    close(s);
}

static void try_connect(const char *label) {
    int c = new_socket(SOCK_NONBLOCK);
    char what[128];
    snprintf(what, sizeof what, "%s: connect", label);
    report(what, connect_name(c));
    close(c);
}

static void name_lifetime(void) {
    say("== the name lives while a child holds the listener\n");
    int l = make_listener();
    struct channel channel;
    channel_open(&channel);
    child = fork_child();
    if (child == 0) {
        channel_side(&channel, 1);
        wait_token(channel.to_child[0]);
        int a = accept(l, NULL, NULL);
        say("child: accept %s\n", a >= 0 ? "fd" : errno_name(errno));
        send_then("child accepted", a, "alive");
        close(a);
        wait_token(channel.to_child[0]);
        _exit(0);
    }
    channel_side(&channel, 0);
    say("parent: close the listener\n");
    close(l);
    int c = new_socket(0);
    report("parent: connect", connect_name(c));
    try_bind("parent (the child holds the name)");
    give_token(channel.to_child[1], 'a');
    do_recv("parent client", c, 0);
    close(c);
    give_token(channel.to_child[1], 'x');
    reap("child");
    channel_close(&channel, 0);
    show_file("after the last holder exited");
    try_connect("after the last holder exited");
    if (kind->naming == UNIX_PATH) {
        try_bind("socket file left");
        report("unlink", unlink(address.sun_path));
    }
    try_bind("name free");
    remove_name();
}

static void killed_holder(void) {
    fresh("a child killed with SIGKILL releases what it held");
    struct channel channel;
    channel_open(&channel);
    child = fork_child();
    if (child == 0) {
        channel_side(&channel, 1);
        close(conn.b);
        int l = -1;
        if (kind->naming != UNIX_PAIR) {
            remove_name();
            l = socket(AF_UNIX, kind->type | SOCK_CLOEXEC, 0);
            int bound = bind(l, (struct sockaddr *)&address, address_length);
            int listening = listen(l, 4);
            say("child: bind %s, listen %s\n", bound == 0 ? "0" : "failed", listening == 0 ? "0" : "failed");
        }
        give_token(channel.to_parent[1], 'r');
        for (;;) pause();
    }
    channel_side(&channel, 0);
    close(conn.a);
    conn.a = -1;
    wait_token(channel.to_parent[0]);
    int pending = -1;
    if (kind->naming != UNIX_PAIR) {
        try_bind("parent (the child's name)");
        pending = new_socket(0);
        report("parent: connect (left pending)", connect_name(pending));
        do_send("parent pending", pending, "never read");
    }
    do_send("parent b", conn.b, "never read");
    say("parent: kill the child\n");
    kill(child, SIGKILL);
    reap("child");
    channel_close(&channel, 0);
    do_recv("parent b", conn.b, MSG_DONTWAIT);
    do_recv("parent b", conn.b, MSG_DONTWAIT);
    do_send("parent b", conn.b, "x");
    if (kind->naming == UNIX_PAIR) return;
    do_recv("parent pending", pending, MSG_DONTWAIT);
    do_recv("parent pending", pending, MSG_DONTWAIT);
    close(pending);
    show_file("after the kill");
    try_connect("after the kill");
    if (kind->naming == UNIX_PATH) {
        try_bind("socket file left");
        report("unlink", unlink(address.sun_path));
    }
    try_bind("name free");
    remove_name();
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[2], EXEC_MODE) == 0) {
        kind = unix_kind_from_args(2, argv);
        return exec_image(argc, argv);
    }
    if (argc >= 3 && strcmp(argv[2], VFORK_MODE) == 0) return vfork_image(argc, argv);
    kind = unix_kind_from_args(argc, argv);
    /* A hung probe should fail, not wedge the suite. */
    alarm(60);
    signal(SIGPIPE, SIG_IGN);
    unix_kind_address(kind, PROBE, &address, &address_length);
    say("%s %s\n", PROBE, kind->name);
    remove_name();
    memset(&conn, 0, sizeof conn);

    forked_child();
    last_holder();
    exec_keeps(argv[0]);
    vfork_keeps(argv[0]);
    if (kind->naming == UNIX_PAIR) {
        say("== listener checks: skipped for pair kinds\n");
    } else {
        inherited_listener();
        name_lifetime();
    }
    killed_holder();
    if (conn.kind != NULL) unix_kind_close(&conn);
    remove_name();
    say("done\n");
    return 0;
}
