/*
 * A busy multithreaded process that reaches a host socket: jvisor makes each such connect
 * or send from a helper thread with a descriptor table of its own (HostSockets), while the
 * program's other threads make threads of their own and take signals.
 *
 *   host-socket-threads STREAM_PATH DGRAM_PATH CALLS
 *
 * The main thread connects to STREAM_PATH and sends a datagram to DGRAM_PATH, CALLS times
 * each; meanwhile one thread creates and joins threads without pause, and another sends the
 * process SIGUSR1 (whose handler counts) until the calls are done. Prints what succeeded, and
 * whether threads were made and signals handled (counts vary from run to run; the transcript
 * does not).
 */
#include "probe.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/un.h>

static atomic_int done;
static atomic_long handled, made;

static void on_usr1(int signal) {
    (void)signal;
    atomic_fetch_add(&handled, 1);
}

static void *nothing(void *unused) {
    return unused;
}

static void *spawner(void *unused) {
    while (!atomic_load(&done)) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, nothing, NULL) == 0) {
            pthread_join(thread, NULL);
            atomic_fetch_add(&made, 1);
        }
    }
    return unused;
}

static void *signaller(void *unused) {
    while (!atomic_load(&done)) {
        kill(getpid(), SIGUSR1);
        usleep(200);
    }
    return unused;
}

static struct sockaddr_un address(const char *path) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    return a;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: host-socket-threads STREAM_PATH DGRAM_PATH CALLS\n");
        return 2;
    }
    struct sockaddr_un stream = address(argv[1]), dgram = address(argv[2]);
    long calls = atol(argv[3]);
    struct sigaction action = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
    sigaction(SIGUSR1, &action, NULL);
    pthread_t threads[2];
    pthread_create(&threads[0], NULL, spawner, NULL);
    pthread_create(&threads[1], NULL, signaller, NULL);

    long connected = 0, sent = 0;
    int stream_error = 0, dgram_error = 0;
    int sender = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    for (long i = 0; i < calls; i++) {
        int client = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (connect(client, (struct sockaddr *)&stream, sizeof stream) == 0) connected++;
        else stream_error = errno;
        close(client);
        if (sendto(sender, "x", 1, 0, (struct sockaddr *)&dgram, sizeof dgram) == 1) sent++;
        else dgram_error = errno;
    }
    atomic_store(&done, 1);
    pthread_join(threads[0], NULL);
    pthread_join(threads[1], NULL);
    say("connects: %ld of %ld (last error %s)\n", connected, calls, errno_name(stream_error));
    say("datagrams: %ld of %ld (last error %s)\n", sent, calls, errno_name(dgram_error));
    say("threads made meanwhile: %s\n", atomic_load(&made) > 0 ? "yes" : "no");
    say("signals handled meanwhile: %s\n", atomic_load(&handled) > 0 ? "yes" : "no");
    return 0;
}
