/*
 * Job control of a process in the sandbox.
 *
 *   stop-cont self   says "ready pid=N", then echoes one line of stdin and exits 0
 *   stop-cont child  forks a child that does the same; the parent reports every state
 *                    change waitpid(WUNTRACED | WCONTINUED) shows, as a shell's job
 *                    control would see it, and exits with the child's status
 */
#include "probe.h"

#include <signal.h>
#include <sys/wait.h>

static int echo_one_line(const char *who) {
    say("%s ready pid=%d\n", who, (int)getpid());
    char line[256];
    if (fgets(line, sizeof line, stdin) == NULL) {
        say("%s: no input\n", who);
        return 1;
    }
    line[strcspn(line, "\n")] = '\0';
    say("%s got: %s\n", who, line);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: stop-cont self|child\n");
        return 2;
    }
    if (strcmp(argv[1], "self") == 0) return echo_one_line("self");

    pid_t child = fork();
    if (child < 0) {
        perror("fork");
        return 1;
    }
    if (child == 0) _exit(echo_one_line("child") == 0 ? 7 : 1);
    for (;;) {
        int status;
        pid_t pid = waitpid(child, &status, WUNTRACED | WCONTINUED);
        if (pid < 0) {
            if (errno == EINTR) continue;
            say("parent: waitpid: -1 %s\n", errno_name(errno));
            return 1;
        }
        if (WIFSTOPPED(status)) {
            say("parent: child stopped by %s\n", WSTOPSIG(status) == SIGSTOP ? "SIGSTOP" : "other");
        } else if (WIFCONTINUED(status)) {
            say("parent: child continued\n");
        } else if (WIFEXITED(status)) {
            say("parent: child exited %d\n", WEXITSTATUS(status));
            return WEXITSTATUS(status);
        } else if (WIFSIGNALED(status)) {
            say("parent: child killed by signal %d\n", WTERMSIG(status));
            return 128 + WTERMSIG(status);
        }
    }
}
