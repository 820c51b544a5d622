/*
 * The data calls over a connected AF_UNIX pair: send, recv, sendto, recvfrom, sendmsg,
 * recvmsg, sendmmsg, recvmmsg, read, write, readv and writev; the source address a receive
 * reports; MSG_PEEK and SO_PEEK_OFF, MSG_DONTWAIT, MSG_WAITALL, MSG_TRUNC, MSG_OOB;
 * message boundaries; FIONREAD, SIOCINQ and SIOCOUTQ; sendto with an address on a connected
 * socket; zero-length sends and receives; EPIPE and SIGPIPE after the peer closed; bad
 * pointers, lengths and counts. Every section starts from a fresh pair.
 *
 *   unix-io KIND   (KIND as in unix-kind.h)
 */
#include "probe.h"
#include "unix-kind.h"

#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>

#define PROBE "unix-io"

#ifndef SO_PEEK_OFF
#define SO_PEEK_OFF 42
#endif

static const struct unix_kind *kind;
static volatile sig_atomic_t sigpipes;

/* Read at run time, so that the compiler neither warns about nor optimises around it. */
static void *volatile bad = (void *)1;

static void on_sigpipe(int signal) {
    (void)signal;
    sigpipes++;
}


/* BYTES escaped for a transcript line (one of four rotating buffers). */
static const char *text_of(const void *bytes, size_t length) {
    static char text[4][4 * 300 + 1];
    static int next;
    char *out = text[next++ % 4];
    if (length > 300) length = 300;
    return escape_bytes(out, sizeof text[0], bytes, length);
}

/* "WHAT: RESULT" or "WHAT: -1 ENAME", with the SIGPIPEs raised since BEFORE if any. */
static void outcome(const char *what, ssize_t result, int error, int before) {
    char raised[32] = "";
    if (sigpipes != before) snprintf(raised, sizeof raised, ", SIGPIPE x%d", (int)(sigpipes - before));
    if (result < 0) say("  %s: -1 %s%s\n", what, errno_name(error), raised);
    else say("  %s: %zd%s\n", what, result, raised);
}

/* outcome() of CALL, with errno and the SIGPIPE count taken in order around it. */
#define OUTCOME(what, call)                                                                        \
    do {                                                                                           \
        int before_ = sigpipes;                                                                    \
        ssize_t result_ = (call);                                                                  \
        int error_ = errno;                                                                        \
        outcome((what), result_, error_, before_);                                                 \
    } while (0)

/* An outcome for a receive into BUFFER: the bytes too. */
static void received(const char *what, ssize_t result, int error, const char *buffer, size_t size) {
    if (result < 0) say("  %s: -1 %s\n", what, errno_name(error));
    else say("  %s: %zd \"%s\"\n", what, result, text_of(buffer, (size_t)result < size ? (size_t)result : size));
}

/* ---- the calls, one helper each ---- */

static void do_send(const char *label, int fd, const char *text, int flags) {
    char what[160];
    snprintf(what, sizeof what, "send %s \"%s\" %s", label, text_of(text, strlen(text)), msg_flag_names(flags));
    int before = sigpipes;
    ssize_t result = send(fd, text, strlen(text), flags);
    outcome(what, result, errno, before);
}

static void do_recv(const char *label, int fd, size_t size, int flags) {
    char buffer[300], what[160];
    if (size > sizeof buffer) size = sizeof buffer;
    snprintf(what, sizeof what, "recv %s %zu %s", label, size, msg_flag_names(flags));
    ssize_t result = recv(fd, buffer, size, flags);
    received(what, result, errno, buffer, size);
}

static void do_write(const char *label, int fd, const char *text) {
    char what[160];
    snprintf(what, sizeof what, "write %s \"%s\"", label, text_of(text, strlen(text)));
    int before = sigpipes;
    ssize_t result = write(fd, text, strlen(text));
    outcome(what, result, errno, before);
}

static void do_read(const char *label, int fd, size_t size) {
    char buffer[300], what[160];
    if (size > sizeof buffer) size = sizeof buffer;
    snprintf(what, sizeof what, "read %s %zu", label, size);
    ssize_t result = read(fd, buffer, size);
    received(what, result, errno, buffer, size);
}

static void do_sendto(const char *label, int fd, const char *text, int flags, const void *address,
                      socklen_t length, const char *address_name) {
    char what[200];
    snprintf(what, sizeof what, "sendto %s \"%s\" %s to %s len %u", label, text_of(text, strlen(text)),
             msg_flag_names(flags), address_name, (unsigned)length);
    int before = sigpipes;
    ssize_t result = sendto(fd, text, strlen(text), flags, address, length);
    outcome(what, result, errno, before);
}

/* An address as the transcript shows it: its length and the bytes after the family. */
static const char *address_text(const struct sockaddr_un *address, socklen_t length, socklen_t room) {
    static char text[4][4 * sizeof address->sun_path + 64];
    static int next;
    char *out = text[next++ % 4];
    socklen_t family = (socklen_t)offsetof(struct sockaddr_un, sun_path);
    socklen_t copied = length < room ? length : room;
    const char *family_name = copied < sizeof(sa_family_t) ? "-" : address->sun_family == AF_UNIX ? "AF_UNIX"
                              : address->sun_family == 0x7777 ? "untouched" : "other";
    snprintf(out, sizeof text[0], "namelen %u family %s \"%s\"", (unsigned)length, family_name,
             text_of(address->sun_path, copied > family ? copied - family : 0));
    return out;
}

/* recvfrom with an address buffer of ROOM bytes. ROOM_NULL 1: the addrlen pointer is NULL;
 * 2: the address pointer too. */
static void do_recvfrom(const char *label, int fd, size_t size, int flags, socklen_t room, int room_null) {
    char buffer[300];
    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    address.sun_family = 0x7777;
    memset(address.sun_path, '~', sizeof address.sun_path);
    socklen_t length = room;
    if (size > sizeof buffer) size = sizeof buffer;
    ssize_t result = recvfrom(fd, buffer, size, flags, room_null == 2 ? NULL : (struct sockaddr *)&address,
                              room_null ? NULL : &length);
    int error = errno;
    char what[200];
    if (room_null == 2) snprintf(what, sizeof what, "recvfrom %s %zu %s address NULL addrlen NULL", label, size,
                                 msg_flag_names(flags));
    else if (room_null) snprintf(what, sizeof what, "recvfrom %s %zu %s addrlen NULL", label, size, msg_flag_names(flags));
    else snprintf(what, sizeof what, "recvfrom %s %zu %s addrlen %d", label, size, msg_flag_names(flags), (int)room);
    if (result < 0) {
        say("  %s: -1 %s\n", what, errno_name(error));
        return;
    }
    say("  %s: %zd \"%s\"%s%s\n", what, result, text_of(buffer, (size_t)result < size ? (size_t)result : size),
        room_null ? "" : " ", room_null ? "" : address_text(&address, length, room));
}

