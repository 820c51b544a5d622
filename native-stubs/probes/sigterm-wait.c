/*
 * Installs a SIGTERM handler, says "ready" and waits. The handler reports the signal and
 * exits with 43, so a caller can tell a handled SIGTERM (43) from a default one (143).
 */
#include "probe.h"

#include <signal.h>

static void on_term(int sig, siginfo_t *info, void *context) {
    (void)context;
    static const char line[] = "handler: SIGTERM\n";
    if (sig == SIGTERM && info->si_signo == SIGTERM) {
        ssize_t ignored = write(STDOUT_FILENO, line, sizeof line - 1);
        (void)ignored;
    }
    _exit(43);
}

int main(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_term;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGTERM, &action, NULL) != 0) {
        perror("sigaction");
        return 1;
    }
    say("ready\n");
    for (;;) pause();
}
