/*
 * A process that never makes an AF_UNIX datagram socket gets one from another process, then
 * sends with sendmsg and a msg_name (the destination the launcher's filter cannot see) to a
 * host datagram socket by path, one by abstract name, and to this program's own receivers.
 * Under the sandbox the host names must refuse (ECONNREFUSED: the sandbox holds neither) and
 * the program's own must be reached, as natively.
 *
 *   unix-dgram-received ROUTE HOST_PATH HOST_ABSTRACT
 *
 * ROUTE is how the sender C gets the socket that its parent P makes after C exists:
 *   rights  P passes it with SCM_RIGHTS over a stream pair; C is already waiting in recvmsg
 *   pidfd   C copies it from P with pidfd_getfd
 *   files   C is P's clone(CLONE_FILES) child: the socket P makes is in C's table too
 * HOST_ABSTRACT is the abstract name without its leading NUL. C is made before P makes any
 * datagram socket, its receivers included, so that C inherits nothing of P's. Prints each
 * send's result, then how many datagrams each of the program's own receivers got.
 */
#include "probe.h"

#include <sched.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

static socklen_t path_address(struct sockaddr_un *address, const char *path) {
    memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    snprintf(address->sun_path, sizeof address->sun_path, "%s", path);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static socklen_t abstract_address(struct sockaddr_un *address, const char *name) {
    memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    size_t length = strlen(name);
    if (length > sizeof address->sun_path - 1) length = sizeof address->sun_path - 1;
    memcpy(address->sun_path + 1, name, length);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + length);
}

static void send_to(const char *what, int sock, struct sockaddr_un *address, socklen_t length) {
    char byte = 'd';
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    struct msghdr message = {.msg_name = address, .msg_namelen = length, .msg_iov = &iov, .msg_iovlen = 1};
    ssize_t n = sendmsg(sock, &message, 0);
    if (n < 0) printf("%s: %s\n", what, errno_name(errno));
    else printf("%s: %zd\n", what, n);
}

static void send_descriptor(int channel, int fd) {
    if (probe_send_descriptor(channel, fd) != 0) {
        perror("sendmsg SCM_RIGHTS");
        exit(2);
    }
}

static int count_arrivals(int sock) {
    char byte;
    int count = 0;
    while (recv(sock, &byte, 1, MSG_DONTWAIT) == 1) count++;
    return count;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: unix-dgram-received rights|pidfd|files HOST_PATH HOST_ABSTRACT\n");
        return 2;
    }
    const char *route = argv[1];
    setvbuf(stdout, NULL, _IONBF, 0);

    /* The program's own receivers: a socket file in a fresh directory, and an abstract name. */
    char directory[] = "/tmp/jvisor-dgram-received-XXXXXX";
    if (mkdtemp(directory) == NULL) return 2;
    char own_path[128];
    snprintf(own_path, sizeof own_path, "%s/own.sock", directory);
    char own_name[64];
    snprintf(own_name, sizeof own_name, "jvisor-dgram-received-%d", (int)getpid());
    struct sockaddr_un address;
    socklen_t length;

    /* C waits on `go` (a pipe) until P has made the socket; `channel` carries it or its number. */
    int go[2], channel[2];
    if (pipe(go) != 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, channel) != 0) return 2;
    pid_t parent = getpid();
    pid_t child;
    if (strcmp(route, "files") == 0) {
        child = (pid_t)syscall(SYS_clone, CLONE_FILES | SIGCHLD, NULL, NULL, NULL, NULL);
    } else if (strcmp(route, "rights") == 0 || strcmp(route, "pidfd") == 0) {
        child = fork();
    } else {
        fprintf(stderr, "unix-dgram-received: unknown route %s\n", route);
        return 2;
    }
    if (child < 0) return 2;
    if (child == 0) {
        int sock = -1;
        if (strcmp(route, "rights") == 0) {
            sock = probe_receive_descriptor(channel[1]);
        } else {
            int number;
            char byte;
            if (read(go[0], &byte, 1) != 1 || read(channel[1], &number, sizeof number) != sizeof number) _exit(2);
            if (strcmp(route, "pidfd") == 0) {
                int pidfd = (int)syscall(SYS_pidfd_open, parent, 0);
                sock = pidfd < 0 ? -1 : (int)syscall(SYS_pidfd_getfd, pidfd, number, 0);
            } else {
                sock = number;
            }
        }
        int type = 0;
        socklen_t type_length = sizeof type;
        if (sock < 0 || getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &type_length) != 0 || type != SOCK_DGRAM) {
            printf("the sender has no datagram socket\n");
            _exit(1);
        }
        length = path_address(&address, argv[2]);
        send_to("host path", sock, &address, length);
        length = abstract_address(&address, argv[3]);
        send_to("host abstract name", sock, &address, length);
        length = path_address(&address, own_path);
        send_to("own path", sock, &address, length);
        length = abstract_address(&address, own_name);
        send_to("own abstract name", sock, &address, length);
        _exit(0);
    }

    /* The sender exists, and (for rights) is probably waiting in recvmsg: only now does this
     * process make datagram sockets, its receivers and the one the sender gets. */
    usleep(50 * 1000);
    int by_path = socket(AF_UNIX, SOCK_DGRAM, 0);
    int by_name = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (by_path < 0 || by_name < 0) return 2;
    length = path_address(&address, own_path);
    if (bind(by_path, (struct sockaddr *)&address, length) != 0) return 2;
    length = abstract_address(&address, own_name);
    if (bind(by_name, (struct sockaddr *)&address, length) != 0) return 2;
    int made = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (made < 0) return 2;
    if (strcmp(route, "rights") == 0) {
        send_descriptor(channel[0], made);
    } else {
        if (write(channel[0], &made, sizeof made) != sizeof made || write(go[1], "g", 1) != 1) return 2;
    }
    int status;
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf("the sender failed\n");
        return 1;
    }
    printf("own path received %d\n", count_arrivals(by_path));
    printf("own abstract name received %d\n", count_arrivals(by_name));
    unlink(own_path);
    rmdir(directory);
    return 0;
}
