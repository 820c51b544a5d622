/*
 * Helpers for the AF_UNIX SOCK_DGRAM probes, which run once per datagram kind:
 *
 *   dgram-pair       socketpair(AF_UNIX, SOCK_DGRAM): two unnamed ends connected to each other
 *   dgram-path       sockets bound to relative paths in the working directory,
 *                    "PROBE-KIND-SUFFIX.sock"
 *   dgram-abstract   sockets bound to abstract names, "\0jvisor-PROBE-KIND-SUFFIX"
 *
 * A name is made fresh the first time its suffix is used (its file unlinked) and every path
 * name used is unlinked again by dgram_remove_names, so a run leaves no socket file behind.
 * Addresses print as their bytes and length; an autobound name (a NUL and five hex digits,
 * different in every run) prints by its shape only.
 */
#ifndef JVISOR_UNIX_DGRAM_KIND_H
#define JVISOR_UNIX_DGRAM_KIND_H

#include "probe.h"
#include "unix-kind.h"
#include "unix-wait.h"

#include <sys/uio.h>

#define DGRAM_FAMILY_LENGTH ((socklen_t)offsetof(struct sockaddr_un, sun_path))

static const struct unix_kind unix_dgram_kinds[] = {
    {"dgram-pair", SOCK_DGRAM, UNIX_PAIR},
    {"dgram-path", SOCK_DGRAM, UNIX_PATH},
    {"dgram-abstract", SOCK_DGRAM, UNIX_ABSTRACT},
};

#define UNIX_DGRAM_KINDS (sizeof unix_dgram_kinds / sizeof unix_dgram_kinds[0])

static const struct unix_kind *dgram_kind;
static const char *dgram_probe;

/* The kind named by argv[1]; prints the usage and exits 2 if there is none. */
static inline const struct unix_kind *dgram_kind_from_args(const char *probe, int argc, char **argv) {
    dgram_probe = probe;
    for (size_t i = 0; argc == 2 && i < UNIX_DGRAM_KINDS; i++)
        if (strcmp(argv[1], unix_dgram_kinds[i].name) == 0) return dgram_kind = &unix_dgram_kinds[i];
    fprintf(stderr, "usage: %s KIND\nkinds:", probe);
    for (size_t i = 0; i < UNIX_DGRAM_KINDS; i++) fprintf(stderr, " %s", unix_dgram_kinds[i].name);
    fprintf(stderr, "\n");
    exit(2);
}

static inline int dgram_named(void) {
    return dgram_kind->naming != UNIX_PAIR;
}

static inline int dgram_check(const char *what, int result) {
    if (result < 0) {
        say("setup %s: -1 %s\n", what, errno_name(errno));
        exit(1);
    }
    return result;
}

/* ---- names ---- */

struct dgram_name {
    struct sockaddr_un address;
    socklen_t length;
};

static char dgram_paths[64][sizeof(struct sockaddr_un)];
static int dgram_path_count;

/* The kind's name with SUFFIX (abstract for the pair kind, whose steps that need a name use
 * an abstract one). A path is unlinked the first time its suffix is seen. */
static inline struct dgram_name dgram_name(const char *suffix) {
    struct dgram_name name;
    memset(&name, 0, sizeof name);
    name.address.sun_family = AF_UNIX;
    size_t room = sizeof name.address.sun_path;
    if (dgram_kind->naming != UNIX_PATH) {
        int n = snprintf(name.address.sun_path + 1, room - 1, "jvisor-%s-%s-%s", dgram_probe, dgram_kind->name, suffix);
        size_t used = n < 0 ? 0 : (size_t)n < room - 1 ? (size_t)n : room - 2;
        name.length = DGRAM_FAMILY_LENGTH + 1 + (socklen_t)used;
        return name;
    }
    int n = snprintf(name.address.sun_path, room, "%s-%s-%s.sock", dgram_probe, dgram_kind->name, suffix);
    size_t used = n < 0 ? 0 : (size_t)n < room ? (size_t)n : room - 1;
    name.length = DGRAM_FAMILY_LENGTH + (socklen_t)used + 1;
    for (int i = 0; i < dgram_path_count; i++)
        if (strcmp(dgram_paths[i], name.address.sun_path) == 0) return name;
    if (dgram_path_count < (int)(sizeof dgram_paths / sizeof dgram_paths[0]))
        memcpy(dgram_paths[dgram_path_count++], name.address.sun_path, sizeof dgram_paths[0]);
    unlink(name.address.sun_path);
    return name;
}