/* recvmsg into one buffer of SIZE bytes, with a name buffer of NAMELEN bytes if NAMED. */
static ssize_t do_recvmsg(const char *label, int fd, size_t size, int flags, int named, socklen_t namelen) {
    char buffer[300];
    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    address.sun_family = 0x7777;
    if (size > sizeof buffer) size = sizeof buffer;
    struct iovec iov = {.iov_base = buffer, .iov_len = size};
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1};
    if (named) {
        message.msg_name = &address;
        message.msg_namelen = namelen;
    }
    message.msg_flags = -1;
    ssize_t result = recvmsg(fd, &message, flags);
    char what[200];
    if (named) snprintf(what, sizeof what, "recvmsg %s %zu %s namelen %u", label, size, msg_flag_names(flags),
                        (unsigned)namelen);
    else snprintf(what, sizeof what, "recvmsg %s %zu %s", label, size, msg_flag_names(flags));
    if (result < 0) {
        say("  %s: -1 %s\n", what, errno_name(errno));
        return result;
    }
    say("  %s: %zd \"%s\" msg_flags %s%s%s\n", what, result,
        text_of(buffer, (size_t)result < size ? (size_t)result : size), msg_flag_names(message.msg_flags),
        named ? " " : "", named ? address_text(&address, message.msg_namelen, namelen) : "");
    return result;
}

/* Receives until EAGAIN (at most 12 times): what is left queued on FD. */
static void drain(const char *label, int fd) {
    for (int i = 0; i < 12; i++)
        if (do_recvmsg(label, fd, 64, MSG_DONTWAIT, 0, 0) < 0) break;
}

static void show_ioctl(const char *label, int fd, unsigned long request, const char *request_name, int written) {
    int value = -1;
    if (ioctl(fd, request, &value) < 0) {
        say("  %s %s: -1 %s\n", request_name, label, errno_name(errno));
        return;
    }
    if (request == SIOCOUTQ && value > 0) {
        /* SIOCOUTQ counts the memory of unread skbs (net/unix/af_unix.c: unix_outq_len),
         * which depends on slab sizes, not only on the bytes. */
        say("  %s %s: %s the %d bytes written\n", request_name, label, value >= written ? "at least" : "less than",
            written);
        return;
    }
    say("  %s %s: %d\n", request_name, label, value);
}

static void so_error(const char *label, int fd) {
    int value = -1;
    socklen_t length = sizeof value;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) < 0)
        say("  SO_ERROR %s: -1 %s\n", label, errno_name(errno));
    else say("  SO_ERROR %s: %s\n", label, errno_name(value));
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

static void each_call(struct unix_conn *c) {
    section(c, "each call once");
    do_send("a", c->a, "send", 0);
    do_recv("b", c->b, 64, 0);
    do_sendto("b", c->b, "sendto", 0, NULL, 0, "NULL");
    do_recvfrom("a", c->a, 64, 0, 0, 2);
    do_write("a", c->a, "write");
    do_read("b", c->b, 64);

    struct iovec out[3] = {{"sendmsg ", 8}, {"in ", 3}, {"three", 5}};
    struct msghdr message = {.msg_iov = out, .msg_iovlen = 3};
    ssize_t result = sendmsg(c->a, &message, 0);
    OUTCOME("sendmsg a 3 iovecs \"sendmsg in three\"", result);
    char first[4], second[5], third[64];
    struct iovec in[3] = {{first, sizeof first}, {second, sizeof second}, {third, sizeof third}};
    struct msghdr incoming = {.msg_iov = in, .msg_iovlen = 3};
    result = recvmsg(c->b, &incoming, 0);
    if (result < 0) say("  recvmsg b iovecs 4+5+64: -1 %s\n", errno_name(errno));
    else {
        size_t n = (size_t)result;
        size_t n1 = n < 4 ? n : 4, n2 = n - n1 < 5 ? n - n1 : 5, n3 = n - n1 - n2;
        say("  recvmsg b iovecs 4+5+64: %zd \"%s\" \"%s\" \"%s\" msg_flags %s\n", result, text_of(first, n1),
            text_of(second, n2), text_of(third, n3), msg_flag_names(incoming.msg_flags));
    }

    struct iovec wv[3] = {{"wri", 3}, {"", 0}, {"tev", 3}};
    result = writev(c->b, wv, 3);
    OUTCOME("writev b \"wri\" \"\" \"tev\"", result);
    char r1[2], r2[64];
    struct iovec rv[2] = {{r1, sizeof r1}, {r2, sizeof r2}};
    result = readv(c->a, rv, 2);
    if (result < 0) say("  readv a 2+64: -1 %s\n", errno_name(errno));
    else {
        size_t n = (size_t)result, n1 = n < 2 ? n : 2;
        say("  readv a 2+64: %zd \"%s\" \"%s\"\n", result, text_of(r1, n1), text_of(r2, n - n1));
    }

    struct iovec mv[3] = {{"one", 3}, {"two", 3}, {"three", 5}};
    struct mmsghdr mm[3];
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < 3; i++) {
        mm[i].msg_hdr.msg_iov = &mv[i];
        mm[i].msg_hdr.msg_iovlen = 1;
        mm[i].msg_len = 12345;
    }
    int count = sendmmsg(c->a, mm, 3, 0);
    OUTCOME("sendmmsg a one two three", count);
    for (int i = 0; i < 3; i++) say("    msg_len[%d] %u\n", i, mm[i].msg_len);

    char buffers[4][64];
    struct iovec riov[4];
    struct mmsghdr rm[4];
    memset(rm, 0, sizeof rm);
    for (int i = 0; i < 4; i++) {
        riov[i].iov_base = buffers[i];
        riov[i].iov_len = sizeof buffers[i];
        rm[i].msg_hdr.msg_iov = &riov[i];
        rm[i].msg_hdr.msg_iovlen = 1;
        rm[i].msg_len = 12345;
    }
    count = recvmmsg(c->b, rm, 4, MSG_DONTWAIT, NULL);
    if (count < 0) say("  recvmmsg b 4 MSG_DONTWAIT: -1 %s\n", errno_name(errno));
    else {
        say("  recvmmsg b 4 MSG_DONTWAIT: %d\n", count);
        for (int i = 0; i < 4; i++)
            say("    [%d] msg_len %u \"%s\" msg_flags %s\n", i, rm[i].msg_len,
                i < count ? text_of(buffers[i], rm[i].msg_len) : "-", i < count ? msg_flag_names(rm[i].msg_hdr.msg_flags) : "-");
    }

    /* The sender's name as recvmmsg reports it, on a's side: b is the accepted end. */
    do_send("b", c->b, "p", 0);
    do_send("b", c->b, "q", 0);
    struct sockaddr_un from[4];
    memset(rm, 0, sizeof rm);
    for (int i = 0; i < 4; i++) {
        rm[i].msg_hdr.msg_iov = &riov[i];
        rm[i].msg_hdr.msg_iovlen = 1;
        rm[i].msg_hdr.msg_name = &from[i];
        rm[i].msg_hdr.msg_namelen = i == 1 ? 5 : sizeof from[i];
    }
    count = recvmmsg(c->a, rm, 4, MSG_DONTWAIT, NULL);
    if (count < 0) say("  recvmmsg a 4 with names: -1 %s\n", errno_name(errno));
    else {
        say("  recvmmsg a 4 with names: %d\n", count);
        for (int i = 0; i < count; i++) {
            socklen_t shown = rm[i].msg_hdr.msg_namelen < (i == 1 ? 5 : sizeof from[i])
                                  ? rm[i].msg_hdr.msg_namelen : (i == 1 ? 5 : sizeof from[i]);
            say("    [%d] msg_len %u namelen %u name \"%s\"\n", i, rm[i].msg_len, rm[i].msg_hdr.msg_namelen,
                shown > 2 ? text_of(from[i].sun_path, shown - 2) : "");
        }
    }

    do_send("a", c->a, "x", 0);
    do_send("a", c->a, "y", 0);
    memset(rm, 0, sizeof rm);
    for (int i = 0; i < 4; i++) {
        rm[i].msg_hdr.msg_iov = &riov[i];
        rm[i].msg_hdr.msg_iovlen = 1;
    }
    count = recvmmsg(c->b, rm, 4, MSG_WAITFORONE, NULL);
    if (count < 0) say("  recvmmsg b 4 MSG_WAITFORONE: -1 %s\n", errno_name(errno));
    else {
        say("  recvmmsg b 4 MSG_WAITFORONE: %d\n", count);
        for (int i = 0; i < count; i++) say("    [%d] msg_len %u \"%s\"\n", i, rm[i].msg_len, text_of(buffers[i], rm[i].msg_len));
    }
    count = sendmmsg(c->a, mm, 0, 0);
    OUTCOME("sendmmsg a vlen 0", count);
    count = recvmmsg(c->b, rm, 0, MSG_DONTWAIT, NULL);
    OUTCOME("recvmmsg b vlen 0 MSG_DONTWAIT", count);
    drain("b", c->b);
}

