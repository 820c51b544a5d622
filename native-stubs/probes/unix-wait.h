/*
 * Helpers for probes whose threads and processes wait on each other: thread ids, waiting
 * until a thread sleeps in a blocking call, a monotonic clock, and names for poll events,
 * so that a probe can order "thread X is blocked" before "thread Y acts" without printing
 * anything that varies between runs.
 */
#ifndef JVISOR_UNIX_WAIT_H
#define JVISOR_UNIX_WAIT_H

#include "probe.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>

static inline pid_t thread_id(void) {
    return (pid_t)syscall(SYS_gettid);
}

/* Opens the stat file of THREAD of PROCESS for wait_blocked (-1 if it cannot). Open it before
 * the watched thread starts its call and close it after: waiting then takes no descriptor,
 * which matters because an accept takes its descriptor number before it sleeps, and a number
 * the waiting thread held for a moment would change it. */
static inline int watch_open(pid_t process, pid_t thread) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)process, (int)thread);
    return open(path, O_RDONLY | O_CLOEXEC);
}

/* The scheduler state letter of the watched thread (R, S, D, t, Z, ...), or '?'. */
static inline char watched_state(int watch) {
    char text[512];
    ssize_t n = pread(watch, text, sizeof text - 1, 0);
    if (n <= 0) return '?';
    text[n] = '\0';
    /* "TID (COMM) STATE ...": COMM may hold spaces and parentheses, so look after the last ')'. */
    char *end = strrchr(text, ')');
    return end != NULL && end[1] == ' ' ? end[2] : '?';
}

/* Waits (up to about five seconds) until the watched thread sleeps interruptibly, that is until
 * it has entered the blocking call it announced just before, and then a little longer.
 * Returns 1 if it did, 0 if it never did (the caller prints that, and the transcript differs).
 * The caller must make sure the thread does nothing else that sleeps between announcing the
 * call and making it. */
static inline int wait_blocked(int watch) {
    for (int i = 0; i < 5000; i++) {
        if (watched_state(watch) == 'S') {
            struct timespec pause = {0, 10 * 1000 * 1000};
            nanosleep(&pause, NULL);
            if (watched_state(watch) == 'S') return 1;
        }
        struct timespec pause = {0, 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    return 0;
}

static inline long long monotonic_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* A wait bounded by a socket timeout of TIMEOUT_MS ends no earlier than the timeout, less the
 * rounding of the timeout to scheduler ticks (net/core/sock.c: sock_set_timeout rounds it up
 * to jiffies, and a wait of N jiffies may start part way into the first): 1 if it did. */
static inline int waited_for(long long elapsed_ms, long long timeout_ms) {
    return elapsed_ms >= timeout_ms - 10;
}

/* Poll event names in one fixed order; "0" for none. */
static inline const char *poll_event_names(int revents, char *text, size_t size) {
    static const struct { int flag; const char *name; } names[] = {
        {POLLIN, "POLLIN"}, {POLLPRI, "POLLPRI"}, {POLLOUT, "POLLOUT"}, {POLLERR, "POLLERR"},
        {POLLHUP, "POLLHUP"}, {POLLNVAL, "POLLNVAL"}, {POLLRDNORM, "POLLRDNORM"},
        {POLLRDBAND, "POLLRDBAND"}, {POLLWRNORM, "POLLWRNORM"}, {POLLWRBAND, "POLLWRBAND"},
        {POLLRDHUP, "POLLRDHUP"},
    };
    size_t used = 0;
    text[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(revents & names[i].flag)) continue;
        used += (size_t)snprintf(text + used, size - used, "%s%s", used ? "|" : "", names[i].name);
        revents &= ~names[i].flag;
        if (used >= size) break;
    }
    if (revents && used < size) used += (size_t)snprintf(text + used, size - used, "%s0x%x", used ? "|" : "", revents);
    if (!used) snprintf(text, size, "0");
    return text;
}

#endif
