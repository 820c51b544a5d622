/*
 * Data, shutdown and close on a connected AF_UNIX pair: EOF, EPIPE and SIGPIPE, ECONNRESET,
 * MSG_PEEK, MSG_WAITALL, MSG_DONTWAIT, message boundaries and MSG_TRUNC, FIONREAD and
 * SIOCOUTQ, and poll readiness before and after shutdown and close. Every section starts
 * from a fresh pair, so one section's state cannot leak into the next.
 *
 *   unix-shutdown KIND   (KIND as in unix-kind.h)
 */
#include "probe.h"
#include "unix-kind.h"

#include <fcntl.h>
#include <linux/sockios.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#define PROBE "unix-shutdown"

static const struct unix_kind *kind;
static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int signal) {
    (void)signal;
    sigpipes++;
}

static void fresh(struct unix_conn *conn) {
    unix_kind_connect(kind, PROBE, SOCK_CLOEXEC, conn);
}

static void section(struct unix_conn *conn, const char *title) {
    unix_kind_close(conn);
    say("== %s\n", title);
    fresh(conn);
}


static const char *poll_names(short revents) {
    static const struct { short flag; const char *name; } names[] = {
        {POLLIN, "POLLIN"}, {POLLPRI, "POLLPRI"}, {POLLOUT, "POLLOUT"}, {POLLERR, "POLLERR"},
        {POLLHUP, "POLLHUP"}, {POLLNVAL, "POLLNVAL"}, {POLLRDNORM, "POLLRDNORM"},
        {POLLRDBAND, "POLLRDBAND"}, {POLLWRNORM, "POLLWRNORM"}, {POLLWRBAND, "POLLWRBAND"},
        {POLLRDHUP, "POLLRDHUP"},
    };
    static char text[200];
    size_t used = 0;
    text[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (revents & names[i].flag)
            used += (size_t)snprintf(text + used, sizeof text - used, "%s%s", used ? "|" : "", names[i].name);
    if (!used) snprintf(text, sizeof text, "0");
    return text;
}

/* poll() with timeout 0 for every event there is: readiness right now, no waiting. */
static void show_poll(const char *label, int fd) {
    struct pollfd entry = {
        .fd = fd,
        .events = POLLIN | POLLPRI | POLLOUT | POLLRDHUP | POLLRDNORM | POLLRDBAND | POLLWRNORM | POLLWRBAND,
    };
    int result = poll(&entry, 1, 0);
    if (result < 0) say("  poll %s: -1 %s\n", label, errno_name(errno));
    else say("  poll %s: %d %s\n", label, result, poll_names(entry.revents));
}

static void show_polls(const struct unix_conn *conn) {
    if (conn->a >= 0) show_poll("a", conn->a);
    if (conn->b >= 0) show_poll("b", conn->b);
}

/* send(), then the number of SIGPIPEs it raised. */
static void do_send(const char *label, int fd, const char *text, int flags) {
    int before = sigpipes;
    ssize_t result = send(fd, text, strlen(text), flags);
    int error = errno;
    int raised = sigpipes - before;
    if (result < 0)
        say("  send %s \"%s\" %s: -1 %s, SIGPIPE x%d\n", label, text, msg_flag_names(flags), errno_name(error), raised);
    else
        say("  send %s \"%s\" %s: %zd, SIGPIPE x%d\n", label, text, msg_flag_names(flags), result, raised);
}

static void do_write(const char *label, int fd, const char *text) {
    int before = sigpipes;
    ssize_t result = write(fd, text, strlen(text));
    int error = errno;
    int raised = sigpipes - before;
    if (result < 0) say("  write %s \"%s\": -1 %s, SIGPIPE x%d\n", label, text, errno_name(error), raised);
    else say("  write %s \"%s\": %zd, SIGPIPE x%d\n", label, text, result, raised);
}

static void do_recv(const char *label, int fd, size_t size, int flags) {
    char buffer[256];
    if (size > sizeof buffer) size = sizeof buffer;
    ssize_t result = recv(fd, buffer, size, flags);
    if (result < 0) {
        say("  recv %s %zu %s: -1 %s\n", label, size, msg_flag_names(flags), errno_name(errno));
        return;
    }
    int shown = (size_t)result < size ? (int)result : (int)size;
    say("  recv %s %zu %s: %zd \"%.*s\"\n", label, size, msg_flag_names(flags), result, shown, buffer);
}

static void do_read(const char *label, int fd, size_t size) {
    char buffer[256];
    if (size > sizeof buffer) size = sizeof buffer;
    ssize_t result = read(fd, buffer, size);
    if (result < 0) say("  read %s %zu: -1 %s\n", label, size, errno_name(errno));
    else say("  read %s %zu: %zd \"%.*s\"\n", label, size, result, (int)result, buffer);
}

/* recvmsg() into one buffer of SIZE bytes: the length, the bytes and msg_flags. */
static void do_recvmsg(const char *label, int fd, size_t size, int flags) {
    char buffer[256];
    if (size > sizeof buffer) size = sizeof buffer;
    struct iovec iov = {.iov_base = buffer, .iov_len = size};
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1};
    message.msg_flags = -1;
    ssize_t result = recvmsg(fd, &message, flags);
    if (result < 0) {
        say("  recvmsg %s %zu %s: -1 %s\n", label, size, msg_flag_names(flags), errno_name(errno));
        return;
    }
    int shown = (size_t)result < size ? (int)result : (int)size;
    say("  recvmsg %s %zu %s: %zd \"%.*s\" msg_flags %s\n", label, size, msg_flag_names(flags), result, shown, buffer,
        msg_flag_names(message.msg_flags));
}

