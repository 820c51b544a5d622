/*
 * AF_UNIX sockets shared by the threads of one process: threads that connect to one listener
 * at once while the main thread accepts, threads blocked in accept on one listener, threads
 * blocked in recv on one socket and threads sending on one socket; and what another thread's
 * call does to a thread blocked in recv or accept: shutdown wakes it, close does not (the
 * blocked call holds the socket, which lives, name and all, until the call returns).
 *
 *   unix-threads KIND   (KIND as in unix-kind.h; pair kinds skip the listener checks)
 *
 * Which thread gets which connection or message varies from run to run, so the transcript
 * holds sorted summaries; descriptor numbers never print, but the threads' calls race for
 * them, so the suite compares this probe with --ignore-fds.
 */
#include "probe.h"
#include "unix-kind.h"
#include "unix-wait.h"

#include <pthread.h>

#define PROBE "unix-threads"
#define THREADS 4
#define MESSAGE 8   /* every message is 8 bytes: "thread K", "reply  K", ... */

static const struct unix_kind *kind;
static struct sockaddr_un address;
static socklen_t address_length;

static void remove_name(void) {
    if (kind->naming == UNIX_PATH) unlink(address.sun_path);
}

static int new_socket(int flags) {
    return unix_kind_check("socket", socket(AF_UNIX, kind->type | SOCK_CLOEXEC | flags, 0));
}

static int connect_name(int fd) {
    return connect(fd, (struct sockaddr *)&address, address_length);
}

static int make_listener(int backlog) {
    remove_name();
    int l = new_socket(0);
    unix_kind_check("bind", bind(l, (struct sockaddr *)&address, address_length));
    unix_kind_check("listen", listen(l, backlog));
    return l;
}

static void close_listener(int l) {
    close(l);
    remove_name();
}

static const char *result_text(char *text, size_t size, long result, int error) {
    if (result < 0) snprintf(text, size, "-1 %s", errno_name(error));
    else snprintf(text, size, "%ld", result);
    return text;
}

static int compare_messages(const void *left, const void *right) {
    return memcmp(left, right, MESSAGE);
}

/* Sorted, space separated. */
static void say_messages(const char *label, char (*messages)[MESSAGE + 1], int count) {
    qsort(messages, (size_t)count, sizeof *messages, compare_messages);
    char line[512];
    size_t used = (size_t)snprintf(line, sizeof line, "  %s:", label);
    for (int i = 0; i < count; i++)
        used += (size_t)snprintf(line + used, sizeof line - used, " \"%.*s\"", MESSAGE, messages[i]);
    say("%s\n", line);
}

/* Reads one MESSAGE-byte message (a stream waits for all of it). */
static ssize_t recv_message(int fd, char *buffer) {
    return recv(fd, buffer, MESSAGE, kind->type == SOCK_STREAM ? MSG_WAITALL : 0);
}

/* ---- threads that announce a blocking call ---- */

/* Right before a call that blocks, a thread opens its own stat file (unix-wait.h) and writes
 * the descriptor here; the main thread waits for the announcement, then until the thread
 * sleeps, and closes the file. */
static int announce[2];

static void announce_call(void) {
    int watch = watch_open(getpid(), thread_id());
    (void)!write(announce[1], &watch, sizeof watch);
}

static int wait_announced(int count) {
    int all = 1;
    for (int i = 0; i < count; i++) {
        int watch = -1;
        if (read(announce[0], &watch, sizeof watch) != (ssize_t)sizeof watch || watch < 0) return 0;
        all &= wait_blocked(watch);
        close(watch);
    }
    return all;
}

static void start(pthread_t *thread, void *(*body)(void *), void *arg) {
    if (pthread_create(thread, NULL, body, arg) != 0) {
        say("setup pthread_create failed\n");
        exit(1);
    }
}

/* ---- many clients at once ---- */

