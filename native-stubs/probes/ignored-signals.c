/*
 * Blocking calls while a signal the program ignores arrives: SIGCHLD (ignored by default)
 * from a child that exits, and SIGUSR1 set to SIG_IGN. Linux discards an ignored signal when
 * it is sent (kernel/signal.c: sig_ignored), so the calls go on as if nothing came; under
 * ptrace the kernel queues it for the tracer instead, which wakes the blocked thread. The
 * controls: a signal with a handler still interrupts, as signal(7) says (socket timeouts
 * and epoll_wait are never restarted; a receive that has data returns it).
 *
 * Each case: a helper child sends the signal (or exits) at 60 ms, and the data, connection
 * or room the call waits for comes at 250 ms (margins for a loaded machine: the signal must
 * come while the call blocks).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BIG (1 << 20)

enum source { CHILD_EXITS, IGNORED_USR1, HANDLED_USR1, HANDLED_USR1_RESTART, STOP_AND_CONT };
static const char *source_name[] = {"SIGCHLD of an exiting child", "SIGUSR1 set to SIG_IGN",
                                    "SIGUSR1 with a handler", "SIGUSR1 with an SA_RESTART handler",
                                    "SIGSTOP, then SIGCONT"};

static void on_usr1(int signal) {
    (void)signal;
}

static void set_source(enum source source) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = source == IGNORED_USR1 ? SIG_IGN
                        : source == CHILD_EXITS || source == STOP_AND_CONT ? SIG_DFL : on_usr1;
    action.sa_flags = source == HANDLED_USR1_RESTART ? SA_RESTART : 0;
    sigaction(SIGUSR1, &action, NULL);
}

/* A child that makes the signal at 60 ms: it exits, or sends SIGUSR1 to the parent and exits. */
static pid_t signal_soon(enum source source) {
    fflush(stdout);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        usleep(60000);
        if (source == STOP_AND_CONT) {
            /* Linux fails a socket call with a timeout, and epoll_wait, with EINTR here (signal(7)). */
            kill(parent, SIGSTOP);
            usleep(20000);
            kill(parent, SIGCONT);
        } else if (source != CHILD_EXITS) {
            kill(parent, SIGUSR1);
        }
        _exit(0);
    }
    return pid;
}

static void reap(pid_t pid) {
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
}

static void print_result(const char *call, enum source source, long result, int error) {
    if (result < 0)
        printf("%s, %s: -1 %s\n", call, source_name[source], strerrorname_np(error));
    else
        printf("%s, %s: %ld\n", call, source_name[source], result);
}

static void set_timeout(int fd, int option) {
    struct timeval second = {.tv_sec = 2};
    setsockopt(fd, SOL_SOCKET, option, &second, sizeof second);
}

/* Data: "hello" at once and "world" at 250 ms, received with MSG_WAITALL; or "hello" at 250 ms with a timeout. */
static void receive(enum source source, int waitall) {
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    if (!waitall) set_timeout(sv[0], SO_RCVTIMEO);
    if (waitall && write(sv[1], "hello", 5) != 5) return;
    pid_t signaller = signal_soon(source);
    pid_t writer = fork();
    if (writer == 0) {
        usleep(250000);
        if (write(sv[1], waitall ? "world" : "hello", 5) != 5) _exit(1);
        _exit(0);
    }
    char buffer[16] = {0};
    long got = recv(sv[0], buffer, waitall ? 10 : 5, waitall ? MSG_WAITALL : 0);
    int error = errno;
    print_result(waitall ? "recv(MSG_WAITALL) of 10" : "recv with SO_RCVTIMEO", source, got, error);
    reap(signaller);
    reap(writer);
    close(sv[0]);
    close(sv[1]);
}

static void bind_listener(int fd, const char *path, int backlog) {
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    strcpy(address.sun_path, path);
    unlink(path);
    bind(fd, (struct sockaddr *)&address, sizeof address);
    listen(fd, backlog);
}

static int connect_to(int fd, const char *path) {
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    strcpy(address.sun_path, path);
    return connect(fd, (struct sockaddr *)&address, sizeof address);
}

