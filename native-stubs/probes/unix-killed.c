/*
 * A process killed with SIGKILL at each stage of AF_UNIX use, and what the survivor then
 * sees (unix(7), net/unix/af_unix.c: unix_release_sock):
 *   - blocked in accept, holding the only reference of a listener: the name refuses
 *     connections (ECONNREFUSED); an abstract name is free again, a path keeps its file;
 *   - blocked in connect on a full backlog: its pending connection is gone from the queue;
 *   - blocked in recvmsg: the peer reads EOF and a write fails with EPIPE;
 *   - killed with data it never read: the peer's read fails with ECONNRESET;
 *   - killed right after sending a descriptor: the message and the descriptor still arrive.
 *
 *   unix-killed KIND   (a stream or seqpacket KIND of unix-kind.h; the first two stages
 *                       need a name and are skipped for a socketpair)
 */
#include "probe.h"
#include "unix-kind.h"
#include "unix-wait.h"

#include <fcntl.h>
#include <sys/wait.h>

#define PROBE "unix-killed"

static const struct unix_kind *kind;

static void outcome(const char *what, long result) {
    int error = result < 0 ? errno : 0;
    say("%s: %ld %s\n", what, result, errno_name(error));
}

/* Forks a victim that runs BODY; returns once the victim sleeps in the call it announced. */
static pid_t start_victim(void (*body)(void *), void *argument) {
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) != 0) exit(1);
    pid_t pid = fork();
    if (pid < 0) exit(1);
    if (pid == 0) {
        close(ready[0]);
        /* The announcement is the last thing before the blocking call. */
        if (write(ready[1], "x", 1) != 1) _exit(1);
        body(argument);
        _exit(0);
    }
    close(ready[1]);
    char byte;
    int watch = watch_open(pid, pid);
    if (read(ready[0], &byte, 1) != 1) say("victim did not start\n");
    close(ready[0]);
    if (!wait_blocked(watch)) say("victim never blocked\n");
    close(watch);
    return pid;
}

static void kill_victim(pid_t pid) {
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    say("victim killed by %s\n", WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? "SIGKILL" : "something else");
}

/* ---- killed in accept, holding the only reference of a listener ---- */

static struct sockaddr_un name;
static socklen_t name_length;

static void accept_blocking(void *listener) {
    accept(*(int *)listener, NULL, NULL);
}

static void killed_in_accept(void) {
    unix_kind_address(kind, PROBE, &name, &name_length);
    if (kind->naming == UNIX_PATH) unlink(name.sun_path);
    int listener = socket(AF_UNIX, kind->type | SOCK_CLOEXEC, 0);
    if (bind(listener, (struct sockaddr *)&name, name_length) != 0 || listen(listener, 4) != 0) {
        say("setup listener: %s\n", errno_name(errno));
        exit(1);
    }
    pid_t victim = start_victim(accept_blocking, &listener);
    /* Now only the victim holds the listener. */
    close(listener);
    say("in accept, the only holder of the listener:\n");
    kill_victim(victim);
    int client = socket(AF_UNIX, kind->type | SOCK_CLOEXEC, 0);
    outcome("  connect to its name", connect(client, (struct sockaddr *)&name, name_length));
    close(client);
    int again = socket(AF_UNIX, kind->type | SOCK_CLOEXEC, 0);
    outcome("  bind its name again", bind(again, (struct sockaddr *)&name, name_length));
    close(again);
    if (kind->naming == UNIX_PATH) unlink(name.sun_path);
}

/* ---- killed in connect on a full backlog ---- */

static void connect_blocking(void *unused) {
    (void)unused;
    int fd = socket(AF_UNIX, kind->type | SOCK_CLOEXEC, 0);
    connect(fd, (struct sockaddr *)&name, name_length);
}

