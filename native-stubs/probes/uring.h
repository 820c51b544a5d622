/*
 * A minimal io_uring client on raw system calls (no liburing): set up a ring, map it, submit
 * one SQE and wait for its CQE. The layouts are those of include/uapi/linux/io_uring.h,
 * written here because the build machine's kernel headers may predate the opcodes used.
 */
#ifndef JVISOR_URING_H
#define JVISOR_URING_H

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define URING_SETUP 425
#define URING_ENTER 426
#define URING_REGISTER 427

#define URING_SETUP_SQPOLL (1U << 1)
#define URING_SETUP_R_DISABLED (1U << 6)
#define URING_SETUP_SINGLE_ISSUER (1U << 12)
#define URING_SETUP_NO_MMAP (1U << 14)
#define URING_ENTER_GETEVENTS 1U
#define URING_ENTER_SQ_WAKEUP 2U
#define URING_REGISTER_PROBE 8
#define URING_REGISTER_PERSONALITY 9
#define URING_REGISTER_RESTRICTIONS 11
#define URING_REGISTER_ENABLE_RINGS 12
#define URING_RESTRICTION_SQE_OP 1
#define URING_RESTRICTION_SQE_FLAGS_ALLOWED 2
#define URING_OFF_SQ_RING 0ULL
#define URING_OFF_CQ_RING 0x8000000ULL
#define URING_OFF_SQES 0x10000000ULL

enum uring_op {
    OP_NOP = 0, OP_READV = 1, OP_WRITEV = 2, OP_FSYNC = 3, OP_POLL_ADD = 6, OP_SENDMSG = 9,
    OP_RECVMSG = 10, OP_TIMEOUT = 11, OP_ACCEPT = 13, OP_CONNECT = 16, OP_OPENAT = 18,
    OP_CLOSE = 19, OP_READ = 22, OP_WRITE = 23, OP_SEND = 26, OP_RECV = 27, OP_SHUTDOWN = 34,
    OP_MSG_RING = 40, OP_SOCKET = 45, OP_URING_CMD = 46, OP_SEND_ZC = 47, OP_SENDMSG_ZC = 48,
    OP_BIND = 56, OP_LISTEN = 57,
};

struct uring_sqring_offsets {
    uint32_t head, tail, ring_mask, ring_entries, flags, dropped, array, resv1;
    uint64_t user_addr;
};

struct uring_cqring_offsets {
    uint32_t head, tail, ring_mask, ring_entries, overflow, cqes, flags, resv1;
    uint64_t user_addr;
};

struct uring_params {
    uint32_t sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features, wq_fd;
    uint32_t resv[3];
    struct uring_sqring_offsets sq_off;
    struct uring_cqring_offsets cq_off;
};

struct uring_sqe {
    uint8_t opcode, flags;
    uint16_t ioprio;
    int32_t fd;
    uint64_t off;           /* also addr2 */
    uint64_t addr;
    uint32_t len;
    uint32_t op_flags;      /* rw_flags, msg_flags, open_flags, ... */
    uint64_t user_data;
    uint16_t buf_index, personality;
    union {
        int32_t splice_fd_in;
        uint32_t file_index;
        struct { uint16_t addr_len, pad3; };
    };
    uint64_t addr3, pad2;
};

struct uring_cqe {
    uint64_t user_data;
    int32_t res;
    uint32_t flags;
};

struct uring_restriction {
    uint16_t opcode;
    uint8_t op;             /* register_op, sqe_op or sqe_flags */
    uint8_t resv;
    uint32_t resv2[3];
};

struct uring {
    int fd;
    struct uring_params params;
    unsigned char *sq, *cq;
    struct uring_sqe *sqes;
    size_t sq_size, cq_size, sqes_size;
};

static inline long uring_setup(unsigned entries, struct uring_params *params) {
    return syscall(URING_SETUP, entries, params);
}

static inline long uring_enter(int fd, unsigned submit, unsigned complete, unsigned flags) {
    return syscall(URING_ENTER, fd, submit, complete, flags, NULL, 0);
}

static inline long uring_register(int fd, unsigned opcode, void *arg, unsigned count) {
    return syscall(URING_REGISTER, fd, opcode, arg, count);
}

