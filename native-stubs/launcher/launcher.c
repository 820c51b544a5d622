/*
 * jvisor-launcher: the first program of every sandbox. jvisor spawns it, it restores what
 * the JVM changed of the caller's process state, makes the sandbox's mount namespace
 * (readonly.c), drops CAP_SYS_PTRACE, enters the sandbox's Landlock domain (landlock.c),
 * installs the seccomp filter, stops itself so that the tracer can seize it,
 * and then execs the target as a shell would.
 *
 *   jvisor-launcher [--keep-fds N,N,...] [--sig-ignore HEX] [--sig-block HEX] [--trap N,N,...]
 *                   [--read-only DIR]... [--proc-net FILE] -- PROGRAM [ARG...]
 *
 * --keep-fds    the descriptors the caller had open (0, 1 and 2 included); all others, the
 *               JVM's, are closed. Without it, 0, 1 and 2 are kept.
 * --sig-ignore  mask (bit N-1 for signal N) of signals the caller ignored; others get SIG_DFL
 * --sig-block   the caller's blocked-signal mask
 * --trap        syscall numbers to trap as well, whatever their arguments (a second filter)
 * --read-only   a directory the sandbox may use but not change (jvisor's hidden socket
 *               names), where the launcher may make a mount namespace (readonly.c); repeatable
 * --proc-net    the file of the sandbox's /proc/net that the sentry serves (procnet.c), in a
 *               read-only directory; done only in the sandbox's own mount namespace
 *
 * Exit status when the target cannot be run is the shell's: 127 when it is not found,
 * 126 when it cannot be executed.
 */
#include "filter.h"
#include "landlock.h"
#include "procnet.h"
#include "readonly.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define EXIT_CANNOT_EXECUTE 126
#define EXIT_NOT_FOUND 127
#define EXIT_LAUNCHER_FAILED 125
#define MAX_LIST 1024

static void die(const char *what) {
    fprintf(stderr, "jvisor: launcher: %s: %s\n", what, strerror(errno));
    _exit(EXIT_LAUNCHER_FAILED);
}

static void usage(void) {
    fprintf(stderr, "usage: jvisor-launcher [--keep-fds N,...] [--sig-ignore HEX] "
                    "[--sig-block HEX] [--trap N,...] [--read-only DIR]... [--proc-net FILE] -- PROGRAM [ARG...]\n");
    _exit(EXIT_LAUNCHER_FAILED);
}

static uint64_t parse_mask(const char *text) {
    char *end;
    errno = 0;
    unsigned long long mask = strtoull(text, &end, 16);
    if (errno != 0 || *end != '\0' || end == text) usage();
    return (uint64_t)mask;
}

static size_t parse_numbers(const char *text, int *numbers) {
    size_t count = 0;
    while (*text != '\0') {
        char *end;
        long number = strtol(text, &end, 10);
        if (end == text || number < 0 || number > INT32_MAX || count == MAX_LIST) usage();
        numbers[count++] = (int)number;
        text = *end == ',' ? end + 1 : end;
        if (*end != ',' && *end != '\0') usage();
    }
    return count;
}

/* The kernel's struct sigaction for rt_sigaction(2). */
struct kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

/* Handlers never survive exec, but SIG_IGN does: the JVM (and posix_spawn, for the C
 * library's own signals 32 and 33) ignores signals the caller did not, and the caller may
 * ignore some (nohup, a shell's background job). The raw syscall reaches the signals the
 * C library's sigaction refuses to touch. */
static void restore_signals(uint64_t ignored, uint64_t blocked) {
    for (int sig = 1; sig <= 64; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        struct kernel_sigaction action = {
            .handler = (ignored & (UINT64_C(1) << (sig - 1))) ? SIG_IGN : SIG_DFL,
        };
        if (syscall(SYS_rt_sigaction, sig, &action, NULL, sizeof action.mask) != 0) die("rt_sigaction");
    }
    sigset_t mask;
    sigemptyset(&mask);
    for (int sig = 1; sig <= 64 && sig < NSIG; sig++)
        if (blocked & (UINT64_C(1) << (sig - 1))) sigaddset(&mask, sig);
    if (sigprocmask(SIG_SETMASK, &mask, NULL) != 0) die("sigprocmask");
}

