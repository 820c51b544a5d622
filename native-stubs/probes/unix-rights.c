/*
 * Descriptor passing (SCM_RIGHTS) over a connected AF_UNIX pair: regular files, pipes,
 * sockets (a connected one, a listener, a socket sent over itself), several descriptors and
 * control messages in one message, MSG_CMSG_CLOEXEC, MSG_CTRUNC, SCM_MAX_FD, bad control
 * data, descriptors discarded by read() and recv(), MSG_PEEK, and the numbers received
 * descriptors get. Every section starts from a fresh pair.
 *
 *   unix-rights KIND   (KIND as in unix-kind.h)
 *
 * A received descriptor prints as what it is (the name of the object the probe sent, found by
 * device, inode and access mode) and as its rank among the free numbers at the time of the
 * receive (free#0 is the lowest), so the transcript holds no raw descriptor numbers. The data file is
 * created in the working directory and unlinked while its descriptor is in flight.
 */
#include "probe.h"
#include "unix-kind.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#define PROBE "unix-rights"

#ifndef SCM_MAX_FD
#define SCM_MAX_FD 253
#endif

static const struct unix_kind *kind;
static volatile sig_atomic_t sigpipes;
static char data_path[128];

/* Read at run time, so that the compiler neither warns about nor optimises around it. */
static void *volatile bad = (void *)1;

static void on_sigpipe(int signal) {
    (void)signal;
    sigpipes++;
}

/* ---- naming what arrives ---- */

struct object {
    char name[40];
    dev_t dev;
    ino_t ino;
    int mode;     /* F_GETFL & (O_ACCMODE | O_PATH): the two ends of a pipe share an inode */
};

static struct object objects[32];
static int object_count;

static int access_mode(int fd) {
    int flags = fcntl(fd, F_GETFL);
    return flags < 0 ? -1 : flags & (O_ACCMODE | O_PATH);
}

static void remember(const char *name, int fd) {
    struct stat st;
    if (fstat(fd, &st) < 0 || object_count == (int)(sizeof objects / sizeof objects[0])) {
        say("  setup remember %s: failed\n", name);
        exit(1);
    }
    struct object *object = &objects[object_count++];
    snprintf(object->name, sizeof object->name, "%s", name);
    object->dev = st.st_dev;
    object->ino = st.st_ino;
    object->mode = access_mode(fd);
}

static const char *object_name(int fd) {
    struct stat st;
    if (fstat(fd, &st) < 0) return "not open";
    int mode = access_mode(fd);
    for (int i = object_count - 1; i >= 0; i--)
        if (objects[i].dev == st.st_dev && objects[i].ino == st.st_ino && objects[i].mode == mode)
            return objects[i].name;
    return "an unknown object";
}

/* The number the next open descriptor gets. */
static int lowest_free(void) {
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        say("  setup open /dev/null: -1 %s\n", errno_name(errno));
        exit(1);
    }
    close(fd);
    return fd;
}

static int open_null(const char *name) {
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        say("  setup open /dev/null: -1 %s\n", errno_name(errno));
        exit(1);
    }
    if (name) remember(name, fd);
    return fd;
}

static void make_pipe(int fds[2], const char *read_name, const char *write_name) {
    if (pipe2(fds, O_CLOEXEC) < 0) {
        say("  setup pipe: -1 %s\n", errno_name(errno));
        exit(1);
    }
    remember(read_name, fds[0]);
    remember(write_name, fds[1]);
}


/* ---- sending ---- */

union control {
    struct cmsghdr align;
    char bytes[CMSG_SPACE(sizeof(int) * (SCM_MAX_FD + 8)) + 64];
};

static union control send_control;

/* sendmsg of TEXT with a control buffer of CONTROLLEN bytes (the caller filled send_control). */
static ssize_t send_with(const char *label, int fd, const char *text, void *control, size_t controllen, int flags,
                         const char *what) {
    struct iovec iov = {.iov_base = (void *)text, .iov_len = strlen(text)};
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = controllen};
    int before = sigpipes;
    ssize_t result = sendmsg(fd, &message, flags);
    int error = errno;
    char raised[32] = "";
    if (sigpipes != before) snprintf(raised, sizeof raised, ", SIGPIPE x%d", (int)(sigpipes - before));
    if (result < 0) say("  sendmsg %s \"%s\" %s: -1 %s%s\n", label, text, what, errno_name(error), raised);
    else say("  sendmsg %s \"%s\" %s: %zd%s\n", label, text, what, result, raised);
    errno = error;
    return result;
}

/* One SCM_RIGHTS message holding COUNT descriptors. */
static ssize_t send_fds(const char *label, int fd, const char *text, const int *fds, int count, int flags) {
    memset(&send_control, 0, sizeof send_control);
    struct cmsghdr *cmsg = (struct cmsghdr *)send_control.bytes;
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)count);
    memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * (size_t)count);
    char what[64];
    snprintf(what, sizeof what, "SCM_RIGHTS x%d", count);
    return send_with(label, fd, text, send_control.bytes, CMSG_SPACE(sizeof(int) * (size_t)count), flags, what);
}