static void killed_in_connect(void) {
    unix_kind_address(kind, PROBE, &name, &name_length);
    if (kind->naming == UNIX_PATH) unlink(name.sun_path);
    int listener = socket(AF_UNIX, kind->type | SOCK_CLOEXEC, 0);
    if (bind(listener, (struct sockaddr *)&name, name_length) != 0 || listen(listener, 0) != 0) exit(1);
    /* Backlog 0 holds one connection (unix_recvq_full: more than the backlog is full). */
    int first = socket(AF_UNIX, kind->type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    outcome("in connect on a full backlog:\n  first connect", connect(first, (struct sockaddr *)&name, name_length));
    int second = socket(AF_UNIX, kind->type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    outcome("  second connect, nonblocking", connect(second, (struct sockaddr *)&name, name_length));
    pid_t victim = start_victim(connect_blocking, NULL);
    kill_victim(victim);
    /* What is queued is taken without waiting: nothing else must be. */
    fcntl(listener, F_SETFL, O_NONBLOCK);
    int accepted = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    say("  accept: %s\n", accepted >= 0 ? "the first connection" : errno_name(errno));
    if (accepted >= 0) {
        say("  it is the first client's: %s\n",
            write(first, "1", 1) == 1 && read(accepted, &(char){0}, 1) == 1 ? "yes" : "no");
        close(accepted);
    }
    outcome("  accept again", accept4(listener, NULL, NULL, SOCK_CLOEXEC));
    int third = socket(AF_UNIX, kind->type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    outcome("  a new connect", connect(third, (struct sockaddr *)&name, name_length));
    close(first);
    close(second);
    close(third);
    close(listener);
    if (kind->naming == UNIX_PATH) unlink(name.sun_path);
}

/* ---- killed in recvmsg, with unread data, after sending a descriptor ---- */

static void receive_blocking(void *fd) {
    char byte;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1};
    recvmsg(*(int *)fd, &message, 0);
}

static void killed_in_recvmsg(void) {
    struct unix_conn conn;
    unix_kind_connect(kind, PROBE, SOCK_CLOEXEC, &conn);
    pid_t victim = start_victim(receive_blocking, &conn.b);
    close(conn.b);
    conn.b = -1;
    say("in recvmsg:\n");
    kill_victim(victim);
    char byte;
    outcome("  peer reads", read(conn.a, &byte, 1));
    outcome("  peer writes", write(conn.a, "x", 1));
    unix_kind_close(&conn);
}

static void sleep_forever(void *unused) {
    (void)unused;
    pause();
}

static void killed_with_unread_data(void) {
    struct unix_conn conn;
    unix_kind_connect(kind, PROBE, SOCK_CLOEXEC, &conn);
    pid_t victim = start_victim(sleep_forever, NULL);
    close(conn.b);
    conn.b = -1;
    outcome("with data it never read:\n  peer sends", write(conn.a, "unread", 6));
    kill_victim(victim);
    char buffer[8];
    outcome("  peer reads", read(conn.a, buffer, sizeof buffer));
    outcome("  peer reads again", read(conn.a, buffer, sizeof buffer));
    unix_kind_close(&conn);
}

static int pipe_ends[2];

static void send_descriptor_then_sleep(void *fd) {
    if (send_rights(*(int *)fd, 'D', &pipe_ends[0], 1) != 1) _exit(1);
    close(pipe_ends[0]);
    pause();
}

static void killed_after_sending_a_descriptor(void) {
    struct unix_conn conn;
    unix_kind_connect(kind, PROBE, SOCK_CLOEXEC, &conn);
    if (pipe2(pipe_ends, O_CLOEXEC) != 0) exit(1);
    pid_t victim = start_victim(send_descriptor_then_sleep, &conn.b);
    close(conn.b);
    conn.b = -1;
    close(pipe_ends[0]);
    say("after sending a descriptor:\n");
    kill_victim(victim);
    char byte = 0;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union { char buffer[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } control;
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buffer,
                             .msg_controllen = sizeof control.buffer};
    ssize_t got = recvmsg(conn.a, &message, MSG_CMSG_CLOEXEC);
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
    int passed = -1;
    if (got == 1 && cmsg != NULL && cmsg->cmsg_type == SCM_RIGHTS) memcpy(&passed, CMSG_DATA(cmsg), sizeof passed);
    say("  peer receives: %zd byte %c, a descriptor %s\n", got, byte ? byte : '-', passed >= 0 ? "yes" : "no");
    if (passed >= 0) {
        char through[8] = {0};
        if (write(pipe_ends[1], "pipe", 4) != 4) say("  write to the pipe failed\n");
        say("  through it: %s\n", read(passed, through, sizeof through - 1) == 4 ? through : "nothing");
        close(passed);
    }
    outcome("  peer reads again", read(conn.a, &byte, 1));
    close(pipe_ends[1]);
    unix_kind_close(&conn);
}

int main(int argc, char **argv) {
    kind = unix_kind_from_args(argc, argv);
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    say("%s\n", kind->name);
    if (kind->naming != UNIX_PAIR) {
        killed_in_accept();
        killed_in_connect();
    }
    killed_in_recvmsg();
    killed_with_unread_data();
    killed_after_sending_a_descriptor();
    return 0;
}
