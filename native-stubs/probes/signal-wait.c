/*
 * Installs a handler for each signal named on the command line (TERM, INT, HUP, QUIT,
 * USR1), says "ready" and waits. The handler reports the signal and exits with 100 + its
 * number, so a caller can tell a handled signal from a default death (128 + number).
 */
#include "probe.h"

#include <signal.h>

static const struct {
    const char *name;
    int number;
} known[] = {
    {"TERM", SIGTERM}, {"INT", SIGINT}, {"HUP", SIGHUP}, {"QUIT", SIGQUIT}, {"USR1", SIGUSR1},
};
#define KNOWN (sizeof known / sizeof known[0])

static void on_signal(int sig) {
    char line[32] = "handler: SIG";
    for (size_t i = 0; i < KNOWN; i++) {
        if (known[i].number == sig) {
            strcat(line, known[i].name);
            break;
        }
    }
    strcat(line, "\n");
    ssize_t ignored = write(STDOUT_FILENO, line, strlen(line));
    (void)ignored;
    _exit(100 + sig);
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        size_t k = 0;
        while (k < KNOWN && strcmp(known[k].name, argv[i]) != 0) k++;
        if (k == KNOWN) {
            fprintf(stderr, "signal-wait: unknown signal %s\n", argv[i]);
            return 2;
        }
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = on_signal;
        sigemptyset(&action.sa_mask);
        if (sigaction(known[k].number, &action, NULL) != 0) {
            perror("sigaction");
            return 1;
        }
    }
    say("ready\n");
    for (;;) pause();
}