static bool kept(int fd, const int *keep, size_t count) {
    for (size_t i = 0; i < count; i++)
        if (keep[i] == fd) return true;
    return false;
}

/* Descriptors the JVM opened without O_CLOEXEC must not reach the program, nor may one that
 * fills a standard descriptor the caller had closed (the JVM reuses the lowest numbers). */
static void close_foreign_fds(const int *keep, size_t count) {
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL) die("opendir /proc/self/fd");
    int own = dirfd(dir);
    int doomed[4096];
    size_t ndoomed = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL && ndoomed < sizeof(doomed) / sizeof(doomed[0])) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
        int fd = atoi(entry->d_name);
        if (fd != own && !kept(fd, keep, count)) doomed[ndoomed++] = fd;
    }
    closedir(dir);
    for (size_t i = 0; i < ndoomed; i++) close(doomed[i]);
}

/* Whether the caller passed an AF_UNIX datagram socket: the program holds one from its first
 * instruction without ever making it, so its sends are trapped from the start, as the
 * sentry traps those of a process that makes or receives one (DatagramSendTraps). */
static bool holds_datagram_socket(const int *keep, size_t count) {
    for (size_t i = 0; i < count; i++) {
        int domain = 0, type = 0;
        socklen_t length = sizeof domain;
        if (getsockopt(keep[i], SOL_SOCKET, SO_DOMAIN, &domain, &length) != 0 || domain != AF_UNIX) continue;
        length = sizeof type;
        if (getsockopt(keep[i], SOL_SOCKET, SO_TYPE, &type, &length) == 0 && type == SOCK_DGRAM) return true;
    }
    return false;
}

/* CAP_SYS_PTRACE out of the bounding set (so no exec gives it back) and out of the
 * permitted, effective and inheritable sets. EINVAL from PR_CAPBSET_DROP: the kernel has no
 * such capability (never on Linux); EPERM: no CAP_SETPCAP, and then no CAP_SYS_PTRACE
 * either, unless a caller gave one without the other: that is refused. */
static int drop_ptrace_capability(void) {
    struct {
        uint32_t version;
        int pid;
    } header = {0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0};
    struct {
        uint32_t effective, permitted, inheritable;
    } data[2];
    if (syscall(SYS_capget, &header, data) != 0) return -1;
    const int bit = 19; /* CAP_SYS_PTRACE */
    if (prctl(PR_CAPBSET_READ, bit, 0, 0, 0) == 1 && prctl(PR_CAPBSET_DROP, bit, 0, 0, 0) != 0) {
        if (errno != EPERM || (data[0].permitted & (1u << bit))) return -1;
    }
    if (!(data[0].permitted & (1u << bit))) return 0;
    data[0].effective &= ~(1u << bit);
    data[0].permitted &= ~(1u << bit);
    data[0].inheritable &= ~(1u << bit);
    return (int)syscall(SYS_capset, &header, data);
}

/* The tracer seizes this process while it is stopped; without a tracer every trapped call
 * would fail with ENOSYS, so refuse to go on untraced. */
static bool traced(void) {
    FILE *status = fopen("/proc/self/status", "re");
    if (status == NULL) return false;
    char line[256];
    long tracer = 0;
    while (fgets(line, sizeof line, status) != NULL)
        if (sscanf(line, "TracerPid: %ld", &tracer) == 1) break;
    fclose(status);
    return tracer != 0;
}

