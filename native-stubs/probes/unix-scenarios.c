/*
 * Three everyday AF_UNIX scenarios between a parent and a forked child, each printing a
 * transcript in an order fixed by the messages themselves (a process prints what it received
 * before it answers), so that the lines of both processes interleave the same way every run:
 *
 *   unix-scenarios path     a server binds "scenario.sock" in the working directory, listens
 *                           and accepts; a client process connects; both send and receive
 *   unix-scenarios pair     a socketpair; parent and child talk after fork, then EOF
 *   unix-scenarios rights   the parent opens a file, reads its first line, unlinks it and
 *                           passes the descriptor to the child with SCM_RIGHTS; the child
 *                           reads the rest through the received descriptor, which shares
 *                           the open file description (and its offset) with the parent's
 *
 * Exits 0 when every step did what Linux does, 1 otherwise.
 */
#include "probe.h"

#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#define SOCKET_NAME "scenario.sock"
#define FILE_NAME "scenario-passed.txt"
#define FILE_TEXT "first line\nsecond line, read by the child\n"
#define FIRST_LINE_LENGTH 11

static int failures;

static void fail(const char *what) {
    say("%s: -1 %s\n", what, errno_name(errno));
    failures++;
}

/* Writes all of TEXT; reports a failure under WHO. */
static void send_text(const char *who, int fd, const char *text) {
    size_t length = strlen(text);
    ssize_t sent = write(fd, text, length);
    if (sent != (ssize_t)length) {
        char what[64];
        snprintf(what, sizeof what, "%s: write", who);
        fail(what);
    }
}

/* Reads up to one line (the peers send one line per message, then wait for the answer) and
 * prints it as "WHO: received "TEXT"", or "WHO: eof". Returns the number of bytes read. */
static ssize_t receive_text(const char *who, int fd) {
    char buffer[256];
    size_t used = 0;
    while (used < sizeof buffer - 1) {
        ssize_t n = read(fd, buffer + used, sizeof buffer - 1 - used);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            char what[64];
            snprintf(what, sizeof what, "%s: read", who);
            fail(what);
            return -1;
        }
        if (n == 0) break;
        used += (size_t)n;
        if (buffer[used - 1] == '\n') break;
    }
    if (used == 0) {
        say("%s: eof\n", who);
        return 0;
    }
    char text[4 * sizeof buffer + 1];
    say("%s: received \"%s\"\n", who, escape_bytes(text, sizeof text, buffer, used));
    return (ssize_t)used;
}

/* Waits for the child and prints how it ended. */
static void reap(pid_t child) {
    int status;
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) {
            fail("waitpid");
            return;
        }
    }
    if (WIFEXITED(status)) {
        say("child: exit %d\n", WEXITSTATUS(status));
        if (WEXITSTATUS(status) != 0) failures++;
    } else {
        say("child: signal %d\n", WTERMSIG(status));
        failures++;
    }
}

static struct sockaddr_un socket_name(socklen_t *length) {
    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    address.sun_family = AF_UNIX;
    strcpy(address.sun_path, SOCKET_NAME);
    *length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + sizeof SOCKET_NAME);
    return address;
}

static void show_peer(const char *who, int fd) {
    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    socklen_t length = sizeof address;
    if (getpeername(fd, (struct sockaddr *)&address, &length) < 0) {
        fail("getpeername");
        return;
    }
    size_t name_length = length > offsetof(struct sockaddr_un, sun_path)
                                 ? length - offsetof(struct sockaddr_un, sun_path) : 0;
    char text[4 * sizeof address.sun_path + 1];
    say("%s: peer \"%s\" len %u\n", who, escape_bytes(text, sizeof text, address.sun_path, name_length),
        (unsigned)length);
}

static int path_client(void) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) {
        fail("client: socket");
        return 1;
    }
    socklen_t length;
    struct sockaddr_un address = socket_name(&length);
    if (report("client: connect", connect(fd, (struct sockaddr *)&address, length)) < 0) return 1;
    show_peer("client", fd);
    send_text("client", fd, "hello from the client\n");
    receive_text("client", fd);
    send_text("client", fd, "goodbye from the client\n");
    close(fd);
    return failures ? 1 : 0;
}

static void scenario_path(void) {
    unlink(SOCKET_NAME);
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    if (listener < 0) {
        fail("server: socket");
        return;
    }
    socklen_t length;
    struct sockaddr_un address = socket_name(&length);
    if (report("server: bind", bind(listener, (struct sockaddr *)&address, length)) < 0) failures++;
    if (report("server: listen", listen(listener, 4)) < 0) failures++;
    struct stat info;
    if (stat(SOCKET_NAME, &info) == 0) say("server: %s is a socket: %s\n", SOCKET_NAME, S_ISSOCK(info.st_mode) ? "yes" : "no");
    else fail("server: stat");
    if (failures) return;

    pid_t child = fork();
    if (child < 0) {
        fail("fork");
        return;
    }
    if (child == 0) {
        close(listener);
        _exit(path_client());
    }
    int connection = accept(listener, NULL, NULL);
    if (connection < 0) {
        fail("server: accept");
    } else {
        receive_text("server", connection);
        send_text("server", connection, "hello from the server\n");
        receive_text("server", connection);
        receive_text("server", connection);
        close(connection);
    }
    reap(child);
    close(listener);
    unlink(SOCKET_NAME);
}