static void source_address(struct unix_conn *c) {
    /* A receive reports the sending socket's own name (net/unix/af_unix.c: unix_copy_addr);
     * an unnamed sender gives namelen 0. */
    section(c, "source addresses on a connected pair");
    socklen_t full = sizeof(struct sockaddr_un);
    do_send("a", c->a, "from a", 0);
    do_recvfrom("b", c->b, 64, 0, full, 0);
    do_send("b", c->b, "from b", 0);
    do_recvfrom("a", c->a, 64, 0, full, 0);
    do_send("b", c->b, "from b", 0);
    do_recvmsg("a", c->a, 64, 0, 1, full);
    do_send("a", c->a, "from a", 0);
    do_recvmsg("b", c->b, 64, 0, 1, full);

    say("== short address buffers\n");
    socklen_t rooms[] = {0, 1, 2, 4, 8};
    for (size_t i = 0; i < sizeof rooms / sizeof rooms[0]; i++) {
        do_send("b", c->b, "short", 0);
        do_recvfrom("a", c->a, 64, 0, rooms[i], 0);
    }
    do_send("b", c->b, "short", 0);
    do_recvmsg("a", c->a, 64, 0, 1, 0);
    do_send("b", c->b, "short", 0);
    do_recvmsg("a", c->a, 64, 0, 1, 5);

    /* An address that cannot be written back fails the call after the data was taken
     * (net/socket.c: __sys_recvfrom, move_addr_to_user). */
    say("== address buffers that cannot be used\n");
    do_send("b", c->b, "lost?", 0);
    do_recvfrom("a", c->a, 3, 0, full, 1);
    do_recv("a", c->a, 64, MSG_DONTWAIT);
    do_send("b", c->b, "negative", 0);
    do_recvfrom("a", c->a, 3, 0, (socklen_t)-1, 0);
    do_recv("a", c->a, 64, MSG_DONTWAIT);
    do_send("b", c->b, "bad address", 0);
    socklen_t length = full;
    char buffer[64];
    ssize_t result = recvfrom(c->a, buffer, 3, 0, bad, &length);
    received("recvfrom a 3 address 0x1", result, errno, buffer, 3);
    do_recv("a", c->a, 64, MSG_DONTWAIT);
    do_send("b", c->b, "bad addrlen", 0);
    struct sockaddr_un address;
    result = recvfrom(c->a, buffer, 3, 0, (struct sockaddr *)&address, bad);
    received("recvfrom a 3 addrlen 0x1", result, errno, buffer, 3);
    do_recv("a", c->a, 64, MSG_DONTWAIT);
}

