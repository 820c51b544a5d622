/*
 * Trapped calls from many threads at once: each of THREADS threads runs ITERATIONS rounds of
 * socket(AF_UNIX)/getsockopt/setsockopt/close and counts what it saw. The transcript holds
 * only those counts, so it is the same on every run however the threads interleave.
 *
 *   socket-threads [ITERATIONS]   (default 2000)
 */
#include "probe.h"

#include <pthread.h>
#include <sys/socket.h>

#define THREADS 8

enum check {
    SOCKET_OK, SOCKET_FAILED,
    TYPE_RIGHT, DOMAIN_RIGHT, PROTOCOL_RIGHT, ACCEPTCONN_RIGHT, PASSCRED_RIGHT,
    SHORT_LENGTH_RIGHT, VALUE_WRONG,
    CHECKS
};

static const char *const check_names[CHECKS] = {
    "socket-ok", "socket-failed", "SO_TYPE", "SO_DOMAIN", "SO_PROTOCOL", "SO_ACCEPTCONN",
    "SO_PASSCRED", "short-optlen", "wrong-value",
};

struct tally {
    long checks[CHECKS];
    long bad_option[ERRNO_SLOTS];   /* getsockopt(SOL_SOCKET, 9999): errno slots */
    long bad_level[ERRNO_SLOTS];    /* setsockopt(level 9999) */
    long raw[ERRNO_SLOTS];          /* socket(AF_UNIX, SOCK_RAW): Linux makes it a datagram socket */
    long bad_protocol[ERRNO_SLOTS]; /* socket(AF_UNIX, SOCK_STREAM, 1) */
    long closes[ERRNO_SLOTS];
};

static long iterations = 2000;
static struct tally tallies[THREADS];

static int get_int(int fd, int option, int *value) {
    socklen_t length = sizeof *value;
    *value = -1;
    int result = getsockopt(fd, SOL_SOCKET, option, value, &length);
    if (result == 0 && length != sizeof *value) return -2;
    return result;
}

static void expect(struct tally *tally, int fd, int option, int wanted, enum check check) {
    int value;
    int result = get_int(fd, option, &value);
    if (result == 0 && value == wanted) tally->checks[check]++;
    else tally->checks[VALUE_WRONG]++;
}

static void *worker(void *arg) {
    struct tally *tally = arg;
    static const int types[] = {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET};
    for (long i = 0; i < iterations; i++) {
        int type = types[i % 3];
        int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            tally->checks[SOCKET_FAILED]++;
            continue;
        }
        tally->checks[SOCKET_OK]++;
        expect(tally, fd, SO_TYPE, type, TYPE_RIGHT);
        expect(tally, fd, SO_DOMAIN, AF_UNIX, DOMAIN_RIGHT);
        expect(tally, fd, SO_PROTOCOL, 0, PROTOCOL_RIGHT);
        expect(tally, fd, SO_ACCEPTCONN, 0, ACCEPTCONN_RIGHT);

        int on = (int)(i & 1);
        if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) == 0)
            expect(tally, fd, SO_PASSCRED, on, PASSCRED_RIGHT);
        else
            tally->checks[VALUE_WRONG]++;

        /* Linux copies min(optlen, sizeof(int)) bytes and reports that length. */
        unsigned char small[2] = {0xAA, 0xAA};
        socklen_t length = sizeof small;
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, small, &length) == 0 && length == 2)
            tally->checks[SHORT_LENGTH_RIGHT]++;
        else
            tally->checks[VALUE_WRONG]++;

        int value;
        length = sizeof value;
        int result = getsockopt(fd, SOL_SOCKET, 9999, &value, &length);
        tally->bad_option[errno_slot(result == 0 ? 0 : errno)]++;
        result = setsockopt(fd, 9999, 1, &on, sizeof on);
        tally->bad_level[errno_slot(result == 0 ? 0 : errno)]++;

        tally->closes[errno_slot(close(fd) == 0 ? 0 : errno)]++;

        if (i % 16 == 0) {
            int other = socket(AF_UNIX, SOCK_RAW, 0);
            tally->raw[errno_slot(other >= 0 ? 0 : errno)]++;
            if (other >= 0) close(other);
            other = socket(AF_UNIX, SOCK_STREAM, 1);
            tally->bad_protocol[errno_slot(other >= 0 ? 0 : errno)]++;
            if (other >= 0) close(other);
        }
    }
    return NULL;
}

static void print_slots(int thread, const char *what, const long *slots) {
    for (int slot = 0; slot < ERRNO_SLOTS; slot++)
        if (slots[slot] != 0) say("thread %d: %s %s %ld\n", thread, what, errno_name(slot), slots[slot]);
}

int main(int argc, char **argv) {
    if (argc > 1) iterations = strtol(argv[1], NULL, 10);
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        int error = pthread_create(&threads[i], NULL, worker, &tallies[i]);
        if (error != 0) {
            say("pthread_create: %s\n", errno_name(error));
            return 1;
        }
    }
    for (int i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
    for (int i = 0; i < THREADS; i++) {
        for (int c = 0; c < CHECKS; c++)
            say("thread %d: %s %ld\n", i, check_names[c], tallies[i].checks[c]);
        print_slots(i, "getsockopt(9999)", tallies[i].bad_option);
        print_slots(i, "setsockopt(level 9999)", tallies[i].bad_level);
        print_slots(i, "socket(SOCK_RAW)", tallies[i].raw);
        print_slots(i, "socket(protocol 1)", tallies[i].bad_protocol);
        print_slots(i, "close", tallies[i].closes);
    }
    return 0;
}
