/*
 * sock_diag (NETLINK_SOCK_DIAG, net/unix/diag.c) as a program sees its own AF_UNIX sockets
 * there. Made: stream and seqpacket listeners bound to a path and to an abstract name, each
 * with a connected client, an accepted socket and a pending connection; a socket bound but
 * not listening, an unbound one and a socketpair; datagram sockets bound to a path and to an
 * abstract name, one connected to each, an unbound one and a socketpair. Then:
 *   - a dump of every state with every UDIAG_SHOW_ bit, read with recvmsg sized by
 *     MSG_PEEK|MSG_TRUNC (as iproute2 does), and the same dump read with read(2), recv(2),
 *     readv(2) and recvmsg(2) into fixed buffers: for each own socket (by inode) its type,
 *     state, name, whether it has a file (UNIX_DIAG_VFS, and whether that is the socket
 *     file's inode), its peer (which own socket), pending connections (UNIX_DIAG_ICONS),
 *     queue lengths, shutdown and uid;
 *   - dumps limited by udiag_states;
 *   - requests by inode (with the cookie from the dump): an own socket, the same with a wrong
 *     cookie (ESTALE), with NLM_F_ACK, inode 0 (EINVAL), a socket closed since (ENOENT);
 *     replies read whole, truncated, with MSG_TRUNC, peeked;
 *   - a receive with nothing queued: MSG_DONTWAIT, SO_RCVTIMEO, a thread that blocks
 *     until the request comes;
 *   - malformed requests (short, unknown family) and a dump of another family.
 * Only the probe's own sockets are printed (the native run sees the host's too).
 *
 *   sock-diag [others]
 *       "others" adds the number of AF_UNIX sockets in the dump that are not the probe's
 *       own (0 in a fresh sandbox; not comparable with a native run).
 *   sock-diag ask INODE
 *       makes nothing; asks for socket INODE by inode (cookie "none", NLM_F_ACK, states 0x5a,
 *       UDIAG_SHOW_NAME and UDIAG_SHOW_VFS) and prints the answers.
 */
#include "probe.h"

#include <linux/netlink.h>
#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <linux/inet_diag.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#define MAX_SOCKETS 64
#define ALL_SHOW (UDIAG_SHOW_NAME | UDIAG_SHOW_VFS | UDIAG_SHOW_PEER | UDIAG_SHOW_ICONS | UDIAG_SHOW_RQLEN \
                  | UDIAG_SHOW_MEMINFO | UDIAG_SHOW_UID)

static struct {
    const char *label;
    int fd;
    unsigned long inode;
    char file[64];          /* the socket file's path, "" when not bound to one */
} own[MAX_SOCKETS];
static int own_count;
static unsigned seq = 100;

/* What one dump said of an own socket. */
struct seen {
    int listed;
    unsigned type, state, shutdown, uid, rqueue, wqueue, has_rqlen, has_vfs, vfs_ino, has_meminfo;
    unsigned cookie[2];
    char name[128];
    size_t name_length;
    int has_name;
    long peer;              /* -1: no attribute */
    unsigned icons[16];
    int icon_count;
};
static struct seen seen[MAX_SOCKETS];
static int others;

static void die(const char *what) {
    fprintf(stderr, "sock-diag: %s: %s\n", what, errno_name(errno));
    exit(1);
}

static char pool[64][96];
static int pooled;

static const char *text(const char *format, const char *a) {
    if (pooled == 64) die("pool");
    char *out = pool[pooled++];
    snprintf(out, sizeof pool[0], format, a);
    return out;
}

static void keep(const char *label, int fd, const char *file) {
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) die(label);
    own[own_count].label = label;
    own[own_count].fd = fd;
    own[own_count].inode = st.st_ino;
    snprintf(own[own_count].file, sizeof own[own_count].file, "%s", file);
    own_count++;
}

static int own_index(unsigned long inode) {
    for (int i = 0; i < own_count; i++)
        if (own[i].inode == inode) return i;
    return -1;
}

static const char *label_of(unsigned long inode) {
    if (inode == 0) return "0";
    int i = own_index(inode);
    return i < 0 ? "not its own" : own[i].label;
}

