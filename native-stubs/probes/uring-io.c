/*
 * io_uring's file operations and ring management, which run under jvisor as natively (issue
 * 18): the transcript must be identical. Covers what LTP's io_uring01 checks (setup, mapping
 * the rings, registered buffers, vectored reads and writes through them) and more: plain and
 * vectored reads and writes, fsync, nop, timeout, poll, registered files, linked requests,
 * the probe, an SQPOLL ring, a single-issuer ring, a ring the program makes disabled and
 * restricts itself, and the errors of bad setups. The socket operations, which jvisor refuses,
 * are elsewhere (uring-sockets).
 */
#include "probe.h"
#include "uring.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/uio.h>

#define IOSQE_FIXED_FILE (1U << 0)
#define IOSQE_IO_LINK (1U << 2)
#define OP_READ_FIXED 4
#define OP_WRITE_FIXED 5
#define REGISTER_BUFFERS 0
#define REGISTER_FILES 2
#define SETUP_DEFER_TASKRUN (1U << 13)
#define ETIME_ERRNO 62

static void print_call(const char *what, long result) {
    if (result < 0) say("%s: -1 %s\n", what, errno_name(errno));
    else say("%s: ok\n", what);
}

static void print_cqe(const char *what, int res) {
    if (res <= -10000) say("%s: io_uring_enter -1 %s\n", what, errno_name(-(res + 10000)));
    else if (res == -ETIME_ERRNO) say("%s: cqe ETIME\n", what);
    else if (res < 0) say("%s: cqe %s\n", what, errno_name(-res));
    else say("%s: cqe %d\n", what, res);
}

static void file_operations(struct uring *ring, int file) {
    struct uring_sqe sqe = uring_sqe_of(OP_NOP, -1, NULL, 0, 0);
    print_cqe("nop", uring_run(ring, &sqe));
    const char text[] = "the quick brown fox";
    sqe = uring_sqe_of(OP_WRITE, file, text, sizeof text - 1, 0);
    print_cqe("write", uring_run(ring, &sqe));
    char back[64] = {0};
    sqe = uring_sqe_of(OP_READ, file, back, sizeof back, 0);
    print_cqe("read", uring_run(ring, &sqe));
    say("read back: %s\n", back);
    char a[4] = "abc", b[4] = "def";
    struct iovec out[2] = {{a, 3}, {b, 3}};
    sqe = uring_sqe_of(OP_WRITEV, file, out, 2, 100);
    print_cqe("writev", uring_run(ring, &sqe));
    char c[4] = {0}, d[5] = {0};
    struct iovec in[2] = {{c, 2}, {d, 4}};
    sqe = uring_sqe_of(OP_READV, file, in, 2, 100);
    print_cqe("readv", uring_run(ring, &sqe));
    say("readv back: %s %s\n", c, d);
    sqe = uring_sqe_of(OP_FSYNC, file, NULL, 0, 0);
    print_cqe("fsync", uring_run(ring, &sqe));
    struct { int64_t sec; long long nsec; } span = {0, 1000000};
    sqe = uring_sqe_of(OP_TIMEOUT, -1, &span, 1, 0);
    print_cqe("timeout 1 ms", uring_run(ring, &sqe));
    int pipe_ends[2];
    if (pipe(pipe_ends) == 0) {
        write(pipe_ends[1], "x", 1);
        sqe = uring_sqe_of(OP_POLL_ADD, pipe_ends[0], NULL, 0, 0);
        sqe.op_flags = POLLIN;
        print_cqe("poll readable pipe", uring_run(ring, &sqe));
        close(pipe_ends[0]);
        close(pipe_ends[1]);
    }
    /* A linked pair: both run, in order. */
    struct uring_sqe first = uring_sqe_of(OP_WRITE, file, "LINK", 4, 200);
    first.flags = IOSQE_IO_LINK;
    struct uring_sqe second = uring_sqe_of(OP_READ, file, back, 4, 200);
    memset(back, 0, sizeof back);
    uring_queue(ring, &first);
    uring_queue(ring, &second);
    print_call("submit the linked pair", uring_enter(ring->fd, 2, 2, URING_ENTER_GETEVENTS));
    struct uring_cqe cqe;
    for (int i = 0; i < 2; i++) {
        while (!uring_reap(ring, &cqe)) uring_enter(ring->fd, 0, 1, URING_ENTER_GETEVENTS);
        print_cqe(i == 0 ? "linked write" : "then read", cqe.res);
    }
    say("linked read back: %s\n", back);
    sqe = uring_sqe_of(OP_READ, 999, back, 4, 0);
    print_cqe("read of a descriptor not open", uring_run(ring, &sqe));
}

