/*
 * jvisor's directory of hidden socket names, read-only for the sandbox. The sentry sends a
 * sandbox connect to a listener's socket file there; a program that could replace that file
 * (a symlink or a hard link to a host socket, or the directory itself) would have its own
 * connect follow it to the host. Directory permissions cannot keep out a program of jvisor's
 * uid, or root. A read-only bind mount of the directory, in a mount namespace of the
 * sandbox's own, does, root included: no entry can be made, removed or renamed there
 * (EROFS), while connecting to a socket on a read-only mount is allowed (fs/namei.c:
 * sb_permission refuses writes to regular files, directories and symlinks only). The
 * Landlock domain then keeps the sandbox from unmounting or remounting it (a domain that
 * handles a filesystem right cannot change mounts: security/landlock/fs.c, hook_sb_mount
 * and friends). jvisor, in the host's namespace, keeps making its sockets there, and the
 * sandbox sees them: a bind mount shows the same directory.
 *
 * The host's mounts are slaves in the new namespace: mounts made on the host later still
 * reach the sandbox, as natively.
 */
#define _GNU_SOURCE
#include "readonly.h"

#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <sys/mount.h>

int jvisor_make_read_only(const char *dir) {
    if (unshare(CLONE_NEWNS) != 0) return errno == EPERM ? 0 : -1;
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0) return -1;
    if (mount(dir, dir, NULL, MS_BIND, NULL) != 0) return -1;
    if (mount(NULL, dir, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
        return -1;
    return 1;
}