static socklen_t address_of(struct sockaddr_un *address, const char *kind, int abstract, char *file) {
    memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    file[0] = '\0';
    if (abstract) {
        snprintf(address->sun_path + 1, sizeof address->sun_path - 1, "sdg-%s", kind);
        return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(address->sun_path + 1));
    }
    snprintf(address->sun_path, sizeof address->sun_path, "sdg-%s.sock", kind);
    strcpy(file, address->sun_path);
    unlink(address->sun_path);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(address->sun_path) + 1);
}

static void pair(int type, const char *kind) {
    int ends[2];
    if (socketpair(AF_UNIX, type, 0, ends) != 0) die("socketpair");
    keep(text("%s pair first", kind), ends[0], "");
    keep(text("%s pair second", kind), ends[1], "");
}

static void connection_kind(int type, const char *kind) {
    for (int abstract = 0; abstract < 2; abstract++) {
        const char *where = abstract ? "%s abstract" : "%s path";
        char file[64];
        struct sockaddr_un address;
        socklen_t length = address_of(&address, kind, abstract, file);
        int server = socket(AF_UNIX, type, 0);
        if (server < 0 || bind(server, (struct sockaddr *)&address, length) != 0 || listen(server, 8) != 0)
            die("listener");
        char label[64];
        snprintf(label, sizeof label, where, kind);
        keep(text("%s listener", label), server, file);
        int client = socket(AF_UNIX, type, 0);
        if (client < 0 || connect(client, (struct sockaddr *)&address, length) != 0) die("connect");
        keep(text("%s client", label), client, "");
        keep(text("%s accepted", label), accept(server, NULL, NULL), file);
        int pending = socket(AF_UNIX, type, 0);
        if (pending < 0 || connect(pending, (struct sockaddr *)&address, length) != 0) die("connect");
        keep(text("%s pending client", label), pending, "");
    }
    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    address.sun_family = AF_UNIX;
    snprintf(address.sun_path, sizeof address.sun_path, "sdg-%s-bound.sock", kind);
    unlink(address.sun_path);
    int bound = socket(AF_UNIX, type, 0);
    if (bound < 0 || bind(bound, (struct sockaddr *)&address, sizeof address) != 0) die("bind");
    keep(text("%s bound", kind), bound, address.sun_path);
    keep(text("%s unbound", kind), socket(AF_UNIX, type, 0), "");
    pair(type, kind);
}

static void datagram_kind(void) {
    for (int abstract = 0; abstract < 2; abstract++) {
        const char *where = abstract ? "abstract" : "path";
        char file[64];
        struct sockaddr_un address;
        socklen_t length = address_of(&address, "dgram", abstract, file);
        int receiver = socket(AF_UNIX, SOCK_DGRAM, 0);
        if (receiver < 0 || bind(receiver, (struct sockaddr *)&address, length) != 0) die("bind");
        keep(text("dgram %s bound", where), receiver, file);
        int sender = socket(AF_UNIX, SOCK_DGRAM, 0);
        if (sender < 0 || connect(sender, (struct sockaddr *)&address, length) != 0) die("connect");
        keep(text("dgram %s connected", where), sender, "");
    }
    keep("dgram unbound", socket(AF_UNIX, SOCK_DGRAM, 0), "");
    pair(SOCK_DGRAM, "dgram");
}

static void cleanup(void) {
    const char *files[] = {"sdg-stream.sock", "sdg-seqpacket.sock", "sdg-dgram.sock", "sdg-stream-bound.sock",
                           "sdg-seqpacket-bound.sock"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) unlink(files[i]);
}

static int diag_socket(void) {
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) die("socket(AF_NETLINK, NETLINK_SOCK_DIAG)");
    return fd;
}

struct unix_request {
    struct nlmsghdr header;
    struct unix_diag_req body;
};

