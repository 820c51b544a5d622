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
 * and friends), and so does the filter (filter.c), also where there is no Landlock. jvisor,
 * in the host's namespace, keeps making its sockets there, and the sandbox sees them: a
 * bind mount shows the same directory.
 *
 * Without CAP_SYS_ADMIN the mount namespace is made inside a user namespace of the
 * sandbox's own, which maps only the caller's uid and gid, to themselves
 * (user_namespaces(7): an unprivileged process may map its own effective ids, and must
 * refuse setgroups(2) for the gid map). The program keeps its ids and no capability (exec
 * of a non-root uid clears them); what changes is how it sees other ids: unmapped, they
 * read as the overflow id, 65534 (README, Known differences). Mounts inherited from the
 * host's namespace are locked there (mount_namespaces(7): a mount namespace of a less
 * privileged user namespace cannot unmount, or make writable, what it inherited), a
 * further layer: a program that makes a user namespace of its own cannot undo the
 * read-only mount either.
 *
 * The host's mounts are slaves in the new namespace: mounts made on the host later still
 * reach the sandbox, as natively.
 */
#define _GNU_SOURCE
#include "readonly.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

static int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t length = strlen(text);
    ssize_t written = write(fd, text, length);
    int error = errno;
    close(fd);
    errno = error;
    return written == (ssize_t)length ? 0 : -1;
}

/* A user namespace and a mount namespace, with the caller's ids mapped to themselves.
 * Returns 1 when entered, 0 when this kernel or its policy has none to give (the errors of
 * unshare(2) for a disabled, limited or refused user namespace), -1 on another failure.
 * A policy may also give the namespace and then refuse what it is for (AppArmor's
 * restriction of unprivileged user namespaces: no capability inside): the caller then
 * sees EPERM or EACCES from the mounts. */
static int enter_user_namespace(void) {
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
        return errno == EPERM || errno == EINVAL || errno == ENOSPC || errno == EUSERS || errno == EACCES ? 0 : -1;
    char map[64];
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
    if (write_file("/proc/self/uid_map", map) != 0) return -1;
    if (write_file("/proc/self/setgroups", "deny") != 0) return -1;
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
    if (write_file("/proc/self/gid_map", map) != 0) return -1;
    return 1;
}

/* The flags a remount of DIR's mount must keep: in a user namespace's mount namespace the
 * locked ones (nosuid, nodev, noexec, the atime mode) cannot be dropped (fs/namespace.c:
 * can_change_locked_flags), and a remount without them would be refused with EPERM. */
static unsigned long kept_flags(const char *dir) {
    struct statvfs fs;
    if (statvfs(dir, &fs) != 0) return 0;
    unsigned long flags = 0;
    if (fs.f_flag & ST_NOATIME) flags |= MS_NOATIME;
    if (fs.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (fs.f_flag & ST_RELATIME) flags |= MS_RELATIME;
    return flags;
}

static int refused(int in_user_namespace) {
    return in_user_namespace && (errno == EPERM || errno == EACCES) ? 0 : -1;
}

static int make_one_read_only(const char *dir, int in_user_namespace) {
    if (mount(dir, dir, NULL, MS_BIND, NULL) != 0) return refused(in_user_namespace);
    unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | kept_flags(dir);
    if (mount(NULL, dir, NULL, flags, NULL) != 0) return refused(in_user_namespace);
    return 1;
}

int jvisor_make_read_only(const char *const *dirs, size_t count) {
    int in_user_namespace = 0;
    if (unshare(CLONE_NEWNS) != 0) {
        if (errno != EPERM) return -1;
        int entered = enter_user_namespace();
        if (entered <= 0) return entered == 0 ? 0 : refused(1);
        in_user_namespace = 1;
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0) return refused(in_user_namespace);
    for (size_t i = 0; i < count; i++) {
        int made = make_one_read_only(dirs[i], in_user_namespace);
        if (made <= 0) return made;
    }
    return 1;
}
