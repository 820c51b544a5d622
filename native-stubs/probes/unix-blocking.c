/*
 * Blocking and nonblocking AF_UNIX calls: accept on an empty listener (O_NONBLOCK, accept4's
 * flags), a full backlog (nonblocking connect EAGAIN, blocking connect waiting for an accept),
 * SO_RCVTIMEO on accept and recv, SO_SNDTIMEO on connect and send, calls interrupted by a
 * signal with and without SA_RESTART (and with a socket timeout, which never restarts),
 * MSG_DONTWAIT, O_NONBLOCK set by fcntl and FIONBIO, and listen again to change the backlog.
 *
 *   unix-blocking KIND   (KIND as in unix-kind.h; pair kinds run the data checks only)
 *
 * A call that must block is made by the main thread (or a child) while a helper thread waits
 * until it sleeps (/proc/.../stat) and only then acts, so every line prints in one order.
 * Times never print: a timed wait prints whether it lasted at least its timeout.
 */
#include "probe.h"
#include "unix-kind.h"
#include "unix-wait.h"

#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <sys/wait.h>

#define PROBE "unix-blocking"
#define TIMEOUT_MS 100

static const struct unix_kind *kind;
static struct sockaddr_un address;
static socklen_t address_length;
static pid_t main_thread;

static volatile sig_atomic_t handled;
static int handler_pipe[2];

static void on_signal(int signal) {
    (void)signal;
    int saved = errno;
    handled++;
    char byte = 'h';
    (void)!write(handler_pipe[1], &byte, 1);
    errno = saved;
}

/* SIGUSR1 runs on_signal with FLAGS (0 or SA_RESTART). */
static void set_handler(int flags) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    action.sa_flags = flags;
    sigemptyset(&action.sa_mask);
    sigaction(SIGUSR1, &action, NULL);
    handled = 0;
}

static const char *fd_result(long result) {
    static char text[64];
    if (result < 0) snprintf(text, sizeof text, "-1 %s", errno_name(errno));
    else snprintf(text, sizeof text, "fd");
    return text;
}

static int new_socket(int flags) {
    return unix_kind_check("socket", socket(AF_UNIX, kind->type | SOCK_CLOEXEC | flags, 0));
}

static void remove_name(void) {
    if (kind->naming == UNIX_PATH) unlink(address.sun_path);
}

static int make_listener(int flags, int backlog) {
    remove_name();
    int l = new_socket(flags);
    unix_kind_check("bind", bind(l, (struct sockaddr *)&address, address_length));
    unix_kind_check("listen", listen(l, backlog));
    return l;
}

static void close_listener(int l) {
    close(l);
    remove_name();
}

static int connect_name(int fd) {
    return connect(fd, (struct sockaddr *)&address, address_length);
}

static void show_flags(const char *label, int fd) {
    int status = fcntl(fd, F_GETFL);
    int descriptor = fcntl(fd, F_GETFD);
    if (status < 0 || descriptor < 0) say("  flags %s: -1 %s\n", label, errno_name(errno));
    else say("  flags %s: O_NONBLOCK %d FD_CLOEXEC %d\n", label, (status & O_NONBLOCK) != 0,
             (descriptor & FD_CLOEXEC) != 0);
}

static void set_nonblocking(int fd, int on) {
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK);
}

static void set_timeout(int fd, int option, long long ms) {
    struct timeval value = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    unix_kind_check("setsockopt(timeout)", setsockopt(fd, SOL_SOCKET, option, &value, sizeof value));
}

static void show_timeout(const char *label, int fd, int option) {
    struct timeval value;
    socklen_t length = sizeof value;
    if (getsockopt(fd, SOL_SOCKET, option, &value, &length) < 0)
        say("  %s: -1 %s\n", label, errno_name(errno));
    else say("  %s: %ld.%06ld len %u\n", label, (long)value.tv_sec, (long)value.tv_usec, (unsigned)length);
}

/* ---- a helper thread that acts once the main thread sleeps in a call ---- */

struct helper;
typedef void (*helper_action)(struct helper *);

