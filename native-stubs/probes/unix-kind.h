/*
 * A connected pair of AF_UNIX sockets of one kind, for probes that run once per kind:
 *
 *   stream-pair, seqpacket-pair           socketpair()
 *   stream-path, seqpacket-path           a listener bound to a relative path in the working
 *                                         directory, a client connected to it, the accepted socket
 *   stream-abstract, seqpacket-abstract   the same with the abstract name "jvisor-PROBE-KIND"
 *
 * End a is socketpair's first descriptor or the connecting client; end b is the second
 * descriptor or the accepted socket. The path name is "PROBE-KIND.sock"; it is unlinked
 * before binding and again when the pair is closed, so a run leaves no socket file behind.
 * Setup failures print a transcript line and exit 1: a probe cannot go on without its pair.
 */
#ifndef JVISOR_UNIX_KIND_H
#define JVISOR_UNIX_KIND_H

#include "probe.h"

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

enum unix_naming { UNIX_PAIR, UNIX_PATH, UNIX_ABSTRACT };

struct unix_kind {
    const char *name;
    int type;                 /* SOCK_STREAM or SOCK_SEQPACKET */
    enum unix_naming naming;
};

static const struct unix_kind unix_kinds[] = {
    {"stream-pair", SOCK_STREAM, UNIX_PAIR},
    {"seqpacket-pair", SOCK_SEQPACKET, UNIX_PAIR},
    {"stream-path", SOCK_STREAM, UNIX_PATH},
    {"seqpacket-path", SOCK_SEQPACKET, UNIX_PATH},
    {"stream-abstract", SOCK_STREAM, UNIX_ABSTRACT},
    {"seqpacket-abstract", SOCK_SEQPACKET, UNIX_ABSTRACT},
};

#define UNIX_KINDS (sizeof unix_kinds / sizeof unix_kinds[0])

struct unix_conn {
    const struct unix_kind *kind;
    int a, b;                 /* the two connected ends */
    int listener;             /* -1 for a socketpair */
    struct sockaddr_un address;   /* the listener's name (unused for a socketpair) */
    socklen_t address_length;
};

static inline const char *unix_type_name(int type) {
    switch (type) {
    case SOCK_STREAM: return "SOCK_STREAM";
    case SOCK_DGRAM: return "SOCK_DGRAM";
    case SOCK_SEQPACKET: return "SOCK_SEQPACKET";
    default: return "other-type";
    }
}

/* The kind named by argv[1]; prints the usage and exits 2 if there is none. */
static inline const struct unix_kind *unix_kind_from_args(int argc, char **argv) {
    if (argc == 2) {
        for (size_t i = 0; i < UNIX_KINDS; i++)
            if (strcmp(argv[1], unix_kinds[i].name) == 0) return &unix_kinds[i];
    }
    fprintf(stderr, "usage: %s KIND\nkinds:", argc > 0 ? argv[0] : "probe");
    for (size_t i = 0; i < UNIX_KINDS; i++) fprintf(stderr, " %s", unix_kinds[i].name);
    fprintf(stderr, "\n");
    exit(2);
}

/* The listener's name for this probe and kind: a relative path or an abstract name. */
static inline void unix_kind_address(const struct unix_kind *kind, const char *probe,
                                     struct sockaddr_un *address, socklen_t *length) {
    memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    size_t room = sizeof address->sun_path;
    if (kind->naming == UNIX_ABSTRACT) {
        /* Abstract: a leading NUL, and the name is exactly the addrlen bytes after it. */
        int n = snprintf(address->sun_path + 1, room - 1, "jvisor-%s-%s", probe, kind->name);
        size_t used = n < 0 ? 0 : (size_t)n < room - 1 ? (size_t)n : room - 2;
        *length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + used);
    } else {
        int n = snprintf(address->sun_path, room, "%s-%s.sock", probe, kind->name);
        size_t used = n < 0 ? 0 : (size_t)n < room ? (size_t)n : room - 1;
        *length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + used + 1);
    }
}

static inline int unix_kind_check(const char *what, int result) {
    if (result < 0) {
        say("setup %s: -1 %s\n", what, errno_name(errno));
        exit(1);
    }
    return result;
}

/* Removes the socket file of a path kind (nothing to do for the others). */
static inline void unix_kind_unlink(const struct unix_conn *conn) {
    if (conn->kind->naming == UNIX_PATH && conn->address.sun_path[0] != '\0')
        unlink(conn->address.sun_path);
}

