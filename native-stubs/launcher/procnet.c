/*
 * The sandbox's /proc/net, in its mount namespace: a directory made here, on a tmpfs over
 * an empty directory of jvisor's (read-only once made), where every entry of the kernel's
 * /proc/self/net is a symlink to it (resolved by whoever reads it: each process still sees
 * its own network namespace's files) but one, the file jvisor serves itself (/proc/net/unix, which would list every AF_UNIX socket of the host's network
 * namespace under the kernel's names, hidden ones included). That file is a FUSE mount whose
 * server is the sentry: it answers each open with the sandbox's own table, and no other
 * open of any file costs anything (a trap of open(2) would stop every one: docs/design-notes.md).
 *
 * /proc/net is itself a symlink ("self/net", a proc_dir_entry of procfs's root), so a
 * mount can cover it, with a symlink: a mount must be a directory on a directory or a
 * non-directory on a non-directory (fs/namespace.c: graft_tree), and move_mount(2) without
 * MOVE_MOUNT_T_SYMLINKS takes the symlink itself as its target. Path lookup crosses the
 * mount before it follows a symlink (fs/namei.c: step_into, handle_mounts first), so
 * /proc/net then leads to jvisor's directory. /proc/self/net and /proc/PID/net are per
 * process and stay the kernel's (README, Known differences).
 *
 * The FUSE device is opened here, in the namespaces of the mount: the kernel refuses a
 * device opened under another user namespace (fs/fuse/inode.c: fuse_fill_super). The
 * descriptor stays open, close-on-exec, for the tracer to copy at the handshake stop.
 */
#define _GNU_SOURCE
#include "procnet.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
/* include/uapi/linux/mount.h, for build machines whose headers predate the new mount API. */
#define JVISOR_OPEN_TREE_CLONE 1
#define JVISOR_MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define JVISOR_MOVE_MOUNT_T_EMPTY_PATH 0x00000040

static int cover_proc_net(const char *link) {
    int tree = (int)syscall(SYS_open_tree, AT_FDCWD, link,
                            JVISOR_OPEN_TREE_CLONE | O_CLOEXEC | AT_SYMLINK_NOFOLLOW);
    if (tree < 0) return -1;
    int target = open("/proc/net", O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (target < 0) {
        close(tree);
        return -1;
    }
    int moved = (int)syscall(SYS_move_mount, tree, "", target, "",
                             JVISOR_MOVE_MOUNT_F_EMPTY_PATH | JVISOR_MOVE_MOUNT_T_EMPTY_PATH);
    int error = errno;
    close(target);
    close(tree);
    errno = error;
    return moved;
}

/* PATH without its last component, in BUFFER; NULL when it has none. */
static const char *parent(const char *path, char *buffer, size_t size) {
    const char *slash = strrchr(path, '/');
    if (slash == NULL || slash == path || (size_t)(slash - path) >= size) return NULL;
    memcpy(buffer, path, (size_t)(slash - path));
    buffer[slash - path] = '\0';
    return buffer;
}

/* TOP/net with a symlink to /proc/self/net/X for every entry X but SERVED's name, an empty
 * SERVED, and TOP/net.link to TOP/net, on a tmpfs over TOP, then read-only. */
static int make_view(const char *top, const char *net, const char *served, const char *link) {
    if (mount("jvisor", top, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=64k") != 0) return -1;
    if (mkdir(net, 0755) != 0) return -1;
    const char *name = strrchr(served, '/') + 1;
    DIR *kernel = opendir("/proc/self/net");
    if (kernel == NULL) return -1;
    char from[PATH_MAX + NAME_MAX + 2], to[NAME_MAX + 32];
    struct dirent *entry;
    while ((entry = readdir(kernel)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0 || strcmp(entry->d_name, name) == 0)
            continue;
        if (snprintf(from, sizeof from, "%s/%s", net, entry->d_name) >= (int)sizeof from
            || snprintf(to, sizeof to, "/proc/self/net/%s", entry->d_name) >= (int)sizeof to || symlink(to, from) != 0) {
            closedir(kernel);
            return -1;
        }
    }
    closedir(kernel);
    int file = open(served, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
    if (file < 0) return -1;
    close(file);
    if (symlink(net, link) != 0) return -1;
    return mount(NULL, top, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

int jvisor_serve_proc_net(const char *served) {
    char net[PATH_MAX], top[PATH_MAX], link[PATH_MAX + 8];
    if (parent(served, net, sizeof net) == NULL || parent(net, top, sizeof top) == NULL) {
        errno = EINVAL;
        return -1;
    }
    snprintf(link, sizeof link, "%s.link", net);
    if (make_view(top, net, served, link) != 0) {
        int error = errno;
        umount2(top, MNT_DETACH);
        errno = error;
        return -1;
    }
    int device = open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (device < 0) {
        int error = errno;
        umount2(top, MNT_DETACH);
        errno = error;
        return -1;
    }
    /* default_permissions: the kernel checks the file's mode (0444) as procfs does;
     * allow_other: every uid of the sandbox may read it. */
    char options[256];
    snprintf(options, sizeof options, "fd=%d,rootmode=100444,user_id=%u,group_id=%u,default_permissions,allow_other",
             device, (unsigned)geteuid(), (unsigned)getegid());
    if (mount("jvisor", served, "fuse", MS_NOSUID | MS_NODEV | MS_NOEXEC, options) != 0 || cover_proc_net(link) != 0) {
        int error = errno;
        umount2(top, MNT_DETACH);
        close(device);
        errno = error;
        return -1;
    }
    return device;
}
