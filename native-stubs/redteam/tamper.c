/*
 * Route 7 of issue 15: tampering with the hidden names.
 *
 *   tamper WITNESS_DIR TOKEN ATTEMPTS [control]
 *
 * Under jvisor, a sandbox listener or named datagram socket is bound to a hidden name, a
 * socket file in a directory jvisor made under the temporary directory, and a connect or
 * sendto of the sandbox name is rewritten to that path, which the kernel then resolves in
 * the program's context. The program can read the path: the sentry writes the sockaddr it
 * hands the kernel into the argument region mapped at ARGUMENT_REGION (scanned here), and
 * the kernel's table lists the socket's name by inode (the second source: /proc/self/net/unix,
 * whose per-process name jvisor leaves to the kernel). The attack replaces
 * what the path resolves to, then uses the sandbox name again:
 *
 *   symlink    the hidden socket file unlinked, a symlink to the witness's socket made in its place
 *   hardlink   the same with a hard link of the witness's socket file (EXDEV across filesystems)
 *   directory  the hidden file's directory renamed away and a symlink made in its place, to a
 *              directory of the program's own whose entry of the hidden file's name is a hard link
 *              of (else a symlink to) the witness's socket (the witness's own directory has no such
 *              entry); the directory is put back afterwards
 *   mount      the read-only mount undone or covered, in the program's own namespaces: made
 *              writable again (mount_setattr clearing MOUNT_ATTR_RDONLY, then a bind remount),
 *              unmounted, each followed by the symlink replacement; else the witness's socket
 *              bind-mounted over the hidden file
 *   procroot   the hidden file's directory reached through the mount namespace of a process
 *              outside the sandbox (natively: any other process): its /proc/PID/root, then
 *              setns(2) into its /proc/PID/ns/mnt; each followed by the symlink replacement
 *   userns     the same from a user namespace and a mount namespace of the program's own, in
 *              which an unprivileged program holds every capability (these variants run last)
 *
 * each for a stream listener (connects, to the witness's path listener) and a datagram socket
 * (sendto, to the witness's path datagram socket), each variant with a sandbox socket of its
 * own bound under ./names/ of a fresh working directory, used once before the tampering so
 * that its hidden name is in the argument region. ATTEMPTS connects or datagrams follow each
 * tampering; the witness counts those that reach it.
 *
 * control (natively, where there is no hidden name): the socket file of the name itself is
 * what gets replaced (its directory, ./names, for the directory variant), so that the same
 * connects go through links the program made itself; the witness counts them.
 */
#include "redteam.h"

#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#define RT_MOUNT_ATTR_RDONLY 0x1

struct rt_mount_attr {
    uint64_t attr_set, attr_clr, propagation, userns_fd;
};

static const char *witness_dir;
static long attempts_each, attempts;
static int control;
static char workdir[64];



/* The name the kernel's table lists for the socket FD (by its inode), or "" when none. */
static void kernel_table_name(int fd, char *out, size_t size) {
    out[0] = '\0';
    struct stat st;
    if (fstat(fd, &st) < 0) return;
    FILE *table = fopen("/proc/self/net/unix", "r");
    if (table == NULL) return;
    char line[512];
    while (fgets(line, sizeof line, table) != NULL) {
        unsigned long inode;
        int end = 0;
        if (sscanf(line, "%*s %*s %*s %*s %*s %*s %lu %n", &inode, &end) != 1 || inode != st.st_ino) continue;
        line[strcspn(line, "\n")] = '\0';
        if (end > 0 && line[end] != '\0') snprintf(out, size, "%s", line + end);
        break;
    }
    fclose(table);
}

static const char *result(int ok) {
    return ok ? "OK" : errno_name(errno);
}

/* The socket behind sandbox name NAME, of TYPE, bound (and listening for a stream), and used once. */
static int prepare(int type, const char *name, int *sender) {
    struct rt_addr address = rt_path(name);
    int fd = socket(AF_UNIX, type | SOCK_NONBLOCK, 0);
    int bound = bind(fd, (struct sockaddr *)&address.sun, address.length) == 0;
    say("%s: bind %s", name, result(bound));
    if (type == SOCK_STREAM) {
        say(" listen %s", result(listen(fd, 4096) == 0));
        int client = socket(AF_UNIX, SOCK_STREAM, 0);
        say(" connect %s", result(connect(client, (struct sockaddr *)&address.sun, address.length) == 0));
        int accepted = accept(fd, NULL, NULL);
        say(" accept %s\n", result(accepted >= 0));
        if (accepted >= 0) close(accepted);
        close(client);
        *sender = -1;
    } else {
        *sender = socket(AF_UNIX, SOCK_DGRAM, 0);
        say(" sendto %s", result(sendto(*sender, "x", 1, MSG_DONTWAIT, (struct sockaddr *)&address.sun, address.length) == 1));
        char byte;
        say(" recv %s\n", result(recv(fd, &byte, 1, MSG_DONTWAIT) == 1));
    }
    return fd;
}