struct helper {
    pthread_t thread;
    int go[2];               /* main -> helper: the call starts now */
    int signal_first;        /* send SIGUSR1 to the sleeping main thread, wait for the handler */
    helper_action action;    /* then (the main thread sleeping again) this, if any */
    int fd;                  /* what the action works on */
    size_t length;
    int result, error;       /* the action's */
    int blocked, blocked_again;
    int made;                /* a socket the action created, for the main thread to close */
    int watch;               /* the main thread's stat file (unix-wait.h) */
};

static void *helper_main(void *arg) {
    struct helper *h = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    char byte;
    if (read(h->go[0], &byte, 1) != 1) return NULL;
    h->blocked = wait_blocked(h->watch);
    if (h->signal_first) {
        syscall(SYS_tgkill, getpid(), main_thread, SIGUSR1);
        if (read(handler_pipe[0], &byte, 1) != 1) return NULL;
        if (h->action == NULL) return NULL;
        h->blocked_again = wait_blocked(h->watch);
    }
    if (h->action != NULL) h->action(h);
    return NULL;
}

static void action_connect(struct helper *h);

static void helper_start(struct helper *h, int signal_first, helper_action action, int fd) {
    memset(h, 0, sizeof *h);
    h->signal_first = signal_first;
    h->action = action;
    h->fd = fd;
    h->made = -1;
    /* The helper's socket is made here, before the main thread's call: an accept takes its
     * descriptor number before it sleeps, and a sandbox may wait before it does, so only a
     * socket made first has the same number in every run. */
    if (action == action_connect) h->made = new_socket(0);
    h->watch = unix_kind_check("open(stat)", watch_open(getpid(), main_thread));
    unix_kind_check("pipe", pipe2(h->go, O_CLOEXEC));
    if (pthread_create(&h->thread, NULL, helper_main, h) != 0) {
        say("setup pthread_create failed\n");
        exit(1);
    }
}

/* Called right before the blocking call: nothing that may sleep comes between. */
static void helper_go(struct helper *h) {
    (void)!write(h->go[1], "g", 1);
}

static void helper_join(struct helper *h) {
    pthread_join(h->thread, NULL);
    close(h->go[0]);
    close(h->go[1]);
    close(h->watch);
}

static void helper_report(const struct helper *h) {
    say("  helper: saw the call sleep %d", h->blocked);
    if (h->signal_first) say(", handler ran %d", (int)handled);
    if (h->signal_first && h->action) say(", saw the restarted call sleep %d", h->blocked_again);
    say("\n");
}

static void action_connect(struct helper *h) {
    h->result = connect_name(h->made);
    h->error = errno;
}

static void action_accept(struct helper *h) {
    h->result = accept4(h->fd, NULL, NULL, SOCK_CLOEXEC);
    h->error = errno;
    h->made = h->result;
}

static void action_send(struct helper *h) {
    h->result = (int)send(h->fd, "late", 4, 0);
    h->error = errno;
}

/* Reads exactly LENGTH bytes (a stream) or LENGTH messages (seqpacket) of what was queued. */
static void action_drain(struct helper *h) {
    static char buffer[1 << 20];
    if (kind->type == SOCK_STREAM) {
        h->result = (int)recv(h->fd, buffer, h->length, MSG_WAITALL);
        h->error = errno;
        return;
    }
    h->result = 0;
    for (size_t i = 0; i < h->length; i++) {
        ssize_t n = recv(h->fd, buffer, sizeof buffer, 0);
        if (n < 0) {
            h->result = -1;
            h->error = errno;
            return;
        }
        h->result += (int)n;
    }
}

static void helper_result(const char *label, const struct helper *h) {
    if (h->result < 0) say("  helper %s: -1 %s\n", label, errno_name(h->error));
    else if (h->action == action_accept) say("  helper %s: fd\n", label);
    else say("  helper %s: %d\n", label, h->result);
}

/* ---- data checks: every kind ---- */

static struct unix_conn conn;

static void fresh(const char *title) {
    if (conn.kind != NULL) unix_kind_close(&conn);
    say("== %s\n", title);
    unix_kind_connect(kind, PROBE, SOCK_CLOEXEC, &conn);
}

