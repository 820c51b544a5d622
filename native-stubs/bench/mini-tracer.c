/*
 * The floor for a ptrace sandbox: about the least a tracer can do per trapped call. It runs
 * PROGRAM under a seccomp filter that traps, with SECCOMP_RET_TRACE, socket/socketpair for
 * AF_UNIX and the socket-family calls (the list jvisor's launcher traps), and answers each
 * seccomp stop with PTRACE_GET_SYSCALL_INFO and PTRACE_CONT, which is what jvisor's
 * passthrough handler asks of the kernel. It waits as jvisor's tracer does: polling
 * waitpid(WNOHANG) for up to 100 us before sleeping (jvisor's StopWaiter, without its backoff). Comparing its cost per trapped call with jvisor's
 * separates the price of ptrace itself from the price of the Java tracer.
 *
 * Only PROGRAM is traced: children it forks inherit the filter without a tracer, so their
 * trapped calls fail with ENOSYS. The benchmark programs are single processes.
 *
 *   mini-tracer PROGRAM [ARG...]
 *
 * Exits as PROGRAM does (128+N when killed by signal N); prints the stop count on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

static const int trapped_calls[] = {
    __NR_bind,        __NR_connect,     __NR_listen,      __NR_accept,
    __NR_accept4,     __NR_getsockname, __NR_getpeername, __NR_getsockopt,
    __NR_setsockopt,  __NR_shutdown,    __NR_sendto,      __NR_recvfrom,
    __NR_sendmsg,     __NR_recvmsg,     __NR_sendmmsg,    __NR_recvmmsg,
};
#define TRAPPED_COUNT (sizeof trapped_calls / sizeof trapped_calls[0])

/* Statement indexes: a fixed head of 7, one per listed call, then the three returns. */
#define FIRST_LISTED 7
#define RET_ALLOW (FIRST_LISTED + TRAPPED_COUNT)
#define RET_KILL (RET_ALLOW + 1)
#define RET_TRACE (RET_ALLOW + 2)
#define FILTER_LENGTH (RET_ALLOW + 3)

static void die(const char *what) {
    fprintf(stderr, "mini-tracer: %s: %s\n", what, strerror(errno));
    exit(125);
}

/* A conditional jump at index `at` to absolute indexes (BPF offsets are relative). */
static struct sock_filter jump(unsigned at, unsigned value, unsigned if_true, unsigned if_false) {
    return (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, value,
                                        (unsigned char)(if_true - at - 1),
                                        (unsigned char)(if_false - at - 1));
}

static void install_filter(void) {
    struct sock_filter filter[FILTER_LENGTH] = {
        [0] = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        [1] = jump(1, AUDIT_ARCH_X86_64, 2, RET_KILL),
        [2] = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        [3] = jump(3, __NR_socket, 5, 4),
        [4] = jump(4, __NR_socketpair, 5, FIRST_LISTED),
        [5] = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        [6] = jump(6, AF_UNIX, RET_TRACE, RET_ALLOW),
        [RET_ALLOW] = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        [RET_KILL] = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        [RET_TRACE] = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
    };
    for (unsigned i = 0; i < TRAPPED_COUNT; i++) {
        unsigned at = FIRST_LISTED + i;
        filter[at] = jump(at, (unsigned)trapped_calls[i], RET_TRACE, at + 1);
    }
    struct sock_fprog program = {.len = FILTER_LENGTH, .filter = filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("PR_SET_NO_NEW_PRIVS");
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0) die("seccomp");
}

/* The child waits on the pipe until it is seized: a trapped call made with no tracer
 * attached fails with ENOSYS. */
static void run_child(int ready, char **argv) {
    char byte;
    while (read(ready, &byte, 1) < 0 && errno == EINTR) {}
    close(ready);
    install_filter();
    execvp(argv[0], argv);
    fprintf(stderr, "mini-tracer: %s: %s\n", argv[0], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: mini-tracer PROGRAM [ARG...]\n");
        return 125;
    }
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) die("pipe2");
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
        close(pipe_fds[1]);
        run_child(pipe_fds[0], argv + 1);
    }
    close(pipe_fds[0]);
    if (ptrace(PTRACE_SEIZE, child, 0, PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL) != 0)
        die("PTRACE_SEIZE");
    close(pipe_fds[1]);

    unsigned long stops = 0;
    for (;;) {
        int status;
        pid_t got = 0;
        struct timespec start, now;
        clock_gettime(CLOCK_MONOTONIC, &start);
        do {
            got = waitpid(child, &status, __WALL | WNOHANG);
            clock_gettime(CLOCK_MONOTONIC, &now);
        } while (got == 0 && (now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) < 100000);
        if (got == 0) got = waitpid(child, &status, __WALL);
        if (got < 0) {
            if (errno == EINTR) continue;
            die("waitpid");
        }
        if (WIFEXITED(status) || WIFSIGNALED(status)) {
            fprintf(stderr, "mini-tracer: trapped calls: %lu\n", stops);
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        if (!WIFSTOPPED(status)) continue;
        int signal_number = WSTOPSIG(status);
        int event = status >> 16;
        if (signal_number == SIGTRAP && event == PTRACE_EVENT_SECCOMP) {
            struct __ptrace_syscall_info info;
            if (ptrace(PTRACE_GET_SYSCALL_INFO, child, sizeof info, &info) <= 0)
                die("PTRACE_GET_SYSCALL_INFO");
            if (info.op != PTRACE_SYSCALL_INFO_SECCOMP) {
                fprintf(stderr, "mini-tracer: unexpected syscall info op %d\n", info.op);
                return 125;
            }
            stops++;
            signal_number = 0;
        } else if (event == PTRACE_EVENT_STOP && signal_number != SIGTRAP) {
            /* A group-stop of a seized tracee: stay stopped until SIGCONT, as without us. */
            if (ptrace(PTRACE_LISTEN, child, 0, 0) != 0 && errno != ESRCH) die("PTRACE_LISTEN");
            continue;
        } else if (event != 0) {
            signal_number = 0;
        }
        if (ptrace(PTRACE_CONT, child, 0, signal_number) != 0 && errno != ESRCH)
            die("PTRACE_CONT");
    }
}
