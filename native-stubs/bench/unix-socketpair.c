/*
 * AF_UNIX socket creation: socketpair(AF_UNIX, SOCK_STREAM) and closing both ends. The
 * sandbox traps each socketpair (close is not trapped), so this is the cost of making a
 * connected pair, as programs do for every child they talk to.
 *
 *   unix-socketpair [PAIRS] [WARMUP]    prints ns per pair
 */
#include "bench.h"

#include <sys/socket.h>
#include <unistd.h>

static void pair_once(void) {
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
        bench_die("unix-socketpair: socketpair");
    close(fds[0]);
    close(fds[1]);
}

int main(int argc, char **argv) {
    long iterations = bench_iterations(argc, argv, 100000);
    long warmup = bench_warmup(argc, argv, 2000);
    for (long i = 0; i < warmup; i++) pair_once();
    long long start = bench_now_ns();
    for (long i = 0; i < iterations; i++) pair_once();
    long long end = bench_now_ns();
    bench_report(start, end, iterations);
    return 0;
}