struct client {
    int index;
    pthread_barrier_t *barrier;
    long connected, sent, received;
    int connect_error, send_error, recv_error;
    int peer_is_listener;
    char reply[MESSAGE + 1];
};

static void *client_body(void *arg) {
    struct client *c = arg;
    int fd = new_socket(0);
    pthread_barrier_wait(c->barrier);
    c->connected = connect_name(fd);
    c->connect_error = errno;
    struct sockaddr_un peer;
    memset(&peer, 0, sizeof peer);
    socklen_t length = sizeof peer;
    c->peer_is_listener = getpeername(fd, (struct sockaddr *)&peer, &length) == 0 && length == address_length &&
                          memcmp(&peer, &address, length) == 0;
    char message[MESSAGE + 1];
    snprintf(message, sizeof message, "thread %d", c->index);
    c->sent = send(fd, message, MESSAGE, MSG_NOSIGNAL);
    c->send_error = errno;
    c->received = recv_message(fd, c->reply);
    c->recv_error = errno;
    close(fd);
    return NULL;
}

static void concurrent_connects(void) {
    say("== %d threads connect at once; the main thread accepts\n", THREADS);
    int l = make_listener(THREADS * 2);
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, THREADS);
    struct client clients[THREADS];
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        memset(&clients[i], 0, sizeof clients[i]);
        clients[i].index = i;
        clients[i].barrier = &barrier;
        start(&threads[i], client_body, &clients[i]);
    }
    int accepted = 0, seen[THREADS] = {0}, replies = 0;
    for (int i = 0; i < THREADS; i++) {
        int a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
        if (a < 0) {
            say("  accept: -1 %s\n", errno_name(errno));
            continue;
        }
        accepted++;
        char message[MESSAGE + 1] = {0};
        int index = -1;
        if (recv_message(a, message) == MESSAGE && sscanf(message, "thread %d", &index) == 1 && index >= 0 &&
            index < THREADS)
            seen[index]++;
        char reply[MESSAGE + 1];
        snprintf(reply, sizeof reply, "reply  %d", index);
        if (send(a, reply, MESSAGE, MSG_NOSIGNAL) == MESSAGE) replies++;
        close(a);
    }
    for (int i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&barrier);
    say("  main: accepted %d, replied %d, messages from threads", accepted, replies);
    for (int i = 0; i < THREADS; i++) say(" %d:%d", i, seen[i]);
    say("\n");
    for (int i = 0; i < THREADS; i++) {
        struct client *c = &clients[i];
        char connected[32], sent[32], received[32];
        say("  thread %d: connect %s, getpeername is the listener %d, send %s, recv %s \"%.*s\"\n", i,
            result_text(connected, sizeof connected, c->connected, c->connect_error), c->peer_is_listener,
            result_text(sent, sizeof sent, c->sent, c->send_error),
            result_text(received, sizeof received, c->received, c->recv_error), c->received > 0 ? (int)c->received : 0,
            c->reply);
    }
    fcntl(l, F_SETFL, fcntl(l, F_GETFL) | O_NONBLOCK);
    int a = accept(l, NULL, NULL);
    say("  main: accept (nonblocking, nothing left): %s\n", a >= 0 ? "fd" : errno_name(errno));
    close_listener(l);
}

/* ---- many acceptors at once ---- */

struct acceptor {
    int listener;
    long accepted;
    int error;
    long received;
    char message[MESSAGE + 1];
};

static void *acceptor_body(void *arg) {
    struct acceptor *a = arg;
    announce_call();
    int fd = accept4(a->listener, NULL, NULL, SOCK_CLOEXEC);
    a->accepted = fd;
    a->error = errno;
    if (fd >= 0) {
        a->received = recv_message(fd, a->message);
        char reply[] = "accepted";
        (void)!send(fd, reply, MESSAGE, MSG_NOSIGNAL);
        close(fd);
    }
    return NULL;
}