static void send_request(int fd, unsigned flags, unsigned states, unsigned inode, unsigned show, const unsigned *cookie) {
    struct unix_request request;
    memset(&request, 0, sizeof request);
    request.header.nlmsg_len = sizeof request;
    request.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    request.header.nlmsg_flags = (unsigned short)(NLM_F_REQUEST | flags);
    request.header.nlmsg_seq = ++seq;
    request.body.sdiag_family = AF_UNIX;
    request.body.udiag_states = states;
    request.body.udiag_ino = inode;
    request.body.udiag_show = show;
    request.body.udiag_cookie[0] = cookie == NULL ? INET_DIAG_NOCOOKIE : cookie[0];
    request.body.udiag_cookie[1] = cookie == NULL ? INET_DIAG_NOCOOKIE : cookie[1];
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(fd, &request, sizeof request, 0, (struct sockaddr *)&kernel, sizeof kernel) != sizeof request)
        die("sendto");
}

/* One AF_UNIX answer, recorded when it is an own socket's; returns its inode. */
static unsigned long record(const struct nlmsghdr *message) {
    const struct unix_diag_msg *body = NLMSG_DATA(message);
    int i = own_index(body->udiag_ino);
    if (i < 0) {
        others++;
        return body->udiag_ino;
    }
    struct seen *s = &seen[i];
    memset(s, 0, sizeof *s);
    s->listed = 1;
    s->type = body->udiag_type;
    s->state = body->udiag_state;
    s->cookie[0] = body->udiag_cookie[0];
    s->cookie[1] = body->udiag_cookie[1];
    s->peer = -1;
    int left = (int)(message->nlmsg_len - NLMSG_LENGTH(sizeof *body));
    for (const struct rtattr *attribute = (const struct rtattr *)(body + 1); RTA_OK(attribute, left);
         attribute = RTA_NEXT(attribute, left)) {
        const void *data = RTA_DATA(attribute);
        size_t length = RTA_PAYLOAD(attribute);
        switch (attribute->rta_type) {
        case UNIX_DIAG_NAME:
            s->has_name = 1;
            s->name_length = length < sizeof s->name ? length : sizeof s->name;
            memcpy(s->name, data, s->name_length);
            break;
        case UNIX_DIAG_VFS:
            s->has_vfs = 1;
            s->vfs_ino = ((const struct unix_diag_vfs *)data)->udiag_vfs_ino;
            break;
        case UNIX_DIAG_PEER:
            s->peer = *(const unsigned *)data;
            break;
        case UNIX_DIAG_ICONS:
            for (size_t k = 0; k < length / 4 && s->icon_count < 16; k++) s->icons[s->icon_count++] = ((const unsigned *)data)[k];
            break;
        case UNIX_DIAG_RQLEN:
            s->has_rqlen = 1;
            s->rqueue = ((const struct unix_diag_rqlen *)data)->udiag_rqueue;
            s->wqueue = ((const struct unix_diag_rqlen *)data)->udiag_wqueue;
            break;
        case UNIX_DIAG_MEMINFO:
            s->has_meminfo = 1;
            break;
        case UNIX_DIAG_SHUTDOWN:
            s->shutdown = *(const unsigned char *)data;
            break;
        case UNIX_DIAG_UID:
            s->uid = *(const unsigned *)data;
            break;
        }
    }
    return body->udiag_ino;
}

enum reader { BY_PEEK, BY_READ, BY_RECV, BY_READV, BY_RECVMSG };

/* One datagram into BUFFER by READER; returns its length. */
static ssize_t receive(int fd, enum reader reader, char *buffer, size_t size) {
    struct iovec vector[2] = {{buffer, size / 2}, {buffer + size / 2, size - size / 2}};
    struct sockaddr_nl sender;
    struct msghdr header = {.msg_name = &sender, .msg_namelen = sizeof sender, .msg_iov = vector, .msg_iovlen = 1};
    switch (reader) {
    case BY_PEEK: {
        vector[0].iov_base = NULL;
        vector[0].iov_len = 0;
        ssize_t whole = recvmsg(fd, &header, MSG_PEEK | MSG_TRUNC);
        if (whole < 0) return whole;
        if ((size_t)whole > size) die("datagram larger than the buffer");
        vector[0].iov_base = buffer;
        vector[0].iov_len = size;
        header.msg_namelen = sizeof sender;
        ssize_t got = recvmsg(fd, &header, 0);
        if (got >= 0 && (header.msg_namelen != sizeof sender || sender.nl_family != AF_NETLINK || sender.nl_pid != 0))
            say("sender: unexpected (length %u family %u pid %u)\n", header.msg_namelen, sender.nl_family,
                sender.nl_pid);
        if (got >= 0 && got != whole) say("peeked %zd, received %zd\n", whole, got);
        return got;
    }
    case BY_READ: return read(fd, buffer, size);
    case BY_RECV: return recv(fd, buffer, size, 0);
    case BY_READV: return readv(fd, vector, 2);
    case BY_RECVMSG:
        vector[0].iov_len = size;
        return recvmsg(fd, &header, 0);
    }
    return -1;
}

