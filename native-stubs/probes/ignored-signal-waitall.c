/*
 * recv(MSG_WAITALL) of two writes while a child exits. Linux discards SIGCHLD (ignored by
 * default) at once, so the receive waits for all 10 bytes. A traced process gets even
 * ignored signals queued for its tracer (kernel/signal.c: sig_ignored is false under
 * ptrace), the queued signal interrupts the receive, and with data already copied it
 * returns short: a known difference of jvisor's ptrace platform (README).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 2;
    pid_t first = fork();
    if (first == 0) {
        ssize_t ignored = write(sv[1], "hello", 5);
        (void)ignored;
        usleep(100000);
        _exit(0);
    }
    pid_t second = fork();
    if (second == 0) {
        usleep(300000);
        ssize_t ignored = write(sv[1], "world", 5);
        (void)ignored;
        _exit(0);
    }
    char buffer[16] = {0};
    ssize_t got = recv(sv[0], buffer, 10, MSG_WAITALL);
    printf("recv(MSG_WAITALL) = %zd '%s'\n", got, got > 0 ? buffer : "");
    while (wait(NULL) > 0) {
    }
    return 0;
}
