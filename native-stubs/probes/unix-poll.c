/*
 * Readiness of AF_UNIX sockets as poll, epoll (level-triggered, EPOLLET, EPOLLONESHOT) and
 * select see it: a socket just made, bound, listening (with and without pending connections,
 * shut down), a client whose connection is pending or whose listener went away, and a
 * connected pair through data, a full send buffer, shutdown of either direction on either
 * end, close with and without unread data; and waits that sleep until a helper thread acts.
 * poll, epoll and select are not socket calls: the kernel answers them from the state the
 * socket calls left behind, so every line here checks that state.
 *
 *   unix-poll KIND   (KIND as in unix-kind.h; pair kinds skip the listener checks)
 *
 * Events print by name in one fixed order; times never print.
 */
#include "probe.h"
#include "unix-kind.h"
#include "unix-wait.h"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/select.h>

#define PROBE "unix-poll"
#define TIMEOUT_MS 100

static const struct unix_kind *kind;
static struct sockaddr_un address;
static socklen_t address_length;
static pid_t main_thread;

#define ALL_POLL (POLLIN | POLLPRI | POLLOUT | POLLRDHUP | POLLRDNORM | POLLRDBAND | POLLWRNORM | POLLWRBAND)
#define ALL_EPOLL (EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLRDHUP | EPOLLRDNORM | EPOLLRDBAND | EPOLLWRNORM | EPOLLWRBAND)

static const char *epoll_names(unsigned events, char *text, size_t size) {
    static const struct { unsigned flag; const char *name; } names[] = {
        {EPOLLIN, "EPOLLIN"}, {EPOLLPRI, "EPOLLPRI"}, {EPOLLOUT, "EPOLLOUT"}, {EPOLLERR, "EPOLLERR"},
        {EPOLLHUP, "EPOLLHUP"}, {EPOLLRDNORM, "EPOLLRDNORM"}, {EPOLLRDBAND, "EPOLLRDBAND"},
        {EPOLLWRNORM, "EPOLLWRNORM"}, {EPOLLWRBAND, "EPOLLWRBAND"}, {EPOLLMSG, "EPOLLMSG"},
        {EPOLLRDHUP, "EPOLLRDHUP"},
    };
    size_t used = 0;
    text[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(events & names[i].flag)) continue;
        used += (size_t)snprintf(text + used, size - used, "%s%s", used ? "|" : "", names[i].name);
        events &= ~names[i].flag;
    }
    if (events) used += (size_t)snprintf(text + used, size - used, "%s0x%x", used ? "|" : "", events);
    if (!used) snprintf(text, size, "0");
    return text;
}

static void show_poll_events(const char *label, int fd, short events) {
    struct pollfd entry = {.fd = fd, .events = events};
    int result = poll(&entry, 1, 0);
    char text[256];
    if (result < 0) say("  %s: poll -1 %s\n", label, errno_name(errno));
    else say("  %s: poll %d %s\n", label, result, poll_event_names(entry.revents, text, sizeof text));
}

/* A fresh level-triggered epoll instance asking for every event, waited on with timeout 0. */
static void show_epoll(const char *label, int fd) {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event event = {.events = ALL_EPOLL, .data.u32 = 7};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &event) < 0) {
        say("  %s: epoll_ctl ADD -1 %s\n", label, errno_name(errno));
        close(ep);
        return;
    }
    struct epoll_event ready[4];
    memset(ready, 0, sizeof ready);
    int result = epoll_wait(ep, ready, 4, 0);
    char text[256];
    if (result < 0) say("  %s: epoll -1 %s\n", label, errno_name(errno));
    else say("  %s: epoll %d %s\n", label, result, result > 0 ? epoll_names(ready[0].events, text, sizeof text) : "0");
    close(ep);
}

