/*
 * The ways a process starts another: posix_spawn (glibc runs the child with
 * CLONE_VM | CLONE_VFORK), vfork + execve, fork + execve, and finally execve of the probe's
 * own process image. Prints each child's output and exit status in order.
 */
#include "probe.h"

#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>

extern char **environ;

static void report_status(const char *what, pid_t pid) {
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            say("%s: waitpid: -1 %s\n", what, errno_name(errno));
            return;
        }
    }
    if (WIFEXITED(status)) say("%s: exited %d\n", what, WEXITSTATUS(status));
    else if (WIFSIGNALED(status)) say("%s: killed by signal %d\n", what, WTERMSIG(status));
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--child") == 0) {
        /* The re-executed image: a trapped call still works after exec. */
        int pair[2];
        report("child socketpair(AF_UNIX)", socketpair(AF_UNIX, SOCK_STREAM, 0, pair));
        say("child: image replaced\n");
        return 11;
    }

    pid_t pid;
    char *echo_argv[] = {"sh", "-c", "echo spawned by posix_spawn; exit 3", NULL};
    int error = posix_spawn(&pid, "/bin/sh", NULL, NULL, echo_argv, environ);
    if (error != 0) say("posix_spawn: %s\n", errno_name(error));
    else report_status("posix_spawn", pid);

    /* posix_spawnp with a search of PATH and a missing program reports the error in the
     * parent (glibc passes it back through the shared memory of the vfork-style child). */
    char *missing_argv[] = {"jvisor-no-such-program", NULL};
    error = posix_spawnp(&pid, "jvisor-no-such-program", NULL, NULL, missing_argv, environ);
    if (error != 0) say("posix_spawnp missing: %s\n", errno_name(error));
    else report_status("posix_spawnp missing", pid);

    fflush(stdout);
    pid = vfork();
    if (pid == 0) {
        char *child_argv[] = {"sh", "-c", "echo spawned by vfork; exit 4", NULL};
        execve("/bin/sh", child_argv, environ);
        _exit(127);
    }
    if (pid < 0) say("vfork: -1 %s\n", errno_name(errno));
    else report_status("vfork+execve", pid);

    pid = fork();
    if (pid == 0) {
        char *child_argv[] = {"sh", "-c", "echo spawned by fork; kill -USR1 $$", NULL};
        execve("/bin/sh", child_argv, environ);
        _exit(127);
    }
    if (pid < 0) say("fork: -1 %s\n", errno_name(errno));
    else report_status("fork+execve", pid);

    char *self_argv[] = {argv[0], "--child", NULL};
    execve("/proc/self/exe", self_argv, environ);
    say("execve self: -1 %s\n", errno_name(errno));
    return 1;
}