/* ---- receiving ---- */

struct received {
    ssize_t result;
    int fds[SCM_MAX_FD + 8];
    int count;
};

static void close_received(struct received *r) {
    for (int i = 0; i < r->count; i++) close(r->fds[i]);
    r->count = 0;
}

/* The lowest free descriptor numbers, in order: where received descriptors must land. */
struct free_numbers {
    int numbers[SCM_MAX_FD + 8];
    int count;
};

static void find_free(struct free_numbers *free_numbers, int wanted) {
    free_numbers->count = 0;
    while (free_numbers->count < wanted) {
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0) break;
        free_numbers->numbers[free_numbers->count++] = fd;
    }
    for (int i = 0; i < free_numbers->count; i++) close(free_numbers->numbers[i]);
}

/* "free#K": the K-th lowest free number before the receive (free#0 is the lowest). */
static int free_rank(const struct free_numbers *free_numbers, int fd) {
    for (int i = 0; i < free_numbers->count; i++)
        if (free_numbers->numbers[i] == fd) return i;
    return -1;
}

static void describe_fd(int index, int fd, const struct free_numbers *free_numbers) {
    int fd_flags = fcntl(fd, F_GETFD);
    say("    fd[%d] free#%d %s, FD_CLOEXEC %d\n", index, free_rank(free_numbers, fd), object_name(fd),
        fd_flags < 0 ? -1 : (fd_flags & FD_CLOEXEC) ? 1 : 0);
}

/* Many descriptors of one object: one line for all of them. */
static void summarize_fds(const int *fds, int count, const struct free_numbers *free_numbers) {
    int in_order = 1, same = 1, cloexec = 0;
    const char *first = count ? object_name(fds[0]) : "";
    char name[64];
    snprintf(name, sizeof name, "%s", first);
    for (int i = 0; i < count; i++) {
        if (free_rank(free_numbers, fds[i]) != i) in_order = 0;
        if (strcmp(object_name(fds[i]), name) != 0) same = 0;
        int fd_flags = fcntl(fds[i], F_GETFD);
        if (fd_flags > 0 && (fd_flags & FD_CLOEXEC)) cloexec++;
    }
    say("    fds at free#0..#%d in order %d, all %s %d, FD_CLOEXEC on %d\n", count - 1, in_order, name, same, cloexec);
}

static const char *cmsg_type_name(int level, int type) {
    if (level != SOL_SOCKET) return "other";
    switch (type) {
    case SCM_RIGHTS: return "SCM_RIGHTS";
    case SCM_CREDENTIALS: return "SCM_CREDENTIALS";
    default: return "other";
    }
}

/* recvmsg of up to SIZE bytes with CONTROLLEN bytes of control buffer (0: msg_control NULL);
 * prints the data, flags, each control message and each descriptor received. */
static void recv_fds(struct received *r, const char *label, int fd, size_t size, size_t controllen, int flags,
                     int summary) {
    static union control control;
    char data[256];
    if (size > sizeof data) size = sizeof data;
    memset(&control, 0, sizeof control);
    memset(r, 0, sizeof *r);
    struct iovec iov = {.iov_base = data, .iov_len = size};
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = controllen ? control.bytes : NULL,
                             .msg_controllen = controllen};
    static struct free_numbers free_numbers;
    find_free(&free_numbers, summary ? SCM_MAX_FD + 4 : 8);
    r->result = recvmsg(fd, &message, flags);
    if (r->result < 0) {
        say("  recvmsg %s ctl %zu %s: -1 %s\n", label, controllen, msg_flag_names(flags), errno_name(errno));
        return;
    }
    char text[4 * sizeof data + 1];
    size_t shown = (size_t)r->result < size ? (size_t)r->result : size;
    escape_bytes(text, sizeof text, data, shown);
    say("  recvmsg %s ctl %zu %s: %zd \"%s\" msg_flags %s controllen %zu\n", label, controllen, msg_flag_names(flags),
        r->result, text, msg_flag_names(message.msg_flags), (size_t)message.msg_controllen);
    for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message); cmsg; cmsg = CMSG_NXTHDR(&message, cmsg)) {
        if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS) {
            int count = (int)((cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            say("    cmsg SOL_SOCKET SCM_RIGHTS len CMSG_LEN(%d * sizeof(int))%s, %d fds\n", count,
                cmsg->cmsg_len == CMSG_LEN(sizeof(int) * (size_t)count) ? "" : " (not exact)", count);
            int first = r->count;
            for (int i = 0; i < count && r->count < (int)(sizeof r->fds / sizeof r->fds[0]); i++) {
                int received;
                memcpy(&received, CMSG_DATA(cmsg) + sizeof(int) * (size_t)i, sizeof received);
                r->fds[r->count++] = received;
            }
            if (summary) summarize_fds(r->fds + first, r->count - first, &free_numbers);
            else for (int i = first; i < r->count; i++) describe_fd(i, r->fds[i], &free_numbers);
        } else {
            say("    cmsg level %d %s len %zu\n", cmsg->cmsg_level, cmsg_type_name(cmsg->cmsg_level, cmsg->cmsg_type),
                (size_t)cmsg->cmsg_len);
        }
    }
}