/* Registered buffers and files, as LTP io_uring01 registers its buffers. */
static void registered(struct uring *ring, int file) {
    static char buffers[2][32];
    struct iovec vectors[2] = {{buffers[0], 32}, {buffers[1], 32}};
    print_call("register buffers", uring_register(ring->fd, REGISTER_BUFFERS, vectors, 2));
    memcpy(buffers[0], "fixed buffer data", 17);
    struct uring_sqe sqe = uring_sqe_of(OP_WRITE_FIXED, file, buffers[0], 17, 300);
    sqe.buf_index = 0;
    print_cqe("write_fixed", uring_run(ring, &sqe));
    sqe = uring_sqe_of(OP_READ_FIXED, file, buffers[1], 17, 300);
    sqe.buf_index = 1;
    print_cqe("read_fixed", uring_run(ring, &sqe));
    say("read_fixed back: %.17s\n", buffers[1]);
    int files[1] = {file};
    print_call("register files", uring_register(ring->fd, REGISTER_FILES, files, 1));
    char back[8] = {0};
    sqe = uring_sqe_of(OP_READ, 0, back, 5, 300);
    sqe.flags = IOSQE_FIXED_FILE;
    print_cqe("read through registered file 0", uring_run(ring, &sqe));
    say("read back: %s\n", back);
    struct { uint8_t last_op, ops_len; uint16_t resv; uint32_t resv2[3]; struct { uint8_t op, resv; uint16_t flags; uint32_t resv2; } ops[256]; } probe;
    memset(&probe, 0, sizeof probe);
    print_call("probe", uring_register(ring->fd, URING_REGISTER_PROBE, &probe, 256));
    int supported = 0;
    for (int i = 0; i < probe.ops_len; i++) supported += probe.ops[i].flags & 1;
    say("probe: last op %d, %d supported\n", probe.last_op, supported);
}

/*
 * What LTP's io_uring01 checks: a ring of one entry, a registered buffer, a READ_FIXED of
 * 1,024 bytes of 'a' waited for by an io_uring_enter that passes a signal mask, one
 * completion, the buffer filled, the buffers unregistered.
 */
static void one_entry(void) {
    char path[] = "/tmp/uring-io-a-XXXXXX";
    int file = mkstemp(path);
    unlink(path);
    char fill[1024];
    memset(fill, 'a', sizeof fill);
    write(file, fill, sizeof fill);
    struct uring ring;
    int fd = uring_init(&ring, 1, 0);
    print_call("setup of one entry", fd);
    if (fd < 0) return;
    static char block[1024];
    struct iovec buffer = {block, sizeof block};
    print_call("register the buffer", uring_register(fd, REGISTER_BUFFERS, &buffer, 1));
    struct uring_sqe sqe = uring_sqe_of(OP_READ_FIXED, file, block, sizeof block, 0);
    uring_queue(&ring, &sqe);
    uint64_t mask = 0;
    long entered = syscall(URING_ENTER, fd, 1, 1, URING_ENTER_GETEVENTS, &mask, sizeof mask);
    say("io_uring_enter with a signal mask: %ld\n", entered < 0 ? -1L : entered);
    struct uring_cqe cqe;
    int events = 0;
    while (uring_reap(&ring, &cqe)) {
        events++;
        print_cqe("read_fixed", cqe.res);
    }
    int filled = 1;
    for (size_t i = 0; i < sizeof block; i++) filled &= block[i] == 'a';
    say("completions %d, buffer %s\n", events, filled ? "filled" : "not filled");
    print_call("unregister the buffers", uring_register(fd, 1 /* IORING_UNREGISTER_BUFFERS */, NULL, 0));
    uring_free(&ring);
    close(file);
}