static void do_shutdown(const char *label, int fd, int how, const char *how_name) {
    char what[64];
    snprintf(what, sizeof what, "  shutdown %s %s", label, how_name);
    report(what, shutdown(fd, how));
}

static void so_error(const char *label, int fd) {
    int value = -1;
    socklen_t length = sizeof value;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) < 0)
        say("  SO_ERROR %s: -1 %s\n", label, errno_name(errno));
    else say("  SO_ERROR %s: %s\n", label, errno_name(value));
}

static void close_end(const char *label, int *fd) {
    say("  close %s\n", label);
    close(*fd);
    *fd = -1;
}

static void data_both_ways(struct unix_conn *c) {
    section(c, "data both ways");
    do_send("a", c->a, "ping", 0);
    do_recv("b", c->b, 64, 0);
    do_send("b", c->b, "pong", 0);
    do_recv("a", c->a, 64, 0);
    do_write("a", c->a, "write");
    do_read("b", c->b, 64);
}

static void shut_write(struct unix_conn *c) {
    /* The peer sees end of file once the queue is drained and may still write back
     * (net/unix/af_unix.c: unix_shutdown gives the peer RCV_SHUTDOWN). */
    section(c, "shutdown(a, SHUT_WR)");
    do_send("a", c->a, "last", 0);
    do_shutdown("a", c->a, SHUT_WR, "SHUT_WR");
    show_polls(c);
    do_recv("b", c->b, 64, 0);
    do_recv("b", c->b, 64, 0);
    do_recv("b", c->b, 64, MSG_DONTWAIT);
    do_send("b", c->b, "back", 0);
    do_recv("a", c->a, 64, 0);
    do_send("a", c->a, "more", 0);
    do_write("a", c->a, "more");
    do_send("a", c->a, "quiet", MSG_NOSIGNAL);
    do_send("a", c->a, "quiet", MSG_NOSIGNAL | MSG_DONTWAIT);
    do_shutdown("a", c->a, SHUT_WR, "SHUT_WR (again)");
    do_shutdown("b", c->b, SHUT_WR, "SHUT_WR");
    show_polls(c);
    do_recv("a", c->a, 64, 0);
    do_send("b", c->b, "late", 0);
}

