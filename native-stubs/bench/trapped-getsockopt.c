/*
 * Cost of one trapped call: getsockopt(SOL_SOCKET, SO_TYPE) on an AF_UNIX socket is
 * trapped by the filter (SECCOMP_RET_TRACE) and answered by the tracer, yet does almost no
 * work in the kernel. Time under a tracer minus native time is the tracer's cost per call.
 * The warm-up calls are not timed, so a tracer's first-call costs (class loading, JIT
 * compilation, caches) stay out of the steady-state figure.
 *
 *   trapped-getsockopt [ITERATIONS] [WARMUP]    prints ns per call
 */
#include "bench.h"

#include <sys/socket.h>
#include <unistd.h>

static void check_type(int fd) {
    int type = 0;
    socklen_t length = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0) bench_die("getsockopt");
    if (type != SOCK_STREAM || length != sizeof type) {
        fprintf(stderr, "trapped-getsockopt: SO_TYPE %d (length %u)\n", type, (unsigned)length);
        exit(1);
    }
}

int main(int argc, char **argv) {
    long iterations = bench_iterations(argc, argv, 10000);
    long warmup = bench_warmup(argc, argv, 2000);
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) bench_die("socketpair");
    for (long i = 0; i < warmup; i++) check_type(fds[0]);
    long long start = bench_now_ns();
    for (long i = 0; i < iterations; i++) check_type(fds[0]);
    long long end = bench_now_ns();
    close(fds[0]);
    close(fds[1]);
    bench_report(start, end, iterations);
    return 0;
}
