/*
 * The audit's scenario: a server and two clients, one descriptor passed and one credential
 * exchange. The server (this process) binds the path "audit.sock" in its working directory
 * and listens; it forks client 1, which connects and sends a file ("passed.txt", made here)
 * with SCM_RIGHTS; the server reads the file through the descriptor it got. Then it forks
 * client 2, which connects; the server turns SO_PASSCRED on for that connection alone and
 * says so with a byte, and client 2 sends its credentials with SCM_CREDENTIALS. Each client
 * waits for a one-byte answer. Every
 * step prints a line; the clients are forked one after the other, so the events come in one
 * order.
 *
 *   audit-scenario          the whole scenario, then everything is closed and the file removed
 *   audit-scenario hang     as far as client 2's connect; then the server prints
 *                           "waiting PID" and waits in recvmsg for a message client 2 never
 *                           sends (client 2 waits for the server's answer, and ends at its EOF)
 */
#include "probe.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#define NAME "audit.sock"
#define FILE_NAME "passed.txt"

static void fail(const char *what) {
    printf("%s: %s\n", what, errno_name(errno));
    exit(1);
}

static struct sockaddr_un address(void) {
    struct sockaddr_un name = {.sun_family = AF_UNIX};
    strcpy(name.sun_path, NAME);
    return name;
}

static int connected(void) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) fail("client socket");
    struct sockaddr_un name = address();
    if (connect(fd, (struct sockaddr *)&name, sizeof name) != 0) fail("client connect");
    return fd;
}

static void await_answer(int fd, const char *who) {
    char answer;
    ssize_t got = read(fd, &answer, 1);
    printf("%s: answer %zd\n", who, got);
    fflush(stdout);
}

static void client_passing_a_file(void) {
    int fd = connected();
    int file = open(FILE_NAME, O_RDONLY | O_CLOEXEC);
    if (file < 0) fail("client 1 open");
    char byte = 'F';
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union { char buffer[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } control;
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buffer,
                             .msg_controllen = sizeof control.buffer};
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &file, sizeof file);
    printf("client 1: sendmsg %zd\n", sendmsg(fd, &message, 0));
    fflush(stdout);
    close(file);
    await_answer(fd, "client 1");
    close(fd);
    exit(0);
}

static void client_sending_credentials(void) {
    int fd = connected();
    await_answer(fd, "client 2 (go)");
    char byte = 'C';
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union { char buffer[CMSG_SPACE(sizeof(struct ucred))]; struct cmsghdr align; } control;
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buffer,
                             .msg_controllen = sizeof control.buffer};
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_CREDENTIALS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(struct ucred));
    struct ucred credentials = {.pid = getpid(), .uid = getuid(), .gid = getgid()};
    memcpy(CMSG_DATA(cmsg), &credentials, sizeof credentials);
    printf("client 2: sendmsg %zd\n", sendmsg(fd, &message, 0));
    fflush(stdout);
    await_answer(fd, "client 2");
    close(fd);
    exit(0);
}

static void waiting_client(void) {
    int fd = connected();
    await_answer(fd, "client 2");
    exit(0);
}

static pid_t spawn(void (*client)(void)) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) fail("fork");
    if (pid == 0) client();
    return pid;
}

/* One message and its control data from a connection the listener gave. */
static ssize_t receive(int fd, char *control, size_t room, size_t *controllen) {
    char byte;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = room};
    ssize_t got = recvmsg(fd, &message, 0);
    *controllen = message.msg_controllen;
    return got;
}

int main(int argc, char **argv) {
    int hang = argc > 1 && strcmp(argv[1], "hang") == 0;
    int file = open(FILE_NAME, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (file < 0 || write(file, "passed\n", 7) != 7) fail("make " FILE_NAME);
    close(file);

    int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0) fail("socket");
    struct sockaddr_un name = address();
    unlink(NAME);
    if (bind(listener, (struct sockaddr *)&name, sizeof name) != 0) fail("bind");
    if (listen(listener, 4) != 0) fail("listen");
    printf("server: listening\n");

    pid_t first = spawn(client_passing_a_file);
    int one = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (one < 0) fail("accept 1");
    char control[256];
    size_t controllen;
    ssize_t got = receive(one, control, sizeof control, &controllen);
    struct cmsghdr *cmsg = (struct cmsghdr *)control;
    int passed = -1;
    if (got == 1 && controllen >= CMSG_LEN(sizeof(int)) && cmsg->cmsg_level == SOL_SOCKET
        && cmsg->cmsg_type == SCM_RIGHTS)
        memcpy(&passed, CMSG_DATA(cmsg), sizeof passed);
    char text[16] = {0};
    printf("server: from client 1 %zd, file says %s", got,
           passed >= 0 && read(passed, text, sizeof text - 1) > 0 ? text : "nothing\n");
    if (passed >= 0) close(passed);
    if (write(one, "A", 1) != 1) fail("answer 1");
    waitpid(first, NULL, 0);
    close(one);

    pid_t second = spawn(hang ? waiting_client : client_sending_credentials);
    int two = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (two < 0) fail("accept 2");
    if (hang) {
        printf("waiting %d\n", (int)getpid());
        fflush(stdout);
    } else {
        int on = 1;
        if (setsockopt(two, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0) fail("setsockopt");
        if (write(two, "G", 1) != 1) fail("go");
    }
    got = receive(two, control, sizeof control, &controllen);
    struct ucred credentials = {0};
    if (got == 1 && controllen >= CMSG_LEN(sizeof credentials) && cmsg->cmsg_type == SCM_CREDENTIALS)
        memcpy(&credentials, CMSG_DATA(cmsg), sizeof credentials);
    printf("server: from client 2 %zd, credentials of the sender %s\n", got,
           credentials.pid == second ? "yes" : "no");
    if (write(two, "A", 1) != 1) fail("answer 2");
    waitpid(second, NULL, 0);
    close(two);
    close(listener);
    unlink(NAME);
    unlink(FILE_NAME);
    printf("server: done\n");
    return 0;
}