/* Makes a connected pair of the kind; extra_flags (SOCK_CLOEXEC, SOCK_NONBLOCK) go to every
 * socket it creates. The listener stays open (listening, backlog 8) for the caller. */
static inline void unix_kind_connect(const struct unix_kind *kind, const char *probe, int extra_flags,
                                     struct unix_conn *conn) {
    memset(conn, 0, sizeof *conn);
    conn->kind = kind;
    conn->a = conn->b = conn->listener = -1;
    if (kind->naming == UNIX_PAIR) {
        int sv[2];
        unix_kind_check("socketpair", socketpair(AF_UNIX, kind->type | extra_flags, 0, sv));
        conn->a = sv[0];
        conn->b = sv[1];
        return;
    }
    unix_kind_address(kind, probe, &conn->address, &conn->address_length);
    unix_kind_unlink(conn);
    conn->listener = unix_kind_check("socket(listener)", socket(AF_UNIX, kind->type | extra_flags, 0));
    unix_kind_check("bind", bind(conn->listener, (struct sockaddr *)&conn->address, conn->address_length));
    unix_kind_check("listen", listen(conn->listener, 8));
    conn->a = unix_kind_check("socket(client)", socket(AF_UNIX, kind->type | extra_flags, 0));
    /* A connect to a listener with room in its backlog completes before accept
     * (net/unix/af_unix.c: unix_stream_connect queues the new socket on the listener). */
    unix_kind_check("connect", connect(conn->a, (struct sockaddr *)&conn->address, conn->address_length));
    conn->b = unix_kind_check("accept4", accept4(conn->listener, NULL, NULL, extra_flags));
}

/* Closes whatever of the pair and listener is still open (-1 marks a closed one) and
 * removes the socket file. */
static inline void unix_kind_close(struct unix_conn *conn) {
    if (conn->a >= 0) close(conn->a);
    if (conn->b >= 0) close(conn->b);
    if (conn->listener >= 0) close(conn->listener);
    conn->a = conn->b = conn->listener = -1;
    unix_kind_unlink(conn);
}

/* Sends the one byte BYTE on FD with COUNT (at most 8) descriptors in one SCM_RIGHTS message;
 * returns sendmsg's result. */
static inline ssize_t send_rights(int fd, char byte, const int *fds, int count) {
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union { char buffer[CMSG_SPACE(8 * sizeof(int))]; struct cmsghdr align; } control;
    memset(&control, 0, sizeof control);
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buffer,
                             .msg_controllen = CMSG_SPACE(count * sizeof(int))};
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(count * sizeof(int));
    memcpy(CMSG_DATA(cmsg), fds, count * sizeof(int));
    return sendmsg(fd, &message, 0);
}

/* The MSG_* flags in FLAGS as "MSG_PEEK|MSG_TRUNC" (unknown bits in hex, none as "0"), in one
 * of four rotating buffers so that a line can show several. */
static inline const char *msg_flag_names(int flags) {
    static const struct { int flag; const char *name; } names[] = {
        {MSG_OOB, "MSG_OOB"}, {MSG_PEEK, "MSG_PEEK"}, {MSG_CTRUNC, "MSG_CTRUNC"},
        {MSG_TRUNC, "MSG_TRUNC"}, {MSG_DONTWAIT, "MSG_DONTWAIT"}, {MSG_EOR, "MSG_EOR"},
        {MSG_WAITALL, "MSG_WAITALL"}, {MSG_NOSIGNAL, "MSG_NOSIGNAL"}, {MSG_ERRQUEUE, "MSG_ERRQUEUE"},
        {MSG_MORE, "MSG_MORE"}, {MSG_WAITFORONE, "MSG_WAITFORONE"}, {MSG_CMSG_CLOEXEC, "MSG_CMSG_CLOEXEC"},
    };
    static char text[4][200];
    static int next;
    char *out = text[next++ % 4];
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(flags & names[i].flag)) continue;
        used += (size_t)snprintf(out + used, sizeof text[0] - used, "%s%s", used ? "|" : "", names[i].name);
        flags &= ~names[i].flag;
    }
    if (flags) used += (size_t)snprintf(out + used, sizeof text[0] - used, "%s0x%x", used ? "|" : "", flags);
    if (!used) snprintf(out, sizeof text[0], "0");
    return out;
}

#endif