/* A dump, read to its NLMSG_DONE; returns 0 or the errno of an NLMSG_ERROR. */
static int dump(unsigned states, unsigned show, enum reader reader) {
    static char buffer[1 << 16];
    int fd = diag_socket();
    memset(seen, 0, sizeof seen);
    others = 0;
    send_request(fd, NLM_F_DUMP, states, 0, show, NULL);
    for (;;) {
        ssize_t got = receive(fd, reader, buffer, sizeof buffer);
        if (got < 0) die("receive");
        if (got == 0) die("empty datagram");
        int left = (int)got;
        for (struct nlmsghdr *message = (struct nlmsghdr *)buffer; NLMSG_OK(message, left);
             message = NLMSG_NEXT(message, left)) {
            if (message->nlmsg_seq != seq) say("dump: sequence %u, not %u\n", message->nlmsg_seq, seq);
            if (message->nlmsg_type == NLMSG_DONE) {
                close(fd);
                return 0;
            }
            if (message->nlmsg_type == NLMSG_ERROR) {
                close(fd);
                return -((struct nlmsgerr *)NLMSG_DATA(message))->error;
            }
            if (message->nlmsg_type != SOCK_DIAG_BY_FAMILY) die("dump: unexpected message");
            if (!(message->nlmsg_flags & NLM_F_MULTI)) say("dump: a message without NLM_F_MULTI\n");
            record(message);
        }
    }
}

static const char *name_text(const struct seen *s) {
    static char out[300];
    if (!s->has_name) return "none";
    if (s->name_length > 0 && s->name[0] == '\0') {
        char escaped[280];
        escape_bytes(escaped, sizeof escaped, s->name + 1, s->name_length - 1);
        snprintf(out, sizeof out, "@%s", escaped);
        return out;
    }
    /* A path, with the NUL that ends it. */
    char escaped[280];
    escape_bytes(escaped, sizeof escaped, s->name, s->name_length);
    snprintf(out, sizeof out, "'%s'", escaped);
    return out;
}

static void print_own(void) {
    for (int i = 0; i < own_count; i++) {
        const struct seen *s = &seen[i];
        if (!s->listed) {
            say("%s: not listed\n", own[i].label);
            continue;
        }
        char vfs[64] = "no file";
        if (s->has_vfs) {
            struct stat st;
            int same = own[i].file[0] != '\0' && stat(own[i].file, &st) == 0 && st.st_ino == s->vfs_ino;
            snprintf(vfs, sizeof vfs, "a file%s", same ? " (its socket file)" : " (another)");
        }
        say("%s: type %u state %u name %s, %s, peer %s, uid %s, shutdown %u%s\n", own[i].label, s->type, s->state,
            name_text(s), vfs, s->peer < 0 ? "none" : label_of((unsigned long)s->peer),
            s->uid == geteuid() ? "own" : "other", s->shutdown, s->has_meminfo ? ", meminfo" : ", no meminfo");
        if (s->has_rqlen) say("  rqlen %u/%u\n", s->rqueue, s->wqueue);
        for (int k = 0; k < s->icon_count; k++) say("  pending: %s\n", label_of(s->icons[k]));
    }
}

static unsigned long digest(void) {
    unsigned long sum = 0;
    for (int i = 0; i < own_count; i++) {
        const struct seen *s = &seen[i];
        sum = sum * 31 + (unsigned long)s->listed * 7 + s->type * 3 + s->state + s->shutdown + (unsigned long)s->peer
              + s->has_vfs + s->rqueue + s->wqueue + s->icon_count;
        for (size_t k = 0; k < s->name_length; k++) sum = sum * 131 + (unsigned char)s->name[k];
    }
    return sum;
}