/* One received descriptor, or -1 after saying there was none. */
static int only_fd(const struct received *r) {
    if (r->count != 1) {
        say("  expected one descriptor, got %d\n", r->count);
        return -1;
    }
    return r->fds[0];
}

/* ---- plain data ---- */

static void do_send(const char *label, int fd, const char *text, int flags) {
    int before = sigpipes;
    ssize_t result = send(fd, text, strlen(text), flags);
    int error = errno;
    char raised[32] = "";
    if (sigpipes != before) snprintf(raised, sizeof raised, ", SIGPIPE x%d", (int)(sigpipes - before));
    if (result < 0) say("  send %s \"%s\": -1 %s%s\n", label, text, errno_name(error), raised);
    else say("  send %s \"%s\": %zd%s\n", label, text, result, raised);
}

static void do_write(const char *label, int fd, const char *text) {
    int before = sigpipes;
    ssize_t result = write(fd, text, strlen(text));
    int error = errno;
    char raised[32] = "";
    if (sigpipes != before) snprintf(raised, sizeof raised, ", SIGPIPE x%d", (int)(sigpipes - before));
    if (result < 0) say("  write %s \"%s\": -1 %s%s\n", label, text, errno_name(error), raised);
    else say("  write %s \"%s\": %zd%s\n", label, text, result, raised);
}

static void do_recv(const char *label, int fd, size_t size, int flags) {
    char buffer[256], text[4 * sizeof buffer + 1];
    if (size > sizeof buffer) size = sizeof buffer;
    ssize_t result = recv(fd, buffer, size, flags);
    if (result < 0) {
        say("  recv %s %zu %s: -1 %s\n", label, size, msg_flag_names(flags), errno_name(errno));
        return;
    }
    escape_bytes(text, sizeof text, buffer, (size_t)result < size ? (size_t)result : size);
    say("  recv %s %zu %s: %zd \"%s\"\n", label, size, msg_flag_names(flags), result, text);
}

static void do_read(const char *label, int fd, size_t size) {
    char buffer[256], text[4 * sizeof buffer + 1];
    if (size > sizeof buffer) size = sizeof buffer;
    ssize_t result = read(fd, buffer, size);
    if (result < 0) {
        say("  read %s %zu: -1 %s\n", label, size, errno_name(errno));
        return;
    }
    escape_bytes(text, sizeof text, buffer, (size_t)result);
    say("  read %s %zu: %zd \"%s\"\n", label, size, result, text);
}

/* Whether a pipe's write end is still open anywhere, seen from its read end: POLLHUP once the
 * last writer is gone. */
static void show_writers(const char *label, int read_end) {
    struct pollfd entry = {.fd = read_end, .events = POLLIN};
    int result = poll(&entry, 1, 0);
    if (result < 0) say("  poll %s: -1 %s\n", label, errno_name(errno));
    else say("  poll %s: writers left %s\n", label, (entry.revents & POLLHUP) ? "no" : "yes");
}

static void show_address(const char *what, int result, const struct sockaddr_un *address, socklen_t length) {
    if (result < 0) {
        say("  %s: -1 %s\n", what, errno_name(errno));
        return;
    }
    socklen_t family = (socklen_t)offsetof(struct sockaddr_un, sun_path);
    socklen_t copied = length < sizeof *address ? length : (socklen_t)sizeof *address;
    char text[4 * sizeof address->sun_path + 1];
    escape_bytes(text, sizeof text, address->sun_path, copied > family ? copied - family : 0);
    say("  %s: len %u \"%s\"\n", what, (unsigned)length, text);
}

static void show_names(const char *label, int fd) {
    struct sockaddr_un address;
    socklen_t length = sizeof address;
    char what[64];
    memset(&address, 0, sizeof address);
    snprintf(what, sizeof what, "getsockname %s", label);
    int result = getsockname(fd, (struct sockaddr *)&address, &length);
    show_address(what, result, &address, length);
    memset(&address, 0, sizeof address);
    length = sizeof address;
    snprintf(what, sizeof what, "getpeername %s", label);
    result = getpeername(fd, (struct sockaddr *)&address, &length);
    show_address(what, result, &address, length);
}

static void show_int_option(const char *label, int fd, int option, const char *option_name) {
    int value = -1;
    socklen_t length = sizeof value;
    if (getsockopt(fd, SOL_SOCKET, option, &value, &length) < 0)
        say("  %s %s: -1 %s\n", label, option_name, errno_name(errno));
    else if (option == SO_TYPE) say("  %s %s: %s\n", label, option_name, unix_type_name(value));
    else say("  %s %s: %d\n", label, option_name, value);
}

