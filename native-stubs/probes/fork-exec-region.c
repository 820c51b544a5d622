/*
 * Children that exec at once and connect: the parent listens on an abstract name and has
 * made a call that needed jvisor's argument region (its own connect), then forks N children;
 * each execs this probe again, and the new image's first AF_UNIX call connects to the
 * listener (a call jvisor rewrites through the region, which a new image must map anew).
 * The tracer can see a child's exec before its parent's fork event; each child must connect
 * all the same. Prints how many did, and the errno of the first that did not.
 *
 * usage: fork-exec-region [CHILDREN]
 */
#include "probe.h"

#include <stddef.h>
#include <sys/un.h>
#include <sys/wait.h>

static socklen_t address_of(const char *name, struct sockaddr_un *address) {
    memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    size_t length = strlen(name);
    memcpy(address->sun_path + 1, name, length);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + length);
}

static int connect_to(const char *name) {
    struct sockaddr_un address;
    socklen_t length = address_of(name, &address);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno;
    int result = connect(fd, (struct sockaddr *)&address, length) == 0 ? 0 : errno;
    close(fd);
    return result;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--child") == 0) return connect_to(argv[2]);

    long children = argc > 1 ? strtol(argv[1], NULL, 10) : 300;
    char name[64];
    snprintf(name, sizeof name, "jvisor-fork-exec-region-%d", (int)getpid());
    struct sockaddr_un address;
    socklen_t length = address_of(name, &address);
    /* Nonblocking: a child that could not connect leaves nothing to accept. */
    int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (listener < 0 || bind(listener, (struct sockaddr *)&address, length) != 0 || listen(listener, 64) != 0) {
        say("listener: %s\n", errno_name(errno));
        return 1;
    }
    int own = connect_to(name);
    int drained = accept(listener, NULL, NULL);
    if (drained >= 0) close(drained);
    say("parent connect: %s\n", errno_name(own));

    long connected = 0;
    int first_failure = 0;
    for (long i = 0; i < children; i++) {
        pid_t child = fork();
        if (child < 0) {
            say("fork: %s\n", errno_name(errno));
            return 1;
        }
        if (child == 0) {
            /* As a shell's command substitution runs a pipeline: a subshell that forks the
               command, which execs. */
            char *child_argv[] = {argv[0], "--child", name, NULL};
            pid_t grandchild = fork();
            if (grandchild == 0) {
                execv("/proc/self/exe", child_argv);
                _exit(127);
            }
            int grandchild_status;
            while (waitpid(grandchild, &grandchild_status, 0) < 0 && errno == EINTR) {}
            _exit(WIFEXITED(grandchild_status) ? WEXITSTATUS(grandchild_status) : 126);
        }
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        int accepted = accept(listener, NULL, NULL);
        if (accepted >= 0) close(accepted);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) connected++;
        else if (first_failure == 0) first_failure = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    say("children connected: %ld of %ld\n", connected, children);
    if (first_failure != 0) say("first failure: %s\n", first_failure > 0 ? errno_name(first_failure) : "signal");
    return 0;
}
