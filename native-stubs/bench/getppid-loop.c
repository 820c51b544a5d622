/*
 * Untrapped syscall cost: getppid passes the seccomp filter (ALLOW) and runs natively, so
 * under the sandbox each call costs only the filter's evaluation. The raw syscall avoids
 * any caching in the C library.
 *
 *   getppid-loop [ITERATIONS]    prints ns per call
 */
#include "bench.h"

#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long iterations = bench_iterations(argc, argv, 1000000);
    long sink = 0;
    long long start = bench_now_ns();
    for (long i = 0; i < iterations; i++) sink += syscall(SYS_getppid);
    long long end = bench_now_ns();
    if (sink <= 0) {
        fprintf(stderr, "getppid-loop: unexpected parent pid\n");
        return 1;
    }
    bench_report(start, end, iterations);
    return 0;
}
