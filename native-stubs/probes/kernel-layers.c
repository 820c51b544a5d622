/*
 * Routes out of the sandbox that the kernel's layers close (launcher.c, filter.c,
 * landlock.c): a seccomp filter of the program's own with a user-notification listener, and
 * reaching into another process (ptrace, pidfd_getfd, /proc/PID/mem). Prints what each
 * attempt gave.
 *
 *   kernel-layers listener            seccomp(SECCOMP_SET_MODE_FILTER) with and without
 *                                     SECCOMP_FILTER_FLAG_NEW_LISTENER
 *   kernel-layers traceme             ptrace(PTRACE_TRACEME)
 *   kernel-layers intrude PID|parent  PTRACE_ATTACH, PTRACE_SEIZE, pidfd_getfd of descriptors
 *                                     0..63, open of /proc/PID/mem for writing and of /proc/PID/fd/N
 *   kernel-layers mounts              the calls that change mounts, each made so that natively it
 *                                     changes nothing: a missing path (ENOENT), an unknown
 *                                     filesystem (ENODEV), an empty mount_setattr, a detached
 *                                     clone closed at once; and open_tree without a clone
 */
#include "probe.h"

#include <fcntl.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#define SYS_PIDFD_OPEN 434
#define SYS_PIDFD_GETFD 438

static void result(const char *what, long value) {
    if (value < 0) say("%s: -1 %s\n", what, errno_name(errno));
    else say("%s: ok\n", what);
}

static long install(unsigned flags) {
    struct sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
    struct sock_fprog program = {.len = 1, .filter = allow};
    return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &program);
}

static void listener(void) {
    result("seccomp with a listener", install(SECCOMP_FILTER_FLAG_NEW_LISTENER));
    /* The listener flag alone is refused, whatever other flags come with it. */
    result("seccomp with a listener and log", install(SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_LOG));
    /* A filter of the program's own without a listener still works (and is harmless: only
     * a listener outranks the tracer without stopping the call). */
    result("seccomp without a listener", install(0));
}

static void intrude(pid_t pid) {
    char path[64], name[64] = "";
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    FILE *comm = fopen(path, "re");
    if (comm != NULL) {
        if (fgets(name, sizeof name, comm) == NULL) name[0] = '\0';
        fclose(comm);
    }
    say("target: %s", name[0] != '\0' ? name : "?\n");
    result("PTRACE_ATTACH", ptrace(PTRACE_ATTACH, pid, 0, 0));
    result("PTRACE_SEIZE", ptrace(PTRACE_SEIZE, pid, 0, 0));
    int pidfd = (int)syscall(SYS_PIDFD_OPEN, pid, 0);
    result("pidfd_open", pidfd);
    if (pidfd >= 0) {
        int taken = 0, last_error = 0;
        for (int fd = 0; fd < 64; fd++) {
            int copy = (int)syscall(SYS_PIDFD_GETFD, pidfd, fd, 0);
            if (copy >= 0) {
                taken++;
                close(copy);
            } else if (errno != EBADF) {
                last_error = errno;
            }
        }
        say("pidfd_getfd: %d taken, refused with %s\n", taken, errno_name(last_error));
    }
    snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
    int mem = open(path, O_RDWR);
    result("open /proc/PID/mem", mem);
    /* The magic links of /proc/PID/fd open the process's files themselves (proc(5)). */
    int opened = 0, last_error = 0;
    for (int fd = 0; fd < 64; fd++) {
        snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)pid, fd);
        int copy = open(path, O_PATH);
        if (copy >= 0) {
            opened++;
            close(copy);
        } else if (errno != ENOENT) {
            last_error = errno;
        }
    }
    say("open /proc/PID/fd/N: %d opened, refused with %s\n", opened, errno_name(last_error));
}

#define SYS_OPEN_TREE 428
#define SYS_MOVE_MOUNT 429
#define SYS_FSOPEN 430
#define SYS_FSMOUNT 432
#define SYS_FSPICK 433
#define SYS_MOUNT_SETATTR 442
#define OPEN_TREE_CLONE 1

struct probe_mount_attr {
    unsigned long long attr_set, attr_clr, propagation, userns_fd;
};

static void close_result(const char *what, long fd) {
    result(what, fd);
    if (fd >= 0) close((int)fd);
}

static void mounts(void) {
    const char *missing = "/jvisor-kernel-layers-missing";
    result("mount", mount(NULL, missing, NULL, MS_PRIVATE, NULL));
    result("umount2", umount2(missing, 0));
    result("pivot_root", syscall(SYS_pivot_root, missing, missing));
    struct probe_mount_attr nothing = {0};
    result("mount_setattr", syscall(SYS_MOUNT_SETATTR, AT_FDCWD, "/", 0, &nothing, sizeof nothing));
    result("move_mount", syscall(SYS_MOVE_MOUNT, AT_FDCWD, missing, AT_FDCWD, missing, 0));
    close_result("fsopen", syscall(SYS_FSOPEN, "jvisor-no-such-filesystem", 0));
    close_result("fspick", syscall(SYS_FSPICK, AT_FDCWD, missing, 0));
    result("fsmount", syscall(SYS_FSMOUNT, -1, 0, 0));
    close_result("open_tree with OPEN_TREE_CLONE", syscall(SYS_OPEN_TREE, AT_FDCWD, "/tmp", OPEN_TREE_CLONE));
    close_result("open_tree", syscall(SYS_OPEN_TREE, AT_FDCWD, "/tmp", 0));
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "listener") == 0) listener();
    else if (argc == 2 && strcmp(argv[1], "traceme") == 0) result("PTRACE_TRACEME", ptrace(PTRACE_TRACEME, 0, 0, 0));
    else if (argc == 2 && strcmp(argv[1], "mounts") == 0) mounts();
    else if (argc == 3 && strcmp(argv[1], "intrude") == 0)
        intrude(strcmp(argv[2], "parent") == 0 ? getppid() : (pid_t)atoi(argv[2]));
    else {
        fprintf(stderr, "usage: kernel-layers listener|traceme|mounts|intrude PID|parent\n");
        return 2;
    }
    return 0;
}
