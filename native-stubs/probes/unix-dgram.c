/*
 * AF_UNIX datagram sockets: names, unconnected sends, connect (again, and with AF_UNSPEC),
 * the sender's address as every receive call reports it, autobind by SO_PASSCRED, message
 * boundaries, MSG_PEEK and MSG_TRUNC, EMSGSIZE, a full receive queue (nonblocking, timed and
 * blocking senders, poll), the errors of sends and connects, and a peer that closes.
 *
 *   unix-dgram KIND   (KIND as in unix-dgram-kind.h: dgram-pair, dgram-path, dgram-abstract)
 *
 * The pair kind has no names to send to: its steps that need one say so and are skipped, and
 * the rest run on the socketpair. The named kinds run them on two sockets bound and connected
 * to each other (dgram_pair_open), and on others bound to the kind's names.
 *
 * A call that must block is made by the main thread while a helper thread waits until it
 * sleeps (/proc/.../stat) and only then acts, so every line prints in one order. Times never
 * print: a timed wait prints whether it lasted at least its timeout. Counts that depend on
 * buffer sizes print only as comparisons.
 */
#include "probe.h"
#include "unix-dgram-kind.h"

#include <pthread.h>
#include <sys/time.h>

#define PROBE "unix-dgram"
#define TIMEOUT_MS 50
#define FILL_LIMIT 100000

static pid_t main_thread;

static void section(const char *title) {
    say("== %s\n", title);
}

/* Prints why a section that needs names does not run for the pair kind; 1 if it is skipped. */
static int skipped_for_pair(const char *title, const char *why) {
    if (dgram_named()) {
        section(title);
        return 0;
    }
    say("== %s: skipped for dgram-pair (%s)\n", title, why);
    return 1;
}

/* The same for a part of a section: "-- TITLE". */
static int part_skipped_for_pair(const char *title, const char *why) {
    if (dgram_named()) {
        say("-- %s\n", title);
        return 0;
    }
    say("-- %s: skipped for dgram-pair (%s)\n", title, why);
    return 1;
}

static struct sockaddr_un family_only = {.sun_family = AF_UNIX};

static int autobind(int fd) {
    return bind(fd, (struct sockaddr *)&family_only, sizeof(sa_family_t));
}

static void try_connect(const char *label, int fd, const char *to_label, struct dgram_name *to) {
    char what[160];
    snprintf(what, sizeof what, "  connect %s to %s", label, to_label);
    report(what, connect(fd, dgram_sa(to), to->length));
}

static void connect_unspec(const char *label, int fd, socklen_t length) {
    struct sockaddr unspec = {.sa_family = AF_UNSPEC};
    char what[160];
    snprintf(what, sizeof what, "  connect %s AF_UNSPEC addrlen %u", label, (unsigned)length);
    report(what, connect(fd, &unspec, length));
}

/* The receive queue limit of a socket that is not connected back to its sender. */
static int max_dgram_qlen(void) {
    FILE *file = fopen("/proc/sys/net/unix/max_dgram_qlen", "re");
    int value = -1;
    if (file != NULL) {
        if (fscanf(file, "%d", &value) != 1) value = -1;
        fclose(file);
    }
    return value;
}

/* ---- names ---- */

static void names(void) {
    if (!dgram_named()) {
        /* A socketpair end is unnamed (unix(7)); each reports the other's name as its peer. */
        section("names of socketpair ends (binding to path and abstract names skipped for dgram-pair)");
        struct dgram_pair p;
        dgram_pair_open(&p, "names");
        dgram_show_name("a", p.a, 0);
        dgram_show_name("a", p.a, 1);
        report("  bind a autobind", autobind(p.a));
        dgram_show_name("a", p.a, 0);
        dgram_show_name("b", p.b, 1);
        report("  bind a autobind again", autobind(p.a));
        struct dgram_name other = dgram_name("names-other");
        report("  bind a (autobound) to a name", bind(p.a, dgram_sa(&other), other.length));
        dgram_pair_close(&p);
        return;
    }
    section("names");
    struct dgram_name r_name = dgram_name("r");
    struct dgram_name other = dgram_name("other");
    int r = dgram_socket();
    dgram_show_name("new socket", r, 0);
    report("  bind r", bind(r, dgram_sa(&r_name), r_name.length));
    dgram_show_name("r", r, 0);
    /* net/unix/af_unix.c: unix_bind_bsd/unix_bind_abstract: a socket with a name gives
     * EINVAL; another socket asking for a name in use gets EADDRINUSE. */
    report("  bind r again, same name", bind(r, dgram_sa(&r_name), r_name.length));
    report("  bind r again, other name", bind(r, dgram_sa(&other), other.length));
    int s = dgram_socket();
    report("  bind s to r's name", bind(s, dgram_sa(&r_name), r_name.length));
    dgram_show_name("s", s, 0);
    /* unix(7): addrlen == sizeof(sa_family_t) autobinds to an abstract name of 5 hex digits. */
    report("  bind s autobind", autobind(s));
    dgram_show_name("s", s, 0);
    report("  bind s (autobound) to other", bind(s, dgram_sa(&other), other.length));
    report("  bind s autobind again", autobind(s));
    close(s);
    close(r);
}

/* ---- unconnected sends ---- */

