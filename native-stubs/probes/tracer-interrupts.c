/*
 * A thread blocked in a receive while another thread does something jvisor answers by
 * stopping every thread, or the waiting ones, for a moment (PTRACE_INTERRUPT): the first
 * datagram socket of the sandbox (the sentry makes threads in recvmsg take their call again,
 * README "datagram send traps"), and an io_uring ring's setup (every other thread is held
 * while the ring is made disabled). On Linux nothing reaches the waiting thread, whose
 * receive, with or without SO_RCVTIMEO, returns the data sent at 250 ms.
 */
#define _GNU_SOURCE
#include "probe.h"
#include "uring.h"

#include <pthread.h>
#include <sys/time.h>
#include <sys/wait.h>

struct waiter {
    int fd;
    int use_recvmsg;
    long result;
    int error;
};

static void *wait_for_data(void *argument) {
    struct waiter *w = argument;
    char buffer[16];
    if (w->use_recvmsg) {
        struct iovec iov = {.iov_base = buffer, .iov_len = sizeof buffer};
        struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1};
        w->result = recvmsg(w->fd, &message, 0);
    } else {
        w->result = recv(w->fd, buffer, sizeof buffer, 0);
    }
    w->error = errno;
    return NULL;
}

/* One case: a thread waits in recvmsg (or recv), `act` runs at 60 ms, "hello" comes at 250 ms. */
static void one_case(const char *what, int use_recvmsg, int timeout, void (*act)(void)) {
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    if (timeout) {
        struct timeval seconds = {.tv_sec = 2};
        setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &seconds, sizeof seconds);
    }
    fflush(stdout);
    pid_t writer = fork();
    if (writer == 0) {
        usleep(250000);
        _exit(write(sv[1], "hello", 5) == 5 ? 0 : 1);
    }
    struct waiter w = {.fd = sv[0], .use_recvmsg = use_recvmsg};
    pthread_t thread;
    pthread_create(&thread, NULL, wait_for_data, &w);
    usleep(60000);
    act();
    pthread_join(thread, NULL);
    waitpid(writer, NULL, 0);
    if (w.result < 0)
        say("%s%s: -1 %s\n", what, timeout ? ", with SO_RCVTIMEO" : "", errno_name(w.error));
    else
        say("%s%s: %ld\n", what, timeout ? ", with SO_RCVTIMEO" : "", w.result);
    close(sv[0]);
    close(sv[1]);
}

static void first_datagram_socket(void) {
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (fd >= 0) close(fd);
}

static void ring_setup(void) {
    struct uring_params params;
    memset(&params, 0, sizeof params);
    long fd = uring_setup(4, &params);
    if (fd >= 0) close((int)fd);
}

int main(void) {
    /* The first datagram socket comes once per sandbox: the case with a timeout goes first. */
    one_case("recvmsg while the first datagram socket is made", 1, 1, first_datagram_socket);
    one_case("recvmsg while a datagram socket is made", 1, 0, first_datagram_socket);
    one_case("recv while a ring is set up", 0, 1, ring_setup);
    one_case("recvmsg while a ring is set up", 1, 1, ring_setup);
    one_case("recv while a ring is set up", 0, 0, ring_setup);
    return 0;
}