/* The path behind sandbox name NAME of socket FD: the hidden name under jvisor, the name's own file natively. */
static int hidden_path(int fd, const char *name, char *out, size_t size) {
    if (control) {
        snprintf(out, size, "%s/%s", workdir, name);
        return 1;
    }
    char from_region[128], from_proc[128];
    kernel_table_name(fd, from_proc, sizeof from_proc);
    int seen = rt_scan_region(from_region, sizeof from_region, from_proc);
    say("%s: hidden name in the argument region (%d seen): %s; in /proc/self/net/unix: %s\n", name, seen,
        from_region[0] ? from_region : "none", from_proc[0] ? from_proc : "none");
    snprintf(out, size, "%s", from_region[0] ? from_region : from_proc);
    return out[0] == '/';
}

/* ATTEMPTS connects (stream) or datagrams to NAME; reports how many the kernel accepted and how many reached FD. */
static void use(int type, const char *name, int fd, int sender, const char *what) {
    struct rt_addr address = rt_path(name);
    long ok = 0, own = 0;
    int last_error = 0;
    for (long i = 0; i < attempts_each; i++) {
        attempts++;
        if (type == SOCK_STREAM) {
            int client = socket(AF_UNIX, SOCK_STREAM, 0);
            if (connect(client, (struct sockaddr *)&address.sun, address.length) == 0) ok++;
            else last_error = errno;
            close(client);
            for (int accepted; (accepted = accept(fd, NULL, NULL)) >= 0; own++) close(accepted);
        } else {
            // A full queue (EAGAIN) is waited out a little: the witness drains its own, this loop the program's.
            int sent = 0, error = 0;
            for (int tries = 0; tries < 50; tries++) {
                sent = sendto(sender, "x", 1, MSG_DONTWAIT, (struct sockaddr *)&address.sun, address.length) == 1;
                if (!sent) error = errno;
                for (char byte; recv(fd, &byte, 1, MSG_DONTWAIT) == 1; own++) {}
                if (sent || error != EAGAIN) break;
                usleep(200);
            }
            if (sent) ok++;
            else last_error = error;
        }
    }
    say("%s: %s %ld ok %ld (last error %s), %ld reached the program's own socket\n", what,
        type == SOCK_STREAM ? "connects" : "sendtos", attempts_each, ok, last_error ? errno_name(last_error) : "none",
        own);
}

static int write_text(const char *path, const char *text) {
    int fd = open(path, O_WRONLY);
    if (fd < 0) return 0;
    int ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
    close(fd);
    return ok;
}

/* A user namespace (the program's ids mapped to themselves, so that it can still make
 * files) and a mount namespace of the program's own. */
static int own_user_namespace(const char *what) {
    unsigned uid = (unsigned)geteuid(), gid = (unsigned)getegid();
    char map[64];
    int ok = unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0;
    say("%s: unshare(CLONE_NEWUSER|CLONE_NEWNS): %s\n", what, result(ok));
    if (!ok) return 0;
    snprintf(map, sizeof map, "%u %u 1", uid, uid);
    ok = write_text("/proc/self/uid_map", map) && write_text("/proc/self/setgroups", "deny");
    snprintf(map, sizeof map, "%u %u 1", gid, gid);
    ok = ok && write_text("/proc/self/gid_map", map);
    say("%s: id maps: %s\n", what, ok ? "OK" : errno_name(errno));
    return 1;
}

/* The mount point under which PATH lies (the longest in /proc/self/mountinfo that is a prefix
 * of it, as a directory), or PATH's directory when that is "/". */
static void mount_point_of(const char *path, char *out, size_t size) {
    snprintf(out, size, "/");
    FILE *info = fopen("/proc/self/mountinfo", "r");
    if (info == NULL) return;
    char line[1024], point[512];
    while (fgets(line, sizeof line, info) != NULL) {
        if (sscanf(line, "%*s %*s %*s %*s %511s", point) != 1) continue;
        size_t length = strlen(point);
        if (strncmp(path, point, length) == 0 && (path[length] == '/' || length == 1) && length > strlen(out))
            snprintf(out, size, "%s", point);
    }
    fclose(info);
}