static void peeking(struct unix_conn *c) {
    section(c, "MSG_PEEK and SO_PEEK_OFF");
    do_send("a", c->a, "peekaboo", 0);
    do_send("a", c->a, "second", 0);
    do_recv("b", c->b, 4, MSG_PEEK);
    do_recv("b", c->b, 64, MSG_PEEK);
    do_recvfrom("b", c->b, 64, MSG_PEEK, sizeof(struct sockaddr_un), 0);
    do_recvmsg("b", c->b, 2, MSG_PEEK, 0, 0);
    do_recv("b", c->b, 64, 0);
    do_recv("b", c->b, 64, MSG_PEEK | MSG_DONTWAIT);
    do_recv("b", c->b, 64, MSG_DONTWAIT);

    int value = -12345;
    socklen_t length = sizeof value;
    if (getsockopt(c->b, SOL_SOCKET, SO_PEEK_OFF, &value, &length) < 0)
        say("  getsockopt b SO_PEEK_OFF: -1 %s\n", errno_name(errno));
    else say("  getsockopt b SO_PEEK_OFF: %d\n", value);
    value = 0;
    report("  setsockopt b SO_PEEK_OFF 0", setsockopt(c->b, SOL_SOCKET, SO_PEEK_OFF, &value, sizeof value));
    do_send("a", c->a, "abcdef", 0);
    do_send("a", c->a, "ghij", 0);
    do_recv("b", c->b, 3, MSG_PEEK);
    do_recv("b", c->b, 3, MSG_PEEK);
    do_recv("b", c->b, 3, MSG_PEEK);
    length = sizeof value;
    if (getsockopt(c->b, SOL_SOCKET, SO_PEEK_OFF, &value, &length) == 0)
        say("  getsockopt b SO_PEEK_OFF: %d\n", value);
    do_recv("b", c->b, 2, 0);
    length = sizeof value;
    if (getsockopt(c->b, SOL_SOCKET, SO_PEEK_OFF, &value, &length) == 0)
        say("  getsockopt b SO_PEEK_OFF: %d\n", value);
    do_recv("b", c->b, 64, MSG_PEEK);
    value = -1;
    report("  setsockopt b SO_PEEK_OFF -1", setsockopt(c->b, SOL_SOCKET, SO_PEEK_OFF, &value, sizeof value));
    do_recv("b", c->b, 64, MSG_PEEK);
    drain("b", c->b);
}

static void dontwait(struct unix_conn *c) {
    section(c, "nothing to read: MSG_DONTWAIT and O_NONBLOCK");
    do_recv("b", c->b, 64, MSG_DONTWAIT);
    do_recvfrom("b", c->b, 64, MSG_DONTWAIT, sizeof(struct sockaddr_un), 0);
    do_recvmsg("b", c->b, 64, MSG_DONTWAIT, 1, sizeof(struct sockaddr_un));
    char buffer[16];
    struct iovec iov = {buffer, sizeof buffer};
    struct mmsghdr mm = {.msg_hdr = {.msg_iov = &iov, .msg_iovlen = 1}};
    OUTCOME("recvmmsg b 1 MSG_DONTWAIT", recvmmsg(c->b, &mm, 1, MSG_DONTWAIT, NULL));
    int flags = fcntl(c->b, F_GETFL);
    report("  fcntl b O_NONBLOCK", fcntl(c->b, F_SETFL, flags | O_NONBLOCK));
    do_read("b", c->b, 64);
    OUTCOME("readv b 16", readv(c->b, &iov, 1));
    do_recv("b", c->b, 64, 0);
    do_recv("b", c->b, 64, MSG_WAITALL);
    fcntl(c->b, F_SETFL, flags);
    do_send("a", c->a, "now", MSG_DONTWAIT);
    do_recv("b", c->b, 64, MSG_DONTWAIT);
}

/* The child writes the pieces with a pause between them; the parent's MSG_WAITALL receive
 * waits for them all (a stream) or returns the first message (a seqpacket). The child exits
 * only after the parent's receive returned: a traced process receives even an ignored
 * SIGCHLD, and a signal ends MSG_WAITALL early with what it has. */
static void waitall_run(struct unix_conn *c, const char *const *pieces, int count, size_t size, int use_recvmsg) {
    int go[2], done[2];
    if (pipe2(go, O_CLOEXEC) < 0 || pipe2(done, O_CLOEXEC) < 0) {
        say("  pipe: -1 %s\n", errno_name(errno));
        return;
    }
    pid_t child = fork();
    if (child < 0) {
        say("  fork: -1 %s\n", errno_name(errno));
        return;
    }
    if (child == 0) {
        close(c->b);
        char token;
        if (read(go[0], &token, 1) != 1) _exit(3);
        for (int i = 0; i < count; i++) {
            if (i > 0) usleep(30 * 1000);
            if (write(c->a, pieces[i], strlen(pieces[i])) != (ssize_t)strlen(pieces[i])) _exit(4);
        }
        if (read(done[0], &token, 1) != 1) _exit(5);
        _exit(0);
    }
    close(go[0]);
    close(done[0]);
    if (write(go[1], "g", 1) != 1) say("  handshake write failed\n");
    if (use_recvmsg) {
        char left[6], right[64];
        struct iovec iov[2] = {{left, sizeof left}, {right, size - sizeof left}};
        struct msghdr message = {.msg_iov = iov, .msg_iovlen = 2};
        ssize_t result = recvmsg(c->b, &message, MSG_WAITALL);
        if (result < 0) say("  recvmsg b 6+%zu MSG_WAITALL: -1 %s\n", size - sizeof left, errno_name(errno));
        else {
            size_t n = (size_t)result, n1 = n < 6 ? n : 6;
            say("  recvmsg b 6+%zu MSG_WAITALL: %zd \"%s\" \"%s\" msg_flags %s\n", size - sizeof left, result,
                text_of(left, n1), text_of(right, n - n1), msg_flag_names(message.msg_flags));
        }
    } else {
        do_recv("b", c->b, size, MSG_WAITALL);
    }
    if (write(done[1], "d", 1) != 1) say("  handshake write failed\n");
    close(go[1]);
    close(done[1]);
    int status = 0;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) say("  child ended abnormally (status 0x%x)\n", (unsigned)status);
    drain("b", c->b);
}

static void waitall(struct unix_conn *c) {
    static const char *const pieces[] = {"abcd", "efgh", "ijkl"};
    section(c, "MSG_WAITALL: three pieces from a child");
    waitall_run(c, pieces, 3, 12, 0);
    section(c, "MSG_WAITALL: recvmsg into two iovecs");
    waitall_run(c, pieces, 3, 12, 1);
    section(c, "MSG_WAITALL: asking less than is sent");
    waitall_run(c, pieces, 3, 6, 0);

    section(c, "MSG_WAITALL with MSG_DONTWAIT, and MSG_WAITALL with data queued");
    do_send("a", c->a, "abcd", 0);
    do_recv("b", c->b, 8, MSG_WAITALL | MSG_DONTWAIT);
    do_send("a", c->a, "abcd", 0);
    do_send("a", c->a, "efgh", 0);
    do_recv("b", c->b, 6, MSG_WAITALL);
    drain("b", c->b);
}