static inline void dgram_remove_names(void) {
    for (int i = 0; i < dgram_path_count; i++) unlink(dgram_paths[i]);
}

static inline struct sockaddr *dgram_sa(struct dgram_name *name) {
    return (struct sockaddr *)&name->address;
}

static inline int dgram_socket(void) {
    return dgram_check("socket", socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
}

/* A new datagram socket bound to NAME; a path left by an earlier socket is removed first. */
static inline int dgram_bound(struct dgram_name *name) {
    if (dgram_kind->naming == UNIX_PATH) unlink(name->address.sun_path);
    int fd = dgram_socket();
    dgram_check("bind", bind(fd, dgram_sa(name), name->length));
    return fd;
}

static inline int dgram_is_autobind(const struct sockaddr_un *address, socklen_t length) {
    if (length != DGRAM_FAMILY_LENGTH + 6 || address->sun_path[0] != '\0') return 0;
    for (int i = 1; i < 6; i++) {
        char c = address->sun_path[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return 0;
    }
    return 1;
}

/* An address the kernel wrote: LENGTH is what it reported, at most CAPACITY bytes were
 * copied. "len 0 no address" (a receive from a sender without a name), "len 2 unnamed",
 * "len 8 autobind name (5 hex digits)" or "len N \"bytes\"". */
static inline const char *dgram_address_text(const struct sockaddr_un *address, socklen_t length,
                                             socklen_t capacity) {
    static char text[4][4 * sizeof address->sun_path + 64];
    static int next;
    char *out = text[next++ % 4];
    socklen_t copied = length < capacity ? length : capacity;
    if (copied > sizeof *address) copied = sizeof *address;
    if (length == 0) {
        snprintf(out, sizeof text[0], "len 0 no address");
    } else if (length == sizeof(sa_family_t) && copied == length) {
        snprintf(out, sizeof text[0], "len 2 unnamed");
    } else if (copied == length && dgram_is_autobind(address, length)) {
        snprintf(out, sizeof text[0], "len %u autobind name (5 hex digits)", (unsigned)length);
    } else {
        char escaped[4 * sizeof address->sun_path + 1];
        escape_bytes(escaped, sizeof escaped, address->sun_path, copied > DGRAM_FAMILY_LENGTH ? copied - DGRAM_FAMILY_LENGTH : 0);
        snprintf(out, sizeof text[0], "len %u%s \"%s\"", (unsigned)length,
                 copied >= sizeof(sa_family_t) && address->sun_family != AF_UNIX ? " family not AF_UNIX" : "", escaped);
    }
    return out;
}

static inline int dgram_get_name(int fd, int peer, struct sockaddr_un *address, socklen_t *length) {
    memset(address, 0, sizeof *address);
    *length = sizeof *address;
    return peer ? getpeername(fd, (struct sockaddr *)address, length)
                : getsockname(fd, (struct sockaddr *)address, length);
}

/* "getsockname LABEL: len ..." (PEER: getpeername). */
static inline void dgram_show_name(const char *label, int fd, int peer) {
    struct sockaddr_un address;
    socklen_t length;
    const char *call = peer ? "getpeername" : "getsockname";
    if (dgram_get_name(fd, peer, &address, &length) < 0) say("  %s %s: -1 %s\n", call, label, errno_name(errno));
    else say("  %s %s: %s\n", call, label, dgram_address_text(&address, length, sizeof address));
}

/* Whether ADDRESS is the name FD has now. */
static inline int dgram_is_name_of(int fd, const struct sockaddr_un *address, socklen_t length) {
    struct sockaddr_un own;
    socklen_t own_length;
    if (dgram_get_name(fd, 0, &own, &own_length) < 0) return 0;
    return own_length == length && memcmp(&own, address, length) == 0;
}

/* ---- sending ---- */

static volatile sig_atomic_t dgram_sigpipes;

static void dgram_on_sigpipe(int signal) {
    (void)signal;
    dgram_sigpipes++;
}

/* SIGPIPE counted, not fatal, so that a transcript shows whether a call raised it. */
static inline void dgram_count_sigpipe(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = dgram_on_sigpipe;
    sigemptyset(&action.sa_mask);
    sigaction(SIGPIPE, &action, NULL);
}

/* Prints "  CALL LABEL \"TEXT\"WHAT: RESULT" with ", SIGPIPE xN" if the call raised it. */
static inline ssize_t dgram_said(const char *call, const char *label, const char *text, const char *what,
                                 ssize_t result, int sigpipes_before) {
    int error = errno;
    char raised[32] = "";
    if (dgram_sigpipes != sigpipes_before)
        snprintf(raised, sizeof raised, ", SIGPIPE x%d", (int)(dgram_sigpipes - sigpipes_before));
    char shown[4 * 64 + 1];
    escape_bytes(shown, sizeof shown, text, strlen(text) < 64 ? strlen(text) : 64);
    if (result < 0) say("  %s %s \"%s\"%s: -1 %s%s\n", call, label, shown, what, errno_name(error), raised);
    else say("  %s %s \"%s\"%s: %zd%s\n", call, label, shown, what, result, raised);
    errno = error;
    return result;
}

static inline ssize_t dgram_send(const char *label, int fd, const char *text, int flags) {
    int before = dgram_sigpipes;
    ssize_t result = send(fd, text, strlen(text), flags);
    char what[64] = "";
    if (flags) snprintf(what, sizeof what, " %s", msg_flag_names(flags));
    return dgram_said("send", label, text, what, result, before);
}

/* sendto TO, described as TO_LABEL ("r", "a missing path", ...). */
static inline ssize_t dgram_sendto(const char *label, int fd, const char *text, const char *to_label,
                                   struct dgram_name *to, int flags) {
    int before = dgram_sigpipes;
    ssize_t result = sendto(fd, text, strlen(text), flags, dgram_sa(to), to->length);
    char what[96];
    snprintf(what, sizeof what, " to %s%s%s", to_label, flags ? " " : "", flags ? msg_flag_names(flags) : "");
    return dgram_said("sendto", label, text, what, result, before);
}

/* sendmsg with msg_name TO (NULL: none). */
static inline ssize_t dgram_sendmsg(const char *label, int fd, const char *text, const char *to_label,
                                    struct dgram_name *to) {
    int before = dgram_sigpipes;
    struct iovec iov = {.iov_base = (void *)text, .iov_len = strlen(text)};
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1};
    if (to != NULL) {
        message.msg_name = dgram_sa(to);
        message.msg_namelen = to->length;
    }
    ssize_t result = sendmsg(fd, &message, 0);
    char what[96] = "";
    if (to != NULL) snprintf(what, sizeof what, " msg_name %s", to_label);
    return dgram_said("sendmsg", label, text, what, result, before);
}

/* ---- receiving ---- */

/* recvfrom of up to SIZE bytes; prints the data and the sender's address. ADDRESS_ROOM is the
 * addrlen passed in (0: no address asked for). Returns the result; the address in *FROM. */
static inline ssize_t dgram_recvfrom_into(const char *label, int fd, size_t size, int flags, socklen_t address_room,
                                          struct sockaddr_un *from, socklen_t *from_length) {
    char buffer[512], text[4 * sizeof buffer + 1];
    if (size > sizeof buffer) size = sizeof buffer;
    struct sockaddr_storage storage;
    memset(&storage, 0, sizeof storage);
    memset(buffer, 0, sizeof buffer);
    socklen_t length = address_room;
    if (length > sizeof storage) length = sizeof storage;
    ssize_t result = recvfrom(fd, buffer, size, flags, address_room ? (struct sockaddr *)&storage : NULL,
                              address_room ? &length : NULL);
    char call[96];
    snprintf(call, sizeof call, "recvfrom %s %zu%s%s", label, size, flags ? " " : "", flags ? msg_flag_names(flags) : "");
    if (address_room != sizeof(struct sockaddr_un) && address_room)
        snprintf(call + strlen(call), sizeof call - strlen(call), " addrlen %u", (unsigned)address_room);
    if (result < 0) {
        say("  %s: -1 %s\n", call, errno_name(errno));
        return result;
    }
    escape_bytes(text, sizeof text, buffer, (size_t)result < size ? (size_t)result : size);
    if (address_room)
        say("  %s: %zd \"%s\" from %s\n", call, result, text,
            dgram_address_text((struct sockaddr_un *)&storage, length, address_room));
    else say("  %s: %zd \"%s\"\n", call, result, text);
    if (from) memcpy(from, &storage, sizeof *from);
    if (from_length) *from_length = length;
    return result;
}

static inline ssize_t dgram_recvfrom(const char *label, int fd, size_t size, int flags) {
    return dgram_recvfrom_into(label, fd, size, flags, sizeof(struct sockaddr_un), NULL, NULL);
}

/* recvmsg with msg_name, one iovec of SIZE bytes and no control buffer. */
static inline ssize_t dgram_recvmsg(const char *label, int fd, size_t size, int flags) {
    char buffer[512], text[4 * sizeof buffer + 1];
    if (size > sizeof buffer) size = sizeof buffer;
    struct sockaddr_un from;
    memset(&from, 0, sizeof from);
    struct iovec iov = {.iov_base = buffer, .iov_len = size};
    struct msghdr message = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1};
    ssize_t result = recvmsg(fd, &message, flags);
    if (result < 0) {
        say("  recvmsg %s %zu %s: -1 %s\n", label, size, msg_flag_names(flags), errno_name(errno));
        return result;
    }
    escape_bytes(text, sizeof text, buffer, (size_t)result < size ? (size_t)result : size);
    say("  recvmsg %s %zu %s: %zd \"%s\" msg_flags %s from %s\n", label, size, msg_flag_names(flags), result, text,
        msg_flag_names(message.msg_flags), dgram_address_text(&from, message.msg_namelen, sizeof from));
    return result;
}

