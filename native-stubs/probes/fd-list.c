/*
 * The descriptors this process inherited, one line each: number, close-on-exec, access
 * mode and status flags, and what it refers to. Pipes and sockets are printed by kind only
 * (their inode numbers differ from run to run); regular files by path and offset.
 */
#include "probe.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/resource.h>
#include <sys/stat.h>

static const char *access_mode(int flags) {
    switch (flags & O_ACCMODE) {
    case O_RDONLY: return "r";
    case O_WRONLY: return "w";
    case O_RDWR: return "rw";
    default: return "?";
    }
}

int main(void) {
    struct rlimit limit;
    long highest = 65536;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < (rlim_t)highest) highest = (long)limit.rlim_cur;
    for (int fd = 0; fd < highest; fd++) {
        int fd_flags = fcntl(fd, F_GETFD);
        if (fd_flags < 0) continue;
        int flags = fcntl(fd, F_GETFL);
        char link[64], target[PATH_MAX] = {0};
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t length = readlink(link, target, sizeof target - 1);
        if (length < 0) snprintf(target, sizeof target, "(readlink: %s)", errno_name(errno));
        struct stat st;
        char what[PATH_MAX + 64];
        if (fstat(fd, &st) != 0) snprintf(what, sizeof what, "(fstat: %s)", errno_name(errno));
        else if (S_ISFIFO(st.st_mode)) snprintf(what, sizeof what, "pipe");
        else if (S_ISSOCK(st.st_mode)) snprintf(what, sizeof what, "socket");
        else if (S_ISREG(st.st_mode))
            snprintf(what, sizeof what, "file %s offset %lld", target, (long long)lseek(fd, 0, SEEK_CUR));
        else snprintf(what, sizeof what, "%s", target);
        say("fd %d: %s%s%s%s %s\n", fd, access_mode(flags), (flags & O_APPEND) ? " append" : "",
            (flags & O_NONBLOCK) ? " nonblock" : "", (fd_flags & FD_CLOEXEC) ? " cloexec" : "", what);
    }
    return 0;
}
