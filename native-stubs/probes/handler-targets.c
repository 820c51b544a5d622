/*
 * Targets for the platform's handler tests: each mode makes trapped calls that a test
 * handler answers by emulating, rewriting or injecting, and prints what the program saw.
 *
 *   handler-targets errno      listen() on an unbound AF_UNIX socket (Linux: EINVAL)
 *   handler-targets getpid     getsockname(MAGIC_FD, ...) answered with an injected getpid
 *   handler-targets rewrite    getsockopt(SO_TYPE) on a stream socket
 *   handler-targets memory     connect() with a bad pointer, then getsockname() into a buffer
 *   handler-targets interrupt restart|norestart
 *                              recvfrom() on an empty pipe while SIGUSR1 arrives
 *   handler-targets abandon    getsockopt() during which a signal arrives between injections
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define MAGIC_FD 12345

static volatile sig_atomic_t handled;

static void on_usr1(int sig) {
    (void)sig;
    handled++;
}

static const char *error_name(int error) {
    switch (error) {
    case EADDRINUSE: return "EADDRINUSE";
    case EINVAL: return "EINVAL";
    case EFAULT: return "EFAULT";
    case EINTR: return "EINTR";
    case ENOENT: return "ENOENT";
    case ENOTSOCK: return "ENOTSOCK";
    case EBADF: return "EBADF";
    default: {
        static char text[32];
        snprintf(text, sizeof text, "errno %d", error);
        return text;
    }
    }
}

static void report(const char *call, long result) {
    if (result < 0) printf("%s: -1 %s\n", call, error_name(errno));
    else printf("%s: %ld\n", call, result);
}

static void install_usr1(int flags) {
    struct sigaction action = {0};
    action.sa_handler = on_usr1;
    action.sa_flags = flags;
    sigemptyset(&action.sa_mask);
    sigaction(SIGUSR1, &action, NULL);
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    const char *mode = argv[1];
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    if (strcmp(mode, "errno") == 0) {
        report("listen", listen(fd, 5));
    } else if (strcmp(mode, "getpid") == 0) {
        long got = syscall(SYS_getsockname, MAGIC_FD, 0, 0);
        printf("getsockname returned the caller's pid: %s\n", got == getpid() ? "yes" : "no");
    } else if (strcmp(mode, "rewrite") == 0) {
        int value = -1;
        socklen_t length = sizeof value;
        report("getsockopt", getsockopt(fd, SOL_SOCKET, SO_TYPE, &value, &length));
        printf("value: %d\n", value);
    } else if (strcmp(mode, "memory") == 0) {
        report("connect(bad pointer)", connect(fd, (struct sockaddr *)1, 110));
        struct sockaddr_un missing = {.sun_family = AF_UNIX};
        strcpy(missing.sun_path, "/nonexistent/socket");
        report("connect(missing path)", connect(fd, (struct sockaddr *)&missing, sizeof missing));
        struct sockaddr_un name;
        memset(&name, 0, sizeof name);
        socklen_t length = sizeof name;
        report("getsockname", getsockname(fd, (struct sockaddr *)&name, &length));
        printf("name: family %d length %u path '%s'\n", name.sun_family, length, name.sun_path);
    } else if (strcmp(mode, "interrupt") == 0 && argc == 3) {
        install_usr1(strcmp(argv[2], "restart") == 0 ? SA_RESTART : 0);
        int pipe_fds[2];
        if (pipe(pipe_fds) != 0) return 3;
        char byte;
        struct sockaddr_un from;
        socklen_t from_length = sizeof from;
        /* With an address, so that the filter traps it. */
        report("recvfrom", recvfrom(pipe_fds[0], &byte, 1, 0, (struct sockaddr *)&from, &from_length));
        printf("handler ran: %d\n", (int)handled);
    } else if (strcmp(mode, "abandon") == 0) {
        install_usr1(SA_RESTART);
        int value = -1;
        socklen_t length = sizeof value;
        report("getsockopt", getsockopt(fd, SOL_SOCKET, SO_TYPE, &value, &length));
        printf("value: %d\nhandler ran: %d\n", value, (int)handled);
    } else {
        return 2;
    }
    fflush(stdout);
    return 0;
}