static void unconnected_sends(void) {
    if (skipped_for_pair("unconnected sendto and sendmsg", "socketpair ends have no names to send to")) return;
    struct dgram_name r_name = dgram_name("r");
    int r = dgram_bound(&r_name);
    int u = dgram_socket();
    /* unix_dgram_sendmsg: msg_name picks the receiver for this datagram only. */
    dgram_sendto("unbound u", u, "one", "r", &r_name, 0);
    dgram_sendmsg("unbound u", u, "two", "r", &r_name);
    struct mmsghdr messages[2];
    struct iovec iov[2] = {{.iov_base = "three", .iov_len = 5}, {.iov_base = "four", .iov_len = 4}};
    memset(messages, 0, sizeof messages);
    for (int i = 0; i < 2; i++) {
        messages[i].msg_hdr.msg_name = dgram_sa(&r_name);
        messages[i].msg_hdr.msg_namelen = r_name.length;
        messages[i].msg_hdr.msg_iov = &iov[i];
        messages[i].msg_hdr.msg_iovlen = 1;
    }
    int sent = sendmmsg(u, messages, 2, 0);
    if (sent < 0) say("  sendmmsg unbound u \"three\" \"four\" to r: -1 %s\n", errno_name(errno));
    else say("  sendmmsg unbound u \"three\" \"four\" to r: %d msg_len %u %u\n", sent, messages[0].msg_len,
             messages[1].msg_len);
    dgram_recvfrom("r", r, 64, 0);
    dgram_recvmsg("r", r, 64, 0);
    dgram_recvfrom("r", r, 64, 0);
    dgram_recvfrom("r", r, 64, 0);
    dgram_recvfrom("r", r, 64, MSG_DONTWAIT);
    /* Sending does not name a socket (without SO_PASSCRED) nor connect it. */
    dgram_show_name("u", u, 0);
    dgram_show_name("u", u, 1);
    close(u);
    close(r);
}

/* ---- the sender's address as the receiver sees it ---- */

static void recvmmsg_names(int r) {
    struct mmsghdr messages[4];
    struct sockaddr_un from[4];
    char data[4][64];
    struct iovec iov[4];
    memset(messages, 0, sizeof messages);
    memset(from, 0, sizeof from);
    for (int i = 0; i < 4; i++) {
        iov[i].iov_base = data[i];
        iov[i].iov_len = sizeof data[i];
        messages[i].msg_hdr.msg_name = &from[i];
        messages[i].msg_hdr.msg_namelen = sizeof from[i];
        messages[i].msg_hdr.msg_iov = &iov[i];
        messages[i].msg_hdr.msg_iovlen = 1;
    }
    int received = recvmmsg(r, messages, 4, MSG_DONTWAIT, NULL);
    if (received < 0) {
        say("  recvmmsg r 4 MSG_DONTWAIT: -1 %s\n", errno_name(errno));
        return;
    }
    say("  recvmmsg r 4 MSG_DONTWAIT: %d\n", received);
    for (int i = 0; i < received; i++) {
        char text[4 * 64 + 1];
        escape_bytes(text, sizeof text, data[i], messages[i].msg_len);
        say("    [%d] %u \"%s\" msg_flags %s from %s\n", i, messages[i].msg_len, text,
            msg_flag_names(messages[i].msg_hdr.msg_flags),
            dgram_address_text(&from[i], messages[i].msg_hdr.msg_namelen, sizeof from[i]));
    }
}

static void sender_addresses(void) {
    if (skipped_for_pair("the sender's address, several senders", "socketpair ends have no names to send to"))
        return;
    /* unix_dgram_recvmsg reports the name of the socket that sent the datagram being
     * received, whatever was queued before or after it. */
    struct dgram_name r_name = dgram_name("r"), s1_name = dgram_name("s1"), s2_name = dgram_name("s2");
    int r = dgram_bound(&r_name);
    int s1 = dgram_bound(&s1_name);
    int s2 = dgram_bound(&s2_name);
    int u = dgram_socket();
    dgram_sendto("s1", s1, "s1 first", "r", &r_name, 0);
    dgram_sendto("s2", s2, "s2 first", "r", &r_name, 0);
    dgram_sendto("unbound u", u, "u first", "r", &r_name, 0);
    dgram_sendto("s1", s1, "s1 second", "r", &r_name, 0);
    dgram_sendto("s2", s2, "s2 second", "r", &r_name, 0);
    dgram_sendto("unbound u", u, "u second", "r", &r_name, 0);
    dgram_sendto("s2", s2, "s2 third", "r", &r_name, 0);
    dgram_recvfrom("r", r, 64, 0);
    dgram_recvmsg("r", r, 64, 0);
    dgram_recvfrom("r", r, 64, 0);
    /* read() takes a datagram and its address is gone with it: the next recvmsg reports
     * the sender of the next datagram. */
    dgram_read("r", r, 64);
    dgram_recvmsg("r", r, 64, 0);
    dgram_read("r", r, 64);
    dgram_recvfrom("r", r, 64, 0);

    say("-- recvmmsg with names\n");
    dgram_sendto("s2", s2, "m1", "r", &r_name, 0);
    dgram_sendto("unbound u", u, "m2", "r", &r_name, 0);
    dgram_sendto("s1", s1, "m3", "r", &r_name, 0);
    recvmmsg_names(r);
    recvmmsg_names(r);

    say("-- an address buffer too short for the name\n");
    /* unix_copy_addr copies what fits and reports the whole length (socket(7)). */
    dgram_sendto("s1", s1, "short", "r", &r_name, 0);
    dgram_recvfrom_into("r", r, 64, 0, 8, NULL, NULL);
    dgram_sendto("s1", s1, "none", "r", &r_name, 0);
    dgram_recvfrom_into("r", r, 64, 0, 0, NULL, NULL);
    close(u);
    close(s2);
    close(s1);
    close(r);
}

