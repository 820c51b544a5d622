/*
 * Permissions on socket files, as a process that may override them (root) and as one that
 * may not: connect needs write permission on the socket file and search permission on the
 * directories (EACCES), bind needs write permission on the directory. A process that drops
 * its privileges after a connect is checked again. Path kinds only; the others print that
 * they have nothing to check.
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

static int listener(const char *path, mode_t mode) {
    socklen_t length;
    struct sockaddr_un address = path_address(path, &length);
    unlink(path);
    int fd = unix_kind_check("socket", socket(AF_UNIX, type, 0));
    unix_kind_check("bind", bind(fd, (struct sockaddr *)&address, length));
    unix_kind_check("listen", listen(fd, 16));
    unix_kind_check("chmod", chmod(path, mode));
    return fd;
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

    say("as root\n");
    try_connect("writable file", DIRECTORY "/writable.sock");
    try_connect("read-only file", DIRECTORY "/readonly.sock");
    try_connect("file in a closed directory", DIRECTORY "/closed/hidden.sock");
    try_bind("in a read-only directory", DIRECTORY "/new.sock");

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
    unlink(DIRECTORY "/writable.sock");
    unlink(DIRECTORY "/readonly.sock");
    unlink(DIRECTORY "/closed/hidden.sock");
    unlink(DIRECTORY "/open/new.sock");
    rmdir(DIRECTORY "/closed");
    rmdir(DIRECTORY "/open");
    rmdir(DIRECTORY);
    return 0;
}
