/*
 * io_uring's socket operations on AF_UNIX sockets, one SQE each: under jvisor those that
 * would name, resolve or report an address past the sentry complete with EACCES (the ring's
 * restrictions, issue 18); natively they run. The data operations on a connected pair (read,
 * write, recv, send without an address) run under jvisor as natively.
 */
#include "probe.h"
#include "uring.h"

#include <fcntl.h>
#include <sys/un.h>

#define OP_ACCEPT_ 13
#define OP_SHUTDOWN_ 34

static void print_cqe(const char *what, int res) {
    if (res <= -10000) say("%s: io_uring_enter -1 %s\n", what, errno_name(-(res + 10000)));
    else if (res < 0) say("%s: cqe %s\n", what, errno_name(-res));
    else say("%s: cqe ok\n", what);
}

static socklen_t abstract_name(struct sockaddr_un *name, const char *text) {
    memset(name, 0, sizeof *name);
    name->sun_family = AF_UNIX;
    size_t length = strlen(text);
    memcpy(name->sun_path + 1, text, length);
    return (socklen_t)(sizeof(sa_family_t) + 1 + length);
}

int main(void) {
    struct uring ring;
    if (uring_init(&ring, 8, 0) < 0) {
        say("setup: -1 %s\n", errno_name(errno));
        return 1;
    }
    char tag[32];
    snprintf(tag, sizeof tag, "uring-sockets-%d", (int)getpid());
    struct sockaddr_un listener_name, bound_name, dgram_name;
    socklen_t listener_length = abstract_name(&listener_name, tag);
    char other[48];
    snprintf(other, sizeof other, "%s-b", tag);
    socklen_t bound_length = abstract_name(&bound_name, other);
    snprintf(other, sizeof other, "%s-d", tag);
    socklen_t dgram_length = abstract_name(&dgram_name, other);

    /* A listener and a datagram socket made with the plain calls: the sentry's. */
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(listener, (struct sockaddr *)&listener_name, listener_length);
    listen(listener, 8);
    int receiver = socket(AF_UNIX, SOCK_DGRAM, 0);
    bind(receiver, (struct sockaddr *)&dgram_name, dgram_length);
    int sender = socket(AF_UNIX, SOCK_DGRAM, 0);

    struct uring_sqe sqe = uring_sqe_of(OP_SOCKET, AF_UNIX, NULL, 0, SOCK_STREAM);
    print_cqe("socket", uring_run(&ring, &sqe));
    int client = socket(AF_UNIX, SOCK_STREAM, 0);
    sqe = uring_sqe_of(OP_CONNECT, client, &listener_name, 0, listener_length);
    print_cqe("connect", uring_run(&ring, &sqe));
    int fresh = socket(AF_UNIX, SOCK_STREAM, 0);
    sqe = uring_sqe_of(OP_BIND, fresh, &bound_name, 0, bound_length);
    print_cqe("bind", uring_run(&ring, &sqe));
    sqe = uring_sqe_of(OP_LISTEN, fresh, NULL, 8, 0);
    print_cqe("listen", uring_run(&ring, &sqe));
    /* The client connected with the plain call, so that accept has a connection to take. */
    int connected = socket(AF_UNIX, SOCK_STREAM, 0);
    connect(connected, (struct sockaddr *)&listener_name, listener_length);
    struct sockaddr_un peer;
    socklen_t peer_length = sizeof peer;
    sqe = uring_sqe_of(OP_ACCEPT_, listener, &peer, 0, (uint64_t)(uintptr_t)&peer_length);
    print_cqe("accept", uring_run(&ring, &sqe));

    char byte = 'u';
    struct iovec iov = {&byte, 1};
    struct msghdr named = {.msg_name = &dgram_name, .msg_namelen = dgram_length, .msg_iov = &iov, .msg_iovlen = 1};
    sqe = uring_sqe_of(OP_SENDMSG, sender, &named, 1, 0);
    print_cqe("sendmsg with a name", uring_run(&ring, &sqe));
    /* As LTP's io_uring02 sends (there from inside a chroot): by an io-wq worker. */
    sqe = uring_sqe_of(OP_SENDMSG, sender, &named, 1, 0);
    sqe.flags = 1U << 4; /* IOSQE_ASYNC */
    print_cqe("sendmsg with a name, IOSQE_ASYNC", uring_run(&ring, &sqe));
    sqe = uring_sqe_of(OP_SENDMSG_ZC, sender, &named, 1, 0);
    print_cqe("sendmsg_zc with a name", uring_run(&ring, &sqe));
    sqe = uring_sqe_of(OP_SEND, sender, &byte, 1, (uint64_t)(uintptr_t)&dgram_name);
    sqe.addr_len = (uint16_t)dgram_length;
    print_cqe("send with a destination", uring_run(&ring, &sqe));
    sqe = uring_sqe_of(OP_SEND_ZC, sender, &byte, 1, (uint64_t)(uintptr_t)&dgram_name);
    sqe.addr_len = (uint16_t)dgram_length;
    print_cqe("send_zc with a destination", uring_run(&ring, &sqe));
    struct sockaddr_un from;
    char got;
    struct iovec into = {&got, 1};
    struct msghdr receive = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &into, .msg_iovlen = 1};
    sqe = uring_sqe_of(OP_RECVMSG, receiver, &receive, 1, 0);
    sqe.op_flags = MSG_DONTWAIT;
    print_cqe("recvmsg", uring_run(&ring, &sqe));
    sqe = uring_sqe_of(OP_URING_CMD, connected, NULL, 0, 0);   /* SOCKET_URING_OP_SIOCINQ */
    print_cqe("uring_cmd SIOCINQ", uring_run(&ring, &sqe));
    sqe = uring_sqe_of(OP_SHUTDOWN_, connected, NULL, SHUT_WR, 0);
    print_cqe("shutdown", uring_run(&ring, &sqe));

    /* The data path on a connected pair. */
    int pair[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
    sqe = uring_sqe_of(OP_WRITE, pair[0], "ab", 2, 0);
    print_cqe("write on a pair", uring_run(&ring, &sqe));
    char back[4] = {0};
    sqe = uring_sqe_of(OP_READ, pair[1], back, 1, 0);
    print_cqe("read on a pair", uring_run(&ring, &sqe));
    sqe = uring_sqe_of(OP_RECV, pair[1], back + 1, 1, 0);
    print_cqe("recv on a pair", uring_run(&ring, &sqe));
    say("received: %s\n", back);
    uring_free(&ring);
    return 0;
}