static void sender_changes(void) {
    /* The address is the sending socket's name when the datagram is received (the queued
     * datagram refers to its sender: unix_dgram_recvmsg copies skb->sk's name). */
    section("the sender names itself or closes before the receive");
    if (!dgram_named()) {
        struct dgram_pair p;
        dgram_pair_open(&p, "late");
        dgram_send("a", p.a, "before autobind", 0);
        report("  bind a autobind", autobind(p.a));
        struct sockaddr_un from;
        socklen_t length;
        if (dgram_recvfrom_into("b", p.b, 64, 0, sizeof from, &from, &length) >= 0)
            say("  reported name is a's getsockname: %s\n", dgram_is_name_of(p.a, &from, length) ? "yes" : "no");
        dgram_pair_close(&p);
        return;
    }
    struct dgram_name r_name = dgram_name("r"), late = dgram_name("late"), gone = dgram_name("gone");
    int r = dgram_bound(&r_name);
    int u = dgram_socket();
    dgram_sendto("unbound u", u, "before bind", "r", &r_name, 0);
    report("  bind u to late", bind(u, dgram_sa(&late), late.length));
    dgram_recvfrom("r", r, 64, 0);
    int v = dgram_socket();
    dgram_sendto("unbound v", v, "before autobind", "r", &r_name, 0);
    report("  bind v autobind", autobind(v));
    struct sockaddr_un from;
    socklen_t length;
    if (dgram_recvfrom_into("r", r, 64, 0, sizeof from, &from, &length) >= 0)
        say("  reported name is v's getsockname: %s\n", dgram_is_name_of(v, &from, length) ? "yes" : "no");
    /* A closed sender's name is released (unix_release_sock), but a datagram it sent still
     * names it; a new socket may take the name meanwhile. */
    int s = dgram_bound(&gone);
    dgram_sendto("s", s, "from s, closed", "r", &r_name, 0);
    say("  close s\n");
    close(s);
    if (dgram_kind->naming == UNIX_PATH) report("  unlink gone", unlink(gone.address.sun_path));
    int t = dgram_socket();
    report("  bind t to gone", bind(t, dgram_sa(&gone), gone.length));
    dgram_sendto("t", t, "from t", "r", &r_name, 0);
    dgram_recvfrom("r", r, 64, 0);
    dgram_recvfrom("r", r, 64, 0);
    close(t);
    close(v);
    close(u);
    close(r);
}

/* ---- SO_PASSCRED autobinds the sender ---- */

static void passcred_autobind(void) {
    /* net/unix/af_unix.c: unix_dgram_sendmsg and unix_dgram_connect autobind a socket without
     * a name that has SO_PASSCRED set, so that the receiver can tell who sent a datagram. */
    section("SO_PASSCRED autobinds the sender");
    if (!dgram_named()) {
        struct dgram_pair p;
        dgram_pair_open(&p, "passcred");
        dgram_set_int("a", p.a, SO_PASSCRED, "SO_PASSCRED", 1);
        dgram_show_name("a", p.a, 0);
        dgram_send("a", p.a, "with SO_PASSCRED", 0);
        dgram_show_name("a", p.a, 0);
        struct sockaddr_un from;
        socklen_t length;
        if (dgram_recvfrom_into("b", p.b, 64, 0, sizeof from, &from, &length) >= 0)
            say("  reported name is a's getsockname: %s\n", dgram_is_name_of(p.a, &from, length) ? "yes" : "no");
        dgram_show_name("b", p.b, 1);
        dgram_pair_close(&p);
        say("-- SO_PASSCRED on the receiver only\n");
        dgram_pair_open(&p, "passcred");
        dgram_set_int("b", p.b, SO_PASSCRED, "SO_PASSCRED", 1);
        dgram_send("a", p.a, "to a receiver with SO_PASSCRED", 0);
        dgram_show_name("a", p.a, 0);
        dgram_recvfrom("b", p.b, 64, 0);
        dgram_pair_close(&p);
        return;
    }
    struct dgram_name r_name = dgram_name("r");
    int r = dgram_bound(&r_name);
    int u = dgram_socket();
    dgram_set_int("u", u, SO_PASSCRED, "SO_PASSCRED", 1);
    dgram_show_name("u", u, 0);
    dgram_sendto("u", u, "with SO_PASSCRED", "r", &r_name, 0);
    dgram_show_name("u", u, 0);
    struct sockaddr_un from;
    socklen_t length;
    if (dgram_recvfrom_into("r", r, 64, 0, sizeof from, &from, &length) >= 0)
        say("  reported name is u's getsockname: %s\n", dgram_is_name_of(u, &from, length) ? "yes" : "no");

    say("-- connect with SO_PASSCRED\n");
    int c = dgram_socket();
    dgram_set_int("c", c, SO_PASSCRED, "SO_PASSCRED", 1);
    try_connect("c", c, "r", &r_name);
    dgram_show_name("c", c, 0);
    dgram_send("c", c, "connected", 0);
    if (dgram_recvfrom_into("r", r, 64, 0, sizeof from, &from, &length) >= 0)
        say("  reported name is c's getsockname: %s\n", dgram_is_name_of(c, &from, length) ? "yes" : "no");

    say("-- SO_PASSCRED on the receiver only\n");
    dgram_set_int("r", r, SO_PASSCRED, "SO_PASSCRED", 1);
    int v = dgram_socket();
    dgram_sendto("unbound v", v, "to a receiver with SO_PASSCRED", "r", &r_name, 0);
    dgram_show_name("v", v, 0);
    dgram_recvfrom("r", r, 64, 0);
    close(v);
    close(c);
    close(u);
    close(r);
}

/* ---- connect ---- */

static void send_kinds(const char *label, int fd) {
    dgram_send(label, fd, "by send", 0);
    report("  write a \"by write\"", write(fd, "by write", 8));
    struct iovec iov[2] = {{.iov_base = "by ", .iov_len = 3}, {.iov_base = "writev", .iov_len = 6}};
    report("  writev a \"by \" \"writev\"", writev(fd, iov, 2));
    dgram_sendmsg(label, fd, "by sendmsg", NULL, NULL);
    int before = dgram_sigpipes;
    dgram_said("sendto", label, "by sendto", " to NULL", sendto(fd, "by sendto", 9, 0, NULL, 0), before);
}