static void show_select(const char *label, int fd) {
    fd_set read_set, write_set, except_set;
    FD_ZERO(&read_set);
    FD_ZERO(&write_set);
    FD_ZERO(&except_set);
    FD_SET(fd, &read_set);
    FD_SET(fd, &write_set);
    FD_SET(fd, &except_set);
    struct timeval zero = {0, 0};
    int result = select(fd + 1, &read_set, &write_set, &except_set, &zero);
    if (result < 0) {
        say("  %s: select -1 %s\n", label, errno_name(errno));
        return;
    }
    say("  %s: select %d%s%s%s\n", label, result, FD_ISSET(fd, &read_set) ? " read" : "",
        FD_ISSET(fd, &write_set) ? " write" : "", FD_ISSET(fd, &except_set) ? " except" : "");
}

/* The readiness of FD right now, by poll, epoll and select. */
static void show(const char *label, int fd) {
    show_poll_events(label, fd, ALL_POLL);
    show_epoll(label, fd);
    show_select(label, fd);
}

static int new_socket(int flags) {
    return unix_kind_check("socket", socket(AF_UNIX, kind->type | SOCK_CLOEXEC | flags, 0));
}

static void remove_name(void) {
    if (kind->naming == UNIX_PATH) unlink(address.sun_path);
}

static int connect_name(int fd) {
    return connect(fd, (struct sockaddr *)&address, address_length);
}

static struct unix_conn conn;

static void fresh(const char *title) {
    if (conn.kind != NULL) unix_kind_close(&conn);
    say("== %s\n", title);
    unix_kind_connect(kind, PROBE, SOCK_CLOEXEC, &conn);
    /* The listener unix_kind_connect leaves open plays no part here. */
    if (conn.listener >= 0) {
        close(conn.listener);
        conn.listener = -1;
        remove_name();
    }
}

static void close_end(const char *label, int *fd) {
    say("  close %s\n", label);
    close(*fd);
    *fd = -1;
}

static void do_send(const char *label, int fd, const char *text) {
    char what[96];
    snprintf(what, sizeof what, "  send %s \"%s\"", label, text);
    report(what, send(fd, text, strlen(text), MSG_NOSIGNAL));
}

static void do_recv(const char *label, int fd) {
    char buffer[64];
    ssize_t n = recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n < 0) say("  recv %s: -1 %s\n", label, errno_name(errno));
    else say("  recv %s: %zd \"%.*s\"\n", label, n, (int)n, buffer);
}

static void do_shutdown(const char *label, int fd, int how, const char *how_name) {
    char what[96];
    snprintf(what, sizeof what, "  shutdown %s %s", label, how_name);
    report(what, shutdown(fd, how));
}

static void so_error(const char *label, int fd) {
    int value = -1;
    socklen_t length = sizeof value;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) < 0) say("  SO_ERROR %s: -1 %s\n", label, errno_name(errno));
    else say("  SO_ERROR %s: %s\n", label, errno_name(value));
}

/* ---- sockets that are not connected ---- */

static void unconnected(void) {
    say("== a socket just made\n");
    int s = new_socket(0);
    show("new", s);
    show_poll_events("new, events 0", s, 0);
    do_shutdown("new", s, SHUT_RDWR, "SHUT_RDWR");
    show("new after shutdown", s);
    close(s);

    s = new_socket(0);
    do_shutdown("new", s, SHUT_RD, "SHUT_RD");
    show("new after SHUT_RD", s);
    close(s);
    s = new_socket(0);
    do_shutdown("new", s, SHUT_WR, "SHUT_WR");
    show("new after SHUT_WR", s);
    close(s);
}