static void shut_read(struct unix_conn *c) {
    /* SHUT_RD on one end is SHUT_WR on the other (net/unix/af_unix.c: unix_shutdown). */
    section(c, "shutdown(a, SHUT_RD)");
    do_send("b", c->b, "queued", 0);
    do_shutdown("a", c->a, SHUT_RD, "SHUT_RD");
    show_polls(c);
    do_recv("a", c->a, 64, 0);
    do_recv("a", c->a, 64, 0);
    do_recv("a", c->a, 64, MSG_DONTWAIT);
    do_send("b", c->b, "after", 0);
    do_send("b", c->b, "after", MSG_NOSIGNAL);
    do_send("a", c->a, "still", 0);
    do_recv("b", c->b, 64, MSG_DONTWAIT);
}

static void shut_both(struct unix_conn *c) {
    section(c, "shutdown(a, SHUT_RDWR)");
    do_send("b", c->b, "unread", 0);
    do_shutdown("a", c->a, SHUT_RDWR, "SHUT_RDWR");
    show_polls(c);
    do_recv("a", c->a, 64, 0);
    do_recv("a", c->a, 64, 0);
    do_send("a", c->a, "x", 0);
    do_recv("b", c->b, 64, 0);
    do_send("b", c->b, "y", 0);
    so_error("a", c->a);
    so_error("b", c->b);

    say("== shutdown arguments\n");
    do_shutdown("a", c->a, 3, "3");
    do_shutdown("a", c->a, -1, "-1");
    if (c->listener >= 0) {
        do_shutdown("listener", c->listener, SHUT_RDWR, "SHUT_RDWR");
        show_poll("listener", c->listener);
    }
    int unconnected = socket(AF_UNIX, kind->type | SOCK_CLOEXEC, 0);
    do_shutdown("unconnected", unconnected, SHUT_RDWR, "SHUT_RDWR");
    show_poll("unconnected", unconnected);
    do_send("unconnected", unconnected, "z", MSG_NOSIGNAL);
    do_recv("unconnected", unconnected, 64, MSG_DONTWAIT);
    close(unconnected);
    int pipes[2];
    if (pipe(pipes) == 0) {
        do_shutdown("pipe", pipes[0], SHUT_RDWR, "SHUT_RDWR");
        close(pipes[0]);
        close(pipes[1]);
    }
    do_shutdown("-1", -1, SHUT_RDWR, "SHUT_RDWR");
}

static void peer_closed(struct unix_conn *c) {
    section(c, "peer closed, nothing unread");
    close_end("b", &c->b);
    show_polls(c);
    so_error("a", c->a);
    do_recv("a", c->a, 64, 0);
    do_send("a", c->a, "x", 0);
    do_send("a", c->a, "x", MSG_NOSIGNAL);
    do_write("a", c->a, "x");

    /* Closing a socket with unread data resets its peer (net/unix/af_unix.c:
     * unix_release_sock sets ECONNRESET on the peer); the error is reported once. */
    section(c, "peer closed with unread data: recv first");
    do_send("a", c->a, "unread", 0);
    close_end("b", &c->b);
    show_polls(c);
    do_recv("a", c->a, 64, 0);
    do_recv("a", c->a, 64, 0);
    show_polls(c);
    do_send("a", c->a, "x", 0);

    section(c, "peer closed with unread data: SO_ERROR first");
    do_send("a", c->a, "unread", 0);
    close_end("b", &c->b);
    so_error("a", c->a);
    so_error("a", c->a);
    do_recv("a", c->a, 64, 0);

    section(c, "peer closed with unread data: send first");
    do_send("a", c->a, "unread", 0);
    close_end("b", &c->b);
    do_send("a", c->a, "x", 0);
    do_send("a", c->a, "x", MSG_NOSIGNAL);
    do_recv("a", c->a, 64, MSG_DONTWAIT);
    do_recv("a", c->a, 64, MSG_DONTWAIT);

    section(c, "peer closed after sending");
    do_send("b", c->b, "bye", 0);
    do_send("b", c->b, "now", 0);
    close_end("b", &c->b);
    show_polls(c);
    do_recv("a", c->a, 3, 0);
    do_recv("a", c->a, 64, 0);
    do_recv("a", c->a, 64, 0);
    so_error("a", c->a);

    section(c, "both ends shut down with unread data, then closed");
    do_send("a", c->a, "unread", 0);
    do_shutdown("a", c->a, SHUT_RDWR, "SHUT_RDWR");
    do_shutdown("b", c->b, SHUT_RDWR, "SHUT_RDWR");
    close_end("b", &c->b);
    show_polls(c);
    do_recv("a", c->a, 64, 0);
    do_recv("a", c->a, 64, 0);
}

