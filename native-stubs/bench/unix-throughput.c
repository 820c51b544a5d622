/*
 * AF_UNIX stream bandwidth: the parent write()s 64 KiB blocks into a SOCK_STREAM
 * socketpair and the forked child read()s them with a 64 KiB buffer; when the child has
 * all the bytes it sends one back, which ends the timed part. As in unix-pingpong, only
 * socketpair and fork are seen by the sandbox; the data moves with read and write.
 *
 *   unix-throughput [WRITES] [WARMUP]    prints ns per 64 KiB write
 */
#include "bench.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define BLOCK (64 * 1024)

static char buffer[BLOCK];

/* A blocking write of a whole block, resumed if it is cut short. */
static void write_block(int fd) {
    size_t done = 0;
    while (done < BLOCK) {
        ssize_t n = write(fd, buffer + done, BLOCK - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) bench_die("unix-throughput: write");
        done += (size_t)n;
    }
}

/* The child: reads `blocks` blocks' worth of bytes, then acknowledges with one byte. */
static void receive(int fd, long blocks) {
    long long left = (long long)blocks * BLOCK;
    while (left > 0) {
        ssize_t n = read(fd, buffer, BLOCK);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) bench_die("unix-throughput: child read");
        if (n == 0) {
            fprintf(stderr, "unix-throughput: child: end of stream with %lld bytes to come\n", left);
            _exit(1);
        }
        left -= n;
    }
    char ack = 'k';
    ssize_t n;
    do n = write(fd, &ack, 1); while (n < 0 && errno == EINTR);
    if (n != 1) bench_die("unix-throughput: child write");
}

static void send_blocks(int fd, long blocks) {
    for (long i = 0; i < blocks; i++) write_block(fd);
    char ack;
    ssize_t n;
    do n = read(fd, &ack, 1); while (n < 0 && errno == EINTR);
    if (n < 0) bench_die("unix-throughput: read");
    if (n != 1 || ack != 'k') {
        fprintf(stderr, "unix-throughput: no acknowledgement from the reader\n");
        exit(1);
    }
}

int main(int argc, char **argv) {
    long iterations = bench_iterations(argc, argv, 20000);
    long warmup = bench_warmup(argc, argv, 200);
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
        bench_die("unix-throughput: socketpair");
    memset(buffer, 'x', sizeof buffer);
    pid_t child = fork();
    if (child < 0) bench_die("unix-throughput: fork");
    if (child == 0) {
        close(fds[0]);
        receive(fds[1], warmup);
        receive(fds[1], iterations);
        _exit(0);
    }
    close(fds[1]);
    send_blocks(fds[0], warmup);
    long long start = bench_now_ns();
    send_blocks(fds[0], iterations);
    long long end = bench_now_ns();
    close(fds[0]);
    bench_wait_child(child, "unix-throughput");
    bench_report(start, end, iterations);
    return 0;
}
