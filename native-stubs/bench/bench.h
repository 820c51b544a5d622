/*
 * Shared by the timed benchmark programs. Each one times only its loop, so that process
 * and JVM start-up stay out of the number, and prints one line on stdout: nanoseconds per
 * iteration. The harness (integration-tests/bench/run) compares that line natively and
 * under the sandbox.
 */
#ifndef JVISOR_BENCH_H
#define JVISOR_BENCH_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>

static inline long long bench_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline void bench_die(const char *what) {
    fprintf(stderr, "%s: %s\n", what, strerror(errno));
    exit(1);
}

/* argv[index] as a count of at least minimum, or fallback when absent. */
static inline long bench_argument(int argc, char **argv, int index, long fallback, long minimum) {
    if (argc <= index) return fallback;
    char *end;
    long value = strtol(argv[index], &end, 10);
    if (*end != '\0' || value < minimum) {
        fprintf(stderr, "usage: %s [ITERATIONS] [WARMUP]\n", argv[0]);
        exit(2);
    }
    return value;
}

/* The timed iterations, argv[1]: at least one. */
static inline long bench_iterations(int argc, char **argv, long fallback) {
    return bench_argument(argc, argv, 1, fallback, 1);
}

/* The untimed warm-up iterations, argv[2]: 0 measures a cold sandbox's first calls. */
static inline long bench_warmup(int argc, char **argv, long fallback) {
    return bench_argument(argc, argv, 2, fallback, 0);
}

/* Waits for a forked helper; it must have exited with status 0. */
static inline void bench_wait_child(pid_t child, const char *name) {
    int status;
    while (waitpid(child, &status, 0) < 0)
        if (errno != EINTR) bench_die("waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "%s: the child process failed (wait status 0x%x)\n", name, status);
        exit(1);
    }
}

static inline void bench_report(long long start_ns, long long end_ns, long iterations) {
    printf("%.2f\n", (double)(end_ns - start_ns) / (double)iterations);
}

#endif