static void listener(void) {
    say("== a bound socket, not listening\n");
    remove_name();
    int l = new_socket(0);
    report("  bind", bind(l, (struct sockaddr *)&address, address_length));
    show("bound", l);

    say("== a listener\n");
    report("  listen 1", listen(l, 1));
    show("listener", l);
    int c1 = new_socket(0);
    report("  connect client 1", connect_name(c1));
    show("listener, one pending", l);
    show("client 1, pending", c1);
    int c2 = new_socket(0);
    report("  connect client 2", connect_name(c2));
    int c3 = new_socket(SOCK_NONBLOCK);
    report("  connect client 3 (nonblocking)", connect_name(c3));
    show("listener, backlog full", l);
    show("client 3, refused", c3);
    do_send("client 1", c1, "early");
    int a1 = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    say("  accept: %s\n", a1 >= 0 ? "fd" : errno_name(errno));
    show("accepted 1, data sent before accept", a1);
    show("listener, one left", l);
    close_end("client 2", &c2);
    show("listener, the pending client closed", l);
    int a2 = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    say("  accept: %s\n", a2 >= 0 ? "fd" : errno_name(errno));
    show("accepted 2, its client closed", a2);
    show("listener, none pending", l);
    close(a1);
    close(a2);
    close(c1);
    close(c3);

    say("== a client whose listener closed before accept\n");
    c1 = new_socket(0);
    report("  connect", connect_name(c1));
    close_end("listener", &l);
    show("client", c1);
    so_error("client", c1);
    show("client", c1);
    close(c1);
    remove_name();

    say("== a listener shut down\n");
    l = new_socket(0);
    report("  bind", bind(l, (struct sockaddr *)&address, address_length));
    report("  listen 4", listen(l, 4));
    do_shutdown("listener", l, SHUT_RD, "SHUT_RD");
    show("listener after SHUT_RD", l);
    do_shutdown("listener", l, SHUT_WR, "SHUT_WR");
    show("listener after SHUT_RD and SHUT_WR", l);
    c1 = new_socket(SOCK_NONBLOCK);
    report("  connect", connect_name(c1));
    close(c1);
    close(l);
    remove_name();
}

/* ---- connected sockets ---- */