static void peek(struct unix_conn *c) {
    section(c, "MSG_PEEK");
    do_send("a", c->a, "peekaboo", 0);
    do_send("a", c->a, "second", 0);
    do_recv("b", c->b, 4, MSG_PEEK);
    do_recv("b", c->b, 64, MSG_PEEK);
    do_recvmsg("b", c->b, 4, MSG_PEEK);
    do_recv("b", c->b, 4, MSG_PEEK | MSG_TRUNC);
    do_recv("b", c->b, 64, 0);
    do_recv("b", c->b, 64, MSG_PEEK | MSG_DONTWAIT);
    do_recv("b", c->b, 64, MSG_DONTWAIT);
    do_recv("b", c->b, 64, MSG_PEEK | MSG_DONTWAIT);
}

/* The child writes FIRST, waits a little so the parent is likely blocked in recv, writes
 * SECOND (or shuts down if SECOND is NULL). The parent's result is the same either way.
 * The child exits only after the parent's recv returned: a traced process (as under jvisor
 * conform, in both runs) receives even an ignored SIGCHLD, and a signal ends MSG_WAITALL
 * early with what it has copied (net/unix/af_unix.c: unix_stream_read_generic). */
static void waitall_run(struct unix_conn *c, const char *first, const char *second) {
    int go[2], done[2];
    if (pipe(go) < 0 || pipe(done) < 0) {
        say("  pipe: -1 %s\n", errno_name(errno));
        return;
    }
    pid_t child = fork();
    if (child < 0) {
        say("  fork: -1 %s\n", errno_name(errno));
        return;
    }
    if (child == 0) {
        close(go[1]);
        close(done[1]);
        close(c->b);
        char token;
        if (read(go[0], &token, 1) != 1) _exit(3);
        if (write(c->a, first, strlen(first)) != (ssize_t)strlen(first)) _exit(4);
        usleep(50 * 1000);
        if (second) {
            if (write(c->a, second, strlen(second)) != (ssize_t)strlen(second)) _exit(5);
        } else if (shutdown(c->a, SHUT_WR) < 0) {
            _exit(6);
        }
        if (read(done[0], &token, 1) != 1) _exit(7);
        _exit(0);
    }
    close(go[0]);
    close(done[0]);
    if (write(go[1], "g", 1) != 1) say("  handshake write failed\n");
    close(go[1]);
    do_recv("b", c->b, 10, MSG_WAITALL);
    if (write(done[1], "d", 1) != 1) say("  handshake write failed\n");
    close(done[1]);
    int status = 0;
    waitpid(child, &status, 0);
    if (WIFEXITED(status)) say("  child exit %d\n", WEXITSTATUS(status));
    else say("  child did not exit normally\n");
    do_recv("b", c->b, 64, MSG_DONTWAIT);
    do_recv("b", c->b, 64, MSG_DONTWAIT);
}

static void waitall(struct unix_conn *c) {
    section(c, "MSG_WAITALL, data in two writes");
    waitall_run(c, "hello", "world");

    section(c, "MSG_WAITALL, one write then SHUT_WR");
    waitall_run(c, "hello", NULL);

    section(c, "MSG_WAITALL, data already queued");
    do_send("a", c->a, "abcdef", 0);
    do_send("a", c->a, "ghijkl", 0);
    do_recv("b", c->b, 10, MSG_WAITALL);
    do_recv("b", c->b, 64, MSG_DONTWAIT);
    do_recv("b", c->b, 64, MSG_DONTWAIT);
}

static void dontwait(struct unix_conn *c) {
    section(c, "MSG_DONTWAIT on an empty socket");
    do_recv("b", c->b, 64, MSG_DONTWAIT);
    do_recvmsg("b", c->b, 64, MSG_DONTWAIT);
    do_recv("b", c->b, 64, MSG_DONTWAIT | MSG_PEEK);
    do_recv("b", c->b, 0, MSG_DONTWAIT);
    int flags = fcntl(c->b, F_GETFL);
    fcntl(c->b, F_SETFL, flags | O_NONBLOCK);
    do_read("b", c->b, 64);
    do_recv("b", c->b, 64, 0);
    fcntl(c->b, F_SETFL, flags);
}

