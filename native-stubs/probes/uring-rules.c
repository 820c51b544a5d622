/*
 * The kernel's io_uring rules that decide how a sandbox could let a program have a ring
 * (docs/design-notes.md, "io_uring: rings restricted before the program gets them"). Runs natively; each line
 * is one rule as this kernel applies it.
 *
 *   uring-rules          the rules, a deterministic transcript
 *   uring-rules race N   N setups whose io_uring_params a second thread rewrites while the
 *                        kernel may be reading them; prints how many rings came out enabled
 *                        although the caller had asked IORING_SETUP_R_DISABLED
 *   uring-rules setups N THREADS
 *                        N setups (each ring closed again) while THREADS other threads wait
 *                        in read(2) on a pipe: what a ring's setup costs (time it)
 */
#include "probe.h"
#include "uring.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/un.h>

static void print_call(const char *what, long result) {
    if (result < 0) say("%s: -1 %s\n", what, errno_name(errno));
    else say("%s: ok\n", what);
}

static void print_cqe(const char *what, int res) {
    if (res <= -10000) say("%s: io_uring_enter -1 %s\n", what, errno_name(-(res + 10000)));
    else if (res < 0) say("%s: cqe %s\n", what, errno_name(-res));
    else say("%s: cqe ok\n", what);
}

/* Every SQE opcode below `last` but those in `refused`, and every SQE flag. */
static int restrictions(struct uring_restriction *out, int last, const int *refused, int refused_count) {
    int n = 0;
    for (int op = 0; op < last; op++) {
        int skip = 0;
        for (int i = 0; i < refused_count; i++) skip |= refused[i] == op;
        if (skip) continue;
        memset(&out[n], 0, sizeof out[n]);
        out[n].opcode = URING_RESTRICTION_SQE_OP;
        out[n].op = (uint8_t)op;
        n++;
    }
    memset(&out[n], 0, sizeof out[n]);
    out[n].opcode = URING_RESTRICTION_SQE_FLAGS_ALLOWED;
    out[n].op = 0xff;
    return n + 1;
}

static int send_descriptor(int socket, int fd) {
    char byte = 0;
    struct iovec data = {&byte, 1};
    char control[CMSG_SPACE(sizeof(int))];
    struct msghdr message = {.msg_iov = &data, .msg_iovlen = 1, .msg_control = control,
                             .msg_controllen = sizeof control};
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(header), &fd, sizeof fd);
    return (int)sendmsg(socket, &message, MSG_DONTWAIT);
}