static void connected(void) {
    fresh("a connected pair");
    show("a", conn.a);
    show("b", conn.b);
    do_send("a", conn.a, "x");
    show("b, data queued", conn.b);
    show("a, data queued at the peer", conn.a);
    do_recv("b", conn.b);
    show("b, read", conn.b);

    fresh("a full send buffer");
    int size = 4096;
    unix_kind_check("setsockopt(SO_SNDBUF)", setsockopt(conn.a, SOL_SOCKET, SO_SNDBUF, &size, sizeof size));
    char chunk[256];
    memset(chunk, 'f', sizeof chunk);
    ssize_t n;
    while ((n = send(conn.a, chunk, sizeof chunk, MSG_DONTWAIT)) == (ssize_t)sizeof chunk) {}
    say("  send a 256 MSG_DONTWAIT until it fails: %s\n", n < 0 ? errno_name(errno) : "short");
    show("a, full", conn.a);
    show("b, full", conn.b);
    static char drain[1 << 20];
    while (recv(conn.b, drain, sizeof drain, MSG_DONTWAIT) > 0) {}
    say("  recv b MSG_DONTWAIT until it fails: %s\n", errno_name(errno));
    show("a, drained", conn.a);
    show("b, drained", conn.b);

    fresh("the peer shuts down writing");
    do_shutdown("a", conn.a, SHUT_WR, "SHUT_WR");
    show("a", conn.a);
    show("b", conn.b);
    do_shutdown("b", conn.b, SHUT_WR, "SHUT_WR");
    show("a, both SHUT_WR", conn.a);
    show("b, both SHUT_WR", conn.b);

    fresh("the peer shuts down writing with data queued");
    do_send("a", conn.a, "last");
    do_shutdown("a", conn.a, SHUT_WR, "SHUT_WR");
    show("b", conn.b);
    do_recv("b", conn.b);
    show("b, read", conn.b);
    do_recv("b", conn.b);

    fresh("shutdown reading");
    do_shutdown("a", conn.a, SHUT_RD, "SHUT_RD");
    show("a", conn.a);
    show("b", conn.b);

    fresh("shutdown both ways");
    do_shutdown("a", conn.a, SHUT_RDWR, "SHUT_RDWR");
    show("a", conn.a);
    show("b", conn.b);
    show_poll_events("a, events 0", conn.a, 0);
    show_poll_events("b, events POLLOUT", conn.b, POLLOUT);

    fresh("the peer closes");
    close_end("a", &conn.a);
    show("b", conn.b);
    show_poll_events("b, events 0", conn.b, 0);
    show_poll_events("b, events POLLIN", conn.b, POLLIN);
    show_poll_events("b, events POLLOUT", conn.b, POLLOUT);
    do_recv("b", conn.b);
    show("b, after EOF read", conn.b);

    fresh("the peer sends, then closes");
    do_send("a", conn.a, "bye");
    close_end("a", &conn.a);
    show("b", conn.b);
    do_recv("b", conn.b);
    show("b, read", conn.b);

    fresh("the peer closes with unread data");
    do_send("b", conn.b, "unread");
    close_end("a", &conn.a);
    show("b", conn.b);
    so_error("b", conn.b);
    show("b, after SO_ERROR", conn.b);

    fresh("a copy of the peer closes (dup)");
    int copy = dup(conn.a);
    close_end("a", &conn.a);
    show("b, the peer's copy still open", conn.b);
    do_send("copy of a", copy, "dup");
    show("b", conn.b);
    do_recv("b", conn.b);
    close_end("copy of a", &copy);
    show("b, the last copy closed", conn.b);

    say("== descriptors that are not open\n");
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int gone = new_socket(0);
    close(gone);
    show_poll_events("closed descriptor", gone, ALL_POLL);
    show_poll_events("descriptor -1", -1, ALL_POLL);
    struct epoll_event event = {.events = EPOLLIN, .data.u32 = 1};
    report("  closed descriptor: epoll_ctl ADD", epoll_ctl(ep, EPOLL_CTL_ADD, gone, &event));
    show_select("closed descriptor", gone);
    close(ep);

    fresh("a registered socket closed while a dup stays open");
    ep = epoll_create1(EPOLL_CLOEXEC);
    report("  epoll_ctl ADD b", epoll_ctl(ep, EPOLL_CTL_ADD, conn.b, &event));
    int copy_b = dup(conn.b);
    close_end("b (a dup stays open)", &conn.b);
    do_send("a", conn.a, "x");
    struct epoll_event ready;
    memset(&ready, 0, sizeof ready);
    int result = epoll_wait(ep, &ready, 1, 0);
    char text[256];
    say("  epoll_wait: %d %s\n", result, result > 0 ? epoll_names(ready.events, text, sizeof text) : "0");
    close_end("the dup of b", &copy_b);
    do_send("a", conn.a, "y");
    result = epoll_wait(ep, &ready, 1, 0);
    say("  epoll_wait: %d\n", result);
    close(ep);
}

/* ---- one epoll instance over time ---- */

static void epoll_wait_now(const char *label, int ep) {
    struct epoll_event ready[4];
    memset(ready, 0, sizeof ready);
    int result = epoll_wait(ep, ready, 4, 0);
    if (result < 0) {
        say("  %s: epoll_wait -1 %s\n", label, errno_name(errno));
        return;
    }
    char line[512];
    size_t used = (size_t)snprintf(line, sizeof line, "  %s: epoll_wait %d", label, result);
    /* Sorted by the label a registration carries (data.u32), not by the ready list's order. */
    for (unsigned wanted = 0; wanted < 4; wanted++) {
        for (int i = 0; i < result; i++) {
            if (ready[i].data.u32 != wanted) continue;
            char text[256];
            used += (size_t)snprintf(line + used, sizeof line - used, " %s=%s", wanted == 0 ? "a" : wanted == 1 ? "b" : "listener",
                                     epoll_names(ready[i].events, text, sizeof text));
        }
    }
    say("%s\n", line);
}

static int epoll_watch(int fd, unsigned events, unsigned label) {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event event = {.events = events, .data.u32 = label};
    report("  epoll_ctl ADD", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &event));
    return ep;
}