/* ---- sections ---- */

static void fresh(struct unix_conn *conn) {
    unix_kind_connect(kind, PROBE, SOCK_CLOEXEC, conn);
}

static void section(struct unix_conn *conn, const char *title) {
    unix_kind_close(conn);
    object_count = 0;
    say("== %s\n", title);
    fresh(conn);
    remember("socket a", conn->a);
    remember("socket b", conn->b);
}

static void regular_file(struct unix_conn *c) {
    /* The receiver gets the same open file description: offset and status flags are shared,
     * and the file lives on while its only reference is in flight. */
    section(c, "a regular file");
    int file = open(data_path, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    if (file < 0) {
        say("  open: -1 %s\n", errno_name(errno));
        return;
    }
    remember("the data file", file);
    report("  write file \"0123456789\"", write(file, "0123456789", 10));
    report("  lseek file 4", lseek(file, 4, SEEK_SET));
    send_fds("a", c->a, "F", &file, 1, 0);
    say("  close the file and unlink it while it is in flight\n");
    close(file);
    unlink(data_path);
    struct received r;
    recv_fds(&r, "b", c->b, 64, CMSG_SPACE(sizeof(int)), 0, 0);
    int got = only_fd(&r);
    if (got >= 0) {
        struct stat st;
        if (fstat(got, &st) == 0)
            say("  fstat received: regular %d size %lld links %lu\n", S_ISREG(st.st_mode) ? 1 : 0,
                (long long)st.st_size, (unsigned long)st.st_nlink);
        int flags = fcntl(got, F_GETFL);
        say("  F_GETFL received: O_RDWR %d O_APPEND %d\n", (flags & O_ACCMODE) == O_RDWR, (flags & O_APPEND) ? 1 : 0);
        report("  lseek received SEEK_CUR", lseek(got, 0, SEEK_CUR));
        do_read("received", got, 64);
        do_write("received", got, "ab");
        char buffer[64];
        ssize_t n = pread(got, buffer, sizeof buffer, 0);
        if (n < 0) say("  pread received 0: -1 %s\n", errno_name(errno));
        else say("  pread received 0: %zd \"%.*s\"\n", n, (int)n, buffer);
    }
    close_received(&r);
}

static void a_pipe(struct unix_conn *c) {
    section(c, "both ends of a pipe");
    int p[2];
    make_pipe(p, "pipe read end", "pipe write end");
    send_fds("a", c->a, "P", p, 2, 0);
    close(p[0]);
    close(p[1]);
    struct received r;
    recv_fds(&r, "b", c->b, 64, CMSG_SPACE(2 * sizeof(int)), 0, 0);
    if (r.count == 2) {
        do_write("received write end", r.fds[1], "through the pipe");
        do_read("received read end", r.fds[0], 64);
        say("  close received write end\n");
        close(r.fds[1]);
        r.fds[1] = -1;
        do_read("received read end", r.fds[0], 64);
    }
    close_received(&r);
}

static void a_connected_socket(struct unix_conn *c) {
    section(c, "a connected socket of the same kind");
    struct unix_conn inner;
    unix_kind_connect(kind, PROBE "-inner", SOCK_CLOEXEC, &inner);
    remember("inner a", inner.a);
    remember("inner b", inner.b);
    send_fds("a", c->a, "S", &inner.a, 1, 0);
    say("  close inner a\n");
    close(inner.a);
    inner.a = -1;
    struct received r;
    recv_fds(&r, "b", c->b, 64, CMSG_SPACE(sizeof(int)), 0, 0);
    int got = only_fd(&r);
    if (got >= 0) {
        show_int_option("received", got, SO_TYPE, "SO_TYPE");
        show_int_option("received", got, SO_ACCEPTCONN, "SO_ACCEPTCONN");
        show_names("received", got);
        do_send("received", got, "via the received socket", 0);
        do_recv("inner b", inner.b, 64, 0);
        do_send("inner b", inner.b, "back", 0);
        do_recv("received", got, 64, 0);
        say("  close received (the last reference to inner a)\n");
        close_received(&r);
        do_recv("inner b", inner.b, 64, MSG_DONTWAIT);
    }
    close_received(&r);
    unix_kind_close(&inner);
}

static void a_listener(struct unix_conn *c) {
    /* A listener keeps its name and its backlog while its only reference is in flight. */
    section(c, "a listening socket");
    struct unix_kind listener_kind = *kind;
    if (listener_kind.naming == UNIX_PAIR) listener_kind.naming = UNIX_ABSTRACT;
    struct sockaddr_un address;
    socklen_t length;
    unix_kind_address(&listener_kind, PROBE "-listener", &address, &length);
    if (listener_kind.naming == UNIX_PATH) unlink(address.sun_path);
    int listener = socket(AF_UNIX, kind->type | SOCK_CLOEXEC, 0);
    report("  bind listener", bind(listener, (struct sockaddr *)&address, length));
    report("  listen listener 4", listen(listener, 4));
    remember("the listener", listener);
    send_fds("a", c->a, "L", &listener, 1, 0);
    say("  close listener\n");
    close(listener);

    int client1 = socket(AF_UNIX, kind->type | SOCK_CLOEXEC, 0);
    remember("client 1", client1);
    report("  connect client 1 while the listener is in flight",
           connect(client1, (struct sockaddr *)&address, length));
    struct received r;
    recv_fds(&r, "b", c->b, 64, CMSG_SPACE(sizeof(int)), 0, 0);
    int got = only_fd(&r);
    int client2 = socket(AF_UNIX, kind->type | SOCK_CLOEXEC, 0);
    report("  connect client 2", connect(client2, (struct sockaddr *)&address, length));
    if (got >= 0) {
        show_int_option("received", got, SO_ACCEPTCONN, "SO_ACCEPTCONN");
        show_names("received", got);
        int accepted1 = accept4(got, NULL, NULL, SOCK_CLOEXEC);
        report("  accept4 received (1)", accepted1 < 0 ? -1 : 0);
        int accepted2 = accept4(got, NULL, NULL, SOCK_CLOEXEC);
        report("  accept4 received (2)", accepted2 < 0 ? -1 : 0);
        fcntl(got, F_SETFL, fcntl(got, F_GETFL) | O_NONBLOCK);
        int accepted3 = accept4(got, NULL, NULL, SOCK_CLOEXEC);
        report("  accept4 received (3, O_NONBLOCK)", accepted3 < 0 ? -1 : 0);
        if (accepted1 >= 0) {
            show_names("accepted 1", accepted1);
            do_send("client 1", client1, "one", 0);
            do_recv("accepted 1", accepted1, 64, 0);
            close(accepted1);
        }
        if (accepted2 >= 0) {
            do_send("client 2", client2, "two", 0);
            do_recv("accepted 2", accepted2, 64, 0);
            close(accepted2);
        }
        if (accepted3 >= 0) close(accepted3);
    }
    close_received(&r);
    close(client1);
    close(client2);
    if (listener_kind.naming == UNIX_PATH) unlink(address.sun_path);
}

static void over_itself(struct unix_conn *c) {
    section(c, "a socket passed over itself");
    send_fds("a", c->a, "self", &c->a, 1, 0);
    struct received r;
    recv_fds(&r, "b", c->b, 64, CMSG_SPACE(sizeof(int)), 0, 0);
    int got = only_fd(&r);
    say("  close a (the received copy remains)\n");
    close(c->a);
    c->a = -1;
    if (got >= 0) {
        do_send("received copy of a", got, "from the copy", 0);
        do_recv("b", c->b, 64, 0);
        /* b into its own receive queue. */
        send_fds("received copy of a", got, "b itself", &c->b, 1, 0);
        struct received r2;
        recv_fds(&r2, "b", c->b, 64, CMSG_SPACE(sizeof(int)), 0, 0);
        int self = only_fd(&r2);
        if (self >= 0) {
            do_send("received copy of a", got, "to b", 0);
            do_recv("received copy of b", self, 64, 0);
        }
        close_received(&r2);
        /* b in its own queue again, peeked at and then received. */
        send_fds("received copy of a", got, "b again", &c->b, 1, 0);
        recv_fds(&r2, "b", c->b, 64, CMSG_SPACE(sizeof(int)), MSG_PEEK, 0);
        close_received(&r2);
        recv_fds(&r2, "b", c->b, 64, CMSG_SPACE(sizeof(int)), 0, 0);
        close_received(&r2);
    }
    close_received(&r);
}

static void several(struct unix_conn *c) {
    section(c, "several descriptors in one message");
    int null = open_null("/dev/null");
    int p[2];
    make_pipe(p, "pipe read end", "pipe write end");
    int three[3] = {null, p[0], p[1]};
    struct received r;

    send_fds("a", c->a, "three", three, 3, 0);
    recv_fds(&r, "b", c->b, 64, CMSG_SPACE(3 * sizeof(int)), 0, 0);
    close_received(&r);

    send_fds("a", c->a, "same fd twice", (int[]){null, null}, 2, 0);
    recv_fds(&r, "b", c->b, 64, CMSG_SPACE(2 * sizeof(int)), 0, 0);
    close_received(&r);

    /* Two SCM_RIGHTS messages in one sendmsg: __scm_send gathers them in one list. */
    memset(&send_control, 0, sizeof send_control);
    struct msghdr header = {.msg_control = send_control.bytes,
                            .msg_controllen = CMSG_SPACE(2 * sizeof(int)) + CMSG_SPACE(sizeof(int))};
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&header);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(2 * sizeof(int));
    memcpy(CMSG_DATA(cmsg), (int[]){p[1], null}, 2 * sizeof(int));
    cmsg = CMSG_NXTHDR(&header, cmsg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &p[0], sizeof(int));
    send_with("a", c->a, "two cmsgs", send_control.bytes, header.msg_controllen, 0, "SCM_RIGHTS x2 + SCM_RIGHTS x1");
    recv_fds(&r, "b", c->b, 64, 256, 0, 0);
    close_received(&r);

    /* A control message of another level is skipped (__scm_send looks at SOL_SOCKET only). */
    memset(&send_control, 0, sizeof send_control);
    header.msg_controllen = CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(int));
    cmsg = CMSG_FIRSTHDR(&header);
    cmsg->cmsg_level = 0; /* SOL_IP */
    cmsg->cmsg_type = 1;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    cmsg = CMSG_NXTHDR(&header, cmsg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &null, sizeof(int));
    send_with("a", c->a, "with SOL_IP", send_control.bytes, header.msg_controllen, 0, "SOL_IP cmsg + SCM_RIGHTS x1");
    recv_fds(&r, "b", c->b, 64, 256, 0, 0);
    close_received(&r);

    /* SCM_RIGHTS with no descriptors, and one whose length is not a whole number of ints. */
    memset(&send_control, 0, sizeof send_control);
    cmsg = (struct cmsghdr *)send_control.bytes;
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(0);
    send_with("a", c->a, "no fds", send_control.bytes, CMSG_SPACE(0), 0, "SCM_RIGHTS len CMSG_LEN(0)");
    recv_fds(&r, "b", c->b, 64, 256, 0, 0);
    close_received(&r);
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) + 2);
    memcpy(CMSG_DATA(cmsg), &null, sizeof(int));
    send_with("a", c->a, "odd length", send_control.bytes, CMSG_SPACE(sizeof(int) + 2), 0,
              "SCM_RIGHTS len CMSG_LEN(sizeof(int) + 2)");
    recv_fds(&r, "b", c->b, 64, 256, 0, 0);
    close_received(&r);

    /* An O_PATH descriptor and a directory travel too. */
    int path = open(".", O_PATH | O_CLOEXEC);
    remember("O_PATH of the working directory", path);
    int dir = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    remember("the working directory", dir);
    send_fds("a", c->a, "paths", (int[]){path, dir}, 2, 0);
    recv_fds(&r, "b", c->b, 64, 256, 0, 0);
    close_received(&r);
    close(path);
    close(dir);

    close(null);
    close(p[0]);
    close(p[1]);
}

