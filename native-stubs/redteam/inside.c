/*
 * Route 6 of issue 15, the sandbox's side: the sockets a host intruder must not reach.
 *
 *   inside DIR TOKEN
 *
 * Binds a listener of each connection type (SOCK_STREAM, SOCK_SEQPACKET) and a datagram
 * socket, each at a path in DIR (made 0755, sockets 0777: natively any uid may connect, so
 * that a 0 under jvisor is jvisor's doing) and at an abstract name ("\0rt-in-TOKEN-TYPE"),
 * prints "ready", and counts every connection accepted and datagram received until its
 * standard input ends. Nothing in this program connects or sends: whatever arrives comes
 * from outside. Then prints the count per socket and "arrivals N", and removes DIR.
 */
#include "redteam.h"

#include <poll.h>
#include <sys/stat.h>

#define SOCKETS 6

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: inside DIR TOKEN\n");
        return 2;
    }
    const char *dir = argv[1], *token = argv[2];
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        perror("inside: mkdir");
        return 2;
    }
    chmod(dir, 0755);
    const int types[3] = {SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM};
    const char *type_names[3] = {"stream", "seqpacket", "dgram"};
    struct pollfd polls[SOCKETS + 1];
    char labels[SOCKETS][64];
    long counts[SOCKETS] = {0};
    int types_of[SOCKETS];
    for (int i = 0; i < SOCKETS; i++) {
        int t = i % 3, abstract = i >= 3;
        struct rt_addr name;
        if (abstract) {
            memset(&name, 0, sizeof name);
            name.sun.sun_family = AF_UNIX;
            int n = snprintf(name.sun.sun_path + 1, sizeof name.sun.sun_path - 1, "rt-in-%s-%s", token, type_names[t]);
            name.length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
        } else {
            char path[128];
            snprintf(path, sizeof path, "%s/%s", dir, type_names[t]);
            unlink(path);
            name = rt_path(path);
        }
        snprintf(labels[i], sizeof labels[i], "%s-%s", abstract ? "abstract" : "path", type_names[t]);
        int fd = socket(AF_UNIX, types[t] | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&name.sun, name.length) < 0 ||
            (types[t] != SOCK_DGRAM && listen(fd, 128) < 0)) {
            perror("inside: socket");
            return 2;
        }
        if (!abstract) chmod(name.sun.sun_path, 0777);
        polls[i] = (struct pollfd){.fd = fd, .events = POLLIN};
        types_of[i] = types[t];
    }
    polls[SOCKETS] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
    say("ready\n");
    for (;;) {
        if (poll(polls, SOCKETS + 1, -1) < 0) {
            if (errno == EINTR) continue;
            perror("inside: poll");
            return 2;
        }
        for (int i = 0; i < SOCKETS; i++) {
            if (!(polls[i].revents & POLLIN)) continue;
            if (types_of[i] == SOCK_DGRAM) {
                char bytes[256];
                while (recv(polls[i].fd, bytes, sizeof bytes, MSG_DONTWAIT) >= 0) counts[i]++;
            } else {
                for (int fd; (fd = accept4(polls[i].fd, NULL, NULL, SOCK_CLOEXEC)) >= 0; close(fd)) counts[i]++;
            }
        }
        if (polls[SOCKETS].revents & (POLLIN | POLLHUP)) {
            char line[64];
            if (read(STDIN_FILENO, line, sizeof line) <= 0) break;
        }
    }
    long total = 0;
    for (int i = 0; i < SOCKETS; i++) {
        say("%s %ld\n", labels[i], counts[i]);
        total += counts[i];
    }
    say("arrivals %ld\n", total);
    for (int t = 0; t < 3; t++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", dir, type_names[t]);
        unlink(path);
    }
    rmdir(dir);
    return 0;
}