static void ring_kind(const char *what, unsigned flags, int file) {
    struct uring ring;
    int fd = uring_init(&ring, 4, flags);
    print_call(what, fd);
    if (fd < 0) return;
    if (flags & URING_SETUP_R_DISABLED) {
        struct uring_restriction list[3];
        memset(list, 0, sizeof list);
        list[0].opcode = URING_RESTRICTION_SQE_OP;
        list[0].op = OP_NOP;
        list[1].opcode = URING_RESTRICTION_SQE_OP;
        list[1].op = OP_READ;
        print_call("own restrictions: nop and read", uring_register(fd, URING_REGISTER_RESTRICTIONS, list, 2));
        print_call("own restrictions again", uring_register(fd, URING_REGISTER_RESTRICTIONS, list, 2));
        print_call("enable", uring_register(fd, URING_REGISTER_ENABLE_RINGS, NULL, 0));
        print_call("enable again", uring_register(fd, URING_REGISTER_ENABLE_RINGS, NULL, 0));
        struct uring_sqe sqe = uring_sqe_of(OP_WRITE, file, "no", 2, 0);
        print_cqe("write, not in the ring's restrictions", uring_run(&ring, &sqe));
    }
    say("sq entries %u cq entries %u flags %#x\n", ring.params.sq_entries, ring.params.cq_entries, ring.params.flags);
    struct uring_sqe sqe = uring_sqe_of(OP_NOP, -1, NULL, 0, 0);
    print_cqe("nop", uring_run(&ring, &sqe));
    char back[4] = {0};
    sqe = uring_sqe_of(OP_READ, file, back, 3, 0);
    print_cqe("read", uring_run(&ring, &sqe));
    uring_free(&ring);
}

static void bad_setups(void) {
    int before = open_descriptors();
    struct uring_params params;
    memset(&params, 0, sizeof params);
    print_call("setup with 0 entries", uring_setup(0, &params));
    params.resv[1] = 1;
    print_call("setup with reserved bits", uring_setup(4, &params));
    memset(&params, 0, sizeof params);
    params.flags = 1U << 31;
    print_call("setup with an unknown flag", uring_setup(4, &params));
    print_call("setup with params at 0", uring_setup(4, NULL));
    struct uring_params *readonly = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    print_call("setup with read-only params", uring_setup(4, readonly));
    print_call("io_uring_enter of a non-ring", uring_enter(0, 0, 0, 0));
    print_call("enable of a non-ring", uring_register(0, URING_REGISTER_ENABLE_RINGS, NULL, 0));
    print_call("restrictions of a descriptor not open", uring_register(999, URING_REGISTER_RESTRICTIONS, NULL, 0));
    say("new descriptors: %d\n", open_descriptors() - before);
}

int main(void) {
    char path[] = "/tmp/uring-io-XXXXXX";
    int file = mkstemp(path);
    if (file < 0) {
        say("mkstemp: %s\n", errno_name(errno));
        return 1;
    }
    unlink(path);
    struct uring ring;
    int fd = uring_init(&ring, 8, 0);
    print_call("setup", fd);
    if (fd < 0) return 1;
    say("sq entries %u cq entries %u flags %#x\n", ring.params.sq_entries, ring.params.cq_entries, ring.params.flags);
    file_operations(&ring, file);
    registered(&ring, file);
    uring_free(&ring);
    one_entry();
    ring_kind("setup sqpoll", URING_SETUP_SQPOLL, file);
    ring_kind("setup single issuer, deferred task work", URING_SETUP_SINGLE_ISSUER | SETUP_DEFER_TASKRUN, file);
    ring_kind("setup disabled by the program", URING_SETUP_R_DISABLED, file);
    bad_setups();
    close(file);
    return 0;
}