static void concurrent_accepts(void) {
    enum { ACCEPTORS = 3 };
    say("== %d threads blocked in accept on one listener; the main thread connects %d clients\n", ACCEPTORS, ACCEPTORS);
    int l = make_listener(8);
    struct acceptor acceptors[ACCEPTORS];
    pthread_t threads[ACCEPTORS];
    for (int i = 0; i < ACCEPTORS; i++) {
        memset(&acceptors[i], 0, sizeof acceptors[i]);
        acceptors[i].listener = l;
        start(&threads[i], acceptor_body, &acceptors[i]);
    }
    say("  main: every acceptor sleeps %d\n", wait_announced(ACCEPTORS));
    int clients[ACCEPTORS];
    int connected = 0, sent = 0, replies = 0;
    for (int i = 0; i < ACCEPTORS; i++) {
        clients[i] = new_socket(0);
        if (connect_name(clients[i]) == 0) connected++;
        char message[MESSAGE + 1];
        snprintf(message, sizeof message, "client %d", i);
        if (send(clients[i], message, MESSAGE, MSG_NOSIGNAL) == MESSAGE) sent++;
    }
    for (int i = 0; i < ACCEPTORS; i++) {
        char reply[MESSAGE + 1];
        if (recv_message(clients[i], reply) == MESSAGE && memcmp(reply, "accepted", MESSAGE) == 0) replies++;
    }
    for (int i = 0; i < ACCEPTORS; i++) pthread_join(threads[i], NULL);
    say("  main: connect 0 x%d, send 8 x%d, replies x%d\n", connected, sent, replies);
    char messages[ACCEPTORS][MESSAGE + 1];
    int accepts = 0;
    for (int i = 0; i < ACCEPTORS; i++) {
        if (acceptors[i].accepted >= 0) accepts++;
        else say("  an acceptor: accept -1 %s\n", errno_name(acceptors[i].error));
        memcpy(messages[i], acceptors[i].message, sizeof messages[i]);
    }
    say("  acceptors: accept fd x%d\n", accepts);
    say_messages("acceptors received", messages, ACCEPTORS);
    for (int i = 0; i < ACCEPTORS; i++) close(clients[i]);
    close_listener(l);
}

/* ---- many readers and many writers on one socket ---- */

struct reader {
    int fd;
    size_t size;
    long received;
    int error;
    char message[MESSAGE + 1];
};

static void *reader_body(void *arg) {
    struct reader *r = arg;
    announce_call();
    r->received = recv(r->fd, r->message, r->size, 0);
    r->error = errno;
    return NULL;
}

static void shared_readers(void) {
    enum { READERS = 3 };
    say("== %d threads blocked in recv on one socket; the peer sends %d messages\n", READERS, READERS);
    struct unix_conn conn;
    unix_kind_connect(kind, PROBE, SOCK_CLOEXEC, &conn);
    struct reader readers[READERS];
    pthread_t threads[READERS];
    for (int i = 0; i < READERS; i++) {
        memset(&readers[i], 0, sizeof readers[i]);
        readers[i].fd = conn.b;
        readers[i].size = MESSAGE;
        start(&threads[i], reader_body, &readers[i]);
    }
    say("  main: every reader sleeps %d\n", wait_announced(READERS));
    static const char *const texts[READERS] = {"message2", "message0", "message1"};
    for (int i = 0; i < READERS; i++) {
        char what[64];
        snprintf(what, sizeof what, "  main: send a \"%s\"", texts[i]);
        report(what, send(conn.a, texts[i], MESSAGE, MSG_NOSIGNAL));
    }
    for (int i = 0; i < READERS; i++) pthread_join(threads[i], NULL);
    char messages[READERS][MESSAGE + 1];
    int whole = 0;
    for (int i = 0; i < READERS; i++) {
        if (readers[i].received == MESSAGE) whole++;
        else if (readers[i].received < 0) say("  a reader: recv -1 %s\n", errno_name(readers[i].error));
        memcpy(messages[i], readers[i].message, sizeof messages[i]);
    }
    say("  readers: recv 8 x%d\n", whole);
    say_messages("readers received", messages, READERS);
    unix_kind_close(&conn);
}