static void connecting(void) {
    section("connect, send on a connected socket, connect again, AF_UNSPEC");
    if (!dgram_named()) {
        struct dgram_pair p;
        dgram_pair_open(&p, "connect");
        dgram_show_name("a", p.a, 1);
        send_kinds("a", p.a);
        for (int i = 0; i < 5; i++) dgram_recvfrom("b", p.b, 64, 0);
        /* unix_dgram_connect: AF_UNSPEC dissolves a's association only; b's stays, and a
         * socket that has no peer accepts datagrams from anyone (unix_may_send). */
        connect_unspec("a", p.a, sizeof(struct sockaddr));
        dgram_show_name("a", p.a, 1);
        dgram_send("a", p.a, "after AF_UNSPEC", 0);
        report("  write a \"after AF_UNSPEC\"", write(p.a, "after AF_UNSPEC", 15));
        dgram_show_name("b", p.b, 1);
        dgram_send("b", p.b, "b to a", 0);
        dgram_recvfrom("a", p.a, 64, 0);
        connect_unspec("a (not connected)", p.a, sizeof(struct sockaddr));
        connect_unspec("b", p.b, sizeof(sa_family_t));
        connect_unspec("b", p.b, 1);
        dgram_show_name("b", p.b, 1);
        dgram_pair_close(&p);
        return;
    }
    struct dgram_name r1_name = dgram_name("r1"), r2_name = dgram_name("r2");
    int r1 = dgram_bound(&r1_name);
    int r2 = dgram_bound(&r2_name);
    int a = dgram_socket();
    dgram_show_name("a", a, 1);
    try_connect("a", a, "r1", &r1_name);
    dgram_show_name("a", a, 1);
    dgram_show_name("a", a, 0);
    send_kinds("a", a);
    for (int i = 0; i < 5; i++) dgram_recvfrom("r1", r1, 64, 0);
    /* A connected datagram socket may still name another receiver per datagram. */
    dgram_sendto("a", a, "to r2 explicitly", "r2", &r2_name, 0);
    dgram_recvfrom("r2", r2, 64, 0);
    dgram_recvfrom("r1", r1, 64, MSG_DONTWAIT);
    /* Connecting again changes the peer; there is no EISCONN for datagram sockets. */
    try_connect("a", a, "r2", &r2_name);
    dgram_show_name("a", a, 1);
    dgram_send("a", a, "after reconnect", 0);
    dgram_recvfrom("r2", r2, 64, 0);
    dgram_recvfrom("r1", r1, 64, MSG_DONTWAIT);
    try_connect("a", a, "r2 again", &r2_name);
    connect_unspec("a", a, sizeof(struct sockaddr));
    dgram_show_name("a", a, 1);
    dgram_send("a", a, "after AF_UNSPEC", 0);
    report("  write a \"after AF_UNSPEC\"", write(a, "after AF_UNSPEC", 15));
    dgram_sendmsg("a", a, "after AF_UNSPEC", NULL, NULL);
    dgram_sendto("a", a, "to r1 after AF_UNSPEC", "r1", &r1_name, 0);
    dgram_recvfrom("r1", r1, 64, 0);
    dgram_recvfrom("r2", r2, 64, MSG_DONTWAIT);
    connect_unspec("a (not connected)", a, sizeof(struct sockaddr));
    connect_unspec("a", a, sizeof(sa_family_t));
    connect_unspec("a", a, 1);

    say("-- a socket connected to itself\n");
    try_connect("r1", r1, "r1", &r1_name);
    dgram_show_name("r1", r1, 1);
    dgram_send("r1", r1, "to itself", 0);
    dgram_recvfrom("r1", r1, 64, 0);
    close(a);
    close(r2);
    close(r1);
}

static void reconnect_purges(void) {
    /* unix_dgram_connect calls unix_dgram_disconnected when the peer changes: the socket's
     * receive queue is purged, and a former peer connected back to it gets ECONNRESET as a
     * pending error if datagrams were lost. */
    section("a new peer purges the receive queue");
    struct dgram_pair p;
    dgram_pair_open(&p, "purge");
    dgram_send("b", p.b, "queued for a", 0);
    dgram_show_poll("a", p.a);
    connect_unspec("a", p.a, sizeof(struct sockaddr));
    dgram_recvfrom("a", p.a, 64, MSG_DONTWAIT);
    dgram_show_poll("b", p.b);
    dgram_send("b", p.b, "after the reset", 0);
    dgram_show_poll("b", p.b);
    dgram_send("b", p.b, "again", 0);
    dgram_recvfrom("a", p.a, 64, MSG_DONTWAIT);
    dgram_recvfrom("a", p.a, 64, MSG_DONTWAIT);
    dgram_pair_close(&p);

    say("-- the same with nothing queued\n");
    dgram_pair_open(&p, "purge");
    connect_unspec("a", p.a, sizeof(struct sockaddr));
    dgram_show_poll("b", p.b);
    dgram_show_so_error("b", p.b);
    dgram_pair_close(&p);

    say("-- SO_ERROR reads the pending error\n");
    dgram_pair_open(&p, "purge");
    dgram_send("b", p.b, "queued for a", 0);
    connect_unspec("a", p.a, sizeof(struct sockaddr));
    dgram_show_so_error("b", p.b);
    dgram_show_so_error("b", p.b);
    dgram_recvfrom("b", p.b, 64, MSG_DONTWAIT);
    dgram_pair_close(&p);

    if (part_skipped_for_pair("connect to another name", "socketpair ends have no names")) return;
    struct dgram_name c_name = dgram_name("purge-c");
    int c = dgram_bound(&c_name);
    dgram_pair_open(&p, "purge");
    dgram_send("b", p.b, "queued for a", 0);
    try_connect("a", p.a, "c", &c_name);
    dgram_recvfrom("a", p.a, 64, MSG_DONTWAIT);
    dgram_send("b", p.b, "after the reset", 0);
    /* a's peer is c now: b may no longer send to a (unix_may_send). */
    dgram_send("b", p.b, "again", 0);
    dgram_pair_close(&p);
    close(c);
}

