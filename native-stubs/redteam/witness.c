/*
 * The host witness of the red team (issue 15): runs outside the sandbox, holds host
 * sockets, and counts what reaches them. A route out of the sandbox is closed when the
 * witness counts 0 while a hostile probe attacks it.
 *
 *   witness DIR TOKEN
 *
 * Holds: a stream listener at DIR/s and a datagram socket at DIR/d (DIR made mode 0755,
 * both sockets 0777, so that a native attacker of any uid reaches them: a 0 under jvisor
 * is then jvisor's doing, not a permission); an abstract stream listener and an abstract
 * datagram socket for every name length redteam.h allows ("\0rtw-TOKEN-s" / "-d", padded);
 * and one end of a stream socketpair whose other end it keeps too (a descriptor to steal:
 * bytes written to either end that reach the witness count as "stolen").
 *
 * Prints "ready pid PID" once everything is bound; on each line read from standard input,
 * and at its end or on SIGTERM (then it exits), prints
 *   "arrivals path-stream N path-dgram N abstract-stream N abstract-dgram N stolen N total N".
 */
#include "redteam.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>

enum { PATH_STREAM, PATH_DGRAM, ABSTRACT_STREAM, ABSTRACT_DGRAM, STOLEN, KINDS };
static const char *const kind_names[KINDS] = {"path-stream", "path-dgram", "abstract-stream", "abstract-dgram",
                                              "stolen"};

#define MAX_SOCKETS (4 + 2 * (WITNESS_MAX_ABSTRACT - WITNESS_MIN_ABSTRACT + 1))

static struct pollfd polls[MAX_SOCKETS + 1];
static int kinds[MAX_SOCKETS + 1];
static int listening[MAX_SOCKETS + 1];
static int sockets;
static long counts[KINDS];
static volatile sig_atomic_t terminated;

static void on_term(int signal) {
    (void)signal;
    terminated = 1;
}

static void add(int fd, int kind, int listener) {
    polls[sockets] = (struct pollfd){.fd = fd, .events = POLLIN};
    kinds[sockets] = kind;
    listening[sockets] = listener;
    sockets++;
}

static int bound(int type, struct rt_addr address, int kind) {
    int fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&address.sun, address.length) < 0) {
        perror("witness: bind");
        exit(2);
    }
    if (address.sun.sun_path[0] != '\0') chmod(address.sun.sun_path, 0777);
    if (type == SOCK_STREAM && listen(fd, 4096) < 0) {
        perror("witness: listen");
        exit(2);
    }
    add(fd, kind, type == SOCK_STREAM);
    return fd;
}

static void print_counts(void) {
    long total = 0;
    char line[512];
    int used = snprintf(line, sizeof line, "arrivals");
    for (int k = 0; k < KINDS; k++) {
        used += snprintf(line + used, sizeof line - (size_t)used, " %s %ld", kind_names[k], counts[k]);
        total += counts[k];
    }
    say("%s total %ld\n", line, total);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: witness DIR TOKEN\n");
        return 2;
    }
    const char *dir = argv[1], *token = argv[2];
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        perror("witness: mkdir");
        return 2;
    }
    chmod(dir, 0755);
    struct rt_addr path_stream = rt_witness_path(dir, 's'), path_dgram = rt_witness_path(dir, 'd');
    unlink(path_stream.sun.sun_path);
    unlink(path_dgram.sun.sun_path);
    bound(SOCK_STREAM, path_stream, PATH_STREAM);
    bound(SOCK_DGRAM, path_dgram, PATH_DGRAM);
    for (size_t length = WITNESS_MIN_ABSTRACT; length <= WITNESS_MAX_ABSTRACT; length++) {
        struct rt_addr s = rt_witness_abstract(token, 's', length), d = rt_witness_abstract(token, 'd', length);
        if (s.length == 0) continue;
        bound(SOCK_STREAM, s, ABSTRACT_STREAM);
        bound(SOCK_DGRAM, d, ABSTRACT_DGRAM);
    }
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair) < 0) {
        perror("witness: socketpair");
        return 2;
    }
    add(pair[0], STOLEN, 0);
    add(pair[1], STOLEN, 0);
    polls[sockets] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};

    struct sigaction action = {.sa_handler = on_term};
    sigaction(SIGTERM, &action, NULL);
    signal(SIGPIPE, SIG_IGN);
    say("ready pid %ld\n", (long)getpid());

    int input_open = 1;
    while (!terminated) {
        int ready = poll(polls, (nfds_t)sockets + (nfds_t)input_open, -1);
        if (ready < 0) {
            if (errno == EINTR) continue;
            perror("witness: poll");
            return 2;
        }
        for (int i = 0; i < sockets; i++) {
            if (!(polls[i].revents & POLLIN)) continue;
            if (listening[i]) {
                for (int fd; (fd = accept4(polls[i].fd, NULL, NULL, SOCK_CLOEXEC)) >= 0;) {
                    counts[kinds[i]]++;
                    close(fd);
                }
            } else if (kinds[i] == STOLEN) {
                char bytes[4096];
                ssize_t n;
                while ((n = recv(polls[i].fd, bytes, sizeof bytes, MSG_DONTWAIT)) > 0) counts[STOLEN] += n;
            } else {
                char bytes[256];
                while (recv(polls[i].fd, bytes, sizeof bytes, MSG_DONTWAIT) >= 0) counts[kinds[i]]++;
            }
        }
        if (input_open && (polls[sockets].revents & (POLLIN | POLLHUP))) {
            char line[256];
            ssize_t n = read(STDIN_FILENO, line, sizeof line);
            if (n <= 0) break;
            print_counts();
        }
    }
    print_counts();
    unlink(path_stream.sun.sun_path);
    unlink(path_dgram.sun.sun_path);
    rmdir(dir);
    return 0;
}