struct writer {
    int fd, index;
    pthread_barrier_t *barrier;
    long sent;
    int error;
    long received;
    char reply[MESSAGE + 1];
};

static void *writer_body(void *arg) {
    struct writer *w = arg;
    char message[MESSAGE + 1];
    snprintf(message, sizeof message, "writer %d", w->index);
    pthread_barrier_wait(w->barrier);
    w->sent = send(w->fd, message, MESSAGE, MSG_NOSIGNAL);
    w->error = errno;
    /* Then each takes one of the replies, whichever comes. */
    w->received = recv_message(w->fd, w->reply);
    return NULL;
}

static void shared_writers(void) {
    say("== %d threads send on one socket at once, then each receives one reply\n", THREADS);
    struct unix_conn conn;
    unix_kind_connect(kind, PROBE, SOCK_CLOEXEC, &conn);
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, THREADS);
    struct writer writers[THREADS];
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        memset(&writers[i], 0, sizeof writers[i]);
        writers[i].fd = conn.a;
        writers[i].index = i;
        writers[i].barrier = &barrier;
        start(&threads[i], writer_body, &writers[i]);
    }
    char messages[THREADS][MESSAGE + 1];
    memset(messages, 0, sizeof messages);
    if (kind->type == SOCK_STREAM) {
        /* The messages of a stream arrive whole (each send is one queued buffer), in any order. */
        char all[THREADS * MESSAGE];
        ssize_t n = recv(conn.b, all, sizeof all, MSG_WAITALL);
        say("  main: recv b %zu MSG_WAITALL: %zd\n", sizeof all, n);
        for (int i = 0; i < THREADS && (i + 1) * MESSAGE <= n; i++) memcpy(messages[i], all + i * MESSAGE, MESSAGE);
    } else {
        int whole = 0;
        for (int i = 0; i < THREADS; i++) {
            char buffer[64];
            ssize_t n = recv(conn.b, buffer, sizeof buffer, 0);
            if (n == MESSAGE) {
                whole++;
                memcpy(messages[i], buffer, MESSAGE);
            }
        }
        say("  main: recv b: 8 x%d\n", whole);
    }
    say_messages("main received", messages, THREADS);
    for (int i = 0; i < THREADS; i++) {
        char reply[MESSAGE + 1];
        snprintf(reply, sizeof reply, "reply  %d", i);
        (void)!send(conn.b, reply, MESSAGE, MSG_NOSIGNAL);
    }
    for (int i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&barrier);
    int sent = 0, received = 0;
    char replies[THREADS][MESSAGE + 1];
    for (int i = 0; i < THREADS; i++) {
        if (writers[i].sent == MESSAGE) sent++;
        else say("  a writer: send %ld %s\n", writers[i].sent, errno_name(writers[i].error));
        if (writers[i].received == MESSAGE) received++;
        memcpy(replies[i], writers[i].reply, sizeof replies[i]);
    }
    say("  writers: send 8 x%d, recv 8 x%d\n", sent, received);
    say_messages("writers received", replies, THREADS);
    unix_kind_close(&conn);
}

/* ---- another thread's shutdown or close ---- */

