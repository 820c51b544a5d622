/*
 * The Landlock domain of the sandbox. Whatever it handles, a Landlock domain keeps its
 * processes from ptrace-ing, pidfd_getfd-ing or opening /proc/PID/mem of any process
 * outside it (security/landlock/task.c: hook_ptrace_access_check, which needs the tracee's
 * domain to be the tracer's or beneath it), for root too: jvisor's JVM and every other host
 * process are outside. jvisor, outside, still traces the sandbox.
 *
 * From ABI 6 the domain also scopes abstract unix sockets: a connect or a datagram to an
 * abstract name held by a socket made outside the domain fails with EPERM
 * (security/landlock/task.c: hook_unix_stream_connect, hook_unix_may_send). Signals are not
 * scoped: a program may signal host processes as natively, which is no part of the
 * sandbox's boundary. The one filesystem right handled (making block devices) is allowed
 * everywhere: files are as natively, but the domain cannot mount, unmount or remount
 * (Documentation/userspace-api/landlock.rst, "Filesystem topology modification").
 *
 * The kernel headers of the build machine may predate Landlock: the ABI is written here
 * (include/uapi/linux/landlock.h).
 */
#define _GNU_SOURCE /* O_PATH */
#include "landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SYS_LANDLOCK_CREATE_RULESET 444
#define SYS_LANDLOCK_ADD_RULE 445
#define SYS_LANDLOCK_RESTRICT_SELF 446

#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#define LANDLOCK_RULE_PATH_BENEATH 1
/* Creating a block device: only a process with CAP_MKNOD can, and the rule below allows it
 * everywhere beneath "/". Handled so that the domain handles a filesystem right, whatever
 * the ABI: such a domain exists on ABI 1..5 too, and cannot change mounts (the read-only
 * directory of hidden names stays read-only; security/landlock/fs.c, hook_sb_mount). */
#define LANDLOCK_ACCESS_FS_MAKE_BLOCK (1ULL << 11)
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LANDLOCK_FIRST_SCOPED_ABI 6

struct landlock_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net; /* ABI 4 */
    uint64_t scoped;             /* ABI 6 */
};

struct landlock_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

int jvisor_enter_landlock_domain(void) {
    long abi = syscall(SYS_LANDLOCK_CREATE_RULESET, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 0) {
        /* ENOSYS: built without Landlock; EOPNOTSUPP: disabled at boot; EPERM: refused by
         * the seccomp filter of a container jvisor runs in. jvisor says what is missing. */
        if (errno == ENOSYS || errno == EOPNOTSUPP || errno == EPERM) return 0;
        return -1;
    }
    struct landlock_ruleset_attr attr = {.handled_access_fs = LANDLOCK_ACCESS_FS_MAKE_BLOCK};
    size_t size;
    if (abi >= LANDLOCK_FIRST_SCOPED_ABI) {
        attr.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
        size = sizeof attr;
    } else {
        /* The size of ABI 1's struct: older kernels refuse non-zero fields they do not know. */
        size = sizeof attr.handled_access_fs;
    }
    int ruleset = (int)syscall(SYS_LANDLOCK_CREATE_RULESET, &attr, size, 0);
    if (ruleset < 0) return -1;
    {
        int root = open("/", O_PATH | O_CLOEXEC);
        if (root < 0) {
            close(ruleset);
            return -1;
        }
        struct landlock_path_beneath_attr beneath = {
            .allowed_access = LANDLOCK_ACCESS_FS_MAKE_BLOCK,
            .parent_fd = root,
        };
        long added = syscall(SYS_LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH, &beneath, 0);
        int error = errno;
        close(root);
        if (added != 0) {
            close(ruleset);
            errno = error;
            return -1;
        }
    }
    long restricted = syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0);
    int error = errno;
    close(ruleset);
    if (restricted != 0) {
        errno = error;
        return -1;
    }
    return (int)abi;
}
