/*
 * The untrapped descriptor calls (read, write, poll) and the trapped data calls on a socket
 * that is not connected: fresh, bound, listening, and after a shutdown. Linux answers
 * them from the socket's state (ENOTCONN, EINVAL, POLLHUP): a sandbox socket must be a
 * kernel socket in that same state, not one end of a hidden pair.
 *
 *   unix-unconnected KIND   (KIND as in unix-kind.h; pair kinds check the fresh socket only)
 */
#include "probe.h"
#include "unix-kind.h"

#include <poll.h>
#include <signal.h>

#define PROBE "unix-unconnected"

static const char *events(short revents) {
    static char text[96];
    snprintf(text, sizeof text, "%s%s%s%s%s%s",
             revents & POLLIN ? "POLLIN " : "", revents & POLLOUT ? "POLLOUT " : "",
             revents & POLLHUP ? "POLLHUP " : "", revents & POLLRDHUP ? "POLLRDHUP " : "",
             revents & POLLERR ? "POLLERR " : "", revents ? "" : "none");
    return text;
}

static void calls(const char *state, int fd) {
    char byte = 'x';
    say("%s\n", state);
    report("  write", write(fd, &byte, 1));
    report("  read", read(fd, &byte, 1));
    report("  send", send(fd, &byte, 1, MSG_DONTWAIT | MSG_NOSIGNAL));
    report("  recv", recv(fd, &byte, 1, MSG_DONTWAIT));
    struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP};
    int ready = poll(&p, 1, 0);
    say("  poll: %d %s\n", ready, events(p.revents));
    struct sockaddr_un peer;
    socklen_t length = sizeof peer;
    report("  getpeername", getpeername(fd, (struct sockaddr *)&peer, &length));
}

int main(int argc, char **argv) {
    const struct unix_kind *kind = unix_kind_from_args(argc, argv);
    signal(SIGPIPE, SIG_IGN);

    int fresh = unix_kind_check("socket", socket(AF_UNIX, kind->type, 0));
    calls("fresh", fresh);
    report("shutdown(SHUT_RDWR)", shutdown(fresh, SHUT_RDWR));
    calls("fresh after shutdown", fresh);
    close(fresh);
    if (kind->naming == UNIX_PAIR) return 0;

    struct unix_conn named = {.kind = kind};
    unix_kind_address(kind, PROBE, &named.address, &named.address_length);
    unix_kind_unlink(&named);
    int bound = unix_kind_check("socket", socket(AF_UNIX, kind->type, 0));
    unix_kind_check("bind", bind(bound, (struct sockaddr *)&named.address, named.address_length));
    calls("bound", bound);
    unix_kind_check("listen", listen(bound, 4));
    calls("listening", bound);
    int client = unix_kind_check("socket", socket(AF_UNIX, kind->type, 0));
    unix_kind_check("connect", connect(client, (struct sockaddr *)&named.address, named.address_length));
    calls("listening with a pending connection", bound);
    report("accept", accept(bound, NULL, NULL));
    report("shutdown(SHUT_RD) of the listener", shutdown(bound, SHUT_RD));
    report("connect after the listener's shutdown",
           connect(unix_kind_check("socket", socket(AF_UNIX, kind->type, 0)),
                   (struct sockaddr *)&named.address, named.address_length));
    close(bound);
    unix_kind_unlink(&named);
    return 0;
}
