/*
 * Untrapped descriptor I/O: 1-byte reads from /dev/zero are the smallest real read(2),
 * which the filter lets through, so the loop shows what the filter adds to plain I/O.
 *
 *   zero-read [ITERATIONS]    prints ns per read
 */
#include "bench.h"

#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long iterations = bench_iterations(argc, argv, 1000000);
    int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
    if (fd < 0) bench_die("open /dev/zero");
    char byte;
    long long start = bench_now_ns();
    for (long i = 0; i < iterations; i++)
        if (read(fd, &byte, 1) != 1) bench_die("read /dev/zero");
    long long end = bench_now_ns();
    close(fd);
    bench_report(start, end, iterations);
    return 0;
}
