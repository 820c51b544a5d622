/*
 * A kernel without Landlock, for one command: runs COMMAND under a seccomp filter that
 * answers the Landlock calls (landlock_create_ruleset, landlock_add_rule,
 * landlock_restrict_self) with ENOSYS, as a kernel built without Landlock does. The filter
 * is inherited by everything COMMAND starts: jvisor's JVM, its launcher, the sandbox.
 *
 *   no-landlock COMMAND [ARG...]
 *
 * What the red team and KernelLayersTest use to show what the other layers hold alone.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#define SYS_LANDLOCK_CREATE_RULESET 444
#define SYS_LANDLOCK_RESTRICT_SELF 446

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: no-landlock COMMAND [ARG...]\n");
        return 2;
    }
    struct sock_filter program[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, SYS_LANDLOCK_CREATE_RULESET, 0, 2),
        BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, SYS_LANDLOCK_RESTRICT_SELF, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog filter = {.len = sizeof program / sizeof program[0], .filter = program};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &filter) != 0) {
        perror("no-landlock: seccomp");
        return 2;
    }
    execvp(argv[1], argv + 1);
    perror("no-landlock: exec");
    return 127;
}