static void edge_triggered(void) {
    fresh("EPOLLET on b");
    int ep = epoll_watch(conn.b, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, 1);
    epoll_wait_now("first", ep);
    epoll_wait_now("again", ep);
    do_send("a", conn.a, "x");
    epoll_wait_now("after data", ep);
    epoll_wait_now("again", ep);
    do_send("a", conn.a, "y");
    epoll_wait_now("more data, none read", ep);
    do_recv("b", conn.b);
    epoll_wait_now("after a read", ep);
    do_recv("b", conn.b);
    do_recv("b", conn.b);
    epoll_wait_now("after reading all", ep);
    do_send("b", conn.b, "z");
    epoll_wait_now("after b sent", ep);
    do_recv("a", conn.a);
    epoll_wait_now("after a read b's data", ep);
    do_shutdown("a", conn.a, SHUT_WR, "SHUT_WR");
    epoll_wait_now("after the peer's SHUT_WR", ep);
    epoll_wait_now("again", ep);
    close_end("a", &conn.a);
    epoll_wait_now("after the peer's close", ep);
    epoll_wait_now("again", ep);
    close(ep);

    fresh("level-triggered epoll on both ends");
    ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event event = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.u32 = 0};
    report("  epoll_ctl ADD a", epoll_ctl(ep, EPOLL_CTL_ADD, conn.a, &event));
    event.data.u32 = 1;
    report("  epoll_ctl ADD b", epoll_ctl(ep, EPOLL_CTL_ADD, conn.b, &event));
    report("  epoll_ctl ADD b again", epoll_ctl(ep, EPOLL_CTL_ADD, conn.b, &event));
    epoll_wait_now("first", ep);
    do_send("a", conn.a, "x");
    epoll_wait_now("after data", ep);
    epoll_wait_now("again", ep);
    event.events = EPOLLIN;
    report("  epoll_ctl MOD b EPOLLIN", epoll_ctl(ep, EPOLL_CTL_MOD, conn.b, &event));
    epoll_wait_now("b for EPOLLIN only", ep);
    do_shutdown("b", conn.b, SHUT_RDWR, "SHUT_RDWR");
    epoll_wait_now("after b's SHUT_RDWR", ep);
    report("  epoll_ctl DEL a", epoll_ctl(ep, EPOLL_CTL_DEL, conn.a, NULL));
    report("  epoll_ctl DEL a again", epoll_ctl(ep, EPOLL_CTL_DEL, conn.a, NULL));
    epoll_wait_now("b only", ep);
    close(ep);

    fresh("EPOLLONESHOT on b");
    ep = epoll_watch(conn.b, EPOLLIN | EPOLLONESHOT, 1);
    epoll_wait_now("first", ep);
    do_send("a", conn.a, "x");
    epoll_wait_now("after data", ep);
    epoll_wait_now("again", ep);
    do_send("a", conn.a, "y");
    epoll_wait_now("more data", ep);
    event.events = EPOLLIN | EPOLLONESHOT;
    event.data.u32 = 1;
    report("  epoll_ctl MOD b (rearm)", epoll_ctl(ep, EPOLL_CTL_MOD, conn.b, &event));
    epoll_wait_now("rearmed", ep);
    epoll_wait_now("again", ep);
    close(ep);

    if (kind->naming == UNIX_PAIR) return;
    say("== EPOLLET on a listener\n");
    remove_name();
    int l = new_socket(0);
    report("  bind", bind(l, (struct sockaddr *)&address, address_length));
    report("  listen 4", listen(l, 4));
    ep = epoll_watch(l, EPOLLIN | EPOLLOUT | EPOLLET, 2);
    epoll_wait_now("empty", ep);
    int c1 = new_socket(0);
    report("  connect", connect_name(c1));
    epoll_wait_now("one pending", ep);
    epoll_wait_now("again", ep);
    int c2 = new_socket(0);
    report("  connect", connect_name(c2));
    epoll_wait_now("two pending", ep);
    int a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    say("  accept: %s\n", a >= 0 ? "fd" : errno_name(errno));
    close(a);
    epoll_wait_now("one accepted", ep);
    a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    say("  accept: %s\n", a >= 0 ? "fd" : errno_name(errno));
    close(a);
    epoll_wait_now("none pending", ep);
    close(c1);
    close(c2);
    close(ep);
    close(l);
    remove_name();
}

