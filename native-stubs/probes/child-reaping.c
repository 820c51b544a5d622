/*
 * When a child's exit can be seen by its parent. Linux makes a child reapable and its pidfd
 * readable in one step (kernel/exit.c: exit_notify), so a parent that polls the pidfd, or
 * takes SIGCHLD, and then calls waitpid(WNOHANG) always reaps it; kselftest_harness.h and
 * process managers wait this way. Under ptrace a traced child's exit is first the tracer's
 * to see (kernel/exit.c: wait_consider_task leaves a traced zombie to its tracer), so the
 * same WNOHANG could find nothing yet.
 *
 * Each way a child ends, ROUNDS times: how many of the children were reapable at once.
 *
 *   child-reaping [ROUNDS]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

enum ending { EXIT, EXIT_IN_THREAD, KILLED, TERMINATED };
enum noticing { PIDFD_THEN_WAITPID, PIDFD_THEN_WAITID, SIGCHLD_THEN_WAITPID };

static const char *ending_name[] = {"exit", "exit_group from a second thread", "SIGKILL", "SIGTERM"};
static const char *noticing_name[] = {"pidfd poll, waitpid(WNOHANG)", "pidfd poll, waitid(P_PIDFD, WNOHANG)",
                                      "sigwaitinfo(SIGCHLD), waitpid(WNOHANG)"};

/* The leader is past pthread_create, which is all it does before pause(), when the second
 * thread ends the group. A thread that ended it sooner would kill a leader still stopped for
 * the tracer at its clone event, which then makes no exit stop (README, Known differences). */
static int leader_ready[2];

static void *exit_from_thread(void *unused) {
    (void)unused;
    char byte;
    while (read(leader_ready[0], &byte, 1) < 0 && errno == EINTR) {
    }
    syscall(SYS_exit_group, 3);
    return NULL;
}

static void child(enum ending ending) {
    switch (ending) {
    case EXIT:
        _exit(3);
    case EXIT_IN_THREAD: {
        pthread_t thread;
        if (pipe(leader_ready) != 0 || pthread_create(&thread, NULL, exit_from_thread, NULL) != 0) _exit(9);
        if (write(leader_ready[1], "", 1) != 1) _exit(9);
        for (;;) pause();
    }
    case KILLED:
    case TERMINATED:
        for (;;) pause();
    }
}

/* One child ended and noticed; returns 1 if waitpid/waitid reaped it at once, 0 if not, -1 on error. */
static int round_once(enum ending ending, enum noticing noticing) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) child(ending);
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0) return -1;
    if (ending == KILLED) kill(pid, SIGKILL);
    if (ending == TERMINATED) kill(pid, SIGTERM);
    if (noticing == SIGCHLD_THEN_WAITPID) {
        sigset_t chld;
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        siginfo_t info;
        while (sigwaitinfo(&chld, &info) < 0 && errno == EINTR) {
        }
    } else {
        struct pollfd readable = {.fd = pidfd, .events = POLLIN};
        while (poll(&readable, 1, -1) < 0 && errno == EINTR) {
        }
    }
    int reaped;
    if (noticing == PIDFD_THEN_WAITID) {
        siginfo_t info;
        memset(&info, 0, sizeof info);
        if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, WEXITED | WNOHANG) != 0) return -1;
        reaped = info.si_pid == pid;
    } else {
        int status;
        pid_t got = waitpid(pid, &status, WNOHANG);
        if (got < 0) return -1;
        reaped = got == pid;
    }
    if (!reaped) waitpid(pid, NULL, 0);
    close(pidfd);
    return reaped;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 100;
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    for (int noticing = PIDFD_THEN_WAITPID; noticing <= SIGCHLD_THEN_WAITPID; noticing++) {
        for (int ending = EXIT; ending <= TERMINATED; ending++) {
            int at_once = 0;
            for (int i = 0; i < rounds; i++) {
                int reaped = round_once((enum ending)ending, (enum noticing)noticing);
                if (reaped < 0) {
                    printf("%s, %s: error %s\n", ending_name[ending], noticing_name[noticing], strerror(errno));
                    return 1;
                }
                at_once += reaped;
                /* A SIGCHLD of this round left pending would end the next round's wait early. */
                struct timespec none = {0, 0};
                while (sigtimedwait(&chld, NULL, &none) > 0) {
                }
            }
            printf("%s, %s: %d of %d reapable at once\n", ending_name[ending], noticing_name[noticing], at_once,
                   rounds);
        }
    }
    return 0;
}