static void truncation(struct unix_conn *c) {
    section(c, "short buffers and MSG_TRUNC");
    do_send("a", c->a, "abcdefgh", 0);
    do_send("a", c->a, "ijkl", 0);
    do_recvmsg("b", c->b, 3, 0, 0, 0);
    drain("b", c->b);

    say("== MSG_TRUNC as a receive flag\n");
    do_send("a", c->a, "abcdefgh", 0);
    do_send("a", c->a, "ijkl", 0);
    do_send("a", c->a, "mnop", 0);
    do_recv("b", c->b, 3, MSG_TRUNC);
    do_recvmsg("b", c->b, 2, MSG_TRUNC, 0, 0);
    do_recvfrom("b", c->b, 1, MSG_TRUNC, sizeof(struct sockaddr_un), 0);
    drain("b", c->b);

    say("== the length of the next message without reading it\n");
    do_send("a", c->a, "0123456789", 0);
    OUTCOME("recv b NULL 0 MSG_PEEK|MSG_TRUNC", recv(c->b, NULL, 0, MSG_PEEK | MSG_TRUNC));
    OUTCOME("recv b NULL 0 MSG_TRUNC|MSG_DONTWAIT", recv(c->b, NULL, 0, MSG_TRUNC | MSG_DONTWAIT));
    drain("b", c->b);

    say("== readv and recvmmsg with short buffers\n");
    do_send("a", c->a, "abcdefgh", 0);
    do_send("a", c->a, "ijkl", 0);
    char r1[2], r2[3];
    struct iovec rv[2] = {{r1, sizeof r1}, {r2, sizeof r2}};
    ssize_t result = readv(c->b, rv, 2);
    if (result < 0) say("  readv b 2+3: -1 %s\n", errno_name(errno));
    else {
        size_t n = (size_t)result, n1 = n < 2 ? n : 2;
        say("  readv b 2+3: %zd \"%s\" \"%s\"\n", result, text_of(r1, n1), text_of(r2, n - n1));
    }
    do_send("a", c->a, "mnopqr", 0);
    char buffers[3][3];
    struct iovec iov[3];
    struct mmsghdr mm[3];
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < 3; i++) {
        iov[i].iov_base = buffers[i];
        iov[i].iov_len = sizeof buffers[i];
        mm[i].msg_hdr.msg_iov = &iov[i];
        mm[i].msg_hdr.msg_iovlen = 1;
    }
    int count = recvmmsg(c->b, mm, 3, MSG_DONTWAIT, NULL);
    if (count < 0) say("  recvmmsg b 3x3 MSG_DONTWAIT: -1 %s\n", errno_name(errno));
    else {
        say("  recvmmsg b 3x3 MSG_DONTWAIT: %d\n", count);
        for (int i = 0; i < count; i++)
            say("    [%d] msg_len %u \"%s\" msg_flags %s\n", i, mm[i].msg_len,
                text_of(buffers[i], mm[i].msg_len < 3 ? mm[i].msg_len : 3), msg_flag_names(mm[i].msg_hdr.msg_flags));
    }
    drain("b", c->b);
}

static void boundaries(struct unix_conn *c) {
    section(c, "message boundaries");
    /* Nonblocking: a stream has run dry where a seqpacket socket still holds messages. */
    fcntl(c->b, F_SETFL, fcntl(c->b, F_GETFL) | O_NONBLOCK);
    do_send("a", c->a, "one", 0);
    do_write("a", c->a, "two");
    struct iovec two[2] = {{"thr", 3}, {"ee", 2}};
    OUTCOME("writev a \"thr\" \"ee\"", writev(c->a, two, 2));
    do_sendto("a", c->a, "four", 0, NULL, 0, "NULL");
    do_read("b", c->b, 64);
    char big[64];
    struct iovec iov[2] = {{big, 2}, {big + 2, 62}};
    ssize_t result = readv(c->b, iov, 2);
    received("readv b 2+62", result, errno, big, sizeof big);
    drain("b", c->b);
}

static void queue_lengths(struct unix_conn *c) {
    section(c, "FIONREAD, SIOCINQ and SIOCOUTQ");
    show_ioctl("b", c->b, FIONREAD, "FIONREAD", 0);
    show_ioctl("a", c->a, SIOCOUTQ, "SIOCOUTQ", 0);
    char data[100];
    memset(data, 'x', sizeof data);
    report("  send a 10 bytes", send(c->a, data, 10, 0));
    show_ioctl("b", c->b, FIONREAD, "FIONREAD", 0);
    report("  send a 20 bytes", send(c->a, data, 20, 0));
    report("  send a 0 bytes", send(c->a, data, 0, 0));
    show_ioctl("b", c->b, FIONREAD, "FIONREAD", 0);
    show_ioctl("b", c->b, SIOCINQ, "SIOCINQ", 0);
    show_ioctl("a", c->a, SIOCOUTQ, "SIOCOUTQ", 30);
    show_ioctl("a", c->a, FIONREAD, "FIONREAD", 0);
    show_ioctl("b", c->b, SIOCOUTQ, "SIOCOUTQ", 0);
    char buffer[64];
    report("  recv b 4", recv(c->b, buffer, 4, 0));
    show_ioctl("b", c->b, FIONREAD, "FIONREAD", 0);
    report("  recv b 64", recv(c->b, buffer, 64, MSG_DONTWAIT));
    show_ioctl("b", c->b, FIONREAD, "FIONREAD", 0);
    report("  recv b 64", recv(c->b, buffer, 64, MSG_DONTWAIT));
    show_ioctl("b", c->b, FIONREAD, "FIONREAD", 0);
    show_ioctl("a", c->a, SIOCOUTQ, "SIOCOUTQ", 0);
    report("  recv b 64", recv(c->b, buffer, 64, MSG_DONTWAIT));
    show_ioctl("b", c->b, FIONREAD, "FIONREAD", 0);
    report("  ioctl b FIONREAD 0x1", ioctl(c->b, FIONREAD, bad));
    report("  ioctl b SIOCOUTQ 0x1", ioctl(c->b, SIOCOUTQ, bad));
    report("  ioctl b 0x89ff", ioctl(c->b, 0x89ff, buffer));
}