/* Which own sockets a dump limited to STATES lists. */
static void states_dump(const char *what, unsigned states) {
    int error = dump(states, 0, BY_PEEK);
    if (error != 0) {
        say("states %s: %s\n", what, errno_name(error));
        return;
    }
    int listed = 0, named = 0;
    for (int i = 0; i < own_count; i++) {
        listed += seen[i].listed;
        named += seen[i].has_name;
    }
    say("states %s: %d own sockets listed, %d with a name attribute\n", what, listed, named);
}

/* The answer to a by-inode request: its messages, described. */
static void exact_answer(const char *what, int fd, int flags, size_t size) {
    static char buffer[1 << 16];
    struct iovec vector = {buffer, size};
    struct sockaddr_nl sender;
    struct msghdr header = {.msg_name = &sender, .msg_namelen = sizeof sender, .msg_iov = &vector, .msg_iovlen = 1};
    ssize_t got = recvmsg(fd, &header, flags | MSG_DONTWAIT);
    if (got < 0) {
        say("%s: %s\n", what, errno_name(errno));
        return;
    }
    say("%s: %zd bytes%s, namelen %u\n", what, got, header.msg_flags & MSG_TRUNC ? ", MSG_TRUNC" : "",
        header.msg_namelen);
    if ((size_t)got > size) return;
    int left = (int)got;
    for (struct nlmsghdr *message = (struct nlmsghdr *)buffer; NLMSG_OK(message, left);
         message = NLMSG_NEXT(message, left)) {
        if (message->nlmsg_type == NLMSG_ERROR) {
            const struct nlmsgerr *error = NLMSG_DATA(message);
            const struct unix_diag_req *echo = NLMSG_DATA(&error->msg);
            say("  NLMSG_ERROR %s, length %u, flags %#x, echo: length %u type %u flags %#x seq %s",
                error->error == 0 ? "0" : errno_name(-error->error), message->nlmsg_len, message->nlmsg_flags,
                error->msg.nlmsg_len, error->msg.nlmsg_type, error->msg.nlmsg_flags,
                error->msg.nlmsg_seq == seq ? "this" : "other");
            if (message->nlmsg_len >= NLMSG_LENGTH(sizeof *error) + sizeof *echo)
                say(", inode %s, show %#x, states %#x", label_of(echo->udiag_ino), echo->udiag_show, echo->udiag_states);
            say("\n");
        } else if (message->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
            unsigned long inode = record(message);
            int i = own_index(inode);
            say("  SOCK_DIAG_BY_FAMILY %s, length %u, flags %#x, name %s\n", label_of(inode), message->nlmsg_len,
                message->nlmsg_flags, i < 0 ? "?" : name_text(&seen[i]));
        } else {
            say("  type %u\n", message->nlmsg_type);
        }
    }
}

static void exact(const char *what, unsigned long inode, const unsigned *cookie, unsigned flags) {
    int fd = diag_socket();
    send_request(fd, flags, 0, (unsigned)inode, UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN, cookie);
    exact_answer(what, fd, 0, 1 << 16);
    exact_answer(text("%s, then", what), fd, 0, 1 << 16);
    close(fd);
}

static void *blocked_reader(void *argument) {
    int fd = *(int *)argument;
    char buffer[4096];
    ssize_t got = recv(fd, buffer, sizeof buffer, 0);
    const struct nlmsghdr *message = (const struct nlmsghdr *)buffer;
    if (got < 0) say("blocked recv: %s\n", errno_name(errno));
    else say("blocked recv: %s of %s\n", message->nlmsg_type == SOCK_DIAG_BY_FAMILY ? "an answer" : "something else",
             label_of(((const struct unix_diag_msg *)NLMSG_DATA(message))->udiag_ino));
    return NULL;
}

