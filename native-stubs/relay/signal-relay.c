/*
 * libjvisor-signal-relay.so: lets jvisor forward SIGHUP, SIGINT, SIGQUIT and SIGTERM to the
 * program. The JVM runs with -Xrs, so it leaves these signals alone (otherwise it keeps
 * SIGQUIT for thread dumps); this handler only writes the signal number to a pipe, which is
 * async-signal-safe, and a Java thread reads the pipe and does the forwarding.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static int relay_fd = -1;

static void relay(int signal_number) {
    int saved = errno;
    unsigned char byte = (unsigned char)signal_number;
    ssize_t ignored = write(relay_fd, &byte, 1);
    (void)ignored;
    errno = saved;
}

/* Routes each of `signals` to `fd`. Returns 0, or -1 with errno set. */
int jvisor_relay_signals(int fd, const int *signals, int count) {
    relay_fd = fd;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = relay;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    for (int i = 0; i < count; i++)
        if (sigaction(signals[i], &action, NULL) != 0) return -1;
    return 0;
}