static inline ssize_t dgram_read(const char *label, int fd, size_t size) {
    char buffer[512], text[4 * sizeof buffer + 1];
    if (size > sizeof buffer) size = sizeof buffer;
    ssize_t result = read(fd, buffer, size);
    if (result < 0) say("  read %s %zu: -1 %s\n", label, size, errno_name(errno));
    else say("  read %s %zu: %zd \"%s\"\n", label, size, result, escape_bytes(text, sizeof text, buffer, (size_t)result));
    return result;
}

/* ---- state ---- */

static inline void dgram_show_poll(const char *label, int fd) {
    struct pollfd entry = {.fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP};
    int result = poll(&entry, 1, 0);
    char text[160];
    if (result < 0) say("  poll %s: -1 %s\n", label, errno_name(errno));
    else say("  poll %s: %d %s\n", label, result, poll_event_names(entry.revents, text, sizeof text));
}

/* SO_ERROR reads and clears the pending error. */
static inline void dgram_show_so_error(const char *label, int fd) {
    int value = -1;
    socklen_t length = sizeof value;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) < 0) say("  SO_ERROR %s: -1 %s\n", label, errno_name(errno));
    else say("  SO_ERROR %s: %s\n", label, errno_name(value));
}

static inline void dgram_set_int(const char *label, int fd, int option, const char *option_name, int value) {
    char what[96];
    snprintf(what, sizeof what, "  setsockopt %s %s %d", label, option_name, value);
    report(what, setsockopt(fd, SOL_SOCKET, option, &value, sizeof value));
}