/* ---- message boundaries ---- */

static void boundaries(void) {
    section("message boundaries, zero-length datagrams, MSG_PEEK, MSG_TRUNC");
    struct dgram_pair p;
    dgram_pair_open(&p, "bounds");
    dgram_send("a", p.a, "abc", 0);
    dgram_send("a", p.a, "defgh", 0);
    dgram_send("a", p.a, "", 0);
    dgram_send("a", p.a, "ij", 0);
    dgram_recvfrom("b", p.b, 64, 0);
    dgram_recvfrom("b", p.b, 64, 0);
    dgram_recvfrom("b", p.b, 64, 0);
    dgram_recvfrom("b", p.b, 64, 0);
    dgram_recvfrom("b", p.b, 64, MSG_DONTWAIT);

    say("-- zero-length datagrams\n");
    dgram_send("a", p.a, "", 0);
    dgram_send("a", p.a, "", 0);
    dgram_recvmsg("b", p.b, 64, MSG_PEEK);
    dgram_recvmsg("b", p.b, 64, 0);
    dgram_read("b", p.b, 64);
    dgram_recvfrom("b", p.b, 64, MSG_DONTWAIT);

    say("-- MSG_PEEK\n");
    dgram_send("a", p.a, "peekaboo", 0);
    dgram_send("a", p.a, "second", 0);
    dgram_recvfrom("b", p.b, 4, MSG_PEEK);
    dgram_recvmsg("b", p.b, 64, MSG_PEEK);
    dgram_recvfrom("b", p.b, 64, 0);
    dgram_recvfrom("b", p.b, 64, MSG_PEEK);
    dgram_recvfrom("b", p.b, 64, 0);

    say("-- a short buffer: the rest of the datagram is discarded\n");
    dgram_send("a", p.a, "truncate me", 0);
    dgram_send("a", p.a, "next", 0);
    dgram_recvfrom("b", p.b, 4, 0);
    dgram_recvfrom("b", p.b, 64, 0);
    dgram_send("a", p.a, "truncate me", 0);
    dgram_recvmsg("b", p.b, 4, 0);
    /* MSG_TRUNC as a flag: the datagram's real length (unix(7), socket(7)). */
    dgram_send("a", p.a, "truncate me", 0);
    dgram_recvfrom("b", p.b, 4, MSG_TRUNC);
    dgram_send("a", p.a, "truncate me", 0);
    dgram_recvmsg("b", p.b, 4, MSG_TRUNC | MSG_PEEK);
    dgram_recvmsg("b", p.b, 64, MSG_TRUNC);
    dgram_send("a", p.a, "xyz", 0);
    dgram_recvfrom("b", p.b, 0, 0);
    dgram_recvfrom("b", p.b, 64, MSG_DONTWAIT);

    say("-- several iovecs\n");
    dgram_send("a", p.a, "0123456789", 0);
    char first[3], second[4];
    struct iovec iov[2] = {{.iov_base = first, .iov_len = sizeof first}, {.iov_base = second, .iov_len = sizeof second}};
    struct msghdr message = {.msg_iov = iov, .msg_iovlen = 2};
    ssize_t n = recvmsg(p.b, &message, 0);
    if (n < 0) say("  recvmsg b iov 3+4: -1 %s\n", errno_name(errno));
    else say("  recvmsg b iov 3+4: %zd \"%.3s\" \"%.4s\" msg_flags %s\n", n, first, second,
             msg_flag_names(message.msg_flags));
    dgram_pair_close(&p);
}

/* ---- EMSGSIZE ---- */

static int sndbuf_of(int fd) {
    int value = -1;
    socklen_t length = sizeof value;
    getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &value, &length);
    return value;
}

/* send of LENGTH bytes, printed as "SO_SNDBUF + DELTA bytes". */
static void send_sized(const char *label, int fd, int sndbuf, int delta) {
    size_t length = (size_t)(sndbuf + delta);
    char *buffer = calloc(1, length);
    ssize_t result = send(fd, buffer, length, MSG_DONTWAIT);
    int error = errno;
    free(buffer);
    if (result < 0) say("  send %s SO_SNDBUF %+d bytes: -1 %s\n", label, delta, errno_name(error));
    else say("  send %s SO_SNDBUF %+d bytes: %s\n", label, delta, (size_t)result == length ? "all" : "part");
}

static void recv_sized(const char *label, int fd, int sndbuf) {
    char buffer[16];
    ssize_t result = recv(fd, buffer, sizeof buffer, MSG_TRUNC | MSG_DONTWAIT);
    if (result < 0) say("  recv %s 16 MSG_TRUNC: -1 %s\n", label, errno_name(errno));
    else say("  recv %s 16 MSG_TRUNC: SO_SNDBUF %+d\n", label, (int)result - sndbuf);
}

static void message_size(void) {
    /* unix_dgram_sendmsg: a datagram longer than the sender's SO_SNDBUF less 32 bytes is
     * EMSGSIZE; SO_SNDBUF is doubled when set (socket(7)). */
    section("EMSGSIZE");
    struct dgram_pair p;
    dgram_pair_open(&p, "size");
    int sndbuf = sndbuf_of(p.a);
    send_sized("a", p.a, sndbuf, -31);
    send_sized("a", p.a, sndbuf, 1);
    dgram_set_int("a", p.a, SO_SNDBUF, "SO_SNDBUF", 8192);
    sndbuf = sndbuf_of(p.a);
    say("  SO_SNDBUF a: %s\n", sndbuf == 16384 ? "16384, twice the request" : "not twice the request");
    send_sized("a", p.a, sndbuf, -32);
    send_sized("a", p.a, sndbuf, -31);
    recv_sized("b", p.b, sndbuf);
    recv_sized("b", p.b, sndbuf);
    dgram_pair_close(&p);
}