static void addresses_on_connected(struct unix_conn *c) {
    /* A stream socket refuses an address once connected (EISCONN); a seqpacket socket
     * ignores it (net/unix/af_unix.c: unix_stream_sendmsg, unix_seqpacket_sendmsg). */
    section(c, "sendto with an address on a connected socket");
    struct sockaddr_un own;
    socklen_t own_length = sizeof own;
    memset(&own, 0, sizeof own);
    if (c->listener >= 0) {
        getsockname(c->listener, (struct sockaddr *)&own, &own_length);
        do_sendto("a", c->a, "to the listener", 0, &own, own_length, "the listener's name");
    }
    struct sockaddr_un missing = {.sun_family = AF_UNIX};
    snprintf(missing.sun_path, sizeof missing.sun_path, "%s-missing.sock", PROBE);
    do_sendto("a", c->a, "to a missing path", 0, &missing, sizeof missing, "a missing path");
    struct sockaddr_un abstract = {.sun_family = AF_UNIX};
    memcpy(abstract.sun_path, "\0jvisor-io-nobody", 17);
    do_sendto("a", c->a, "to a missing abstract name", 0, &abstract,
              (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 17), "a missing abstract name");
    struct sockaddr_un family_only = {.sun_family = AF_UNIX};
    do_sendto("a", c->a, "family only", 0, &family_only, sizeof(sa_family_t), "AF_UNIX only");
    struct sockaddr_in inet = {.sin_family = AF_INET, .sin_port = htons(9)};
    do_sendto("a", c->a, "inet", 0, &inet, sizeof inet, "an AF_INET address");
    do_sendto("a", c->a, "length 0", 0, &missing, 0, "a missing path");
    do_sendto("a", c->a, "length 1", 0, &missing, 1, "a missing path");
    do_sendto("a", c->a, "too long", 0, &missing, 200, "a missing path");
    do_sendto("a", c->a, "negative", 0, &missing, (socklen_t)-1, "a missing path");
    do_sendto("a", c->a, "bad pointer", 0, bad, sizeof missing, "0x1");
    do_sendto("a", c->a, "NULL with length", 0, NULL, sizeof missing, "NULL");
    struct iovec iov = {"sendmsg with a name", 19};
    struct msghdr message = {.msg_name = &missing, .msg_namelen = sizeof missing, .msg_iov = &iov, .msg_iovlen = 1};
    OUTCOME("sendmsg a \"sendmsg with a name\" to a missing path", sendmsg(c->a, &message, 0));
    drain("b", c->b);

    say("== data calls on an unconnected socket\n");
    int lone = socket(AF_UNIX, kind->type | SOCK_CLOEXEC, 0);
    do_send("unconnected", lone, "x", MSG_NOSIGNAL);
    do_sendto("unconnected", lone, "x", MSG_NOSIGNAL, &missing, sizeof missing, "a missing path");
    do_sendto("unconnected", lone, "x", MSG_NOSIGNAL, &abstract, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 17),
              "a missing abstract name");
    if (c->listener >= 0)
        do_sendto("unconnected", lone, "x", MSG_NOSIGNAL, &own, own_length, "the listener's name");
    do_write("unconnected", lone, "x");
    do_recv("unconnected", lone, 64, MSG_DONTWAIT);
    do_read("unconnected", lone, 64);
    do_recvfrom("unconnected", lone, 64, MSG_DONTWAIT, sizeof(struct sockaddr_un), 0);
    close(lone);
    if (c->listener >= 0) {
        say("== data calls on the listener\n");
        do_send("listener", c->listener, "x", MSG_NOSIGNAL);
        do_sendto("listener", c->listener, "x", MSG_NOSIGNAL, &own, own_length, "its own name");
        do_recv("listener", c->listener, 64, MSG_DONTWAIT);
        do_read("listener", c->listener, 64);
    }
}

static void zero_length(struct unix_conn *c) {
    /* send() of nothing queues an empty message on a seqpacket socket; write() of nothing
     * returns 0 without reaching the protocol (net/socket.c: sock_write_iter). */
    section(c, "zero-length sends");
    /* After each call, whether it queued a message (an empty one reads as 0, none as EAGAIN). */
    do_send("a", c->a, "", 0);
    do_recvmsg("b", c->b, 64, MSG_DONTWAIT, 0, 0);
    do_sendto("a", c->a, "", 0, NULL, 0, "NULL");
    do_recvmsg("b", c->b, 64, MSG_DONTWAIT, 0, 0);
    struct iovec empty = {"", 0};
    struct msghdr message = {.msg_iov = &empty, .msg_iovlen = 1};
    OUTCOME("sendmsg a one empty iovec", sendmsg(c->a, &message, 0));
    do_recvmsg("b", c->b, 64, MSG_DONTWAIT, 0, 0);
    message.msg_iovlen = 0;
    message.msg_iov = NULL;
    OUTCOME("sendmsg a no iovecs", sendmsg(c->a, &message, 0));
    do_recvmsg("b", c->b, 64, MSG_DONTWAIT, 0, 0);
    struct mmsghdr mm = {.msg_hdr = {.msg_iov = &empty, .msg_iovlen = 1}};
    OUTCOME("sendmmsg a one empty message", sendmmsg(c->a, &mm, 1, 0));
    say("    msg_len %u\n", mm.msg_len);
    do_recvmsg("b", c->b, 64, MSG_DONTWAIT, 0, 0);
    do_write("a", c->a, "");
    do_recvmsg("b", c->b, 64, MSG_DONTWAIT, 0, 0);
    OUTCOME("writev a one empty iovec", writev(c->a, &empty, 1));
    do_recvmsg("b", c->b, 64, MSG_DONTWAIT, 0, 0);
    OUTCOME("writev a no iovecs", writev(c->a, NULL, 0));
    do_recvmsg("b", c->b, 64, MSG_DONTWAIT, 0, 0);
    OUTCOME("send a NULL 0", send(c->a, NULL, 0, 0));
    do_recvmsg("b", c->b, 64, MSG_DONTWAIT, 0, 0);
    do_send("a", c->a, "", 0);
    do_send("a", c->a, "", 0);
    show_ioctl("b", c->b, FIONREAD, "FIONREAD", 0);
    do_send("a", c->a, "end", 0);
    drain("b", c->b);

    say("== zero-length receives\n");
    do_send("a", c->a, "abc", 0);
    do_send("a", c->a, "def", 0);
    do_send("a", c->a, "ghi", 0);
    do_read("b", c->b, 0);
    do_recv("b", c->b, 0, MSG_DONTWAIT);
    do_recvmsg("b", c->b, 0, MSG_DONTWAIT, 0, 0);
    OUTCOME("readv b no iovecs", readv(c->b, NULL, 0));
    drain("b", c->b);
}