static void waiting(int index, const unsigned *cookie) {
    char buffer[256];
    int fd = diag_socket();
    ssize_t got = recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    say("recv MSG_DONTWAIT, nothing queued: %s\n", got < 0 ? errno_name(errno) : "data");
    struct timeval timeout = {0, 50000};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) != 0) die("SO_RCVTIMEO");
    got = read(fd, buffer, sizeof buffer);
    say("read with SO_RCVTIMEO, nothing queued: %s\n", got < 0 ? errno_name(errno) : "data");
    timeout.tv_usec = 0;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) != 0) die("SO_RCVTIMEO");
    pthread_t thread;
    if (pthread_create(&thread, NULL, blocked_reader, &fd) != 0) die("pthread_create");
    struct timespec pause = {0, 100 * 1000 * 1000};
    nanosleep(&pause, NULL);
    send_request(fd, 0, 0, (unsigned)own[index].inode, UDIAG_SHOW_NAME, cookie);
    pthread_join(thread, NULL);
    close(fd);
}

/* A child reads the parent's socket; then the number is reused by a pipe, which reads as one. */
static void inherited(int index, const unsigned *cookie) {
    char buffer[4096];
    int fd = diag_socket();
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
        send_request(fd, 0, 0, (unsigned)own[index].inode, UDIAG_SHOW_NAME, cookie);
        ssize_t got = recv(fd, buffer, sizeof buffer, 0);
        const struct nlmsghdr *message = (const struct nlmsghdr *)buffer;
        if (got < 0) say("child: %s\n", errno_name(errno));
        else if (message->nlmsg_type != SOCK_DIAG_BY_FAMILY) say("child: something else\n");
        else {
            int i = own_index(record(message));
            say("child: an answer of %s, name %s\n", i < 0 ? "not its own" : own[i].label, i < 0 ? "?" : name_text(&seen[i]));
        }
        fflush(stdout);
        _exit(0);
    }
    int status;
    if (waitpid(child, &status, 0) != child) die("waitpid");
    close(fd);
    int ends[2];
    if (pipe(ends) != 0) die("pipe");
    say("pipe at the sock_diag socket's number: %s\n", ends[0] == fd ? "yes" : "no");
    if (write(ends[1], "abc", 3) != 3) die("write");
    ssize_t got = read(ends[0], buffer, sizeof buffer);
    say("read from the pipe: %zd\n", got);
    close(ends[0]);
    close(ends[1]);
}

/* Another socket of the protocol sends to the probe's (netlink_unicast): what arrives is read as sent. */
static void unicast(void) {
    int receiver = diag_socket(), sender = diag_socket();
    struct sockaddr_nl to = {.nl_family = AF_NETLINK}, from;
    /* A netlink socket has its portid from its first bind or send (netlink_autobind). */
    if (bind(receiver, (struct sockaddr *)&to, sizeof to) != 0 || bind(sender, (struct sockaddr *)&to, sizeof to) != 0)
        die("bind");
    socklen_t length = sizeof to;
    if (getsockname(receiver, (struct sockaddr *)&to, &length) != 0) die("getsockname");
    length = sizeof from;
    if (getsockname(sender, (struct sockaddr *)&from, &length) != 0) die("getsockname");
    static const unsigned char bytes[][24] = {
        /* An AF_UNIX answer 20 bytes long: shorter than a struct unix_diag_msg follows. */
        {20, 0, 0, 0, SOCK_DIAG_BY_FAMILY, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, AF_UNIX, 1, 1, 0},
        /* A length past the datagram's end. */
        {200, 0, 0, 0, SOCK_DIAG_BY_FAMILY, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, AF_UNIX, 1, 1, 0, 9, 9, 9, 9},
        /* Nothing but garbage. */
        {1, 2, 3, 4, 5, 6, 7},
        /* Nothing at all. */
        {0},
    };
    static const size_t sizes[] = {20, 24, 7, 0};
    for (size_t k = 0; k < 4; k++) {
        ssize_t sent = sendto(sender, bytes[k], sizes[k], 0, (struct sockaddr *)&to, sizeof to);
        if (sent < 0) {
            say("unicast %zu: %s\n", k, errno_name(errno));
            continue;
        }
        unsigned char buffer[64];
        struct sockaddr_nl source;
        socklen_t source_length = sizeof source;
        ssize_t got = recvfrom(receiver, buffer, sizeof buffer, MSG_DONTWAIT, (struct sockaddr *)&source, &source_length);
        if (got < 0) say("unicast %zu: %s\n", k, errno_name(errno));
        else say("unicast %zu: %zd bytes, %s, from the sender: %s\n", k, got,
                 (size_t)got == sizes[k] && memcmp(buffer, bytes[k], sizes[k]) == 0 ? "as sent" : "changed",
                 source.nl_pid == from.nl_pid ? "yes" : "no");
    }
    close(sender);
    close(receiver);
}