static void cloexec(struct unix_conn *c) {
    /* FD_CLOEXEC belongs to the descriptor, not the file: the sent one has it, the received
     * one gets it only from MSG_CMSG_CLOEXEC. */
    section(c, "MSG_CMSG_CLOEXEC");
    int null = open_null("/dev/null");
    struct received r;
    send_fds("a", c->a, "plain", &null, 1, 0);
    send_fds("a", c->a, "cloexec", &null, 1, 0);
    recv_fds(&r, "b", c->b, 5, CMSG_SPACE(sizeof(int)), 0, 0);
    close_received(&r);
    recv_fds(&r, "b", c->b, 7, CMSG_SPACE(sizeof(int)), MSG_CMSG_CLOEXEC, 0);
    close_received(&r);
    close(null);
}

/* Sends [/dev/null, /dev/null, pipe write end], closes the sender's write end and receives
 * with CONTROLLEN bytes of control buffer; then shows whether the pipe's writer survived. */
static void ctrunc_round(struct unix_conn *c, size_t controllen) {
    int null = open_null("/dev/null");
    int p[2];
    make_pipe(p, "pipe read end", "pipe write end");
    send_fds("a", c->a, "T", (int[]){null, null, p[1]}, 3, 0);
    close(p[1]);
    close(null);
    struct received r;
    recv_fds(&r, "b", c->b, 64, controllen, 0, 0);
    show_writers("pipe read end", p[0]);
    close_received(&r);
    close(p[0]);
}