/* ---- a full receive queue ---- */

/* Sends "fill" with MSG_DONTWAIT until a send fails; returns how many were sent. */
static int fill(const char *label, int fd) {
    int count = 0;
    ssize_t result;
    while (count < FILL_LIMIT && (result = send(fd, "fill", 4, MSG_DONTWAIT)) == 4) count++;
    int error = errno;
    say("  fill %s with \"fill\" MSG_DONTWAIT: filled %s, then -1 %s\n", label, count > 0 ? "yes" : "no",
        errno_name(error));
    return count;
}

static void timed_send(const char *label, int fd) {
    struct timeval timeout = {.tv_sec = 0, .tv_usec = TIMEOUT_MS * 1000};
    dgram_check("setsockopt(SO_SNDTIMEO)", setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout));
    long long start = monotonic_ms();
    ssize_t result = send(fd, "timed", 5, 0);
    int error = errno;
    long long elapsed = monotonic_ms() - start;
    if (result < 0) say("  send %s \"timed\" SO_SNDTIMEO %d ms: -1 %s, waited the timeout %s\n", label, TIMEOUT_MS,
                        errno_name(error), waited_for(elapsed, TIMEOUT_MS) ? "yes" : "no");
    else say("  send %s \"timed\" SO_SNDTIMEO %d ms: %zd\n", label, TIMEOUT_MS, result);
    timeout.tv_usec = 0;
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
}

/* A helper thread that, once the main thread sleeps in a send, receives COUNT datagrams
 * (all queued before the send, so none of them waits). */
struct reader {
    pthread_t thread;
    int fd, count, watch;
    int go[2];
    int blocked, received, all_fill;
};

static void *reader_main(void *argument) {
    struct reader *reader = argument;
    char byte;
    if (read(reader->go[0], &byte, 1) != 1) return NULL;
    reader->blocked = wait_blocked(reader->watch);
    reader->all_fill = 1;
    for (int i = 0; i < reader->count; i++) {
        char buffer[16];
        ssize_t n = recv(reader->fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n < 0) break;
        reader->received++;
        if (n != 4 || memcmp(buffer, "fill", 4) != 0) reader->all_fill = 0;
    }
    return NULL;
}

static void blocked_send(const char *label, int fd, const char *reader_label, int reader_fd, int count) {
    struct reader reader;
    memset(&reader, 0, sizeof reader);
    reader.fd = reader_fd;
    reader.count = count;
    reader.watch = dgram_check("open(stat)", watch_open(getpid(), main_thread));
    dgram_check("pipe", pipe2(reader.go, O_CLOEXEC));
    if (pthread_create(&reader.thread, NULL, reader_main, &reader) != 0) {
        say("setup pthread_create failed\n");
        exit(1);
    }
    (void)!write(reader.go[1], "g", 1);
    ssize_t result = send(fd, "unblocked", 9, 0);
    int error = errno;
    pthread_join(reader.thread, NULL);
    close(reader.go[0]);
    close(reader.go[1]);
    close(reader.watch);
    if (result < 0) say("  send %s \"unblocked\" (blocking): -1 %s\n", label, errno_name(error));
    else say("  send %s \"unblocked\" (blocking): %zd\n", label, result);
    say("  helper: saw the send sleep %d, then received from %s %s datagrams, all \"fill\" %d\n", reader.blocked,
        reader_label, reader.received == count ? "the planned number of" : "another number of", reader.all_fill);
}

/* Receives everything queued; says whether all but the last were "fill" and what the last was. */
static void drain(const char *label, int fd) {
    char buffer[64], last[64] = "";
    int count = 0, all_fill = 1;
    ssize_t n;
    while ((n = recv(fd, buffer, sizeof buffer - 1, MSG_DONTWAIT)) >= 0) {
        buffer[n] = '\0';
        if (count > 0 && strcmp(last, "fill") != 0) all_fill = 0;
        memcpy(last, buffer, (size_t)n + 1);
        count++;
    }
    int error = errno;
    say("  drain %s: %s, all before the last \"fill\" %d, last \"%s\", then -1 %s\n", label,
        count > 0 ? "datagrams" : "none", all_fill, last, errno_name(error));
}

static void full_one_way(void) {
    if (skipped_for_pair("a full queue of a receiver not connected back",
                         "socketpair ends are always connected to each other"))
        return;
    /* unix_dgram_sendmsg: the queue of a receiver that is not connected back to the sender
     * is full once it holds more than net.unix.max_dgram_qlen datagrams (unix_recvq_full);
     * then a nonblocking sender gets EAGAIN, a blocking one waits on the receiver's
     * peer_wait until a datagram is received, and poll leaves POLLOUT out for a sender
     * connected to it (unix_dgram_poll). */
    struct dgram_name r_name = dgram_name("full");
    int r = dgram_bound(&r_name);
    int s = dgram_socket();
    try_connect("s", s, "r", &r_name);
    int count = fill("s -> r", s);
    int limit = max_dgram_qlen();
    say("  queued == max_dgram_qlen + 1: %s\n", limit >= 0 && count == limit + 1 ? "yes" : "no");
    dgram_show_poll("s", s);
    dgram_show_poll("r", r);
    int u = dgram_socket();
    dgram_sendto("unbound u", u, "more", "r", &r_name, MSG_DONTWAIT);
    timed_send("s", s);
    blocked_send("s", s, "r", r, 1);
    dgram_show_poll("s", s);
    dgram_recvfrom("r", r, 64, 0);
    dgram_show_poll("s", s);
    drain("r", r);
    dgram_show_poll("s", s);
    close(u);
    close(s);
    close(r);
}

