/*
 * Route 3 of issue 15: the program's own seccomp filter.
 *
 *   user-filter WITNESS_DIR TOKEN ATTEMPTS
 *
 * A filter installed with SECCOMP_FILTER_FLAG_NEW_LISTENER answers connect, sendto and
 * sendmsg with SECCOMP_RET_USER_NOTIF, which outranks jvisor's SECCOMP_RET_TRACE
 * (kernel/seccomp.c: the lowest action value of all filters wins); a supervisor thread
 * answers every notification with SECCOMP_USER_NOTIF_FLAG_CONTINUE, so the call runs with
 * no ptrace stop. Then, ATTEMPTS times: connect to the witness's path and abstract
 * listeners, sendto and sendmsg to its path and abstract datagram sockets. Whatever
 * reaches the witness is an arrival. Prints what installing the filter answered, so that
 * a refusal (EPERM, ENOSYS) shows as such.
 */
#include "redteam.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

static int listener = -1;

static void *supervise(void *unused) {
    (void)unused;
    struct seccomp_notif notification;
    struct seccomp_notif_resp response;
    for (;;) {
        memset(&notification, 0, sizeof notification);
        if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &notification) < 0) {
            if (errno == EINTR || errno == ENOENT) continue;
            return NULL;
        }
        memset(&response, 0, sizeof response);
        response.id = notification.id;
        response.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &response);
    }
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: user-filter WITNESS_DIR TOKEN ATTEMPTS\n");
        return 2;
    }
    const char *dir = argv[1], *token = argv[2];
    long attempts = atol(argv[3]);

    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_connect, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sendto, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sendmsg, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
    };
    struct sock_fprog program = {.len = sizeof code / sizeof code[0], .filter = code};
    report("no_new_privs", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &program);
    say("filter: %s\n", listener >= 0 ? "installed" : errno_name(errno));
    if (listener >= 0) {
        pthread_t thread;
        pthread_create(&thread, NULL, supervise, NULL);
    }

    struct rt_addr stream[2] = {rt_witness_path(dir, 's'), rt_witness_abstract_short(token, 's')};
    struct rt_addr datagram[2] = {rt_witness_path(dir, 'd'), rt_witness_abstract_short(token, 'd')};
    const char *names[2] = {"path", "abstract"};
    int sender = socket(AF_UNIX, SOCK_DGRAM, 0);
    long total = 0;
    for (int t = 0; t < 2; t++) {
        long connected = 0, sent_to = 0, sent_msg = 0;
        int errors[3] = {0, 0, 0};
        for (long i = 0; i < attempts; i++) {
            int fd = socket(AF_UNIX, SOCK_STREAM, 0);
            if (connect(fd, (struct sockaddr *)&stream[t].sun, stream[t].length) == 0) connected++;
            else errors[0] = errno;
            close(fd);
            char byte = 'x';
            if (sendto(sender, &byte, 1, MSG_DONTWAIT, (struct sockaddr *)&datagram[t].sun, datagram[t].length) >= 0) {
                sent_to++;
            } else {
                errors[1] = errno;
            }
            struct iovec iov = {.iov_base = &byte, .iov_len = 1};
            struct msghdr header = {.msg_name = &datagram[t].sun, .msg_namelen = datagram[t].length,
                                    .msg_iov = &iov, .msg_iovlen = 1};
            if (sendmsg(sender, &header, MSG_DONTWAIT) >= 0) sent_msg++;
            else errors[2] = errno;
            total += 3;
        }
        say("to %s: connect ok %ld (%s) sendto ok %ld (%s) sendmsg ok %ld (%s)\n", names[t], connected,
            errno_name(errors[0]), sent_to, errno_name(errors[1]), sent_msg, errno_name(errors[2]));
    }
    say("attempts %ld\n", total);
    _exit(0);
}
