/*
 * A statically linked program (no dynamic loader, its own copy of libc's syscall
 * wrappers): threads, fork, a trapped AF_UNIX socketpair carrying data, and an exit code.
 */
#include "probe.h"

#include <pthread.h>
#include <sys/socket.h>
#include <sys/wait.h>

static void *worker(void *arg) {
    long index = (long)arg;
    int pair[2];
    long sum = 0;
    for (int i = 0; i < 50; i++) {
        if (socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) != 0) return (void *)-1L;
        char byte = (char)(index + i), got = 0;
        if (write(pair[0], &byte, 1) == 1 && read(pair[1], &got, 1) == 1) sum += got;
        close(pair[0]);
        close(pair[1]);
    }
    return (void *)sum;
}

int main(void) {
    pthread_t threads[4];
    for (long i = 0; i < 4; i++) pthread_create(&threads[i], NULL, worker, (void *)i);
    for (int i = 0; i < 4; i++) {
        void *sum;
        pthread_join(threads[i], &sum);
        say("thread %d: sum %ld\n", i, (long)sum);
    }

    int pair[2];
    report("socketpair(AF_UNIX, SOCK_STREAM)", socketpair(AF_UNIX, SOCK_STREAM, 0, pair));
    pid_t pid = fork();
    if (pid == 0) {
        close(pair[0]);
        static const char message[] = "from the child";
        ssize_t sent = send(pair[1], message, sizeof message, 0);
        _exit(sent == (ssize_t)sizeof message ? 5 : 1);
    }
    close(pair[1]);
    char buffer[64] = {0};
    ssize_t got = recv(pair[0], buffer, sizeof buffer - 1, MSG_WAITALL);
    say("parent received %zd bytes: %s\n", got, buffer);
    int status;
    waitpid(pid, &status, 0);
    say("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 9;
}
