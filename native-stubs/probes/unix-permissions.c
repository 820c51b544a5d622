/*
 * Permissions on socket files, as a process that may override them (root) and as one that
 * may not: connect needs write permission on the socket file and search permission on the
 * directories (EACCES), bind needs write permission on the directory. A process that drops
 * its privileges after a connect is checked again. The file bind makes takes the socket
 * inode's own mode (fchmod on the socket changes it), masked by the umask (unix_bind_bsd).
 * Path kinds only; the others print that they have nothing to check.
 *
 *   unix-permissions KIND   (KIND as in unix-kind.h; run as root)
 */
#include "probe.h"
#include "unix-kind.h"

#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define PROBE "unix-permissions"
#define DIRECTORY "unix-permissions.dir"
#define NOBODY 65534

static int type;

static struct sockaddr_un path_address(const char *path, socklen_t *length) {
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    snprintf(address.sun_path, sizeof address.sun_path, "%s", path);
    *length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(address.sun_path) + 1);
    return address;
}

static void try_connect(const char *what, const char *path) {
    socklen_t length;
    struct sockaddr_un address = path_address(path, &length);
    int fd = socket(AF_UNIX, type, 0);
    char label[160];
    snprintf(label, sizeof label, "  connect %s", what);
    report(label, connect(fd, (struct sockaddr *)&address, length));
    close(fd);
}

static void try_bind(const char *what, const char *path) {
    socklen_t length;
    struct sockaddr_un address = path_address(path, &length);
    int fd = socket(AF_UNIX, type, 0);
    char label[160];
    snprintf(label, sizeof label, "  bind %s", what);
    report(label, bind(fd, (struct sockaddr *)&address, length));
    close(fd);
    unlink(path);
}

/* A listener at {@code path} whose file is then given {@code mode}; {@code socket_mode}, when not 0, is the socket's own first. */
static int listener_of(const char *path, mode_t socket_mode, mode_t mode) {
    socklen_t length;
    struct sockaddr_un address = path_address(path, &length);
    unlink(path);
    int fd = unix_kind_check("socket", socket(AF_UNIX, type, 0));
    if (socket_mode != 0) unix_kind_check("fchmod", fchmod(fd, socket_mode));
    unix_kind_check("bind", bind(fd, (struct sockaddr *)&address, length));
    unix_kind_check("listen", listen(fd, 16));
    unix_kind_check("chmod", chmod(path, mode));
    return fd;
}

static int listener(const char *path, mode_t mode) {
    return listener_of(path, 0, mode);
}

/* Binds a socket whose inode has mode {@code mode} (0 for its own), under {@code mask}; prints the file's mode. */
static void file_mode(const char *what, mode_t mode, mode_t mask) {
    socklen_t length;
    struct sockaddr_un address = path_address(DIRECTORY "/mode.sock", &length);
    int fd = unix_kind_check("socket", socket(AF_UNIX, type, 0));
    if (mode != 0) unix_kind_check("fchmod", fchmod(fd, mode));
    mode_t previous = umask(mask);
    int bound = bind(fd, (struct sockaddr *)&address, length);
    umask(previous);
    struct stat file;
    if (bound != 0 || stat(DIRECTORY "/mode.sock", &file) != 0) {
        say("  %s: %s\n", what, errno_name(errno));
    } else {
        say("  %s: file %04o, %s\n", what, (unsigned)(file.st_mode & 07777), S_ISSOCK(file.st_mode) ? "a socket" : "not a socket");
    }
    close(fd);
    unlink(DIRECTORY "/mode.sock");
}

static void drop_privileges(void) {
    if (setgroups(0, NULL) != 0 || setresgid(NOBODY, NOBODY, NOBODY) != 0 || setresuid(NOBODY, NOBODY, NOBODY) != 0) {
        say("setup: cannot drop privileges: %s\n", errno_name(errno));
        _exit(1);
    }
}

int main(int argc, char **argv) {
    const struct unix_kind *kind = unix_kind_from_args(argc, argv);
    type = kind->type;
    if (kind->naming != UNIX_PATH) {
        say("%s: socket files only\n", kind->name);
        return 0;
    }
    if (geteuid() != 0) {
        say("skipped: needs root\n");
        return 0;
    }
    mkdir(DIRECTORY, 0755);
    chmod(DIRECTORY, 0755);
    mkdir(DIRECTORY "/closed", 0700);
    mkdir(DIRECTORY "/open", 0777);
    chmod(DIRECTORY "/open", 0777);
    int writable = listener(DIRECTORY "/writable.sock", 0777);
    int readonly = listener(DIRECTORY "/readonly.sock", 0755);
    int hidden = listener(DIRECTORY "/closed/hidden.sock", 0777);
    /* Access is the file's: a socket of mode 0700 whose file was opened up takes anyone. */
    int narrow = listener_of(DIRECTORY "/narrow.sock", 0700, 0777);

    say("as root\n");
    try_connect("writable file", DIRECTORY "/writable.sock");
    try_connect("read-only file", DIRECTORY "/readonly.sock");
    try_connect("file in a closed directory", DIRECTORY "/closed/hidden.sock");
    try_bind("in a read-only directory", DIRECTORY "/new.sock");

    say("file modes\n");
    file_mode("its own mode, umask 0022", 0, 0022);
    file_mode("fchmod 0765, umask 0123", 0765, 0123);
    file_mode("fchmod 0700, umask 0", 0700, 0);
    file_mode("fchmod 01777, umask 0002", 01777, 0002);

    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        /* The same thread connects as root first, then as nobody. */
        try_connect("read-only file, before dropping privileges", DIRECTORY "/readonly.sock");
        drop_privileges();
        say("as nobody\n");
        try_connect("writable file", DIRECTORY "/writable.sock");
        try_connect("read-only file", DIRECTORY "/readonly.sock");
        try_connect("file in a closed directory", DIRECTORY "/closed/hidden.sock");
        try_connect("missing file in a closed directory", DIRECTORY "/closed/missing.sock");
        try_connect("writable file of a 0700 socket", DIRECTORY "/narrow.sock");
        try_bind("in a read-only directory", DIRECTORY "/new.sock");
        try_bind("in a writable directory", DIRECTORY "/open/new.sock");
        fflush(stdout);
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    say("child: %s %d\n", WIFEXITED(status) ? "exit" : "signal",
        WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));

    close(writable);
    close(readonly);
    close(hidden);
    close(narrow);
    unlink(DIRECTORY "/narrow.sock");
    unlink(DIRECTORY "/writable.sock");
    unlink(DIRECTORY "/readonly.sock");
    unlink(DIRECTORY "/closed/hidden.sock");
    unlink(DIRECTORY "/open/new.sock");
    rmdir(DIRECTORY "/closed");
    rmdir(DIRECTORY "/open");
    rmdir(DIRECTORY);
    return 0;
}