/* ---- waits that sleep until a helper thread acts ---- */

struct helper {
    pthread_t thread;
    int go[2];
    int blocked;
    int fd;
    int result, error;
    int made;
    int connect_instead;   /* connect to the name instead of sending on fd */
    int watch;             /* the main thread's stat file (unix-wait.h) */
};

static void *helper_main(void *arg) {
    struct helper *h = arg;
    char byte;
    if (read(h->go[0], &byte, 1) != 1) return NULL;
    h->blocked = wait_blocked(h->watch);
    if (h->connect_instead) {
        h->made = socket(AF_UNIX, kind->type | SOCK_CLOEXEC, 0);
        h->result = connect_name(h->made);
    } else {
        h->result = (int)send(h->fd, "wake", 4, MSG_NOSIGNAL);
    }
    h->error = errno;
    return NULL;
}

static void helper_start(struct helper *h, int fd, int connect_instead) {
    memset(h, 0, sizeof *h);
    h->fd = fd;
    h->made = -1;
    h->connect_instead = connect_instead;
    h->watch = unix_kind_check("open(stat)", watch_open(getpid(), main_thread));
    unix_kind_check("pipe", pipe2(h->go, O_CLOEXEC));
    if (pthread_create(&h->thread, NULL, helper_main, h) != 0) {
        say("setup pthread_create failed\n");
        exit(1);
    }
}

static void helper_finish(struct helper *h) {
    pthread_join(h->thread, NULL);
    close(h->go[0]);
    close(h->go[1]);
    close(h->watch);
    if (h->result < 0) say("  helper: saw the wait sleep %d, %s -1 %s\n", h->blocked, h->connect_instead ? "connect" : "send a \"wake\"", errno_name(h->error));
    else say("  helper: saw the wait sleep %d, %s %d\n", h->blocked, h->connect_instead ? "connect" : "send a \"wake\"", h->result);
    if (h->made >= 0) close(h->made);
}