/* accept with SO_RCVTIMEO; a client connects at 250 ms. */
static void accept_with_timeout(enum source source, const char *path) {
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    bind_listener(listener, path, 4);
    set_timeout(listener, SO_RCVTIMEO);
    pid_t signaller = signal_soon(source);
    pid_t client = fork();
    if (client == 0) {
        usleep(250000);
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        _exit(connect_to(fd, path) == 0 ? 0 : 1);
    }
    int accepted = accept(listener, NULL, NULL);
    int error = errno;
    print_result("accept with SO_RCVTIMEO", source, accepted < 0 ? -1 : 0, error);
    if (accepted >= 0) close(accepted);
    reap(signaller);
    reap(client);
    close(listener);
    unlink(path);
}

/* connect with SO_SNDTIMEO to a listener whose backlog is full; the server accepts at 250 ms. */
static void connect_with_timeout(enum source source, const char *path) {
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    bind_listener(listener, path, 0);
    int first = socket(AF_UNIX, SOCK_STREAM, 0);
    connect_to(first, path);
    pid_t signaller = signal_soon(source);
    pid_t server = fork();
    if (server == 0) {
        usleep(250000);
        int a = accept(listener, NULL, NULL);
        usleep(50000);
        fcntl(listener, F_SETFL, O_NONBLOCK);
        int b = accept(listener, NULL, NULL);
        _exit(a >= 0 && b >= 0 ? 0 : 1);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    set_timeout(fd, SO_SNDTIMEO);
    int connected = connect_to(fd, path);
    int error = errno;
    print_result("connect with SO_SNDTIMEO to a full backlog", source, connected, error);
    reap(signaller);
    reap(server);
    close(fd);
    close(first);
    close(listener);
    unlink(path);
}

/* A 1 MiB blocking send or write into a socket whose reader starts reading at 250 ms. */
static void send_big(enum source source, int use_write, int timeout) {
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    if (timeout) set_timeout(sv[0], SO_SNDTIMEO);
    pid_t signaller = signal_soon(source);
    pid_t reader = fork();
    if (reader == 0) {
        close(sv[0]);
        usleep(250000);
        static char sink[65536];
        long total = 0, got;
        while ((got = read(sv[1], sink, sizeof sink)) > 0) total += got;
        _exit(total == BIG ? 0 : 1);
    }
    close(sv[1]);
    static char data[BIG];
    long sent = use_write ? write(sv[0], data, BIG) : send(sv[0], data, BIG, 0);
    int error = errno;
    print_result(use_write ? (timeout ? "write of 1 MiB with SO_SNDTIMEO" : "write of 1 MiB")
                           : (timeout ? "send of 1 MiB with SO_SNDTIMEO" : "send of 1 MiB"),
                 source, sent, error);
    close(sv[0]);
    reap(signaller);
    reap(reader);
}

/* epoll_wait with no timeout; data at 250 ms. */
static void epoll(enum source source) {
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    int epfd = epoll_create1(0);
    struct epoll_event event = {.events = EPOLLIN};
    epoll_ctl(epfd, EPOLL_CTL_ADD, sv[0], &event);
    pid_t signaller = signal_soon(source);
    pid_t writer = fork();
    if (writer == 0) {
        usleep(250000);
        _exit(write(sv[1], "x", 1) == 1 ? 0 : 1);
    }
    struct epoll_event ready;
    int n = epoll_wait(epfd, &ready, 1, -1);
    int error = errno;
    print_result("epoll_wait without a timeout", source, n, error);
    reap(signaller);
    reap(writer);
    close(epfd);
    close(sv[0]);
    close(sv[1]);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    char path[64];
    snprintf(path, sizeof path, "/tmp/jvisor-ignored-signals-%d", (int)getpid());
    for (int source = CHILD_EXITS; source <= STOP_AND_CONT; source++) {
        set_source((enum source)source);
        receive((enum source)source, 1);
        receive((enum source)source, 0);
        accept_with_timeout((enum source)source, path);
        connect_with_timeout((enum source)source, path);
        send_big((enum source)source, 0, 0);
        send_big((enum source)source, 1, 0);
        send_big((enum source)source, 0, 1);
        epoll((enum source)source);
    }
    return 0;
}