static void show_recv(const char *label, ssize_t result, const char *buffer) {
    if (result < 0) say("  %s: -1 %s\n", label, errno_name(errno));
    else say("  %s: %zd \"%.*s\"\n", label, result, (int)result, buffer);
}

static void recv_blocks(void) {
    fresh("recv on an empty socket sleeps until data arrives");
    struct helper h;
    helper_start(&h, 0, action_send, conn.a);
    char buffer[64];
    helper_go(&h);
    ssize_t n = recv(conn.b, buffer, sizeof buffer, 0);
    int error = errno;
    helper_join(&h);
    helper_report(&h);
    helper_result("send a \"late\"", &h);
    errno = error;
    show_recv("recv b", n, buffer);

    say("== read on an empty socket sleeps until data arrives\n");
    helper_start(&h, 0, action_send, conn.a);
    helper_go(&h);
    n = read(conn.b, buffer, sizeof buffer);
    error = errno;
    helper_join(&h);
    helper_report(&h);
    errno = error;
    show_recv("read b", n, buffer);
}

static void dontwait(void) {
    fresh("MSG_DONTWAIT");
    char buffer[64];
    show_recv("recv b MSG_DONTWAIT", recv(conn.b, buffer, sizeof buffer, MSG_DONTWAIT), buffer);
    struct iovec iov = {.iov_base = buffer, .iov_len = sizeof buffer};
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1};
    report("  recvmsg b MSG_DONTWAIT", recvmsg(conn.b, &message, MSG_DONTWAIT));
    report("  recv b MSG_DONTWAIT|MSG_PEEK", recv(conn.b, buffer, sizeof buffer, MSG_DONTWAIT | MSG_PEEK));
    show_flags("b (MSG_DONTWAIT leaves the file blocking)", conn.b);
    report("  send a \"x\" MSG_DONTWAIT", send(conn.a, "x", 1, MSG_DONTWAIT));
    show_recv("recv b MSG_DONTWAIT", recv(conn.b, buffer, sizeof buffer, MSG_DONTWAIT), buffer);

    /* Fill a's send buffer (made small) with nonblocking sends; the count is not printed. */
    fresh("a full send buffer");
    int size = 4096;
    unix_kind_check("setsockopt(SO_SNDBUF)", setsockopt(conn.a, SOL_SOCKET, SO_SNDBUF, &size, sizeof size));
    char chunk[256];
    memset(chunk, 'f', sizeof chunk);
    int sends = 0;
    ssize_t n;
    while ((n = send(conn.a, chunk, sizeof chunk, MSG_DONTWAIT)) == (ssize_t)sizeof chunk) sends++;
    say("  send a 256 MSG_DONTWAIT until it fails: %s, after more than one send %d\n",
        n < 0 ? errno_name(errno) : "short", sends > 1);
    report("  send a 1 MSG_DONTWAIT", send(conn.a, chunk, 1, MSG_DONTWAIT));
    set_nonblocking(conn.a, 1);
    report("  send a 1 (O_NONBLOCK)", send(conn.a, chunk, 1, 0));
    report("  write a 1 (O_NONBLOCK)", write(conn.a, chunk, 1));
    set_nonblocking(conn.a, 0);

    set_timeout(conn.a, SO_SNDTIMEO, TIMEOUT_MS);
    long long start = monotonic_ms();
    n = send(conn.a, chunk, 1, 0);
    int error = errno;
    long long elapsed = monotonic_ms() - start;
    errno = error;
    report("  send a 1 (SO_SNDTIMEO 100 ms)", n);
    say("  elapsed>=timeout %d\n", waited_for(elapsed, TIMEOUT_MS));
    set_timeout(conn.a, SO_SNDTIMEO, 0);

    say("== a blocking send waits until the peer reads\n");
    struct helper h;
    helper_start(&h, 0, action_drain, conn.b);
    h.length = kind->type == SOCK_STREAM ? (size_t)sends * sizeof chunk : (size_t)sends;
    helper_go(&h);
    n = send(conn.a, chunk, sizeof chunk, 0);
    error = errno;
    helper_join(&h);
    helper_report(&h);
    say("  helper recv b (all that was queued): %s\n", h.result == sends * (int)sizeof chunk ? "all" : "not all");
    errno = error;
    report("  send a 256", n);
    report("  recv b MSG_DONTWAIT (the blocked send's bytes)", recv(conn.b, chunk, sizeof chunk, MSG_DONTWAIT));
    report("  recv b MSG_DONTWAIT", recv(conn.b, chunk, sizeof chunk, MSG_DONTWAIT));
}

