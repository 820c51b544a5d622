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
 * Prints, per thread, what io_uring_setup and each operation answered, then "attempts N"
 * and "successes N".
 */
#include "redteam.h"
#include "../probes/uring.h"

#include <pthread.h>

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
        memset(&sqe, 0, sizeof sqe);
        sqe.opcode = OP_SENDMSG;
        sqe.fd = datagram;
        sqe.addr = (uint64_t)(uintptr_t)&header;
        sqe.len = 1;
        sqe.op_flags = MSG_DONTWAIT;
        note(w, 1, uring_run(ring, &sqe));

        memset(&sqe, 0, sizeof sqe);
        sqe.opcode = OP_SEND;
        sqe.fd = datagram;
        sqe.addr = (uint64_t)(uintptr_t)&byte;
        sqe.len = 1;
        sqe.op_flags = MSG_DONTWAIT;
        sqe.off = (uint64_t)(uintptr_t)&dgram[t].sun;   /* addr2: the destination */
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

static void *work(void *argument) {
    struct worker *w = argument;
    int datagram = socket(AF_UNIX, SOCK_DGRAM, 0);
    for (long i = 0; i < w->attempts; i++) {
        struct uring ring;
        if (uring_init(&ring, 8, 0) < 0) {
            note(w, 5, -errno);
            w->tried += 7;   /* the attempt's calls, none of which could be made */
            continue;
        }
        w->ok[5]++;
        attempt(w, &ring, datagram);
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
    struct worker workers[2];
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) {
        memset(&workers[i], 0, sizeof workers[i]);
        workers[i] = (struct worker){.index = i, .dir = argv[1], .token = argv[2], .attempts = atol(argv[3])};
        pthread_create(&threads[i], NULL, work, &workers[i]);
    }
    long attempts = 0, successes = 0;
    for (int i = 0; i < 2; i++) {
        pthread_join(threads[i], NULL);
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