static void boundaries(struct unix_conn *c) {
    section(c, "message boundaries");
    do_send("a", c->a, "one", 0);
    do_send("a", c->a, "three", 0);
    do_send("a", c->a, "fifteen", 0);
    do_recv("b", c->b, 64, 0);
    do_recv("b", c->b, 64, MSG_DONTWAIT);
    do_recv("b", c->b, 64, MSG_DONTWAIT);
    do_recv("b", c->b, 64, MSG_DONTWAIT);

    say("== zero-length send\n");
    do_send("a", c->a, "", 0);
    do_send("a", c->a, "after-empty", 0);
    do_recv("b", c->b, 64, MSG_DONTWAIT);
    do_recv("b", c->b, 64, MSG_DONTWAIT);
    do_recv("b", c->b, 64, MSG_DONTWAIT);
}

static void truncation(struct unix_conn *c) {
    /* A short buffer truncates a datagram-like message and drops the rest
     * (net/unix/af_unix.c: __unix_dgram_recvmsg); a stream keeps it for the next read. */
    section(c, "short buffer and MSG_TRUNC");
    do_send("a", c->a, "abcdefgh", 0);
    do_send("a", c->a, "ijkl", 0);
    do_recvmsg("b", c->b, 3, 0);
    do_recvmsg("b", c->b, 64, MSG_DONTWAIT);
    do_recvmsg("b", c->b, 64, MSG_DONTWAIT);

    say("== MSG_TRUNC as a recv flag\n");
    do_send("a", c->a, "abcdefgh", 0);
    do_send("a", c->a, "ijkl", 0);
    do_recv("b", c->b, 3, MSG_TRUNC);
    do_recvmsg("b", c->b, 2, MSG_TRUNC | MSG_DONTWAIT);
    do_recv("b", c->b, 64, MSG_DONTWAIT);
    do_recv("b", c->b, 64, MSG_DONTWAIT);

    say("== zero-length buffer\n");
    do_send("a", c->a, "abcdefgh", 0);
    do_recvmsg("b", c->b, 0, 0);
    do_recv("b", c->b, 64, MSG_DONTWAIT);
}

static void show_ioctl(const char *label, int fd, unsigned long request, const char *request_name, int written) {
    int value = -1;
    if (ioctl(fd, request, &value) < 0) {
        say("  %s %s: -1 %s\n", request_name, label, errno_name(errno));
        return;
    }
    if (request == SIOCOUTQ && value > 0) {
        /* SIOCOUTQ on AF_UNIX counts the memory of the unread skbs (net/unix/af_unix.c:
         * unix_outq_len is sk_wmem_alloc), which depends on slab sizes, not the bytes. */
        say("  %s %s: %s the %d bytes written\n", request_name, label, value >= written ? "at least" : "less than",
            written);
        return;
    }
    say("  %s %s: %d\n", request_name, label, value);
}