static void nonblocking_flag(void) {
    fresh("O_NONBLOCK set by fcntl");
    char buffer[64];
    int flags = fcntl(conn.b, F_GETFL);
    report("  fcntl b F_SETFL O_NONBLOCK", fcntl(conn.b, F_SETFL, flags | O_NONBLOCK));
    show_flags("b", conn.b);
    report("  read b", read(conn.b, buffer, sizeof buffer));
    report("  recv b", recv(conn.b, buffer, sizeof buffer, 0));
    struct iovec iov = {.iov_base = buffer, .iov_len = sizeof buffer};
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1};
    report("  recvmsg b", recvmsg(conn.b, &message, 0));
    report("  send a \"data\"", send(conn.a, "data", 4, 0));
    show_recv("recv b", recv(conn.b, buffer, sizeof buffer, 0), buffer);
    report("  recv b", recv(conn.b, buffer, sizeof buffer, 0));
    show_flags("a (the peer keeps its own flags)", conn.a);

    say("== a dup shares the open file's O_NONBLOCK\n");
    report("  fcntl b F_SETFL 0", fcntl(conn.b, F_SETFL, flags & ~O_NONBLOCK));
    int copy = dup(conn.b);
    report("  fcntl dup(b) F_SETFL O_NONBLOCK", fcntl(copy, F_SETFL, flags | O_NONBLOCK));
    show_flags("b", conn.b);
    report("  recv b", recv(conn.b, buffer, sizeof buffer, 0));
    close(copy);
    report("  fcntl b F_SETFL 0", fcntl(conn.b, F_SETFL, flags & ~O_NONBLOCK));

    say("== FIONBIO\n");
    int on = 1;
    report("  ioctl b FIONBIO 1", ioctl(conn.b, FIONBIO, &on));
    show_flags("b", conn.b);
    report("  recv b", recv(conn.b, buffer, sizeof buffer, 0));
    on = 0;
    report("  ioctl b FIONBIO 0", ioctl(conn.b, FIONBIO, &on));
    show_flags("b", conn.b);

    say("== blocking again: recv waits for SO_RCVTIMEO\n");
    set_timeout(conn.b, SO_RCVTIMEO, TIMEOUT_MS);
    show_timeout("SO_RCVTIMEO b", conn.b, SO_RCVTIMEO);
    long long start = monotonic_ms();
    ssize_t n = recv(conn.b, buffer, sizeof buffer, 0);
    int error = errno;
    long long elapsed = monotonic_ms() - start;
    errno = error;
    report("  recv b", n);
    say("  elapsed>=timeout %d\n", waited_for(elapsed, TIMEOUT_MS));
    start = monotonic_ms();
    n = read(conn.b, buffer, sizeof buffer);
    error = errno;
    elapsed = monotonic_ms() - start;
    errno = error;
    report("  read b", n);
    say("  elapsed>=timeout %d\n", waited_for(elapsed, TIMEOUT_MS));

    say("== MSG_WAITALL with part of the data and SO_RCVTIMEO\n");
    report("  send a \"abc\"", send(conn.a, "abc", 3, 0));
    start = monotonic_ms();
    n = recv(conn.b, buffer, 10, MSG_WAITALL);
    error = errno;
    elapsed = monotonic_ms() - start;
    errno = error;
    show_recv("recv b 10 MSG_WAITALL", n, buffer);
    /* A stream waits for the rest until the timeout; a seqpacket message is whole at once. */
    if (kind->type == SOCK_STREAM) say("  elapsed>=timeout %d\n", waited_for(elapsed, TIMEOUT_MS));
    set_timeout(conn.b, SO_RCVTIMEO, 0);
    show_timeout("SO_RCVTIMEO b (cleared)", conn.b, SO_RCVTIMEO);
}

