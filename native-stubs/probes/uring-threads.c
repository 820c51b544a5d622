/*
 * Rings made while other threads run (issue 18: jvisor holds every other thread while it
 * makes one): threads that make rings at once and use them; a ring made by a vfork child
 * while its parent waits; a ring made after the main thread has left with pthread_exit
 * (its thread group leader a zombie). The transcript must be identical under jvisor.
 *
 *   uring-threads THREADS RINGS
 */
#include "probe.h"
#include "uring.h"

#include <pthread.h>
#include <sys/wait.h>

static long rings_each;

static int ring_nop(void) {
    struct uring ring;
    if (uring_init(&ring, 4, 0) < 0) return -errno;
    struct uring_sqe sqe;
    memset(&sqe, 0, sizeof sqe);
    sqe.opcode = OP_NOP;
    int res = uring_run(&ring, &sqe);
    uring_free(&ring);
    return res;
}

static void *maker(void *argument) {
    long *good = argument;
    for (long i = 0; i < rings_each; i++)
        if (ring_nop() == 0) (*good)++;
    return NULL;
}

static void *after_main(void *unused) {
    (void)unused;
    say("ring after the main thread left: nop %s\n", ring_nop() == 0 ? "ok" : "failed");
    exit(0);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: uring-threads THREADS RINGS\n");
        return 2;
    }
    int threads = atoi(argv[1]);
    rings_each = atol(argv[2]);
    if (threads < 1 || threads > 64) return 2;
    pthread_t makers[64];
    long good[64] = {0};
    for (int i = 0; i < threads; i++) pthread_create(&makers[i], NULL, maker, &good[i]);
    long total = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(makers[i], NULL);
        total += good[i];
    }
    say("%d threads x %ld rings: %ld nops ok\n", threads, rings_each, total);

    pid_t child = vfork();
    if (child == 0) _exit(ring_nop() == 0 ? 0 : 1);
    int status = 0;
    waitpid(child, &status, 0);
    say("ring made by a vfork child: %s\n", WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "ok" : "failed");

    fflush(stdout);
    pthread_t last;
    pthread_create(&last, NULL, after_main, NULL);
    pthread_exit(NULL);
}