static void do_sends_after_close(int fd, const char *label) {
    do_send(label, fd, "send", 0);
    do_send(label, fd, "send", MSG_NOSIGNAL);
    do_sendto(label, fd, "sendto", 0, NULL, 0, "NULL");
    do_write(label, fd, "write");
    struct iovec iov = {"writev", 6};
    OUTCOME("writev", writev(fd, &iov, 1));
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1};
    OUTCOME("sendmsg", sendmsg(fd, &message, 0));
    OUTCOME("sendmsg MSG_NOSIGNAL", sendmsg(fd, &message, MSG_NOSIGNAL));
    struct mmsghdr mm[2] = {{.msg_hdr = message}, {.msg_hdr = message}};
    OUTCOME("sendmmsg 2", sendmmsg(fd, mm, 2, 0));
    OUTCOME("sendmmsg 2 MSG_NOSIGNAL", sendmmsg(fd, mm, 2, MSG_NOSIGNAL));
    do_send(label, fd, "", 0);
}

static void peer_closed(struct unix_conn *c) {
    section(c, "sending after the peer closed");
    say("  close b\n");
    close(c->b);
    c->b = -1;
    do_sends_after_close(c->a, "a");
    so_error("a", c->a);
    do_recv("a", c->a, 64, 0);

    section(c, "sending after shutdown(SHUT_WR)");
    report("  shutdown a SHUT_WR", shutdown(c->a, SHUT_WR));
    do_sends_after_close(c->a, "a");
    do_recv("b", c->b, 64, MSG_DONTWAIT);
    do_recv("b", c->b, 64, MSG_DONTWAIT);
}

static void bad_pointers(struct unix_conn *c) {
    section(c, "bad buffer pointers");
    OUTCOME("send a 0x1 4", send(c->a, bad, 4, 0));
    OUTCOME("write a 0x1 4", write(c->a, bad, 4));
    OUTCOME("sendto a 0x1 4", sendto(c->a, bad, 4, 0, NULL, 0));
    OUTCOME("send a 0x1 0", send(c->a, bad, 0, 0));
    show_ioctl("b", c->b, FIONREAD, "FIONREAD", 0);
    drain("b", c->b);

    /* A receive that cannot copy out: a stream keeps the data, a seqpacket socket has
     * already dequeued the message (net/unix/af_unix.c: __unix_dgram_recvmsg). */
    do_send("a", c->a, "kept?", 0);
    OUTCOME("recv b 0x1 64", recv(c->b, bad, 64, 0));
    drain("b", c->b);
    do_send("a", c->a, "kept?", 0);
    OUTCOME("read b 0x1 64", read(c->b, bad, 64));
    drain("b", c->b);
    do_send("a", c->a, "peeked", 0);
    OUTCOME("recv b 0x1 64 MSG_PEEK", recv(c->b, bad, 64, MSG_PEEK));
    drain("b", c->b);

    say("== bad iovecs and message headers\n");
    char buffer[64];
    struct iovec good = {buffer, sizeof buffer};
    struct iovec bad_base = {bad, 8};
    /* Nonblocking, so that a call that did not fail at once cannot hang the probe. */
    int flags = fcntl(c->b, F_GETFL);
    fcntl(c->b, F_SETFL, flags | O_NONBLOCK);
    do_send("a", c->a, "header", 0);
    OUTCOME("recvmsg b msghdr 0x1", recvmsg(c->b, bad, 0));
    OUTCOME("sendmsg a msghdr 0x1", sendmsg(c->a, bad, 0));
    struct msghdr message = {.msg_iov = bad, .msg_iovlen = 1};
    OUTCOME("recvmsg b msg_iov 0x1", recvmsg(c->b, &message, 0));
    OUTCOME("sendmsg a msg_iov 0x1", sendmsg(c->a, &message, 0));
    message.msg_iov = NULL;
    OUTCOME("recvmsg b msg_iov NULL iovlen 1", recvmsg(c->b, &message, 0));
    message.msg_iov = &bad_base;
    OUTCOME("sendmsg a iov_base 0x1", sendmsg(c->a, &message, 0));
    OUTCOME("writev a iov_base 0x1", writev(c->a, &bad_base, 1));
    OUTCOME("readv b iov 0x1", readv(c->b, bad, 1));
    static struct iovec many[1025];
    for (int i = 0; i < 1025; i++) many[i] = good;
    volatile int too_many = 1025, minus_one = -1;
    message.msg_iov = many;
    message.msg_iovlen = 1025;
    OUTCOME("recvmsg b iovlen 1025", recvmsg(c->b, &message, 0));
    OUTCOME("sendmsg a iovlen 1025", sendmsg(c->a, &message, 0));
    OUTCOME("readv b iovcnt 1025", readv(c->b, many, too_many));
    OUTCOME("writev a iovcnt 1025", writev(c->a, many, too_many));
    OUTCOME("readv b iovcnt -1", readv(c->b, many, minus_one));
    OUTCOME("writev a iovcnt -1", writev(c->a, many, minus_one));
    OUTCOME("recvmmsg b 0x1", recvmmsg(c->b, bad, 1, 0, NULL));
    OUTCOME("sendmmsg a 0x1", sendmmsg(c->a, bad, 1, 0));
    drain("b", c->b);
    fcntl(c->b, F_SETFL, flags);

    say("== a buffer that ends at an unmapped page\n");
    long page = sysconf(_SC_PAGESIZE);
    char *pages = mmap(NULL, (size_t)(2 * page), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED) {
        say("  mmap: -1 %s\n", errno_name(errno));
        return;
    }
    mprotect(pages + page, (size_t)page, PROT_NONE);
    char *edge = pages + page - 6;
    memcpy(edge, "edge!!", 6);
    OUTCOME("send a 12 bytes, 6 of them readable", send(c->a, edge, 12, 0));
    OUTCOME("send a the 6 readable bytes", send(c->a, edge, 6, 0));
    do_send("a", c->a, "0123456789", 0);
    ssize_t result = recv(c->b, edge, 64, MSG_DONTWAIT);
    received("recv b into 6 writable bytes of 64", result, errno, edge, 6);
    result = recv(c->b, edge, 64, MSG_DONTWAIT);
    received("recv b into 6 writable bytes of 64", result, errno, edge, 6);
    drain("b", c->b);
    do_send("a", c->a, "abc", 0);
    do_send("a", c->a, "0123456789", 0);
    result = recv(c->b, edge, 64, MSG_DONTWAIT);
    received("recv b into 6 writable bytes of 64", result, errno, edge, 6);
    result = recv(c->b, edge, 64, MSG_DONTWAIT);
    received("recv b into 6 writable bytes of 64", result, errno, edge, 6);
    drain("b", c->b);

    say("== one bad entry in sendmmsg and recvmmsg\n");
    struct iovec parts[3] = {{"first", 5}, {bad, 6}, {"third", 5}};
    struct mmsghdr mm[3];
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < 3; i++) {
        mm[i].msg_hdr.msg_iov = &parts[i];
        mm[i].msg_hdr.msg_iovlen = 1;
    }
    OUTCOME("sendmmsg a first, 0x1, third", sendmmsg(c->a, mm, 3, 0));
    say("    msg_len %u %u %u\n", mm[0].msg_len, mm[1].msg_len, mm[2].msg_len);
    drain("b", c->b);
    do_send("a", c->a, "one", 0);
    do_send("a", c->a, "two", 0);
    do_send("a", c->a, "three", 0);
    char first[8], third[8];
    struct iovec into[3] = {{first, sizeof first}, {bad, 8}, {third, sizeof third}};
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < 3; i++) {
        mm[i].msg_hdr.msg_iov = &into[i];
        mm[i].msg_hdr.msg_iovlen = 1;
    }
    int count = recvmmsg(c->b, mm, 3, MSG_DONTWAIT, NULL);
    OUTCOME("recvmmsg b into first, 0x1, third", count);
    if (count > 0) say("    [0] msg_len %u \"%s\"\n", mm[0].msg_len, text_of(first, mm[0].msg_len < 8 ? mm[0].msg_len : 8));
    so_error("b", c->b);
    so_error("b", c->b);
    drain("b", c->b);
    munmap(pages, (size_t)(2 * page));
}