static void recv_signals(void) {
    fresh("recv interrupted by a signal, no SA_RESTART");
    char buffer[64];
    struct helper h;
    set_handler(0);
    helper_start(&h, 1, NULL, -1);
    helper_go(&h);
    ssize_t n = recv(conn.b, buffer, sizeof buffer, 0);
    int error = errno;
    helper_join(&h);
    helper_report(&h);
    errno = error;
    show_recv("recv b", n, buffer);

    say("== recv interrupted by a signal, SA_RESTART\n");
    set_handler(SA_RESTART);
    helper_start(&h, 1, action_send, conn.a);
    helper_go(&h);
    n = recv(conn.b, buffer, sizeof buffer, 0);
    error = errno;
    helper_join(&h);
    helper_report(&h);
    helper_result("send a \"late\"", &h);
    errno = error;
    show_recv("recv b", n, buffer);

    /* A socket call with a timeout is never restarted (net/core/sock.c: sock_intr_errno). */
    say("== recv interrupted by a signal, SA_RESTART, SO_RCVTIMEO 5 s\n");
    set_timeout(conn.b, SO_RCVTIMEO, 5000);
    set_handler(SA_RESTART);
    helper_start(&h, 1, NULL, -1);
    helper_go(&h);
    n = recv(conn.b, buffer, sizeof buffer, 0);
    error = errno;
    helper_join(&h);
    helper_report(&h);
    errno = error;
    show_recv("recv b", n, buffer);
    set_timeout(conn.b, SO_RCVTIMEO, 0);
    signal(SIGUSR1, SIG_DFL);
}

/* ---- listener checks: named kinds ---- */

static void empty_listener(void) {
    say("== accept on an empty listener\n");
    int l = make_listener(SOCK_NONBLOCK, 4);
    show_flags("listener (SOCK_NONBLOCK)", l);
    say("  accept: %s\n", fd_result(accept(l, NULL, NULL)));
    say("  accept4 SOCK_NONBLOCK: %s\n", fd_result(accept4(l, NULL, NULL, SOCK_NONBLOCK)));
    say("  accept4 SOCK_CLOEXEC: %s\n", fd_result(accept4(l, NULL, NULL, SOCK_CLOEXEC)));
    /* Unknown flags are refused before the queue is looked at (net/socket.c). */
    say("  accept4 MSG_DONTWAIT as flags: %s\n", fd_result(accept4(l, NULL, NULL, MSG_DONTWAIT)));
    say("  accept4 O_RDWR as flags: %s\n", fd_result(accept4(l, NULL, NULL, O_RDWR)));
    close_listener(l);

    l = make_listener(0, 4);
    set_nonblocking(l, 1);
    show_flags("listener (fcntl O_NONBLOCK)", l);
    say("  accept: %s\n", fd_result(accept(l, NULL, NULL)));
    set_nonblocking(l, 0);
    int on = 1;
    report("  ioctl listener FIONBIO 1", ioctl(l, FIONBIO, &on));
    say("  accept: %s\n", fd_result(accept(l, NULL, NULL)));
    on = 0;
    report("  ioctl listener FIONBIO 0", ioctl(l, FIONBIO, &on));
    /* accept4's SOCK_NONBLOCK is for the new socket, not the wait. */
    say("  accept4 MSG_DONTWAIT as flags (blocking listener): %s\n", fd_result(accept4(l, NULL, NULL, MSG_DONTWAIT)));
    close_listener(l);
}