static void queue_lengths(struct unix_conn *c) {
    section(c, "FIONREAD and SIOCOUTQ");
    show_ioctl("a", c->a, SIOCOUTQ, "SIOCOUTQ", 0);
    show_ioctl("b", c->b, FIONREAD, "FIONREAD", 0);
    char data[100];
    memset(data, 'x', sizeof data);
    report("  send a 100 bytes", send(c->a, data, 100, 0));
    report("  send a 50 bytes", send(c->a, data, 50, 0));
    show_ioctl("a", c->a, SIOCOUTQ, "SIOCOUTQ", 150);
    show_ioctl("b", c->b, FIONREAD, "FIONREAD", 0);
    show_ioctl("b", c->b, SIOCINQ, "SIOCINQ", 0);
    show_ioctl("a", c->a, FIONREAD, "FIONREAD", 0);
    show_ioctl("b", c->b, SIOCOUTQ, "SIOCOUTQ", 0);
    char buffer[256];
    report("  recv b 120", recv(c->b, buffer, 120, 0));
    show_ioctl("b", c->b, FIONREAD, "FIONREAD", 0);
    show_ioctl("a", c->a, SIOCOUTQ, "SIOCOUTQ", 150);
    report("  recv b 256 MSG_DONTWAIT", recv(c->b, buffer, sizeof buffer, MSG_DONTWAIT));
    show_ioctl("b", c->b, FIONREAD, "FIONREAD", 0);
    show_ioctl("a", c->a, SIOCOUTQ, "SIOCOUTQ", 0);
    report("  ioctl(b, FIONREAD, 0x1)", ioctl(c->b, FIONREAD, (void *)1));
    report("  ioctl(b, SIOCOUTQ, NULL)", ioctl(c->b, SIOCOUTQ, NULL));
    if (c->listener >= 0) {
        show_ioctl("listener", c->listener, FIONREAD, "FIONREAD", 0);
        show_ioctl("listener", c->listener, SIOCOUTQ, "SIOCOUTQ", 0);
    }
    do_shutdown("a", c->a, SHUT_WR, "SHUT_WR");
    show_ioctl("b", c->b, FIONREAD, "FIONREAD", 0);
    close_end("a", &c->a);
    show_ioctl("b", c->b, FIONREAD, "FIONREAD", 0);
    show_ioctl("b", c->b, SIOCOUTQ, "SIOCOUTQ", 0);
}

static void readiness(struct unix_conn *c) {
    section(c, "poll: fresh pair, then data");
    show_polls(c);
    do_send("a", c->a, "x", 0);
    show_polls(c);
    do_recv("b", c->b, 64, 0);
    show_polls(c);
    if (c->listener >= 0) {
        show_poll("listener", c->listener);
        int extra = socket(AF_UNIX, kind->type | SOCK_CLOEXEC, 0);
        report("  connect another client", connect(extra, (struct sockaddr *)&c->address, c->address_length));
        show_poll("listener (one pending)", c->listener);
        show_poll("pending client", extra);
        close(extra);
        show_poll("listener (pending client closed)", c->listener);
    }

    section(c, "poll: shutdown(a, SHUT_WR), then shutdown(b, SHUT_WR)");
    do_shutdown("a", c->a, SHUT_WR, "SHUT_WR");
    show_polls(c);
    do_shutdown("b", c->b, SHUT_WR, "SHUT_WR");
    show_polls(c);

    section(c, "poll: shutdown(a, SHUT_RD)");
    do_shutdown("a", c->a, SHUT_RD, "SHUT_RD");
    show_polls(c);

    section(c, "poll: shutdown(a, SHUT_RDWR)");
    do_shutdown("a", c->a, SHUT_RDWR, "SHUT_RDWR");
    show_polls(c);

    section(c, "poll: close a");
    close_end("a", &c->a);
    show_polls(c);

    section(c, "poll: a sends, then closes");
    do_send("a", c->a, "x", 0);
    close_end("a", &c->a);
    show_polls(c);
    do_recv("b", c->b, 64, 0);
    show_polls(c);

    section(c, "poll: b closes with unread data");
    do_send("a", c->a, "x", 0);
    close_end("b", &c->b);
    show_polls(c);
    so_error("a", c->a);
    show_polls(c);
}

int main(int argc, char **argv) {
    kind = unix_kind_from_args(argc, argv);
    /* A hung probe should fail, not wedge the suite. */
    alarm(60);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_sigpipe;
    sigemptyset(&action.sa_mask);
    sigaction(SIGPIPE, &action, NULL);
    say("%s %s\n", PROBE, kind->name);

    struct unix_conn conn;
    fresh(&conn);
    data_both_ways(&conn);
    shut_write(&conn);
    shut_read(&conn);
    shut_both(&conn);
    peer_closed(&conn);
    peek(&conn);
    waitall(&conn);
    dontwait(&conn);
    boundaries(&conn);
    truncation(&conn);
    queue_lengths(&conn);
    readiness(&conn);
    unix_kind_close(&conn);
    say("SIGPIPE total %d\n", (int)sigpipes);
    say("done\n");
    return 0;
}