static void sizes(struct unix_conn *c) {
    /* A seqpacket message must fit in the sender's buffer (unix_dgram_sendmsg: EMSGSIZE
     * above sk_sndbuf - 32); a stream splits it. */
    section(c, "a message the size of the send buffer");
    int value = 4096;
    report("  setsockopt a SO_SNDBUF 4096", setsockopt(c->a, SOL_SOCKET, SO_SNDBUF, &value, sizeof value));
    socklen_t length = sizeof value;
    getsockopt(c->a, SOL_SOCKET, SO_SNDBUF, &value, &length);
    say("  getsockopt a SO_SNDBUF: %d\n", value);
    static char data[65536];
    memset(data, 'z', sizeof data);
    size_t lengths[] = {(size_t)value - 32, (size_t)value - 31, (size_t)value + 1};
    const char *names[] = {"SO_SNDBUF - 32", "SO_SNDBUF - 31", "SO_SNDBUF + 1"};
    size_t sent = 0;
    for (int i = 0; i < 3; i++) {
        ssize_t result = send(c->a, data, lengths[i], MSG_DONTWAIT);
        if (result < 0) say("  send a %s MSG_DONTWAIT: -1 %s\n", names[i], errno_name(errno));
        else {
            say("  send a %s MSG_DONTWAIT: %s\n", names[i], (size_t)result == lengths[i] ? "all of it" : "part of it");
            sent += (size_t)result;
        }
        char sink[65536];
        size_t got = 0;
        for (;;) {
            ssize_t n = recv(c->b, sink, sizeof sink, MSG_DONTWAIT);
            if (n <= 0) break;
            got += (size_t)n;
        }
        say("  received all that was sent: %d\n", got == sent);
        sent = 0;
    }

    /* do_sendmmsg: a message sent only in part ends the batch (a stream's full buffer). A
     * datagram socket of the process's own makes jvisor send the batch itself, message by
     * message (DatagramSends). */
    section(c, "a sendmmsg batch larger than the send buffer");
    int datagrams = socket(AF_UNIX, SOCK_DGRAM, 0);
    value = 4096;
    setsockopt(c->a, SOL_SOCKET, SO_SNDBUF, &value, sizeof value);
    /* The second message is empty: it would go even into a full buffer. */
    struct iovec iov[2] = {{data, sizeof data}, {data, 0}};
    struct mmsghdr batch[2];
    memset(batch, 0, sizeof batch);
    for (int i = 0; i < 2; i++) {
        batch[i].msg_hdr.msg_iov = &iov[i];
        batch[i].msg_hdr.msg_iovlen = 1;
    }
    int count = sendmmsg(c->a, batch, 2, MSG_DONTWAIT);
    if (count < 0) say("  sendmmsg a 64 KiB message and an empty one: -1 %s\n", errno_name(errno));
    else say("  sendmmsg a 64 KiB message and an empty one: %d, the first sent %s\n", count,
             batch[0].msg_len == iov[0].iov_len ? "whole" : "in part");
    char sink[65536];
    while (recv(c->b, sink, sizeof sink, MSG_DONTWAIT) > 0) {}
    close(datagrams);
}

static void oob(struct unix_conn *c) {
    section(c, "MSG_OOB");
    do_send("a", c->a, "abc", MSG_OOB);
    int mark = -1;
    if (ioctl(c->b, SIOCATMARK, &mark) < 0) say("  SIOCATMARK b: -1 %s\n", errno_name(errno));
    else say("  SIOCATMARK b: %d\n", mark);
    do_recv("b", c->b, 64, MSG_DONTWAIT);
    if (ioctl(c->b, SIOCATMARK, &mark) == 0) say("  SIOCATMARK b: %d\n", mark);
    do_recv("b", c->b, 64, MSG_OOB | MSG_DONTWAIT);
    do_recv("b", c->b, 64, MSG_OOB | MSG_DONTWAIT);
    do_recv("b", c->b, 64, MSG_DONTWAIT);

    say("== other flags\n");
    do_send("a", c->a, "eor", MSG_EOR);
    do_send("a", c->a, "more", MSG_MORE);
    do_send("a", c->a, "confirm", MSG_CONFIRM);
    do_recv("b", c->b, 64, MSG_ERRQUEUE | MSG_DONTWAIT);
    do_recvmsg("b", c->b, 64, MSG_DONTWAIT | MSG_CMSG_CLOEXEC, 0, 0);
    drain("b", c->b);
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
    each_call(&conn);
    source_address(&conn);
    peeking(&conn);
    dontwait(&conn);
    waitall(&conn);
    truncation(&conn);
    boundaries(&conn);
    queue_lengths(&conn);
    addresses_on_connected(&conn);
    zero_length(&conn);
    peer_closed(&conn);
    bad_pointers(&conn);
    sizes(&conn);
    oob(&conn);
    unix_kind_close(&conn);
    say("SIGPIPE total %d\n", (int)sigpipes);
    say("done\n");
    return 0;
}