static void waits(void) {
    fresh("waits that time out");
    struct pollfd entry = {.fd = conn.b, .events = POLLIN};
    long long start = monotonic_ms();
    int result = poll(&entry, 1, TIMEOUT_MS);
    long long elapsed = monotonic_ms() - start;
    say("  poll b POLLIN 100 ms: %d, elapsed>=timeout %d\n", result, waited_for(elapsed, TIMEOUT_MS));
    int ep = epoll_watch(conn.b, EPOLLIN, 1);
    struct epoll_event ready;
    start = monotonic_ms();
    result = epoll_wait(ep, &ready, 1, TIMEOUT_MS);
    elapsed = monotonic_ms() - start;
    say("  epoll_wait b EPOLLIN 100 ms: %d, elapsed>=timeout %d\n", result, waited_for(elapsed, TIMEOUT_MS));
    fd_set read_set;
    FD_ZERO(&read_set);
    FD_SET(conn.b, &read_set);
    struct timeval timeout = {0, TIMEOUT_MS * 1000};
    start = monotonic_ms();
    result = select(conn.b + 1, &read_set, NULL, NULL, &timeout);
    elapsed = monotonic_ms() - start;
    say("  select b read 100 ms: %d, elapsed>=timeout %d\n", result, waited_for(elapsed, TIMEOUT_MS));

    say("== poll sleeps until the peer sends\n");
    struct helper h;
    helper_start(&h, conn.a, 0);
    entry.revents = 0;
    (void)!write(h.go[1], "g", 1);
    result = poll(&entry, 1, -1);
    int error = errno;
    helper_finish(&h);
    char text[256];
    if (result < 0) say("  poll b POLLIN: -1 %s\n", errno_name(error));
    else say("  poll b POLLIN: %d %s\n", result, poll_event_names(entry.revents, text, sizeof text));
    do_recv("b", conn.b);

    say("== epoll_wait sleeps until the peer sends\n");
    helper_start(&h, conn.a, 0);
    memset(&ready, 0, sizeof ready);
    (void)!write(h.go[1], "g", 1);
    result = epoll_wait(ep, &ready, 1, -1);
    error = errno;
    helper_finish(&h);
    if (result < 0) say("  epoll_wait b EPOLLIN: -1 %s\n", errno_name(error));
    else say("  epoll_wait b EPOLLIN: %d %s\n", result, epoll_names(ready.events, text, sizeof text));
    do_recv("b", conn.b);
    close(ep);

    say("== select sleeps until the peer sends\n");
    helper_start(&h, conn.a, 0);
    FD_ZERO(&read_set);
    FD_SET(conn.b, &read_set);
    (void)!write(h.go[1], "g", 1);
    result = select(conn.b + 1, &read_set, NULL, NULL, NULL);
    error = errno;
    helper_finish(&h);
    if (result < 0) say("  select b read: -1 %s\n", errno_name(error));
    else say("  select b read: %d%s\n", result, FD_ISSET(conn.b, &read_set) ? " read" : "");
    do_recv("b", conn.b);

    if (kind->naming == UNIX_PAIR) return;
    say("== poll on a listener sleeps until a client connects\n");
    remove_name();
    int l = new_socket(0);
    report("  bind", bind(l, (struct sockaddr *)&address, address_length));
    report("  listen 4", listen(l, 4));
    helper_start(&h, -1, 1);
    entry.fd = l;
    entry.events = POLLIN | POLLOUT;
    entry.revents = 0;
    (void)!write(h.go[1], "g", 1);
    result = poll(&entry, 1, -1);
    error = errno;
    if (result < 0) say("  poll listener POLLIN|POLLOUT: -1 %s\n", errno_name(error));
    else say("  poll listener POLLIN|POLLOUT: %d %s\n", result, poll_event_names(entry.revents, text, sizeof text));
    int a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    say("  accept: %s\n", a >= 0 ? "fd" : errno_name(errno));
    helper_finish(&h);
    close(a);

    say("== epoll_wait on a listener sleeps until a client connects\n");
    ep = epoll_watch(l, EPOLLIN, 2);
    helper_start(&h, -1, 1);
    memset(&ready, 0, sizeof ready);
    (void)!write(h.go[1], "g", 1);
    result = epoll_wait(ep, &ready, 1, -1);
    error = errno;
    if (result < 0) say("  epoll_wait listener EPOLLIN: -1 %s\n", errno_name(error));
    else say("  epoll_wait listener EPOLLIN: %d %s\n", result, epoll_names(ready.events, text, sizeof text));
    a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    say("  accept: %s\n", a >= 0 ? "fd" : errno_name(errno));
    helper_finish(&h);
    close(a);
    close(ep);
    close(l);
    remove_name();
}

int main(int argc, char **argv) {
    kind = unix_kind_from_args(argc, argv);
    /* A hung probe should fail, not wedge the suite. */
    alarm(60);
    signal(SIGPIPE, SIG_IGN);
    main_thread = thread_id();
    unix_kind_address(kind, PROBE, &address, &address_length);
    say("%s %s\n", PROBE, kind->name);
    remove_name();
    memset(&conn, 0, sizeof conn);

    unconnected();
    if (kind->naming == UNIX_PAIR) say("== listener checks: skipped for pair kinds\n");
    else listener();
    connected();
    edge_triggered();
    waits();
    if (conn.kind != NULL) unix_kind_close(&conn);
    remove_name();
    say("done\n");
    return 0;
}