static void full_mutual(void) {
    /* Between sockets connected to each other the queue limit does not apply
     * (unix_dgram_sendmsg checks it only when unix_peer(other) != sk): the sender's
     * SO_SNDBUF does, as the queued datagrams are charged to it until received, and poll
     * says POLLOUT once at most a quarter of it is in use (unix_writable). */
    section("a full queue between sockets connected to each other");
    struct dgram_pair p;
    dgram_pair_open(&p, "mutual");
    int count = fill("a -> b", p.a);
    int limit = max_dgram_qlen();
    say("  queued more than max_dgram_qlen + 1: %s\n", limit >= 0 && count > limit + 1 ? "yes" : "no");
    dgram_show_poll("a", p.a);
    dgram_show_poll("b", p.b);
    timed_send("a", p.a);
    blocked_send("a", p.a, "b", p.b, count);
    dgram_recvfrom("b", p.b, 64, MSG_DONTWAIT);
    dgram_show_poll("a", p.a);

    say("-- POLLOUT while the queue drains\n");
    fill("a -> b", p.a);
    dgram_show_poll("a", p.a);
    dgram_recvfrom("b", p.b, 64, 0);
    dgram_show_poll("a", p.a);
    drain("b", p.b);
    dgram_show_poll("a", p.a);
    dgram_pair_close(&p);
}

/* ---- errors ---- */

static void bad_lengths(int fd, struct dgram_name *good) {
    struct dgram_name name = *good;
    static const struct {
        socklen_t length;
        const char *text;
    } lengths[] = {{0, "0"}, {1, "1"}, {sizeof(sa_family_t), "sizeof(sa_family_t)"},
                   {sizeof(struct sockaddr_un) + 1, "sizeof(sockaddr_un) + 1"}};
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        char what[128];
        snprintf(what, sizeof what, "  sendto addrlen %s", lengths[i].text);
        report(what, sendto(fd, "x", 1, 0, dgram_sa(&name), lengths[i].length));
        snprintf(what, sizeof what, "  connect addrlen %s", lengths[i].text);
        report(what, connect(fd, dgram_sa(&name), lengths[i].length));
    }
    name.address.sun_family = AF_INET;
    report("  sendto family AF_INET", sendto(fd, "x", 1, 0, dgram_sa(&name), name.length));
    report("  connect family AF_INET", connect(fd, dgram_sa(&name), name.length));
    report("  sendto NULL address, addrlen 110", sendto(fd, "x", 1, 0, NULL, sizeof(struct sockaddr_un)));
}