/* SO_PASSCRED and NETLINK_PKTINFO: the control messages of an answer, with room for all and for less. */
static void control_messages(int index, const unsigned *cookie) {
    static const size_t rooms[] = {256, 40, 8, 0};
    int fd = diag_socket();
    int on = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0) die("SO_PASSCRED");
    if (setsockopt(fd, SOL_NETLINK, NETLINK_PKTINFO, &on, sizeof on) != 0) die("NETLINK_PKTINFO");
    for (size_t r = 0; r < sizeof rooms / sizeof rooms[0]; r++) {
        send_request(fd, 0, 0, (unsigned)own[index].inode, UDIAG_SHOW_NAME, cookie);
        char buffer[4096];
        union {
            char bytes[256];
            struct cmsghdr align;
        } control;
        memset(&control, 0x55, sizeof control);
        struct iovec vector = {buffer, sizeof buffer};
        struct msghdr header = {.msg_iov = &vector, .msg_iovlen = 1, .msg_control = rooms[r] ? control.bytes : NULL,
                                .msg_controllen = rooms[r]};
        ssize_t got = recvmsg(fd, &header, MSG_DONTWAIT);
        if (got < 0) {
            say("control, room %zu: %s\n", rooms[r], errno_name(errno));
            continue;
        }
        say("control, room %zu: %zd bytes, controllen %zu%s\n", rooms[r], got, (size_t)header.msg_controllen,
            header.msg_flags & MSG_CTRUNC ? ", MSG_CTRUNC" : "");
        if (header.msg_controllen < sizeof(struct cmsghdr)) continue;
        for (struct cmsghdr *message = CMSG_FIRSTHDR(&header); message != NULL; message = CMSG_NXTHDR(&header, message)) {
            say("  cmsg level %d type %d len %zu", message->cmsg_level, message->cmsg_type, (size_t)message->cmsg_len);
            if (message->cmsg_level == SOL_SOCKET && message->cmsg_type == SCM_CREDENTIALS
                && message->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
                const struct ucred *credentials = (const struct ucred *)CMSG_DATA(message);
                say(": pid %d uid %u gid %u", credentials->pid, credentials->uid, credentials->gid);
            } else if (message->cmsg_level == SOL_NETLINK && message->cmsg_type == NETLINK_PKTINFO
                       && message->cmsg_len >= CMSG_LEN(sizeof(struct nl_pktinfo))) {
                say(": group %u", ((const struct nl_pktinfo *)CMSG_DATA(message))->group);
            }
            say("\n");
        }
    }
    close(fd);
}

static void malformed(void) {
    int fd = diag_socket();
    struct {
        struct nlmsghdr header;
        unsigned char body[24];
    } request;
    memset(&request, 0, sizeof request);
    request.header.nlmsg_len = NLMSG_LENGTH(4);
    request.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    request.header.nlmsg_flags = NLM_F_REQUEST;
    request.header.nlmsg_seq = ++seq;
    request.body[0] = AF_UNIX;
    say("short request: sent %zd\n", send(fd, &request, request.header.nlmsg_len, 0));
    exact_answer("short request", fd, 0, 1 << 16);
    request.header.nlmsg_len = sizeof request;
    request.header.nlmsg_seq = ++seq;
    request.body[0] = 250;
    say("unknown family: sent %zd\n", send(fd, &request, sizeof request, 0));
    exact_answer("unknown family", fd, 0, 1 << 16);
    close(fd);
    /* AF_INET, TCP, no state asked for: nothing but NLMSG_DONE, whatever the host has. */
    fd = diag_socket();
    struct {
        struct nlmsghdr header;
        struct inet_diag_req_v2 body;
    } inet;
    memset(&inet, 0, sizeof inet);
    inet.header.nlmsg_len = sizeof inet;
    inet.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    inet.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    inet.header.nlmsg_seq = ++seq;
    inet.body.sdiag_family = AF_INET;
    inet.body.sdiag_protocol = IPPROTO_TCP;
    inet.body.idiag_states = 0;
    say("inet dump: sent %zd\n", send(fd, &inet, sizeof inet, 0));
    exact_answer("inet dump", fd, 0, 1 << 16);
    close(fd);
}

