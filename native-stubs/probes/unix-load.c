/*
 * Load on the sentry: one server process, CLIENTS client processes each doing MESSAGES
 * request/response round trips over a path listener, then SOCKETS sockets made and closed
 * (by fours: a socketpair, and a connection to the listener with its accepted end).
 *
 *   unix-load CLIENTS MESSAGES SOCKETS
 *
 * It prints "ready" and waits for a line on stdin before the load, and "done" and waits again
 * after it, so that a test can count the sandbox's own descriptors at both points. Every
 * echoed message is checked byte for byte; the summary lines say how many arrived intact.
 */
#include "probe.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#define NAME "load.sock"
#define MESSAGE 64

static void die(const char *what) {
    printf("%s: %s\n", what, errno_name(errno));
    exit(1);
}

static void pause_for_line(const char *say_first) {
    printf("%s\n", say_first);
    fflush(stdout);
    char line[16];
    if (fgets(line, sizeof line, stdin) == NULL) exit(1);
}

static struct sockaddr_un address(void) {
    struct sockaddr_un name = {.sun_family = AF_UNIX};
    strcpy(name.sun_path, NAME);
    return name;
}

static int full_io(int fd, char *buffer, size_t length, int writing) {
    size_t done = 0;
    while (done < length) {
        ssize_t n = writing ? write(fd, buffer + done, length - done) : read(fd, buffer + done, length - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        done += (size_t)n;
    }
    return 0;
}

/* A client: connect, MESSAGES round trips, each echo compared; exits 0 when all matched. */
static void client(int id, long messages) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un name = address();
    if (fd < 0 || connect(fd, (struct sockaddr *)&name, sizeof name) != 0) _exit(2);
    char sent[MESSAGE], got[MESSAGE];
    for (long i = 0; i < messages; i++) {
        memset(sent, 0, sizeof sent);
        snprintf(sent, sizeof sent, "client %d message %ld", id, i);
        if (full_io(fd, sent, MESSAGE, 1) != 0 || full_io(fd, got, MESSAGE, 0) != 0) _exit(3);
        if (memcmp(sent, got, MESSAGE) != 0) _exit(4);
    }
    close(fd);
    _exit(0);
}

/* Echoes every connection until CLIENTS connections have come and gone. */
static long serve(int listener, int clients) {
    struct pollfd *fds = calloc((size_t)clients + 1, sizeof *fds);
    int open = 0, finished = 0, accepted = 0;
    long bytes = 0;
    fds[0] = (struct pollfd){.fd = listener, .events = POLLIN};
    char buffer[4096];
    while (finished < clients) {
        if (poll(fds, (nfds_t)open + 1, -1) < 0) {
            if (errno == EINTR) continue;
            die("poll");
        }
        if ((fds[0].revents & POLLIN) && accepted < clients) {
            int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
            if (fd < 0) die("accept4");
            fds[++open] = (struct pollfd){.fd = fd, .events = POLLIN};
            accepted++;
        }
        for (int i = 1; i <= open; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0 && full_io(fds[i].fd, buffer, (size_t)n, 1) == 0) {
                bytes += n;
                continue;
            }
            close(fds[i].fd);
            fds[i] = fds[open--];
            fds[open + 1].revents = 0;
            finished++;
            i--;
        }
    }
    free(fds);
    return bytes;
}

static void churn(int listener, long sockets) {
    long made = 0, failed = 0;
    struct sockaddr_un name = address();
    for (long i = 0; i < sockets / 4; i++) {
        int pair[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0) {
            close(pair[0]);
            close(pair[1]);
            made += 2;
        } else {
            failed++;
        }
        int client = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int accepted = -1;
        if (client >= 0 && connect(client, (struct sockaddr *)&name, sizeof name) == 0
            && (accepted = accept4(listener, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
            made += 2;
        } else {
            failed++;
        }
        if (client >= 0) close(client);
        if (accepted >= 0) close(accepted);
    }
    printf("sockets: %ld made and closed, %ld failures\n", made, failed);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: unix-load CLIENTS MESSAGES SOCKETS\n");
        return 2;
    }
    int clients = atoi(argv[1]);
    long messages = atol(argv[2]), sockets = atol(argv[3]);
    pause_for_line("ready");

    unlink(NAME);
    int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un name = address();
    if (listener < 0 || bind(listener, (struct sockaddr *)&name, sizeof name) != 0) die("bind");
    if (listen(listener, clients) != 0) die("listen");
    pid_t *pids = calloc((size_t)clients, sizeof *pids);
    for (int i = 0; i < clients; i++) {
        fflush(stdout);
        pids[i] = fork();
        if (pids[i] < 0) die("fork");
        if (pids[i] == 0) client(i, messages);
    }
    long bytes = serve(listener, clients);
    int passed = 0;
    for (int i = 0; i < clients; i++) {
        int status;
        if (waitpid(pids[i], &status, 0) == pids[i] && WIFEXITED(status) && WEXITSTATUS(status) == 0) passed++;
    }
    printf("clients: %d of %d exchanged %ld messages each intact; server echoed %ld bytes\n", passed, clients,
           messages, bytes);
    churn(listener, sockets);
    close(listener);
    unlink(NAME);
    free(pids);
    pause_for_line("done");
    return 0;
}