/* The hidden file replaced by a symlink to WITNESS, once its directory is writable again. */
static int replace(const char *what, const char *hidden, const char *witness) {
    int unlinked = unlink(hidden) == 0;
    int made = unlinked && symlink(witness, hidden) == 0;
    say("%s:   then unlink %s, symlink: %s\n", what, unlinked ? "OK" : errno_name(errno), unlinked ? result(made) : "-");
    return made;
}

/* Mount changes that would send the hidden name to WITNESS; whether one took. *COVERED is
 * set when the witness's socket was mounted over HIDDEN (to be unmounted afterwards). */
static int redirect_by_mounts(const char *what, const char *hidden, const char *parent, const char *witness,
                              int *covered) {
    struct rt_mount_attr attr = {.attr_clr = RT_MOUNT_ATTR_RDONLY};
    int ok = syscall(SYS_mount_setattr, AT_FDCWD, parent, 0, &attr, sizeof attr) == 0;
    say("%s: mount_setattr(%s, clear MOUNT_ATTR_RDONLY): %s\n", what, parent, result(ok));
    if (ok && replace(what, hidden, witness)) return 1;
    ok = mount(NULL, parent, NULL, MS_REMOUNT | MS_BIND, NULL) == 0;
    say("%s: mount(%s, MS_REMOUNT|MS_BIND, read-write): %s\n", what, parent, result(ok));
    if (ok && replace(what, hidden, witness)) return 1;
    ok = umount2(parent, MNT_DETACH) == 0;
    say("%s: umount2(%s, MNT_DETACH): %s\n", what, parent, result(ok));
    if (ok && replace(what, hidden, witness)) return 1;
    ok = mount(witness, hidden, NULL, MS_BIND, NULL) == 0;
    say("%s: mount(%s over %s, MS_BIND): %s\n", what, witness, hidden, result(ok));
    *covered = ok;
    return ok;
}

/* Through another process's mount namespace (one that is not the program's own, except
 * natively): the symlink replacement at /proc/PID/root/HIDDEN, then after setns(2) into it.
 * Whether one took. */
static int redirect_by_namespaces(const char *what, const char *hidden, const char *witness) {
    char own[64] = "", link_path[64], other[64];
    ssize_t n = readlink("/proc/self/ns/mnt", own, sizeof own - 1);
    own[n > 0 ? n : 0] = '\0';
    DIR *proc = opendir("/proc");
    if (proc == NULL) return 0;
    int tried = 0, denied = 0, last_error = 0, took = 0;
    for (struct dirent *entry; !took && (entry = readdir(proc)) != NULL;) {
        int pid = atoi(entry->d_name);
        if (pid <= 0 || pid == getpid()) continue;
        snprintf(link_path, sizeof link_path, "/proc/%d/ns/mnt", pid);
        n = readlink(link_path, other, sizeof other - 1);
        if (n <= 0) {
            denied++;
            last_error = errno;
            continue;
        }
        other[n] = '\0';
        if (!control && strcmp(other, own) == 0) continue;
        tried++;
        char through[600];
        snprintf(through, sizeof through, "/proc/%d/root%s", pid, hidden);
        if (unlink(through) == 0) {
            took = symlink(witness, through) == 0;
            say("%s: unlink %s: OK, symlink: %s\n", what, through, result(took));
            break;
        }
        last_error = errno;
        int ns = open(link_path, O_RDONLY);
        if (ns >= 0 && setns(ns, CLONE_NEWNS) == 0) {
            say("%s: setns into the mount namespace of %d: OK\n", what, pid);
            took = replace(what, hidden, witness);
        } else if (ns < 0 || errno != EPERM) {
            last_error = errno;
        }
        if (ns >= 0) close(ns);
    }
    closedir(proc);
    say("%s: %d processes in other mount namespaces tried, %d not readable (last error %s): %s\n", what, tried,
        denied, last_error ? errno_name(last_error) : "none", took ? "redirected" : "none took");
    return took;
}