static int ask(unsigned long inode) {
    int fd = diag_socket();
    send_request(fd, NLM_F_ACK, 0x5a, (unsigned)inode, UDIAG_SHOW_NAME | UDIAG_SHOW_VFS, NULL);
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
    exact_answer("by inode", fd, 0, 1 << 16);
    exact_answer("then", fd, 0, 1 << 16);
    close(fd);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "ask") == 0) return ask(strtoul(argv[2], NULL, 10));
    int count_others = argc > 1 && strcmp(argv[1], "others") == 0;
    cleanup();
    connection_kind(SOCK_STREAM, "stream");
    connection_kind(SOCK_SEQPACKET, "seqpacket");
    datagram_kind();

    int fd = diag_socket();
    struct sockaddr_nl self;
    socklen_t length = sizeof self;
    if (getsockname(fd, (struct sockaddr *)&self, &length) != 0) die("getsockname");
    say("getsockname: length %u family %u\n", length, self.nl_family);
    int value = 0;
    length = sizeof value;
    if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &value, &length) != 0) die("SO_PROTOCOL");
    say("SO_PROTOCOL: %d\n", value);
    close(fd);

    int error = dump(~0u, ALL_SHOW, BY_PEEK);
    if (error != 0) die("dump");
    print_own();
    if (count_others) say("sockets not its own: %d\n", others);
    unsigned long expected = digest();
    const char *readers[] = {"recvmsg sized by MSG_PEEK|MSG_TRUNC", "read", "recv", "readv", "recvmsg"};
    for (int reader = BY_READ; reader <= BY_RECVMSG; reader++) {
        error = dump(~0u, ALL_SHOW, (enum reader)reader);
        say("dump by %s: %s\n", readers[reader], error != 0 ? errno_name(error) : digest() == expected ? "the same" : "different");
    }
    error = dump(~0u, ALL_SHOW, BY_PEEK);
    if (error != 0) die("dump");
    int listener = own_index(own[0].inode);
    unsigned cookie[2] = {seen[listener].cookie[0], seen[listener].cookie[1]};

    states_dump("LISTEN", 1u << 10);
    states_dump("ESTABLISHED", 1u << 1);
    states_dump("CLOSE", 1u << 7);
    states_dump("none", 0);

    exact("own listener by inode", own[listener].inode, cookie, 0);
    exact("own listener, no cookie", own[listener].inode, NULL, 0);
    exact("own listener, NLM_F_ACK", own[listener].inode, cookie, NLM_F_ACK);
    unsigned wrong[2] = {cookie[0] ^ 1, cookie[1]};
    exact("own listener, wrong cookie", own[listener].inode, wrong, 0);
    exact("inode 0", 0, NULL, 0);
    int gone = socket(AF_UNIX, SOCK_STREAM, 0);
    struct stat st;
    if (gone < 0 || fstat(gone, &st) != 0) die("socket");
    close(gone);
    own[own_count].label = "closed socket";
    own[own_count].inode = st.st_ino;
    own_count++;
    exact("closed socket", st.st_ino, NULL, 0);
    exact("closed socket, NLM_F_ACK", st.st_ino, NULL, NLM_F_ACK);
    own_count--;

    fd = diag_socket();
    send_request(fd, 0, 0, (unsigned)own[listener].inode, UDIAG_SHOW_NAME, cookie);
    exact_answer("peeked, 8 bytes", fd, MSG_PEEK, 8);
    exact_answer("peeked, 8 bytes, MSG_TRUNC", fd, MSG_PEEK | MSG_TRUNC, 8);
    exact_answer("peeked whole", fd, MSG_PEEK, 1 << 16);
    exact_answer("received, 8 bytes", fd, 0, 8);
    exact_answer("then", fd, 0, 1 << 16);
    close(fd);

    waiting(listener, cookie);
    inherited(listener, cookie);
    unicast();
    control_messages(listener, cookie);
    malformed();
    cleanup();
    return 0;
}