static void ctrunc(struct unix_conn *c) {
    /* Descriptors that do not fit are closed and MSG_CTRUNC is set (net/core/scm.c:
     * scm_detach_fds); the room is counted in whole ints after the header. */
    section(c, "MSG_CTRUNC: a short control buffer");
    ctrunc_round(c, 0);
    ctrunc_round(c, 8);
    ctrunc_round(c, sizeof(struct cmsghdr));
    ctrunc_round(c, CMSG_LEN(sizeof(int)));
    ctrunc_round(c, CMSG_SPACE(sizeof(int)));
    ctrunc_round(c, CMSG_LEN(3 * sizeof(int)) - 1);
    ctrunc_round(c, CMSG_LEN(3 * sizeof(int)));
}

static void max_fds(struct unix_conn *c) {
    section(c, "SCM_MAX_FD");
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < 1024 && limit.rlim_max >= 1024) {
        limit.rlim_cur = 1024;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    int null = open_null("/dev/null");
    static int fds[SCM_MAX_FD + 1];
    for (int i = 0; i <= SCM_MAX_FD; i++) {
        fds[i] = fcntl(null, F_DUPFD_CLOEXEC, 0);
        if (fds[i] < 0) {
            say("  setup dup: -1 %s\n", errno_name(errno));
            exit(1);
        }
    }
    static struct received r;
    send_fds("a", c->a, "max", fds, SCM_MAX_FD, 0);
    send_fds("a", c->a, "max+1", fds, SCM_MAX_FD + 1, 0);
    for (int i = 0; i <= SCM_MAX_FD; i++) close(fds[i]);
    recv_fds(&r, "b", c->b, 64, sizeof send_control.bytes, 0, 1);
    close_received(&r);
    recv_fds(&r, "b", c->b, 64, sizeof send_control.bytes, MSG_DONTWAIT, 1);
    close_received(&r);
    close(null);
}