/* ---- a connected pair of the kind ---- */

struct dgram_pair {
    int a, b;
    struct dgram_name a_name, b_name;   /* unused for the pair kind */
};

/* The pair kind: socketpair. The named kinds: a bound to "SUFFIX-a", b to "SUFFIX-b", each
 * connected to the other, so that each is the other's only peer, as socketpair makes them. */
static inline void dgram_pair_open(struct dgram_pair *pair, const char *suffix) {
    memset(pair, 0, sizeof *pair);
    if (!dgram_named()) {
        int sv[2];
        dgram_check("socketpair", socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv));
        pair->a = sv[0];
        pair->b = sv[1];
        return;
    }
    char name[64];
    snprintf(name, sizeof name, "%s-a", suffix);
    pair->a_name = dgram_name(name);
    snprintf(name, sizeof name, "%s-b", suffix);
    pair->b_name = dgram_name(name);
    pair->a = dgram_bound(&pair->a_name);
    pair->b = dgram_bound(&pair->b_name);
    dgram_check("connect a to b", connect(pair->a, dgram_sa(&pair->b_name), pair->b_name.length));
    dgram_check("connect b to a", connect(pair->b, dgram_sa(&pair->a_name), pair->a_name.length));
}

static inline void dgram_pair_close(struct dgram_pair *pair) {
    if (pair->a >= 0) close(pair->a);
    if (pair->b >= 0) close(pair->b);
    pair->a = pair->b = -1;
}

#endif
