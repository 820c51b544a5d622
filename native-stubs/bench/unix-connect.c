/*
 * AF_UNIX connection set-up: one process listens on a filesystem name and, per iteration,
 * creates a SOCK_STREAM socket, connects it to the listener, accepts the connection and
 * closes both ends. socket, connect and accept are all trapped by the sandbox, so this is
 * what a short-lived client connection costs. The name is relative ("bench.sock") in a
 * fresh directory under $TMPDIR (or /tmp), removed at exit.
 *
 *   unix-connect [CONNECTIONS] [WARMUP]    prints ns per connection
 */
#include "bench.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define NAME "bench.sock"

static char directory[4096];
static int bound;

static void clean_up(void) {
    if (bound) unlink(NAME);
    if (directory[0] != '\0' && chdir("/") == 0) rmdir(directory);
}

static void connect_once(int listener, const struct sockaddr_un *address) {
    int client = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (client < 0) bench_die("unix-connect: socket");
    if (connect(client, (const struct sockaddr *)address, sizeof *address) != 0)
        bench_die("unix-connect: connect");
    int server = accept(listener, NULL, NULL);
    if (server < 0) bench_die("unix-connect: accept");
    close(server);
    close(client);
}

int main(int argc, char **argv) {
    long iterations = bench_iterations(argc, argv, 20000);
    long warmup = bench_warmup(argc, argv, 1000);
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || tmp[0] == '\0') tmp = "/tmp";
    if (snprintf(directory, sizeof directory, "%s/unix-connect.XXXXXX", tmp) >= (int)sizeof directory) {
        fprintf(stderr, "unix-connect: TMPDIR is too long\n");
        return 1;
    }
    if (mkdtemp(directory) == NULL) {
        directory[0] = '\0';
        bench_die("unix-connect: mkdtemp");
    }
    atexit(clean_up);
    if (chdir(directory) != 0) bench_die("unix-connect: chdir");

    struct sockaddr_un address = {.sun_family = AF_UNIX};
    strcpy(address.sun_path, NAME);
    int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0) bench_die("unix-connect: socket");
    if (bind(listener, (const struct sockaddr *)&address, sizeof address) != 0)
        bench_die("unix-connect: bind");
    bound = 1;
    if (listen(listener, 16) != 0) bench_die("unix-connect: listen");

    for (long i = 0; i < warmup; i++) connect_once(listener, &address);
    long long start = bench_now_ns();
    for (long i = 0; i < iterations; i++) connect_once(listener, &address);
    long long end = bench_now_ns();
    close(listener);
    bench_report(start, end, iterations);
    return 0;
}