static void bad_control(struct unix_conn *c) {
    section(c, "bad descriptors and control data");
    int null = open_null("/dev/null");
    int closed = lowest_free();
    struct received r;
    send_fds("a", c->a, "-1", (int[]){-1}, 1, 0);
    send_fds("a", c->a, "closed", &closed, 1, 0);
    send_fds("a", c->a, "good then -1", (int[]){null, -1}, 2, 0);
    send_fds("a", c->a, "good then closed", (int[]){null, closed}, 2, 0);
    recv_fds(&r, "b", c->b, 64, 256, MSG_DONTWAIT, 0);
    close_received(&r);

    struct cmsghdr *cmsg = (struct cmsghdr *)send_control.bytes;
    memset(&send_control, 0, sizeof send_control);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = 99;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    send_with("a", c->a, "type 99", send_control.bytes, CMSG_SPACE(sizeof(int)), 0, "SOL_SOCKET type 99");

    cmsg->cmsg_type = SCM_RIGHTS;
    memcpy(CMSG_DATA(cmsg), &null, sizeof(int));
    cmsg->cmsg_len = CMSG_SPACE(sizeof(int)) + 8;
    send_with("a", c->a, "long cmsg_len", send_control.bytes, CMSG_SPACE(sizeof(int)), 0,
              "SCM_RIGHTS cmsg_len past controllen");
    cmsg->cmsg_len = sizeof(struct cmsghdr) - 1;
    send_with("a", c->a, "short cmsg_len", send_control.bytes, CMSG_SPACE(sizeof(int)), 0,
              "SCM_RIGHTS cmsg_len below the header");
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    send_with("a", c->a, "small controllen", send_control.bytes, 8, 0, "controllen 8");
    send_with("a", c->a, "bad control", bad, CMSG_SPACE(sizeof(int)), 0, "msg_control 0x1");
    send_with("a", c->a, "huge controllen", send_control.bytes, (size_t)INT_MAX + 1, 0,
              "controllen INT_MAX + 1");
    recv_fds(&r, "b", c->b, 64, 256, MSG_DONTWAIT, 0);
    close_received(&r);
    recv_fds(&r, "b", c->b, 64, 256, MSG_DONTWAIT, 0);
    close_received(&r);

    /* A receive whose control buffer is unwritable: the data is taken, the descriptor lost. */
    int p[2];
    make_pipe(p, "pipe read end", "pipe write end");
    send_fds("a", c->a, "to a bad buffer", &p[1], 1, 0);
    close(p[1]);
    char data[64];
    struct iovec iov = {.iov_base = data, .iov_len = sizeof data};
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = bad,
                             .msg_controllen = CMSG_SPACE(sizeof(int))};
    ssize_t result = recvmsg(c->b, &message, MSG_DONTWAIT);
    if (result < 0) say("  recvmsg b control 0x1: -1 %s\n", errno_name(errno));
    else say("  recvmsg b control 0x1: %zd msg_flags %s controllen %zu\n", result, msg_flag_names(message.msg_flags),
             (size_t)message.msg_controllen);
    show_writers("pipe read end", p[0]);
    recv_fds(&r, "b", c->b, 64, 256, MSG_DONTWAIT, 0);
    close_received(&r);
    close(p[0]);
    close(null);
}

static void discarded(struct unix_conn *c) {
    section(c, "descriptors discarded by read, recv and recvmsg without control");
    int p[2];
    struct received r;

    make_pipe(p, "pipe read end", "pipe write end");
    send_fds("a", c->a, "R", &p[1], 1, 0);
    close(p[1]);
    show_writers("pipe read end", p[0]);
    do_read("b", c->b, 64);
    show_writers("pipe read end", p[0]);
    do_read("pipe read end", p[0], 64);
    close(p[0]);

    /* The read end discarded: the writer gets EPIPE and SIGPIPE. */
    make_pipe(p, "pipe read end", "pipe write end");
    send_fds("a", c->a, "W", &p[0], 1, 0);
    close(p[0]);
    do_write("pipe write end", p[1], "before");
    do_recv("b", c->b, 64, 0);
    do_write("pipe write end", p[1], "after");
    close(p[1]);

    make_pipe(p, "pipe read end", "pipe write end");
    send_fds("a", c->a, "M", &p[1], 1, 0);
    close(p[1]);
    recv_fds(&r, "b", c->b, 64, 0, 0, 0);
    show_writers("pipe read end", p[0]);
    close(p[0]);

    /* The receiver closed with the descriptor still queued. */
    make_pipe(p, "pipe read end", "pipe write end");
    send_fds("a", c->a, "Q", &p[1], 1, 0);
    close(p[1]);
    say("  close b with the message unread\n");
    close(c->b);
    c->b = -1;
    show_writers("pipe read end", p[0]);
    close(p[0]);
}