static void rules(void) {
    /* 1. io_uring_setup writes its params back before it installs the descriptor
     *    (io_uring/io_uring.c: io_uring_create): params the caller cannot write give EFAULT
     *    and no descriptor. */
    struct uring_params *readonly = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(readonly, 0, sizeof *readonly);
    readonly->flags = URING_SETUP_R_DISABLED;
    mprotect(readonly, 4096, PROT_READ);
    int before = open_descriptors();
    print_call("setup with read-only params", uring_setup(4, readonly));
    say("new descriptors: %d\n", open_descriptors() - before);

    /* 2. A disabled ring takes one set of restrictions, then refuses the refused opcodes with
     *    EACCES in their CQE (io_uring/register.c: io_register_restrictions; io_uring.c:
     *    io_check_restriction). */
    struct uring ring;
    int fd = uring_init(&ring, 8, URING_SETUP_R_DISABLED);
    print_call("setup disabled", fd);
    if (fd < 0) return;
    struct uring_sqe sqe;
    print_call("io_uring_enter on a disabled ring", uring_enter(fd, 0, 0, 0));
    static const int refused[] = {OP_CONNECT, OP_SOCKET};
    struct uring_restriction list[80];
    int n = restrictions(list, 200, refused, 2);
    print_call("restrictions naming an opcode past the kernel's last", uring_register(fd, URING_REGISTER_RESTRICTIONS, list, n));
    struct { uint8_t last_op, ops_len; uint16_t resv; uint32_t resv2[3]; struct { uint8_t op, resv; uint16_t flags; uint32_t resv2; } ops[256]; } probe;
    memset(&probe, 0, sizeof probe);
    print_call("probe", uring_register(fd, URING_REGISTER_PROBE, &probe, 256));
    n = restrictions(list, probe.last_op + 1, refused, 2);
    print_call("restrictions", uring_register(fd, URING_REGISTER_RESTRICTIONS, list, n));
    print_call("restrictions again", uring_register(fd, URING_REGISTER_RESTRICTIONS, list, n));
    print_call("enable", uring_register(fd, URING_REGISTER_ENABLE_RINGS, NULL, 0));
    print_call("restrictions on an enabled ring", uring_register(fd, URING_REGISTER_RESTRICTIONS, list, n));
    memset(&sqe, 0, sizeof sqe);
    sqe.opcode = OP_SOCKET;
    sqe.fd = AF_UNIX;
    sqe.off = SOCK_STREAM;
    print_cqe("socket", uring_run(&ring, &sqe));
    int pair[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
    struct sockaddr_un name = {.sun_family = AF_UNIX};
    memcpy(name.sun_path, "\0uring-rules", 12);
    memset(&sqe, 0, sizeof sqe);
    sqe.opcode = OP_CONNECT;
    sqe.fd = pair[0];
    sqe.addr = (uint64_t)(uintptr_t)&name;
    sqe.off = sizeof(sa_family_t) + 12;
    print_cqe("connect", uring_run(&ring, &sqe));
    memset(&sqe, 0, sizeof sqe);
    sqe.opcode = OP_NOP;
    sqe.flags = 1U << 2; /* IOSQE_IO_LINK */
    print_cqe("nop, linked", uring_run(&ring, &sqe));

    /* 3. A ring's descriptor cannot cross an AF_UNIX socket (net/core/scm.c: scm_fp_copy). */
    print_call("SCM_RIGHTS of a ring", send_descriptor(pair[0], fd));

    /* 4. Nor can it be opened again through /proc (an anonymous inode), while pidfd_getfd(2)
     *    copies it like any descriptor. */
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    long reopened = open(link, O_RDWR | O_CLOEXEC);
    print_call("open /proc/self/fd of a ring", reopened);
    if (reopened >= 0) close((int)reopened);
    long pidfd = syscall(434 /* pidfd_open */, getpid(), 0);
    long copy = pidfd < 0 ? -1 : syscall(438 /* pidfd_getfd */, pidfd, fd, 0);
    print_call("pidfd_getfd of a ring", copy);
    if (copy >= 0) close((int)copy);
    if (pidfd >= 0) close((int)pidfd);
    uring_free(&ring);
    close(pair[0]);
    close(pair[1]);
}

/* 5. An SQPOLL ring made disabled: its poller submits nothing until the ring is enabled, and
 *    then obeys the restrictions registered before (io_uring/sqpoll.c: __io_sq_thread skips
 *    a ring with IORING_SETUP_R_DISABLED). */
static void sqpoll(void) {
    struct uring ring;
    int fd = uring_init(&ring, 8, URING_SETUP_R_DISABLED | URING_SETUP_SQPOLL);
    print_call("setup sqpoll disabled", fd);
    if (fd < 0) return;
    struct uring_sqe sqe;
    memset(&sqe, 0, sizeof sqe);
    sqe.opcode = OP_SOCKET;
    sqe.fd = AF_UNIX;
    sqe.off = SOCK_STREAM;
    uring_queue(&ring, &sqe);
    usleep(100000);
    struct uring_cqe cqe;
    say("completions while disabled: %d\n", uring_reap(&ring, &cqe));
    static const int refused[] = {OP_SOCKET};
    struct uring_restriction list[80];
    int n = restrictions(list, 45 + 1, refused, 1);
    print_call("restrictions", uring_register(fd, URING_REGISTER_RESTRICTIONS, list, n));
    print_call("enable", uring_register(fd, URING_REGISTER_ENABLE_RINGS, NULL, 0));
    int got = 0;
    for (int i = 0; i < 200 && !got; i++) {
        uring_enter(fd, 0, 0, 1U << 1 /* IORING_ENTER_SQ_WAKEUP */);
        got = uring_reap(&ring, &cqe);
        if (!got) usleep(10000);
    }
    if (got) say("socket queued before enable: cqe %s\n", cqe.res < 0 ? errno_name(-cqe.res) : "ok");
    else say("socket queued before enable: no completion\n");
    uring_free(&ring);
}

static struct uring_params *shared_params;
static volatile int racing;

static void *rewrite(void *unused) {
    (void)unused;
    while (racing) __atomic_store_n(&shared_params->flags, 0U, __ATOMIC_RELAXED);
    return NULL;
}

static void race(long setups) {
    shared_params = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    racing = 1;
    pthread_t racer;
    pthread_create(&racer, NULL, rewrite, NULL);
    long enabled = 0, made = 0;
    for (long i = 0; i < setups; i++) {
        memset(shared_params, 0, sizeof *shared_params);
        shared_params->flags = URING_SETUP_R_DISABLED;
        long fd = uring_setup(2, shared_params);
        if (fd < 0) continue;
        made++;
        /* Restrictions are refused with EBADFD on a ring that is not disabled. */
        if (uring_register((int)fd, URING_REGISTER_RESTRICTIONS, NULL, 0) < 0 && errno == EBADFD) enabled++;
        close((int)fd);
    }
    racing = 0;
    pthread_join(racer, NULL);
    say("setups %ld rings %ld enabled-by-the-racer %ld\n", setups, made, enabled);
}

static int idle_pipe[2];

static void *idle(void *unused) {
    (void)unused;
    char byte;
    read(idle_pipe[0], &byte, 1);
    return NULL;
}

static void setups(long count, int threads) {
    pipe(idle_pipe);
    pthread_t waiting[64];
    if (threads > 64) threads = 64;
    for (int i = 0; i < threads; i++) pthread_create(&waiting[i], NULL, idle, NULL);
    long made = 0;
    for (long i = 0; i < count; i++) {
        struct uring_params params;
        memset(&params, 0, sizeof params);
        long fd = uring_setup(4, &params);
        if (fd >= 0) {
            made++;
            close((int)fd);
        }
    }
    close(idle_pipe[1]);
    for (int i = 0; i < threads; i++) pthread_join(waiting[i], NULL);
    say("setups %ld rings %ld\n", count, made);
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "setups") == 0) setups(atol(argv[2]), atoi(argv[3]));
    else if (argc == 3 && strcmp(argv[1], "race") == 0) race(atol(argv[2]));
    else if (argc == 1) {
        rules();
        sqpoll();
    }
    else {
        fprintf(stderr, "usage: uring-rules [race N]\n");
        return 2;
    }
    return 0;
}