/* One variant against one kind of socket. */
static void variant(int type, const char *how) {
    char kind = type == SOCK_STREAM ? 's' : 'd';
    char name[sizeof ((struct sockaddr_un *)0)->sun_path], what[64], hidden[256];
    snprintf(name, sizeof name, "names/%c-%s.sock", kind, how);
    snprintf(what, sizeof what, "%s %s", type == SOCK_STREAM ? "stream" : "dgram", how);
    int sender;
    int fd = prepare(type, name, &sender);
    if (!hidden_path(fd, name, hidden, sizeof hidden)) {
        say("%s: no hidden name found: not attempted\n", what);
        close(fd);
        if (sender >= 0) close(sender);
        return;
    }
    struct rt_addr target = rt_witness_path(witness_dir, kind);
    const char *witness = target.sun.sun_path;

    if (strcmp(how, "mount") == 0 || strcmp(how, "userns") == 0 || strcmp(how, "procroot") == 0) {
        /* The read-only mount's root under jvisor; natively, the name's own directory. */
        char copy[256], parent[512];
        snprintf(copy, sizeof copy, "%s", hidden);
        if (control) snprintf(parent, sizeof parent, "%s", dirname(copy));
        else mount_point_of(hidden, parent, sizeof parent);
        int covered = 0;
        if (strcmp(how, "procroot") == 0 ? redirect_by_namespaces(what, hidden, witness) :
            (strcmp(how, "mount") == 0 || own_user_namespace(what)) &&
            redirect_by_mounts(what, hidden, parent, witness, &covered))
            use(type, name, fd, sender, what);
        else
            say("%s: no redirection took: not attempted\n", what);
        if (covered) umount2(hidden, MNT_DETACH);
    } else if (strcmp(how, "directory") != 0) {
        int unlinked = unlink(hidden) == 0;
        say("%s: unlink %s: %s", what, hidden, result(unlinked));
        int made = strcmp(how, "symlink") == 0 ? symlink(witness, hidden) == 0 : link(witness, hidden) == 0;
        say(", %s to %s: %s\n", how, witness, result(made));
        use(type, name, fd, sender, what);
    } else {
        char copy[256], parent[256], moved[272], base[128], fake[128], entry[256];
        snprintf(copy, sizeof copy, "%s", hidden);
        snprintf(parent, sizeof parent, "%s", dirname(copy));
        snprintf(base, sizeof base, "%s", strrchr(hidden, '/') + 1);
        snprintf(moved, sizeof moved, "%s.moved", parent);
        snprintf(fake, sizeof fake, "%s/fake-%c", workdir, kind);
        snprintf(entry, sizeof entry, "%s/%s", fake, base);
        mkdir(fake, 0755);
        int linked = link(witness, entry) == 0;
        if (!linked) say("%s: hard link of the witness's socket in %s: %s\n", what, fake, errno_name(errno));
        if (!linked) linked = symlink(witness, entry) == 0;
        int renamed = rename(parent, moved) == 0;
        say("%s: rename %s away: %s", what, parent, result(renamed));
        int redirected = renamed && symlink(fake, parent) == 0;
        say(", symlink to %s (whose %s is the witness's socket: %s): %s\n", fake, base, linked ? "yes" : "no",
            renamed ? result(redirected) : "not tried");
        if (renamed) use(type, name, fd, sender, what);
        if (redirected) unlink(parent);
        if (renamed && rename(moved, parent) < 0) say("%s: could not put %s back: %s\n", what, parent, errno_name(errno));
        unlink(entry);
        rmdir(fake);
    }
    close(fd);
    if (sender >= 0) close(sender);
    unlink(name);
}

int main(int argc, char **argv) {
    if (argc < 4 || argc > 5 || (argc == 5 && strcmp(argv[4], "control") != 0)) {
        fprintf(stderr, "usage: tamper WITNESS_DIR TOKEN ATTEMPTS [control]\n");
        return 2;
    }
    witness_dir = argv[1];  // the token (argv[2]) is not needed: only the witness's path names are used
    attempts_each = atol(argv[3]);
    control = argc == 5;
    snprintf(workdir, sizeof workdir, "/tmp/rt-tamper.XXXXXX");
    if (mkdtemp(workdir) == NULL || chdir(workdir) < 0 || mkdir("names", 0755) < 0) {
        perror("tamper: working directory");
        return 2;
    }
    say("tamper: %s, working directory %s\n", control ? "control (the names' own files)" : "hidden names", workdir);
    /* Natively as root, the mount variant would change the host's own mounts: the control
     * makes them in a mount namespace of its own, which the sandbox has already. */
    if (control && geteuid() == 0 && (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0))
        say("tamper: control's own mount namespace: %s\n", errno_name(errno));
    const char *hows[] = {"symlink", "hardlink", "directory", "mount", "procroot", "userns"};
    for (int h = 0; h < 6; h++) {
        for (int t = 0; t < 2; t++) variant(t == 0 ? SOCK_STREAM : SOCK_DGRAM, hows[h]);
    }
    rmdir("names");
    if (chdir("/") == 0) rmdir(workdir);
    say("attempts %ld\n", attempts);
    return 0;
}
