/*
 * Descriptor passing: one process sends an open descriptor (of /dev/null) with SCM_RIGHTS
 * over a SOCK_STREAM socketpair, one descriptor and one byte per message, then receives it
 * with recvmsg from the other end and closes the copy it got. sendmsg and recvmsg are both
 * trapped by the sandbox, so this is the cost of handing a descriptor to a peer.
 *
 *   unix-rights [MESSAGES] [WARMUP]    prints ns per descriptor passed
 */
#include "bench.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

union control {
    struct cmsghdr header;
    char space[CMSG_SPACE(sizeof(int))];
};

static void send_fd(int sock, int fd) {
    char byte = 'r';
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union control control;
    memset(&control, 0, sizeof control);
    struct msghdr message = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = control.space, .msg_controllen = sizeof control.space,
    };
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
    ssize_t n;
    do n = sendmsg(sock, &message, 0); while (n < 0 && errno == EINTR);
    if (n != 1) bench_die("unix-rights: sendmsg");
}

static int receive_fd(int sock) {
    char byte;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union control control;
    struct msghdr message = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = control.space, .msg_controllen = sizeof control.space,
    };
    ssize_t n;
    do n = recvmsg(sock, &message, MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
    if (n < 0) bench_die("unix-rights: recvmsg");
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
    if (n != 1 || byte != 'r' || (message.msg_flags & MSG_CTRUNC) || cmsg == NULL ||
        cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS ||
        cmsg->cmsg_len != CMSG_LEN(sizeof(int))) {
        fprintf(stderr, "unix-rights: recvmsg returned %zd without one descriptor (flags 0x%x)\n",
                n, (unsigned)message.msg_flags);
        exit(1);
    }
    int fd;
    memcpy(&fd, CMSG_DATA(cmsg), sizeof fd);
    return fd;
}

static void pass_once(const int fds[2], int fd) {
    send_fd(fds[0], fd);
    int copy = receive_fd(fds[1]);
    if (copy < 0 || copy == fd || close(copy) != 0) {
        fprintf(stderr, "unix-rights: received descriptor %d is not a new open descriptor\n", copy);
        exit(1);
    }
}

int main(int argc, char **argv) {
    long iterations = bench_iterations(argc, argv, 50000);
    long warmup = bench_warmup(argc, argv, 2000);
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd < 0) bench_die("unix-rights: open /dev/null");
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
        bench_die("unix-rights: socketpair");

    /* The descriptor that arrives must be the one that was sent. */
    send_fd(fds[0], fd);
    int copy = receive_fd(fds[1]);
    struct stat sent, received;
    if (fstat(fd, &sent) != 0 || fstat(copy, &received) != 0) bench_die("unix-rights: fstat");
    if (sent.st_dev != received.st_dev || sent.st_ino != received.st_ino) {
        fprintf(stderr, "unix-rights: the received descriptor is not /dev/null\n");
        return 1;
    }
    close(copy);

    for (long i = 0; i < warmup; i++) pass_once(fds, fd);
    long long start = bench_now_ns();
    for (long i = 0; i < iterations; i++) pass_once(fds, fd);
    long long end = bench_now_ns();
    close(fds[0]);
    close(fds[1]);
    close(fd);
    bench_report(start, end, iterations);
    return 0;
}