static void blocked_reader(const char *title, int how) {
    say("== %s\n", title);
    struct unix_conn conn;
    unix_kind_connect(kind, PROBE, SOCK_CLOEXEC, &conn);
    struct reader reader = {.fd = conn.b, .size = 64};
    pthread_t thread;
    start(&thread, reader_body, &reader);
    say("  main: the reader sleeps %d\n", wait_announced(1));
    switch (how) {
    case 0:
        report("  main: shutdown b SHUT_RD", shutdown(conn.b, SHUT_RD));
        break;
    case 1:
        report("  main: shutdown a SHUT_WR", shutdown(conn.a, SHUT_WR));
        break;
    case 2:
        say("  main: close a\n");
        close(conn.a);
        conn.a = -1;
        break;
    case 3:
        /* The reader's call holds the socket: closing the descriptor neither wakes it nor
         * ends the connection. */
        say("  main: close b\n");
        close(conn.b);
        conn.b = -1;
        report("  main: send a \"after close\"", send(conn.a, "after close", 11, MSG_NOSIGNAL));
        break;
    }
    pthread_join(thread, NULL);
    char text[32];
    say("  reader: recv %s \"%.*s\"\n", result_text(text, sizeof text, reader.received, reader.error),
        reader.received > 0 ? (int)reader.received : 0, reader.message);
    if (how == 3) {
        char buffer[64];
        ssize_t n = recv(conn.a, buffer, sizeof buffer, MSG_DONTWAIT);
        say("  main: recv a MSG_DONTWAIT (b released when the reader returned): %s\n",
            result_text(text, sizeof text, n, errno));
    }
    unix_kind_close(&conn);
}

struct blocked_accept {
    int listener;
    long accepted;
    int error;
};

static void *blocked_accept_body(void *arg) {
    struct blocked_accept *b = arg;
    announce_call();
    int fd = accept4(b->listener, NULL, NULL, SOCK_CLOEXEC);
    b->accepted = fd;
    b->error = errno;
    if (fd >= 0) close(fd);
    return NULL;
}

static void blocked_acceptor(int close_it) {
    say("== a thread blocked in accept; the main thread %s the listener\n", close_it ? "closes" : "shuts down (SHUT_RD)");
    int l = make_listener(4);
    struct blocked_accept blocked = {.listener = l};
    pthread_t thread;
    start(&thread, blocked_accept_body, &blocked);
    say("  main: the acceptor sleeps %d\n", wait_announced(1));
    int c = new_socket(SOCK_NONBLOCK);
    if (close_it) {
        /* The blocked accept holds the listener: the name stays and a connection reaches it. */
        say("  main: close the listener\n");
        close(l);
        report("  main: connect", connect_name(c));
    } else {
        report("  main: shutdown listener SHUT_RD", shutdown(l, SHUT_RD));
    }
    pthread_join(thread, NULL);
    say("  acceptor: accept %s\n", blocked.accepted >= 0 ? "fd" : errno_name(blocked.error));
    if (!close_it) {
        report("  main: connect (listener shut down)", connect_name(c));
        int a = accept(l, NULL, NULL);
        say("  main: accept (listener shut down): %s\n", a >= 0 ? "fd" : errno_name(errno));
        close(l);
    }
    close(c);
    c = new_socket(SOCK_NONBLOCK);
    report("  main: connect (the listener released)", connect_name(c));
    close(c);
    remove_name();
}

int main(int argc, char **argv) {
    kind = unix_kind_from_args(argc, argv);
    /* A hung probe should fail, not wedge the suite. */
    alarm(60);
    signal(SIGPIPE, SIG_IGN);
    unix_kind_address(kind, PROBE, &address, &address_length);
    unix_kind_check("pipe", pipe2(announce, O_CLOEXEC));
    say("%s %s\n", PROBE, kind->name);
    remove_name();

    shared_readers();
    shared_writers();
    blocked_reader("a thread blocked in recv; the main thread shuts its socket down (SHUT_RD)", 0);
    blocked_reader("a thread blocked in recv; the peer shuts down writing", 1);
    blocked_reader("a thread blocked in recv; the peer closes", 2);
    blocked_reader("a thread blocked in recv; the main thread closes the descriptor, the peer sends", 3);
    if (kind->naming == UNIX_PAIR) {
        say("== listener checks: skipped for pair kinds\n");
    } else {
        concurrent_connects();
        concurrent_accepts();
        blocked_acceptor(0);
        blocked_acceptor(1);
    }
    remove_name();
    say("done\n");
    return 0;
}