int main(int argc, char **argv) {
    static int keep[MAX_LIST] = {0, 1, 2};
    size_t nkeep = 3;
    static int traps[MAX_LIST];
    size_t ntraps = 0;
    uint64_t ignored = 0, blocked = 0;
    static const char *read_only[MAX_LIST];
    size_t nread_only = 0;
    const char *proc_net = NULL;
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) { i++; break; }
        if (i + 1 >= argc) usage();
        if (strcmp(argv[i], "--keep-fds") == 0) nkeep = parse_numbers(argv[++i], keep);
        else if (strcmp(argv[i], "--sig-ignore") == 0) ignored = parse_mask(argv[++i]);
        else if (strcmp(argv[i], "--sig-block") == 0) blocked = parse_mask(argv[++i]);
        else if (strcmp(argv[i], "--trap") == 0) ntraps = parse_numbers(argv[++i], traps);
        else if (strcmp(argv[i], "--read-only") == 0 && nread_only < MAX_LIST) read_only[nread_only++] = argv[++i];
        else if (strcmp(argv[i], "--proc-net") == 0) proc_net = argv[++i];
        else usage();
    }
    if (i >= argc) usage();
    char **target = &argv[i];

    close_foreign_fds(keep, nkeep);
    /* Before the Landlock domain, which forbids mounts. */
    int own_namespace = nread_only > 0 ? jvisor_make_read_only(read_only, nread_only) : 0;
    if (own_namespace < 0) die("read-only directory");
    /* Never in the host's namespace. A failure leaves the kernel's /proc/net: jvisor finds
     * no mount there and says so. */
    if (proc_net != NULL && own_namespace == 1) jvisor_serve_proc_net(proc_net);
    /* CAP_SYS_PTRACE reaches into processes of the program's uid that are not dumpable
     * (jvisor's JVM: PR_SET_DUMPABLE 0) and of every other uid: pidfd_getfd, /proc/PID/mem,
     * process_vm_* (kernel/ptrace.c: __ptrace_may_access). The Landlock domain refuses those
     * for processes outside the sandbox; without Landlock, a root program keeps them unless
     * the capability is gone. Attaching is refused by the filter anyway. */
    if (drop_ptrace_capability() != 0) die("dropping CAP_SYS_PTRACE");
    /* Before the filter: getsockopt is trapped, and there is no tracer yet. */
    bool datagrams = holds_datagram_socket(keep, nkeep);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("prctl(PR_SET_NO_NEW_PRIVS)");
    /* jvisor probes the Landlock ABI itself and says what is missing, once, on its own
     * stderr: the program's stderr stays the program's. */
    if (jvisor_enter_landlock_domain() < 0) die("landlock");
    if (jvisor_install_filter() != 0) die("seccomp");
    if (ntraps > 0 && jvisor_install_trap_filter(traps, ntraps) != 0) die("seccomp (--trap)");
    static const int sends[] = {__NR_sendmsg, __NR_sendmmsg};
    if (datagrams && jvisor_install_trap_filter(sends, 2) != 0)
        die("seccomp (datagram sends)");
    if (kill(getpid(), SIGSTOP) != 0) die("kill(SIGSTOP)");
    if (!traced()) {
        fprintf(stderr, "jvisor: launcher: not traced after the handshake stop\n");
        _exit(EXIT_LAUNCHER_FAILED);
    }
    /* Last, so that the handshake stop above is not affected by the caller's mask. */
    restore_signals(ignored, blocked);

    execvp(target[0], target);

    /* The shell's messages and exit codes (bash: "command not found", 127; 126). */
    int error = errno;
    if (error == ENOENT && strchr(target[0], '/') == NULL) {
        fprintf(stderr, "jvisor: %s: command not found\n", target[0]);
        _exit(EXIT_NOT_FOUND);
    }
    fprintf(stderr, "jvisor: %s: %s\n", target[0], strerror(error));
    _exit(error == ENOENT || error == ENOTDIR ? EXIT_NOT_FOUND : EXIT_CANNOT_EXECUTE);
}