static void accept_flags(void) {
    say("== accept4 flags\n");
    int l = make_listener(0, 8);
    static const struct { int flags; const char *name; } cases[] = {
        {0, "0"}, {SOCK_NONBLOCK, "SOCK_NONBLOCK"}, {SOCK_CLOEXEC, "SOCK_CLOEXEC"},
        {SOCK_NONBLOCK | SOCK_CLOEXEC, "SOCK_NONBLOCK|SOCK_CLOEXEC"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int c = new_socket(0);
        report("  connect", connect_name(c));
        int a = accept4(l, NULL, NULL, cases[i].flags);
        say("  accept4 %s: %s\n", cases[i].name, fd_result(a));
        if (a >= 0) {
            show_flags("accepted", a);
            close(a);
        }
        close(c);
    }
    close_listener(l);

    say("== the listener's flags are not inherited\n");
    remove_name();
    l = unix_kind_check("socket", socket(AF_UNIX, kind->type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    unix_kind_check("bind", bind(l, (struct sockaddr *)&address, address_length));
    unix_kind_check("listen", listen(l, 8));
    show_flags("listener", l);
    int c = new_socket(0);
    report("  connect", connect_name(c));
    int a = accept(l, NULL, NULL);
    say("  accept: %s\n", fd_result(a));
    if (a >= 0) {
        show_flags("accepted", a);
        close(a);
    }
    close(c);
    c = new_socket(SOCK_NONBLOCK);
    report("  connect (SOCK_NONBLOCK client)", connect_name(c));
    show_flags("client", c);
    a = accept4(l, NULL, NULL, 0);
    say("  accept4 0: %s\n", fd_result(a));
    if (a >= 0) {
        show_flags("accepted", a);
        close(a);
    }
    close(c);
    close_listener(l);
}

static void child_connect(int ready, int done, int exit_pipe) {
    int c = socket(AF_UNIX, kind->type | SOCK_CLOEXEC, 0);
    (void)!write(ready, "r", 1);
    int result = connect_name(c);
    char line[64];
    int length = snprintf(line, sizeof line, "connect: %s\n", result == 0 ? "0" : errno_name(errno));
    (void)!write(done, line, (size_t)length);
    char byte;
    (void)!read(exit_pipe, &byte, 1);
    _exit(0);
}

static void full_backlog(void) {
    say("== a full backlog (listen 1)\n");
    int l = make_listener(0, 1);
    int clients[4];
    for (int i = 0; i < 3; i++) {
        clients[i] = new_socket(SOCK_NONBLOCK);
        char what[64];
        snprintf(what, sizeof what, "  connect %d (nonblocking)", i + 1);
        report(what, connect_name(clients[i]));
    }
    report("  connect 3 again (nonblocking)", connect_name(clients[2]));

    int timed = new_socket(0);
    set_timeout(timed, SO_SNDTIMEO, TIMEOUT_MS);
    long long start = monotonic_ms();
    int result = connect_name(timed);
    int error = errno;
    long long elapsed = monotonic_ms() - start;
    errno = error;
    report("  connect (blocking, SO_SNDTIMEO 100 ms)", result);
    say("  elapsed>=timeout %d\n", waited_for(elapsed, TIMEOUT_MS));
    close(timed);

    say("== a blocking connect to a full backlog waits for an accept (another process)\n");
    int ready[2], done[2], exit_pipe[2];
    unix_kind_check("pipe", pipe2(ready, O_CLOEXEC));
    unix_kind_check("pipe", pipe2(done, O_CLOEXEC));
    unix_kind_check("pipe", pipe2(exit_pipe, O_CLOEXEC));
    pid_t child = fork();
    if (child < 0) {
        say("setup fork: -1 %s\n", errno_name(errno));
        exit(1);
    }
    if (child == 0) child_connect(ready[1], done[1], exit_pipe[0]);
    close(ready[1]);
    close(done[1]);
    close(exit_pipe[0]);
    char byte;
    (void)!read(ready[0], &byte, 1);
    int watch = unix_kind_check("open(stat)", watch_open(child, child));
    say("  child sleeps in connect: %d\n", wait_blocked(watch));
    close(watch);
    struct pollfd entry = {.fd = done[0], .events = POLLIN};
    say("  child's connect returned before an accept: %d\n", poll(&entry, 1, 0));
    int a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    say("  parent accept: %s\n", fd_result(a));
    char line[64];
    ssize_t n = read(done[0], line, sizeof line - 1);
    say("  child %.*s", n > 0 ? (int)n : 0, line);
    report("  connect 3 again (nonblocking)", connect_name(clients[2]));
    for (int i = 0; i < 2; i++) {
        int more = accept4(l, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        say("  accept4 SOCK_NONBLOCK: %s\n", fd_result(more));
        if (more >= 0) close(more);
    }
    set_nonblocking(l, 1);
    say("  accept (nonblocking, queue empty): %s\n", fd_result(accept(l, NULL, NULL)));
    set_nonblocking(l, 0);
    report("  connect 3 again (nonblocking, room now)", connect_name(clients[2]));
    (void)!write(exit_pipe[1], "x", 1);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    say("  child exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    close(ready[0]);
    close(done[0]);
    close(exit_pipe[1]);
    if (a >= 0) close(a);
    for (int i = 0; i < 3; i++) close(clients[i]);
    close_listener(l);
}

/* The main thread's blocking connect to a full backlog, interrupted by SIGUSR1. */
static void connect_signals(void) {
    static const struct { int flags; long long timeout; const char *title; } cases[] = {
        {0, 0, "no SA_RESTART"},
        {SA_RESTART, 0, "SA_RESTART, the helper accepts after the handler"},
        {SA_RESTART, 5000, "SA_RESTART, SO_SNDTIMEO 5 s"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        say("== a connect to a full backlog interrupted by a signal, %s\n", cases[i].title);
        int l = make_listener(0, 0);
        int first = new_socket(0);
        report("  connect (fills backlog 0)", connect_name(first));
        int c = new_socket(0);
        if (cases[i].timeout) set_timeout(c, SO_SNDTIMEO, cases[i].timeout);
        set_handler(cases[i].flags);
        struct helper h;
        helper_start(&h, 1, cases[i].flags == SA_RESTART && !cases[i].timeout ? action_accept : NULL, l);
        helper_go(&h);
        int result = connect_name(c);
        int error = errno;
        helper_join(&h);
        helper_report(&h);
        if (h.action) helper_result("accept", &h);
        errno = error;
        report("  connect", result);
        if (result < 0) {
            set_nonblocking(c, 1);
            report("  connect again (nonblocking, still full)", connect_name(c));
            int a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
            say("  accept: %s\n", fd_result(a));
            report("  connect again (nonblocking, room now)", connect_name(c));
            if (a >= 0) close(a);
        }
        report("  send \"hi\"", send(c, "hi", 2, MSG_NOSIGNAL));
        if (h.made >= 0) close(h.made);
        close(c);
        close(first);
        close_listener(l);
        signal(SIGUSR1, SIG_DFL);
    }
}

static void listener_timeout(void) {
    say("== SO_RCVTIMEO on a listener\n");
    int l = make_listener(0, 4);
    set_timeout(l, SO_RCVTIMEO, TIMEOUT_MS);
    show_timeout("SO_RCVTIMEO listener", l, SO_RCVTIMEO);
    long long start = monotonic_ms();
    int a = accept(l, NULL, NULL);
    int error = errno;
    long long elapsed = monotonic_ms() - start;
    errno = error;
    say("  accept: %s\n", fd_result(a));
    say("  elapsed>=timeout %d\n", waited_for(elapsed, TIMEOUT_MS));
    start = monotonic_ms();
    a = accept4(l, NULL, NULL, SOCK_NONBLOCK);
    error = errno;
    elapsed = monotonic_ms() - start;
    errno = error;
    say("  accept4 SOCK_NONBLOCK (waits all the same): %s\n", fd_result(a));
    say("  elapsed>=timeout %d\n", waited_for(elapsed, TIMEOUT_MS));
    int c = new_socket(0);
    report("  connect", connect_name(c));
    a = accept(l, NULL, NULL);
    say("  accept (one pending): %s\n", fd_result(a));
    if (a >= 0) {
        /* The accepted socket does not take the listener's timeout. */
        show_timeout("SO_RCVTIMEO accepted", a, SO_RCVTIMEO);
        close(a);
    }
    close(c);
    close_listener(l);
}

static void accept_signals(void) {
    say("== accept sleeps until a connection arrives\n");
    int l = make_listener(0, 4);
    struct helper h;
    helper_start(&h, 0, action_connect, -1);
    helper_go(&h);
    int a = accept(l, NULL, NULL);
    int error = errno;
    helper_join(&h);
    helper_report(&h);
    helper_result("connect", &h);
    errno = error;
    say("  accept: %s\n", fd_result(a));
    if (a >= 0) close(a);
    if (h.made >= 0) close(h.made);

    static const struct { int flags; long long timeout; const char *title; } cases[] = {
        {0, 0, "no SA_RESTART"},
        {SA_RESTART, 0, "SA_RESTART, the helper connects after the handler"},
        {SA_RESTART, 5000, "SA_RESTART, SO_RCVTIMEO 5 s"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        say("== accept interrupted by a signal, %s\n", cases[i].title);
        set_timeout(l, SO_RCVTIMEO, cases[i].timeout);
        set_handler(cases[i].flags);
        helper_start(&h, 1, cases[i].flags == SA_RESTART && !cases[i].timeout ? action_connect : NULL, -1);
        helper_go(&h);
        a = accept(l, NULL, NULL);
        error = errno;
        helper_join(&h);
        helper_report(&h);
        if (h.action) helper_result("connect", &h);
        errno = error;
        say("  accept: %s\n", fd_result(a));
        if (a >= 0) {
            report("  send \"hi\" on the accepted socket", send(a, "hi", 2, MSG_NOSIGNAL));
            close(a);
        }
        if (h.made >= 0) close(h.made);
        signal(SIGUSR1, SIG_DFL);
    }
    set_timeout(l, SO_RCVTIMEO, 0);
    set_nonblocking(l, 1);
    say("  accept (nonblocking, nothing left): %s\n", fd_result(accept(l, NULL, NULL)));
    close_listener(l);
}

/* Nonblocking connects until one fails: prints how many went through and the error. */
static int fill(int *clients, int limit, const char *label) {
    int count = 0;
    int error = 0;
    while (count < limit) {
        int c = new_socket(SOCK_NONBLOCK);
        if (connect_name(c) < 0) {
            error = errno;
            close(c);
            break;
        }
        clients[count++] = c;
    }
    say("  %s: %d connects, then %s\n", label, count, count == limit ? "limit" : errno_name(error));
    return count;
}

static void listen_again(void) {
    say("== listen again changes the backlog\n");
    int l = make_listener(0, 1);
    int clients[32];
    int count = fill(clients, 8, "listen 1");
    report("  listen 3", listen(l, 3));
    count += fill(clients + count, 8, "after listen 3");
    report("  listen 0", listen(l, 0));
    count += fill(clients + count, 8, "after listen 0");
    set_nonblocking(l, 1);
    int accepted = 0;
    int a;
    while ((a = accept(l, NULL, NULL)) >= 0) {
        accepted++;
        close(a);
    }
    say("  accepted %d, then %s\n", accepted, errno_name(errno));
    count += fill(clients + count, 8, "listen 0, queue empty");
    set_timeout(l, SO_RCVTIMEO, TIMEOUT_MS);
    report("  listen 2 (SO_RCVTIMEO set)", listen(l, 2));
    show_timeout("SO_RCVTIMEO listener (kept)", l, SO_RCVTIMEO);
    show_flags("listener (kept)", l);
    count += fill(clients + count, 8, "after listen 2");
    for (int i = 0; i < count; i++) close(clients[i]);
    close_listener(l);
}

int main(int argc, char **argv) {
    kind = unix_kind_from_args(argc, argv);
    /* A hung probe should fail, not wedge the suite. */
    alarm(60);
    signal(SIGPIPE, SIG_IGN);
    main_thread = thread_id();
    unix_kind_check("pipe", pipe2(handler_pipe, O_CLOEXEC));
    unix_kind_address(kind, PROBE, &address, &address_length);
    say("%s %s\n", PROBE, kind->name);
    remove_name();

    memset(&conn, 0, sizeof conn);
    conn.a = conn.b = conn.listener = -1;
    recv_blocks();
    dontwait();
    nonblocking_flag();
    recv_signals();
    if (conn.kind != NULL) unix_kind_close(&conn);

    if (kind->naming == UNIX_PAIR) {
        say("== listener checks: skipped for pair kinds\n");
    } else {
        empty_listener();
        accept_flags();
        full_backlog();
        connect_signals();
        listener_timeout();
        accept_signals();
        listen_again();
    }
    remove_name();
    say("done\n");
    return 0;
}