static void errors(void) {
    section("errors of sends and connects");
    /* unix_dgram_sendmsg: no msg_name and no peer is ENOTCONN (not EDESTADDRREQ); a
     * msg_name of length 0 counts as none. */
    int fresh = dgram_socket();
    dgram_send("fresh", fresh, "no peer", 0);
    report("  write fresh \"no peer\"", write(fresh, "no peer", 7));
    dgram_sendmsg("fresh", fresh, "no peer", NULL, NULL);
    /* unix_validate_addr: a name needs more than the family and at most sockaddr_un. */
    struct dgram_name target = dgram_name("target");
    int receiver = dgram_bound(&target);
    bad_lengths(fresh, &target);
    dgram_show_name("fresh after the rejected calls", fresh, 0);
    dgram_show_name("fresh after the rejected calls", fresh, 1);
    close(receiver);
    close(fresh);

    if (!dgram_named()) {
        /* A socketpair end is connected to its partner: others may not send to it. */
        say("-- a receiver connected to someone else\n");
        struct dgram_pair p;
        dgram_pair_open(&p, "eperm");
        report("  bind b autobind", autobind(p.b));
        struct dgram_name b_name;
        if (dgram_get_name(p.b, 0, &b_name.address, &b_name.length) < 0) say("  getsockname b: failed\n");
        int x = dgram_socket();
        dgram_sendto("x", x, "to b", "b's autobind name", &b_name, 0);
        try_connect("x", x, "b's autobind name", &b_name);
        dgram_send("a", p.a, "from a", 0);
        dgram_recvfrom("b", p.b, 64, 0);
        close(x);
        dgram_pair_close(&p);
        part_skipped_for_pair("names without a socket, other socket types", "they need names");
        return;
    }

    say("-- names without a socket\n");
    /* unix_find_bsd: a missing path is ENOENT; a socket file whose socket is gone, and an
     * abstract name nobody holds, are ECONNREFUSED (unix_find_abstract). */
    struct dgram_name missing = dgram_name("missing");
    int u = dgram_socket();
    dgram_sendto("u", u, "x", "a missing name", &missing, 0);
    try_connect("u", u, "a missing name", &missing);
    struct dgram_name closed = dgram_name("closed");
    close(dgram_bound(&closed));
    say("  bound a socket to closed and closed it\n");
    dgram_sendto("u", u, "x", "closed", &closed, 0);
    try_connect("u", u, "closed", &closed);

    say("-- a receiver connected to someone else\n");
    /* unix_may_send: only a receiver without a peer, or whose peer is the sender, takes a
     * datagram; connect checks the same (EPERM). A receiver whose peer closed keeps it as
     * its peer until its own send finds it dead. */
    struct dgram_name r_name = dgram_name("r"), s1_name = dgram_name("s1");
    int r = dgram_bound(&r_name);
    int s1 = dgram_bound(&s1_name);
    try_connect("r", r, "s1", &s1_name);
    dgram_sendto("u", u, "to r", "r", &r_name, 0);
    try_connect("u", u, "r", &r_name);
    dgram_sendto("s1", s1, "to r", "r", &r_name, 0);
    dgram_recvfrom("r", r, 64, 0);
    close(s1);
    say("  close s1 (r's peer)\n");
    dgram_sendto("u", u, "to r, its peer closed", "r", &r_name, 0);
    dgram_recvfrom("r", r, 64, MSG_DONTWAIT);
    close(r);

    say("-- other socket types\n");
    /* unix_find_other: a path name's socket must be of the caller's type (EPROTOTYPE); an
     * abstract name is looked up among the caller's type only (ECONNREFUSED). A stream
     * socket takes no address on send (unix_stream_sendmsg: EOPNOTSUPP, EISCONN once
     * connected). */
    struct dgram_name stream_name = dgram_name("stream");
    int listener = dgram_check("socket", socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    dgram_check("bind", bind(listener, dgram_sa(&stream_name), stream_name.length));
    dgram_check("listen", listen(listener, 4));
    dgram_sendto("u", u, "x", "a stream listener", &stream_name, 0);
    try_connect("u", u, "a stream listener", &stream_name);
    struct dgram_name d_name = dgram_name("d");
    int d = dgram_bound(&d_name);
    int stream = dgram_check("socket", socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    report("  connect stream socket to a datagram socket's name", connect(stream, dgram_sa(&d_name), d_name.length));
    int seqpacket = dgram_check("socket", socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    report("  connect seqpacket socket to a datagram socket's name",
           connect(seqpacket, dgram_sa(&d_name), d_name.length));
    report("  sendto stream socket to a datagram socket's name",
           sendto(stream, "x", 1, MSG_NOSIGNAL, dgram_sa(&d_name), d_name.length));
    close(seqpacket);
    close(stream);
    close(d);
    close(listener);
    close(u);
}

/* ---- a peer that closes ---- */

static void peer_closes(void) {
    /* Closing a datagram socket leaves its peer connected to a dead socket (unix_release_sock
     * shuts down only stream and seqpacket peers). The peer's next send finds it dead:
     * ECONNREFUSED, the association dissolved and the receive queue purged
     * (unix_dgram_sendmsg, unix_dgram_disconnected); sends after that have no peer. */
    section("the peer closes");
    struct dgram_pair p;
    dgram_pair_open(&p, "closes");
    dgram_send("b", p.b, "queued before close", 0);
    say("  close b\n");
    close(p.b);
    p.b = -1;
    dgram_show_poll("a", p.a);
    dgram_show_name("a", p.a, 1);
    dgram_recvfrom("a", p.a, 64, MSG_DONTWAIT);
    dgram_recvfrom("a", p.a, 64, MSG_DONTWAIT);
    dgram_send("a", p.a, "first", 0);
    dgram_show_name("a", p.a, 1);
    dgram_send("a", p.a, "second", 0);
    dgram_show_poll("a", p.a);
    dgram_show_so_error("a", p.a);
    dgram_pair_close(&p);

    say("-- data queued for a when its send finds the peer gone\n");
    dgram_pair_open(&p, "closes");
    dgram_send("b", p.b, "queued before close", 0);
    say("  close b\n");
    close(p.b);
    p.b = -1;
    dgram_send("a", p.a, "first", 0);
    dgram_recvfrom("a", p.a, 64, MSG_DONTWAIT);

    say("-- a receive on a socket whose peer closed waits\n");
    struct timeval timeout = {.tv_sec = 0, .tv_usec = TIMEOUT_MS * 1000};
    dgram_check("setsockopt(SO_RCVTIMEO)", setsockopt(p.a, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout));
    char byte;
    long long start = monotonic_ms();
    ssize_t result = recv(p.a, &byte, 1, 0);
    int error = errno;
    long long elapsed = monotonic_ms() - start;
    if (result < 0) say("  recv a 1 SO_RCVTIMEO %d ms: -1 %s, waited the timeout %s\n", TIMEOUT_MS, errno_name(error),
                        waited_for(elapsed, TIMEOUT_MS) ? "yes" : "no");
    else say("  recv a 1 SO_RCVTIMEO %d ms: %zd\n", TIMEOUT_MS, result);
    dgram_pair_close(&p);

    if (part_skipped_for_pair("a receiver not connected back closes",
                              "socketpair ends are always connected to each other"))
        return;
    struct dgram_name r_name = dgram_name("r");
    int r = dgram_bound(&r_name);
    int s = dgram_socket();
    try_connect("s", s, "r", &r_name);
    dgram_send("s", s, "before", 0);
    say("  close r\n");
    close(r);
    dgram_show_poll("s", s);
    dgram_send("s", s, "first", 0);
    dgram_send("s", s, "second", 0);
    dgram_show_name("s", s, 1);
    if (dgram_kind->naming == UNIX_PATH) report("  unlink r", unlink(r_name.address.sun_path));
    r = dgram_bound(&r_name);
    say("  bound a new r to the same name\n");
    dgram_send("s", s, "third", 0);
    dgram_sendto("s", s, "to the new r", "r", &r_name, 0);
    dgram_recvfrom("new r", r, 64, 0);
    close(s);
    close(r);
}

int main(int argc, char **argv) {
    dgram_kind_from_args(PROBE, argc, argv);
    /* A hung probe should fail, not wedge the suite. */
    alarm(30);
    dgram_count_sigpipe();
    main_thread = thread_id();
    say("%s %s\n", PROBE, dgram_kind->name);
    names();
    unconnected_sends();
    sender_addresses();
    sender_changes();
    passcred_autobind();
    connecting();
    reconnect_purges();
    boundaries();
    message_size();
    full_one_way();
    full_mutual();
    errors();
    peer_closes();
    dgram_remove_names();
    say("SIGPIPE total %d\n", (int)dgram_sigpipes);
    say("done\n");
    return 0;
}
