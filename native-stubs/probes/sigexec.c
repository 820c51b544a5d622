/*
 * Runs a program with some signals ignored and some blocked, as a caller such as nohup, a
 * shell's background job or a daemon supervisor would leave them. Both survive execve.
 *
 *   sigexec [--ignore N,N...] [--block N,N...] -- PROGRAM [ARG...]
 */
#include "probe.h"

#include <signal.h>

static void each_signal(const char *list, void (*apply)(int, sigset_t *), sigset_t *set) {
    char *end;
    while (*list != '\0') {
        long sig = strtol(list, &end, 10);
        if (end == list || sig < 1 || sig >= NSIG) {
            fprintf(stderr, "sigexec: bad signal list\n");
            exit(2);
        }
        apply((int)sig, set);
        list = *end == ',' ? end + 1 : end;
    }
}

static void ignore(int sig, sigset_t *set) {
    (void)set;
    signal(sig, SIG_IGN);
}

static void block(int sig, sigset_t *set) {
    sigaddset(set, sig);
}

int main(int argc, char **argv) {
    sigset_t blocked;
    sigemptyset(&blocked);
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (i + 1 >= argc) return 2;
        if (strcmp(argv[i], "--ignore") == 0) each_signal(argv[++i], ignore, NULL);
        else if (strcmp(argv[i], "--block") == 0) each_signal(argv[++i], block, &blocked);
        else return 2;
    }
    if (i >= argc) return 2;
    sigprocmask(SIG_BLOCK, &blocked, NULL);
    execvp(argv[i], &argv[i]);
    perror("sigexec: execvp");
    return 127;
}