static void peeking(struct unix_conn *c) {
    /* MSG_PEEK installs copies of the descriptors; the real receive installs them again. */
    section(c, "MSG_PEEK");
    int null = open_null("/dev/null");
    struct received peeked, r;
    send_fds("a", c->a, "K", &null, 1, 0);
    recv_fds(&peeked, "b", c->b, 64, 256, MSG_PEEK, 0);
    recv_fds(&r, "b", c->b, 64, 256, MSG_PEEK | MSG_CMSG_CLOEXEC, 0);
    close_received(&r);
    recv_fds(&r, "b", c->b, 64, 256, 0, 0);
    close_received(&r);
    close_received(&peeked);
    close(null);
}

static void stream_glue(struct unix_conn *c) {
    /* How far one receive reads around a message that carries descriptors. */
    section(c, "data around a message with descriptors");
    int null = open_null("/dev/null");
    struct received r;
    do_send("a", c->a, "ab", 0);
    send_fds("a", c->a, "cd", &null, 1, 0);
    do_send("a", c->a, "ef", 0);
    send_fds("a", c->a, "gh", &null, 1, 0);
    send_fds("a", c->a, "ij", &null, 1, 0);
    do_send("a", c->a, "kl", 0);
    for (int i = 0; i < 7; i++) {
        recv_fds(&r, "b", c->b, 64, 256, MSG_DONTWAIT, 0);
        close_received(&r);
    }

    say("== descriptors with no data\n");
    int p[2];
    make_pipe(p, "pipe read end", "pipe write end");
    send_fds("a", c->a, "", &p[1], 1, 0);
    close(p[1]);
    recv_fds(&r, "b", c->b, 64, 256, MSG_DONTWAIT, 0);
    close_received(&r);
    show_writers("pipe read end", p[0]);
    close(p[0]);
    close(null);
}

static void numbers(struct unix_conn *c) {
    section(c, "descriptor numbers");
    int null = open_null("/dev/null");
    int hole = open_null(NULL);
    int kept = open_null(NULL);
    say("  open two descriptors, close the first: a hole below one kept open\n");
    close(hole);
    struct received r;
    send_fds("a", c->a, "N", (int[]){null, null, null}, 3, 0);
    recv_fds(&r, "b", c->b, 64, 256, 0, 0);
    for (int i = 0; i < r.count; i++)
        say("    fd[%d] == the hole %d, above the kept one %d\n", i, r.fds[i] == hole, r.fds[i] > kept);
    close_received(&r);
    close(kept);

    /* No room under RLIMIT_NOFILE for more than one: the rest are closed, MSG_CTRUNC. */
    struct rlimit saved, limit;
    if (getrlimit(RLIMIT_NOFILE, &saved) == 0) {
        limit = saved;
        limit.rlim_cur = (rlim_t)lowest_free() + 1;
        report("  setrlimit RLIMIT_NOFILE lowest+1", setrlimit(RLIMIT_NOFILE, &limit));
        send_fds("a", c->a, "limit", (int[]){null, null, null}, 3, 0);
        recv_fds(&r, "b", c->b, 64, 256, 0, 0);
        close_received(&r);
        setrlimit(RLIMIT_NOFILE, &saved);
    }
    close(null);
}

int main(int argc, char **argv) {
    kind = unix_kind_from_args(argc, argv);
    /* A hung probe should fail, not wedge the suite. */
    alarm(60);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_sigpipe;
    sigemptyset(&action.sa_mask);
    sigaction(SIGPIPE, &action, NULL);
    snprintf(data_path, sizeof data_path, "%s-%s.data", PROBE, kind->name);
    unlink(data_path);
    say("%s %s\n", PROBE, kind->name);

    struct unix_conn conn;
    fresh(&conn);
    regular_file(&conn);
    a_pipe(&conn);
    a_connected_socket(&conn);
    a_listener(&conn);
    over_itself(&conn);
    several(&conn);
    cloexec(&conn);
    ctrunc(&conn);
    max_fds(&conn);
    bad_control(&conn);
    discarded(&conn);
    peeking(&conn);
    stream_glue(&conn);
    numbers(&conn);
    unix_kind_close(&conn);
    unlink(data_path);
    say("SIGPIPE total %d\n", (int)sigpipes);
    say("done\n");
    return 0;
}