/* Maps the rings of descriptor `fd`, whose setup filled `ring->params`; -1 and errno on failure. */
static inline int uring_map(struct uring *ring, int fd) {
    struct uring_params *p = &ring->params;
    ring->fd = fd;
    ring->sq_size = p->sq_off.array + p->sq_entries * sizeof(uint32_t);
    ring->cq_size = p->cq_off.cqes + p->cq_entries * sizeof(struct uring_cqe);
    ring->sqes_size = p->sq_entries * sizeof(struct uring_sqe);
    ring->sq = mmap(NULL, ring->sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, URING_OFF_SQ_RING);
    if (ring->sq == MAP_FAILED) return -1;
    ring->cq = mmap(NULL, ring->cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, URING_OFF_CQ_RING);
    if (ring->cq == MAP_FAILED) return -1;
    ring->sqes = mmap(NULL, ring->sqes_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, URING_OFF_SQES);
    if (ring->sqes == MAP_FAILED) return -1;
    return 0;
}

/* Sets up and maps a ring of `entries` with `flags`; the descriptor, or -1 and errno. */
static inline int uring_init(struct uring *ring, unsigned entries, unsigned flags) {
    memset(ring, 0, sizeof *ring);
    ring->params.flags = flags;
    long fd = uring_setup(entries, &ring->params);
    if (fd < 0) return -1;
    if (uring_map(ring, (int)fd) < 0) {
        int error = errno;
        close((int)fd);
        errno = error;
        return -1;
    }
    return (int)fd;
}

static inline void uring_free(struct uring *ring) {
    munmap(ring->sq, ring->sq_size);
    munmap(ring->cq, ring->cq_size);
    munmap(ring->sqes, ring->sqes_size);
    close(ring->fd);
}

/* Queues `sqe` (not yet submitted). */
static inline void uring_queue(struct uring *ring, const struct uring_sqe *sqe) {
    uint32_t *tail = (uint32_t *)(ring->sq + ring->params.sq_off.tail);
    uint32_t mask = *(uint32_t *)(ring->sq + ring->params.sq_off.ring_mask);
    uint32_t *array = (uint32_t *)(ring->sq + ring->params.sq_off.array);
    uint32_t at = __atomic_load_n(tail, __ATOMIC_RELAXED);
    ring->sqes[at & mask] = *sqe;
    array[at & mask] = at & mask;
    __atomic_store_n(tail, at + 1, __ATOMIC_RELEASE);
}

/* Takes the next CQE into `out` if there is one: 1, else 0. */
static inline int uring_reap(struct uring *ring, struct uring_cqe *out) {
    uint32_t *head = (uint32_t *)(ring->cq + ring->params.cq_off.head);
    uint32_t *tail = (uint32_t *)(ring->cq + ring->params.cq_off.tail);
    uint32_t mask = *(uint32_t *)(ring->cq + ring->params.cq_off.ring_mask);
    uint32_t at = __atomic_load_n(head, __ATOMIC_RELAXED);
    if (at == __atomic_load_n(tail, __ATOMIC_ACQUIRE)) return 0;
    *out = ((struct uring_cqe *)(ring->cq + ring->params.cq_off.cqes))[at & mask];
    __atomic_store_n(head, at + 1, __ATOMIC_RELEASE);
    return 1;
}

#define URING_CQE_F_MORE (1U << 1)

/* Submits `sqe` and waits for its completion: the CQE's res, or a failure of io_uring_enter
 * as (-errno - 10000), out of the range of results. A zero-copy send's notification (the
 * second CQE, announced by IORING_CQE_F_MORE) is waited for and dropped. */
static inline int uring_run(struct uring *ring, const struct uring_sqe *sqe) {
    struct uring_cqe cqe, notification;
    /* IORING_ENTER_SQ_WAKEUP wakes an SQPOLL ring's poller, asleep once idle; other rings
     * ignore it. */
    const unsigned flags = URING_ENTER_GETEVENTS | URING_ENTER_SQ_WAKEUP;
    uring_queue(ring, sqe);
    if (uring_enter(ring->fd, 1, 1, flags) < 0) return -errno - 10000;
    while (!uring_reap(ring, &cqe))
        if (uring_enter(ring->fd, 0, 1, flags) < 0) return -errno - 10000;
    if (cqe.flags & URING_CQE_F_MORE)
        while (!uring_reap(ring, &notification))
            if (uring_enter(ring->fd, 0, 1, flags) < 0) return -errno - 10000;
    return cqe.res;
}

/* An SQE of `opcode` on `fd`, its buffer or address, length and offset; every other field 0. */
static inline struct uring_sqe uring_sqe_of(int opcode, int fd, const void *addr, unsigned len, uint64_t off) {
    struct uring_sqe sqe;
    memset(&sqe, 0, sizeof sqe);
    sqe.opcode = (uint8_t)opcode;
    sqe.fd = fd;
    sqe.addr = (uint64_t)(uintptr_t)addr;
    sqe.len = len;
    sqe.off = off;
    return sqe;
}

#endif