static void scenario_pair(void) {
    int pair[2];
    if (report("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, pair)) < 0) {
        failures++;
        return;
    }
    pid_t child = fork();
    if (child < 0) {
        fail("fork");
        return;
    }
    if (child == 0) {
        close(pair[0]);
        send_text("child", pair[1], "ping from the child\n");
        receive_text("child", pair[1]);
        send_text("child", pair[1], "thanks from the child\n");
        _exit(failures ? 1 : 0);
    }
    close(pair[1]);
    receive_text("parent", pair[0]);
    send_text("parent", pair[0], "pong from the parent\n");
    receive_text("parent", pair[0]);
    receive_text("parent", pair[0]);
    reap(child);
    close(pair[0]);
}

/* The child's side of "rights": one message with one descriptor, then reads the file. */
static int rights_child(int sock) {
    char data[16];
    struct iovec io = {.iov_base = data, .iov_len = sizeof data};
    union {
        struct cmsghdr align;
        char space[CMSG_SPACE(4 * sizeof(int))];
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr message = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = control.space,
                             .msg_controllen = sizeof control.space};
    ssize_t n = recvmsg(sock, &message, 0);
    if (n < 0) {
        fail("child: recvmsg");
        return 1;
    }
    char text[4 * sizeof data + 1];
    say("child: recvmsg %zd \"%s\" flags %s\n", n, escape_bytes(text, sizeof text, data, (size_t)n),
        message.msg_flags == 0 ? "0" : "set");
    int received = -1;
    int count = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c)) {
        int fds = c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS
                          ? (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int)) : 0;
        say("child: cmsg %s %s with %d descriptor(s)\n", c->cmsg_level == SOL_SOCKET ? "SOL_SOCKET" : "other",
            c->cmsg_type == SCM_RIGHTS ? "SCM_RIGHTS" : "other", fds);
        if (fds > 0) memcpy(&received, CMSG_DATA(c), sizeof received);
        count += fds;
    }
    if (count != 1 || received < 0) {
        say("child: expected one descriptor, got %d\n", count);
        return 1;
    }
    struct stat info;
    if (fstat(received, &info) < 0) {
        fail("child: fstat");
        return 1;
    }
    say("child: received a regular file: %s, links %ld, size %lld\n", S_ISREG(info.st_mode) ? "yes" : "no",
        (long)info.st_nlink, (long long)info.st_size);
    say("child: offset before reading %lld\n", (long long)lseek(received, 0, SEEK_CUR));
    receive_text("child", received);
    receive_text("child", received);
    close(received);
    send_text("child", sock, "done\n");
    return failures ? 1 : 0;
}

static void scenario_rights(void) {
    unlink(FILE_NAME);
    int file = open(FILE_NAME, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (file < 0) {
        fail("open");
        return;
    }
    if (write(file, FILE_TEXT, strlen(FILE_TEXT)) != (ssize_t)strlen(FILE_TEXT) || lseek(file, 0, SEEK_SET) != 0) {
        fail("write file");
        return;
    }
    char first[FIRST_LINE_LENGTH];
    if (read(file, first, sizeof first) != (ssize_t)sizeof first) {
        fail("read file");
        return;
    }
    say("parent: read the first line, offset %lld\n", (long long)lseek(file, 0, SEEK_CUR));
    /* From here on the file has no name: the child can only read it through the descriptor. */
    report("parent: unlink", unlink(FILE_NAME));

    int pair[2];
    if (report("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, pair)) < 0) {
        failures++;
        return;
    }
    pid_t child = fork();
    if (child < 0) {
        fail("fork");
        return;
    }
    if (child == 0) {
        close(pair[0]);
        close(file);
        _exit(rights_child(pair[1]));
    }
    close(pair[1]);

    char data[] = "file";
    struct iovec io = {.iov_base = data, .iov_len = sizeof data - 1};
    union {
        struct cmsghdr align;
        char space[CMSG_SPACE(sizeof(int))];
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr message = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = control.space,
                             .msg_controllen = sizeof control.space};
    struct cmsghdr *c = CMSG_FIRSTHDR(&message);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &file, sizeof file);
    /* Printed only on failure: the child may print before the parent could. */
    if (sendmsg(pair[0], &message, 0) != (ssize_t)io.iov_len) fail("parent: sendmsg");

    receive_text("parent", pair[0]);
    /* The child read to the end through the same open file description. */
    say("parent: offset after the child read %lld\n", (long long)lseek(file, 0, SEEK_CUR));
    reap(child);
    close(pair[0]);
    close(file);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: unix-scenarios path|pair|rights\n");
        return 2;
    }
    if (strcmp(argv[1], "path") == 0) scenario_path();
    else if (strcmp(argv[1], "pair") == 0) scenario_pair();
    else if (strcmp(argv[1], "rights") == 0) scenario_rights();
    else {
        fprintf(stderr, "unix-scenarios: unknown scenario %s\n", argv[1]);
        return 2;
    }
    say("%s: %s\n", argv[1], failures ? "FAILED" : "done");
    return failures ? 1 : 0;
}
