/*
 * Route 2 of issue 15: a datagram socket in a process that never made one.
 *
 *   passing WITNESS_DIR TOKEN SENDS
 *
 * The sentry traps sendmsg/sendmmsg only in processes that made an AF_UNIX datagram
 * socket. Here a child is made BEFORE its parent makes any, then gets the parent's
 * datagram socket, and sends to the witness's datagram sockets (its path, and its
 * shortest abstract name) with sendmsg, sendmmsg and sendto, SENDS times each. Three ways
 * to get the socket: SCM_RIGHTS over a stream socketpair; pidfd_getfd from the parent; a
 * clone(CLONE_FILES) child, which shares the parent's descriptor table.
 * Every datagram that reaches the witness is an arrival (the witness counts them).
 */
#include "redteam.h"

#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

static const char *witness_dir, *token;
static long sends;

/* Sends SENDS datagrams to each witness name by each call; prints what the calls answered. */
static long attack(const char *variant, int fd) {
    struct rt_addr targets[2] = {rt_witness_path(witness_dir, 'd'), rt_witness_abstract_short(token, 'd')};
    const char *target_names[2] = {"path", "abstract"};
    long attempts = 0;
    for (int t = 0; t < 2; t++) {
        long ok[3] = {0, 0, 0};
        int last_error[3] = {0, 0, 0};
        for (long i = 0; i < sends; i++) {
            char byte = 'x';
            struct iovec iov = {.iov_base = &byte, .iov_len = 1};
            struct msghdr header = {.msg_name = &targets[t].sun, .msg_namelen = targets[t].length,
                                    .msg_iov = &iov, .msg_iovlen = 1};
            if (sendmsg(fd, &header, MSG_DONTWAIT) >= 0) ok[0]++;
            else last_error[0] = errno;
            struct mmsghdr vector = {.msg_hdr = header};
            if (sendmmsg(fd, &vector, 1, MSG_DONTWAIT) >= 0) ok[1]++;
            else last_error[1] = errno;
            if (sendto(fd, &byte, 1, MSG_DONTWAIT, (struct sockaddr *)&targets[t].sun, targets[t].length) >= 0) ok[2]++;
            else last_error[2] = errno;
            attempts += 3;
        }
        say("variant %s to %s: sendmsg ok %ld (%s) sendmmsg ok %ld (%s) sendto ok %ld (%s)\n", variant, target_names[t],
            ok[0], errno_name(last_error[0]), ok[1], errno_name(last_error[1]), ok[2], errno_name(last_error[2]));
    }
    return attempts;
}

static void send_descriptor(int channel, int fd) {
    if (probe_send_descriptor(channel, fd) != 0) perror("passing: send descriptor");
}

/* The attempts a child reports back through its exit: counted again by the parent. */
static long wait_child(pid_t child) {
    int status;
    while (waitpid(child, &status, __WALL) < 0 && errno == EINTR) {}
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int channel[2];

static int clone_child(void *unused) {
    (void)unused;
    int fd;
    if (read(channel[1], &fd, sizeof fd) != sizeof fd) _exit(1);
    attack("clone-files", fd);
    _exit(0);
}

/* SCM_RIGHTS: the child exists before the parent's first datagram socket. */
static int by_rights(void) {
    socketpair(AF_UNIX, SOCK_STREAM, 0, channel);
    pid_t child = fork();
    if (child == 0) {
        close(channel[0]);
        int fd = probe_receive_descriptor(channel[1]);
        if (fd < 0) _exit(1);
        attack("scm-rights", fd);
        _exit(0);
    }
    int datagram = socket(AF_UNIX, SOCK_DGRAM, 0);
    send_descriptor(channel[0], datagram);
    return (int)wait_child(child);
}

/* pidfd_getfd: the child copies the parent's socket by number. */
static int by_pidfd(void) {
    socketpair(AF_UNIX, SOCK_STREAM, 0, channel);
    pid_t parent = getpid();
    pid_t child = fork();
    if (child == 0) {
        int number;
        if (read(channel[1], &number, sizeof number) != sizeof number) _exit(1);
        int pidfd = (int)syscall(SYS_pidfd_open, parent, 0);
        int fd = pidfd < 0 ? -1 : (int)syscall(SYS_pidfd_getfd, pidfd, number, 0);
        if (fd < 0) {
            say("variant pidfd-getfd: %s\n", errno_name(errno));
            _exit(2);
        }
        attack("pidfd-getfd", fd);
        _exit(0);
    }
    int datagram = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (write(channel[0], &datagram, sizeof datagram) != sizeof datagram) perror("passing: write");
    return (int)wait_child(child);
}

/* clone(CLONE_FILES): the child shares the descriptor table it was made with. */
static int by_clone(void) {
    socketpair(AF_UNIX, SOCK_STREAM, 0, channel);
    static char stack[1 << 16] __attribute__((aligned(16)));
    pid_t child = clone(clone_child, stack + sizeof stack, CLONE_FILES | SIGCHLD, NULL);
    if (child < 0) {
        perror("passing: clone");
        return 1;
    }
    int datagram = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (write(channel[0], &datagram, sizeof datagram) != sizeof datagram) perror("passing: write");
    return (int)wait_child(child);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: passing WITNESS_DIR TOKEN SENDS\n");
        return 2;
    }
    witness_dir = argv[1];
    token = argv[2];
    sends = atol(argv[3]);
    long per_variant = sends * 2 * 3, attempts = 0;
    /* Each variant in a process of its own, which has made no datagram socket yet. */
    for (int variant = 0; variant < 3; variant++) {
        pid_t runner = fork();
        if (runner == 0) _exit(variant == 0 ? by_rights() : variant == 1 ? by_pidfd() : by_clone());
        if (wait_child(runner) == 0) attempts += per_variant;
    }
    say("attempts %ld\n", attempts);
    return 0;
}
