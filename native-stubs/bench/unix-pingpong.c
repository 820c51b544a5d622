/*
 * AF_UNIX stream latency: a 1-byte round trip over a SOCK_STREAM socketpair between two
 * processes. The parent write()s one byte and read()s the echo; the forked child read()s
 * each byte and write()s it back. Only socketpair and fork are seen by the sandbox: the
 * data moves with read and write, which the filter lets through, so the ratio is that of
 * plain kernel I/O between two processes.
 *
 *   unix-pingpong [ROUND_TRIPS] [WARMUP]    prints ns per round trip
 */
#include "bench.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Exactly one byte each way; anything else is a failure. */
static void send_byte(int fd, char byte, const char *who) {
    ssize_t n;
    do n = write(fd, &byte, 1); while (n < 0 && errno == EINTR);
    if (n != 1) bench_die(who);
}

static int receive_byte(int fd, char *byte, const char *who) {
    ssize_t n;
    do n = read(fd, byte, 1); while (n < 0 && errno == EINTR);
    if (n < 0) bench_die(who);
    return (int)n;
}

static void echo(int fd) {
    char byte;
    while (receive_byte(fd, &byte, "unix-pingpong: child read") == 1)
        send_byte(fd, byte, "unix-pingpong: child write");
    _exit(0);
}

static void round_trips(int fd, long count) {
    for (long i = 0; i < count; i++) {
        char byte = (char)i, back;
        send_byte(fd, byte, "unix-pingpong: write");
        if (receive_byte(fd, &back, "unix-pingpong: read") != 1 || back != byte) {
            fprintf(stderr, "unix-pingpong: the echo of round trip %ld is wrong or missing\n", i);
            exit(1);
        }
    }
}

int main(int argc, char **argv) {
    long iterations = bench_iterations(argc, argv, 50000);
    long warmup = bench_warmup(argc, argv, 1000);
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
        bench_die("unix-pingpong: socketpair");
    pid_t child = fork();
    if (child < 0) bench_die("unix-pingpong: fork");
    if (child == 0) {
        close(fds[0]);
        echo(fds[1]);
    }
    close(fds[1]);
    round_trips(fds[0], warmup);
    long long start = bench_now_ns();
    round_trips(fds[0], iterations);
    long long end = bench_now_ns();
    close(fds[0]);
    bench_wait_child(child, "unix-pingpong");
    bench_report(start, end, iterations);
    return 0;
}
