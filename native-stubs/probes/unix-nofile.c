/*
 * RLIMIT_NOFILE with AF_UNIX: socket, socketpair, accept and SCM_RIGHTS receives when the
 * program's descriptor table is full. The probe closes every inherited descriptor but the
 * standard three and lowers its soft limit, so the numbers are the same natively and
 * sandboxed.
 *
 *   unix-nofile KIND   (a stream or seqpacket KIND of unix-kind.h)
 *
 * Linux (fs/file.c: alloc_fd) fails a new descriptor at the limit with EMFILE; accept takes
 * its descriptor before it dequeues a connection (net/socket.c: do_accept), so the connection
 * stays queued; a receive without room for passed descriptors sets MSG_CTRUNC and drops them
 * (net/core/scm.c: scm_detach_fds).
 */
#include "probe.h"
#include "unix-kind.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#define PROBE "unix-nofile"
#define LIMIT 8

static const struct unix_kind *kind;

/* Fills every free descriptor below the limit with /dev/null; returns how many it took. */
static int fill(int *taken, int room) {
    int count = 0;
    for (;;) {
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0) break;
        if (count < room) taken[count++] = fd;
    }
    return count;
}

static void release(int *taken, int count) {
    for (int i = 0; i < count; i++) close(taken[i]);
}

/* Prints "WHAT: RESULT ERRNO", with the errno the call left (the arguments of one printf
 * call are evaluated in no fixed order). */
static void outcome(const char *what, long result) {
    int error = result < 0 ? errno : 0;
    say("%s: %ld %s\n", what, result, errno_name(error));
}

static void new_sockets_at_the_limit(void) {
    int taken[LIMIT];
    int count = fill(taken, LIMIT);
    say("descriptors filled: %d\n", count);
    outcome("socket at the limit", socket(AF_UNIX, kind->type, 0));
    int sv[2] = {-1, -1};
    outcome("socketpair at the limit", socketpair(AF_UNIX, kind->type, 0, sv));
    close(taken[--count]);
    outcome("socketpair with one free", socketpair(AF_UNIX, kind->type, 0, sv));
    int probe = dup(1);
    say("the free descriptor is still free: %s\n", probe >= 0 ? "yes" : "no");
    if (probe >= 0) close(probe);
    int fd = socket(AF_UNIX, kind->type, 0);
    say("socket with one free: %s\n", fd >= 0 ? "made" : errno_name(errno));
    if (fd >= 0) close(fd);
    release(taken, count);
}

static void accept_at_the_limit(void) {
    struct unix_conn conn;
    unix_kind_connect(kind, PROBE, SOCK_CLOEXEC, &conn);
    int client = socket(AF_UNIX, kind->type | SOCK_CLOEXEC, 0);
    say("second client connect: %d\n", connect(client, (struct sockaddr *)&conn.address, conn.address_length));
    int taken[LIMIT];
    int count = fill(taken, LIMIT);
    outcome("accept at the limit", accept4(conn.listener, NULL, NULL, SOCK_CLOEXEC));
    close(taken[--count]);
    int accepted = accept4(conn.listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    say("accept with one free: %s\n", accepted >= 0 ? "the queued connection" : errno_name(errno));
    if (accepted >= 0) {
        say("it is the second client's: %s\n",
            write(client, "x", 1) == 1 && read(accepted, &(char){0}, 1) == 1 ? "yes" : "no");
        close(accepted);
    }
    release(taken, count);
    close(client);
    unix_kind_close(&conn);
}

static void receive_rights_at_the_limit(void) {
    struct unix_conn conn;
    unix_kind_connect(kind, PROBE, SOCK_CLOEXEC, &conn);
    int passed = open("/dev/null", O_RDONLY | O_CLOEXEC);
    for (int round = 0; round < 2; round++) {
        int two[2] = {passed, passed};
        say("send two descriptors: %zd\n", send_rights(conn.a, 'R', two, 2));


        int taken[LIMIT];
        int count = fill(taken, LIMIT);
        if (round == 1) close(taken[--count]);
        char byte;
        struct iovec iov = {.iov_base = &byte, .iov_len = 1};
        union { char buffer[CMSG_SPACE(2 * sizeof(int))]; struct cmsghdr align; } control;
        memset(&control, 0, sizeof control);
        struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buffer,
                                 .msg_controllen = sizeof control.buffer};
        struct cmsghdr *cmsg;
        ssize_t got = recvmsg(conn.b, &message, MSG_CMSG_CLOEXEC);
        int received = 0;
        for (cmsg = CMSG_FIRSTHDR(&message); cmsg != NULL; cmsg = CMSG_NXTHDR(&message, cmsg)) {
            if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) continue;
            int n = (int)((cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            for (int i = 0; i < n; i++) {
                int fd;
                memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof fd);
                if (fd >= 0) {
                    received++;
                    close(fd);
                }
            }
        }
        say("receive with %s free: %zd flags %s descriptors %d\n", round == 0 ? "none" : "one", got,
            msg_flag_names(message.msg_flags), received);
        release(taken, count);
    }
    close(passed);
    unix_kind_close(&conn);
}

int main(int argc, char **argv) {
    kind = unix_kind_from_args(argc, argv);
    setvbuf(stdout, NULL, _IONBF, 0);
    syscall(SYS_close_range, 3, ~0U, 0);
    struct rlimit limit = {LIMIT, LIMIT};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1;
    limit.rlim_cur = LIMIT;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) return 1;
    say("%s: RLIMIT_NOFILE %d\n", kind->name, LIMIT);
    new_sockets_at_the_limit();
    if (kind->naming != UNIX_PAIR) accept_at_the_limit();
    receive_rights_at_the_limit();
    return 0;
}
