/*
 * What AF_UNIX datagrams carry besides data, and what outlives a socket: descriptors
 * (SCM_RIGHTS: a regular file, a pipe, a socket, several at once, discarded by read(),
 * MSG_CTRUNC), credentials (SCM_CREDENTIALS filled in by the kernel or stated by the sender,
 * SO_PASSCRED on either end), shutdown of datagram sockets, and names released with the last
 * descriptor of their socket.
 *
 *   unix-dgram-passing KIND   (KIND as in unix-dgram-kind.h: dgram-pair, dgram-path,
 *                              dgram-abstract)
 *
 * Sections run on a pair connected to each other (socketpair, or two sockets bound and
 * connected to each other); those that need names say so for the pair kind and are skipped.
 * A received descriptor prints as what it is (file type and access mode), never as a number;
 * credentials print relative to the probe's own process and ids (cred_text). The probe runs
 * as root; sections that need root say so and are skipped without it. The data file is created in the working
 * directory and removed at the end.
 */
#include "probe.h"
#include "unix-dgram-kind.h"

#include <dirent.h>
#include <grp.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#define PROBE "unix-dgram-passing"
#define TIMEOUT_MS 50
#define NOBODY 65534

static char data_path[128];
static pid_t main_pid;
static uid_t main_uid;
static gid_t main_gid;
static pid_t child_pid = -1;   /* the child a section made, for naming credentials */

static void section(const char *title) {
    say("== %s\n", title);
}

static int skipped_for_pair(const char *title, const char *why) {
    if (dgram_named()) {
        section(title);
        return 0;
    }
    say("== %s: skipped for dgram-pair (%s)\n", title, why);
    return 1;
}

static int need_root(void) {
    if (geteuid() != 0) say("  skipped: needs root\n");
    return geteuid() == 0;
}

/* ---- descriptors as text ---- */

static const char *fd_text(int fd) {
    static char text[4][96];
    static int next;
    char *out = text[next++ % 4];
    struct stat st;
    int flags = fcntl(fd, F_GETFL);
    if (fstat(fd, &st) < 0 || flags < 0) {
        snprintf(out, sizeof text[0], "not open");
        return out;
    }
    const char *type = S_ISREG(st.st_mode) ? "regular file" : S_ISFIFO(st.st_mode) ? "pipe"
                     : S_ISSOCK(st.st_mode) ? "socket" : S_ISCHR(st.st_mode) ? "character device" : "other";
    const char *mode = (flags & O_ACCMODE) == O_RDONLY ? "O_RDONLY" : (flags & O_ACCMODE) == O_WRONLY ? "O_WRONLY"
                                                                                                       : "O_RDWR";
    snprintf(out, sizeof text[0], "%s %s", type, mode);
    return out;
}

/* The number of open descriptors of this process. */
static int open_fds(void) {
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL) return -1;
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL)
        if (entry->d_name[0] != '.') count++;
    closedir(dir);
    return count - 1;   /* less the directory's own */
}

/* Whether a pipe's write end is still open anywhere, seen from its read end. */
static void show_writers(const char *label, int read_end) {
    struct pollfd entry = {.fd = read_end, .events = POLLIN};
    int result = poll(&entry, 1, 0);
    if (result < 0) say("  poll %s: -1 %s\n", label, errno_name(errno));
    else say("  poll %s: writers left %s\n", label, (entry.revents & POLLHUP) ? "no" : "yes");
}

/* ---- credentials as text ---- */

/* "pid main uid main's gid main's": a pid by the process it is (main, the section's child,
 * 0, or another), ids as "main's" when they are main's real ids, else as numbers (the ones
 * the probe states or sets itself). */
static const char *cred_text(const struct ucred *cred) {
    static char text[4][160];
    static int next;
    char *out = text[next++ % 4];
    char uid[32], gid[32];
    const char *pid = cred->pid == main_pid ? "main" : cred->pid == child_pid ? "child" : cred->pid == 0 ? "0" : "other";
    if (cred->uid == main_uid) snprintf(uid, sizeof uid, "main's");
    else snprintf(uid, sizeof uid, "%d", (int)cred->uid);
    if (cred->gid == main_gid) snprintf(gid, sizeof gid, "main's");
    else snprintf(gid, sizeof gid, "%d", (int)cred->gid);
    snprintf(out, sizeof text[0], "pid %s uid %s gid %s", pid, uid, gid);
    return out;
}

/* ---- sending with control messages ---- */

union control {
    struct cmsghdr align;
    char bytes[CMSG_SPACE(sizeof(int) * 16) + CMSG_SPACE(sizeof(struct ucred)) + 64];
};

/* sendmsg of TEXT with COUNT descriptors (none if 0) and, if CRED, stated credentials; to
 * TO (NULL: the peer). */
static ssize_t send_control(const char *label, int fd, const char *text, const int *fds, int count,
                            const struct ucred *cred, const char *to_label, struct dgram_name *to, int flags) {
    union control control;
    memset(&control, 0, sizeof control);
    struct iovec iov = {.iov_base = (void *)text, .iov_len = strlen(text)};
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.bytes,
                             .msg_controllen = sizeof control.bytes};
    size_t used = 0;
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
    char what[256] = "";
    if (count > 0) {
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)count);
        memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * (size_t)count);
        used += CMSG_SPACE(sizeof(int) * (size_t)count);
        cmsg = (struct cmsghdr *)(control.bytes + used);
        snprintf(what + strlen(what), sizeof what - strlen(what), " SCM_RIGHTS x%d", count);
    }
    if (cred != NULL) {
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_CREDENTIALS;
        cmsg->cmsg_len = CMSG_LEN(sizeof *cred);
        memcpy(CMSG_DATA(cmsg), cred, sizeof *cred);
        used += CMSG_SPACE(sizeof *cred);
        snprintf(what + strlen(what), sizeof what - strlen(what), " stating %s", cred_text(cred));
    }
    message.msg_controllen = used;
    if (used == 0) message.msg_control = NULL;
    if (to != NULL) {
        message.msg_name = dgram_sa(to);
        message.msg_namelen = to->length;
        snprintf(what + strlen(what), sizeof what - strlen(what), " to %s", to_label);
    }
    if (flags) snprintf(what + strlen(what), sizeof what - strlen(what), " %s", msg_flag_names(flags));
    int before = dgram_sigpipes;
    return dgram_said("sendmsg", label, text, what, sendmsg(fd, &message, flags), before);
}

static ssize_t send_fds(const char *label, int fd, const char *text, const int *fds, int count) {
    return send_control(label, fd, text, fds, count, NULL, NULL, NULL, 0);
}

static ssize_t send_stated(const char *label, int fd, const char *text, pid_t pid, uid_t uid, gid_t gid) {
    struct ucred cred = {.pid = pid, .uid = uid, .gid = gid};
    return send_control(label, fd, text, NULL, 0, &cred, NULL, NULL, 0);
}

/* ---- receiving with control messages ---- */

struct received {
    ssize_t result;
    int fds[16];
    int count;
};

static void close_received(struct received *r) {
    for (int i = 0; i < r->count; i++) close(r->fds[i]);
    r->count = 0;
}

/* recvmsg of up to SIZE bytes with CONTROLLEN bytes of control (0: msg_control NULL) and the
 * sender's address; prints data, flags, address and each control message. */
static void recv_control(struct received *r, const char *label, int fd, size_t size, size_t controllen, int flags) {
    union control control;
    char data[256], text[4 * sizeof data + 1];
    struct sockaddr_un from;
    if (size > sizeof data) size = sizeof data;
    memset(&control, 0, sizeof control);
    memset(&from, 0, sizeof from);
    memset(r, 0, sizeof *r);
    struct iovec iov = {.iov_base = data, .iov_len = size};
    struct msghdr message = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
                             .msg_control = controllen ? control.bytes : NULL, .msg_controllen = controllen};
    r->result = recvmsg(fd, &message, flags);
    if (r->result < 0) {
        say("  recvmsg %s %zu ctl %zu %s: -1 %s\n", label, size, controllen, msg_flag_names(flags), errno_name(errno));
        return;
    }
    escape_bytes(text, sizeof text, data, (size_t)r->result < size ? (size_t)r->result : size);
    say("  recvmsg %s %zu ctl %zu %s: %zd \"%s\" msg_flags %s controllen %zu from %s\n", label, size, controllen,
        msg_flag_names(flags), r->result, text, msg_flag_names(message.msg_flags), (size_t)message.msg_controllen,
        dgram_address_text(&from, message.msg_namelen, sizeof from));
    for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message); cmsg; cmsg = CMSG_NXTHDR(&message, cmsg)) {
        if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS) {
            int count = (int)((cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            say("    SCM_RIGHTS %d fds\n", count);
            for (int i = 0; i < count; i++) {
                int received;
                memcpy(&received, CMSG_DATA(cmsg) + sizeof(int) * (size_t)i, sizeof received);
                say("      fd[%d] %s\n", i, fd_text(received));
                if (r->count < (int)(sizeof r->fds / sizeof r->fds[0])) r->fds[r->count++] = received;
                else close(received);
            }
        } else if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_CREDENTIALS &&
                   cmsg->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
            struct ucred cred;
            memcpy(&cred, CMSG_DATA(cmsg), sizeof cred);
            say("    SCM_CREDENTIALS %s\n", cred_text(&cred));
        } else {
            say("    cmsg level %d type %d len %zu\n", cmsg->cmsg_level, cmsg->cmsg_type, (size_t)cmsg->cmsg_len);
        }
    }
}

static void recv_and_close(const char *label, int fd, size_t size, size_t controllen, int flags) {
    struct received r;
    recv_control(&r, label, fd, size, controllen, flags);
    close_received(&r);
}

static ssize_t write_text(const char *label, int fd, const char *text) {
    int before = dgram_sigpipes;
    return dgram_said("write", label, text, "", write(fd, text, strlen(text)), before);
}

static void make_pipe(int p[2]) {
    dgram_check("pipe", pipe2(p, O_CLOEXEC));
}

/* ---- SCM_RIGHTS ---- */

static void rights(void) {
    section("SCM_RIGHTS: a regular file");
    struct dgram_pair p;
    struct received r;
    dgram_pair_open(&p, "rights");
    int file = dgram_check("open", open(data_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    report("  write file \"contents of the file\"", write(file, "contents of the file", 20));
    report("  lseek file 0", lseek(file, 0, SEEK_SET));
    send_fds("a", p.a, "file", &file, 1);
    say("  close the file\n");
    close(file);
    recv_control(&r, "b", p.b, 64, sizeof(union control), 0);
    if (r.count == 1) dgram_read("received file", r.fds[0], 64);
    close_received(&r);

    section("SCM_RIGHTS: a pipe");
    int pipe_fds[2];
    make_pipe(pipe_fds);
    send_fds("a", p.a, "pipe write end", &pipe_fds[1], 1);
    close(pipe_fds[1]);
    recv_control(&r, "b", p.b, 64, sizeof(union control), 0);
    if (r.count == 1) write_text("received write end", r.fds[0], "through the pipe");
    dgram_read("pipe read end", pipe_fds[0], 64);
    close_received(&r);
    show_writers("pipe read end", pipe_fds[0]);
    close(pipe_fds[0]);

    section("SCM_RIGHTS: a stream socket");
    int stream[2];
    dgram_check("socketpair", socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, stream));
    send_fds("a", p.a, "stream end", &stream[1], 1);
    close(stream[1]);
    recv_control(&r, "b", p.b, 64, sizeof(union control), 0);
    if (r.count == 1) {
        int type = -1;
        socklen_t length = sizeof type;
        getsockopt(r.fds[0], SOL_SOCKET, SO_TYPE, &type, &length);
        say("  SO_TYPE received: %s\n", unix_type_name(type));
        write_text("received stream end", r.fds[0], "via the passed socket");
        dgram_read("stream end kept", stream[0], 64);
        write_text("stream end kept", stream[0], "back");
        dgram_read("received stream end", r.fds[0], 64);
    }
    close_received(&r);
    dgram_read("stream end kept, its peer closed", stream[0], 64);
    close(stream[0]);

    section("SCM_RIGHTS: several descriptors in one datagram, and a short buffer");
    file = dgram_check("open", open(data_path, O_RDONLY | O_CLOEXEC));
    make_pipe(pipe_fds);
    int three[3] = {file, pipe_fds[0], pipe_fds[1]};
    send_fds("a", p.a, "three descriptors", three, 3);
    /* The descriptors come with a truncated datagram (MSG_TRUNC): they belong to it, not to
     * the bytes read. */
    send_fds("a", p.a, "truncated", three, 3);
    close(file);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    recv_control(&r, "b", p.b, 64, sizeof(union control), 0);
    if (r.count == 3) {
        write_text("received pipe write end", r.fds[2], "x");
        dgram_read("received pipe read end", r.fds[1], 64);
    }
    close_received(&r);
    recv_and_close("b", p.b, 4, sizeof(union control), 0);

    section("SCM_RIGHTS: MSG_PEEK");
    int null = dgram_check("open", open("/dev/null", O_WRONLY | O_CLOEXEC));
    send_fds("a", p.a, "peeked", &null, 1);
    close(null);
    int before = open_fds();
    recv_and_close("b", p.b, 64, sizeof(union control), MSG_PEEK);
    recv_and_close("b", p.b, 64, sizeof(union control), 0);
    say("  open descriptors as before: %s\n", open_fds() == before ? "yes" : "no");
    dgram_pair_close(&p);

    if (!skipped_for_pair("SCM_RIGHTS to a receiver by name", "socketpair ends have no names")) {
        struct dgram_name r_name = dgram_name("rights-r");
        int receiver = dgram_bound(&r_name);
        int u = dgram_socket();
        make_pipe(pipe_fds);
        send_control("unbound u", u, "by name", &pipe_fds[1], 1, NULL, "r", &r_name, 0);
        close(pipe_fds[1]);
        recv_and_close("r", receiver, 64, sizeof(union control), 0);
        show_writers("pipe read end", pipe_fds[0]);
        close(pipe_fds[0]);
        close(u);
        close(receiver);
    }
}

/* Sends a pipe's write end in a datagram, closes the sender's copy and lets DISCARD take the
 * datagram; then shows whether the write end survived and whether descriptors leaked. */
static void discard_round(struct dgram_pair *p, const char *how, void (*discard)(int fd)) {
    int pipe_fds[2];
    make_pipe(pipe_fds);
    send_fds("a", p->a, how, &pipe_fds[1], 1);
    close(pipe_fds[1]);
    show_writers("pipe read end", pipe_fds[0]);
    int before = open_fds();
    discard(p->b);
    say("  open descriptors as before: %s\n", open_fds() == before ? "yes" : "no");
    show_writers("pipe read end", pipe_fds[0]);
    close(pipe_fds[0]);
}

static void discard_read(int fd) {
    dgram_read("b", fd, 64);
}

static void discard_recv(int fd) {
    char buffer[64];
    report("  recv b 64", recv(fd, buffer, sizeof buffer, 0));
}

static void discard_recvmsg(int fd) {
    recv_and_close("b", fd, 64, 0, 0);
}

static void discard_recvmsg_ctrunc(int fd) {
    recv_and_close("b", fd, 64, 8, 0);
}

static void discarded(void) {
    /* A receive without room for the descriptors closes them (net/core/scm.c: scm_recv,
     * scm_detach_fds): the datagram is gone with them, MSG_CTRUNC says so. */
    section("SCM_RIGHTS discarded by read, recv, recvmsg without control");
    struct dgram_pair p;
    dgram_pair_open(&p, "discard");
    discard_round(&p, "for read", discard_read);
    discard_round(&p, "for recv", discard_recv);
    discard_round(&p, "for recvmsg", discard_recvmsg);
    discard_round(&p, "for a short control buffer", discard_recvmsg_ctrunc);

    /* CMSG_SPACE(sizeof(int)) leaves room for two ints after the header: two descriptors
     * arrive, the third is closed (scm_detach_fds). */
    section("MSG_CTRUNC: three descriptors, control room CMSG_SPACE(sizeof(int))");
    int pipe_fds[2];
    make_pipe(pipe_fds);
    int null = dgram_check("open", open("/dev/null", O_RDONLY | O_CLOEXEC));
    int three[3] = {null, null, pipe_fds[1]};
    send_fds("a", p.a, "three", three, 3);
    close(pipe_fds[1]);
    close(null);
    recv_and_close("b", p.b, 64, CMSG_SPACE(sizeof(int)), 0);
    show_writers("pipe read end", pipe_fds[0]);
    close(pipe_fds[0]);

    section("SCM_RIGHTS in a datagram never received");
    make_pipe(pipe_fds);
    send_fds("a", p.a, "unread", &pipe_fds[1], 1);
    close(pipe_fds[1]);
    show_writers("pipe read end", pipe_fds[0]);
    say("  close b with the datagram unread\n");
    close(p.b);
    p.b = -1;
    show_writers("pipe read end", pipe_fds[0]);
    close(pipe_fds[0]);
    dgram_pair_close(&p);
}

/* ---- SCM_CREDENTIALS ---- */

static void passcred(const char *label, int fd, int value) {
    dgram_set_int(label, fd, SO_PASSCRED, "SO_PASSCRED", value);
}

static int gate[2];

static pid_t start_idle_child(void) {
    dgram_check("pipe", pipe2(gate, O_CLOEXEC));
    pid_t pid = fork();
    if (pid < 0) {
        say("setup fork: -1 %s\n", errno_name(errno));
        exit(1);
    }
    if (pid == 0) {
        close(gate[1]);
        char byte;
        while (read(gate[0], &byte, 1) < 0 && errno == EINTR) {}
        _exit(0);
    }
    close(gate[0]);
    return pid;
}

static void finish_child(pid_t pid) {
    int status = 0;
    if (waitpid(pid, &status, 0) < 0) say("  waitpid: -1 %s\n", errno_name(errno));
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) say("  the child ended abnormally\n");
}

static void unprivileged_child(int fd) {
    /* Without CAP_SYS_ADMIN the pid must be the sender's own, without CAP_SETUID/CAP_SETGID
     * the ids must be its real, effective or saved ones (net/core/scm.c: scm_check_creds). */
    if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 || setresuid(NOBODY, NOBODY, NOBODY) < 0) {
        say("  child: setresuid: -1 %s\n", errno_name(errno));
        _exit(3);
    }
    say("  child: uid and gid now %d\n", NOBODY);
    pid_t self = getpid();
    dgram_send("child: a", fd, "unstated", 0);
    send_stated("child: a", fd, "own", self, NOBODY, NOBODY);
    send_stated("child: a", fd, "uid 0", self, 0, NOBODY);
    send_stated("child: a", fd, "gid 0", self, NOBODY, 0);
    send_stated("child: a", fd, "main's pid", main_pid, NOBODY, NOBODY);
}

static void credentials(void) {
    /* unix(7): a receiver with SO_PASSCRED gets SCM_CREDENTIALS with every datagram: the
     * sender's pid, uid and gid as the kernel takes them at send time (scm_send), or as
     * the sender stated them if the kernel accepts them (scm_check_creds). */
    section("SCM_CREDENTIALS filled in by the kernel");
    struct dgram_pair p;
    dgram_pair_open(&p, "creds");
    passcred("b", p.b, 1);
    dgram_send("a", p.a, "plain", 0);
    recv_and_close("b", p.b, 64, sizeof(union control), 0);
    pid_t child = fork();
    if (child == 0) {
        child_pid = getpid();
        dgram_send("child: a", p.a, "from a child", 0);
        _exit(0);
    }
    child_pid = child;
    finish_child(child);
    recv_and_close("b", p.b, 64, sizeof(union control), 0);
    int null = dgram_check("open", open("/dev/null", O_RDONLY | O_CLOEXEC));
    send_fds("a", p.a, "with a descriptor", &null, 1);
    close(null);
    recv_and_close("b", p.b, 64, sizeof(union control), 0);
    /* A control buffer too short for the credentials gets what fits of the message, and
     * MSG_CTRUNC (net/core/scm.c: put_cmsg). */
    dgram_send("a", p.a, "short control", 0);
    recv_and_close("b", p.b, 64, CMSG_LEN(sizeof(struct ucred)) - 4, 0);
    dgram_send("a", p.a, "peeked", 0);
    recv_and_close("b", p.b, 64, sizeof(union control), MSG_PEEK);
    recv_and_close("b", p.b, 64, sizeof(union control), 0);

    section("SCM_CREDENTIALS stated by the sender");
    send_stated("a", p.a, "own, stated", main_pid, getuid(), getgid());
    recv_and_close("b", p.b, 64, sizeof(union control), 0);
    if (need_root()) {
        child_pid = start_idle_child();
        send_stated("a", p.a, "the child's pid, uid 1234, gid 5678", child_pid, 1234, 5678);
        recv_and_close("b", p.b, 64, sizeof(union control), 0);
        send_stated("a", p.a, "no such pid", INT_MAX, getuid(), getgid());
        send_stated("a", p.a, "uid -1", main_pid, (uid_t)-1, getgid());
        close(gate[1]);
        finish_child(child_pid);
        recv_and_close("b", p.b, 64, sizeof(union control), MSG_DONTWAIT);

        say("-- stated by a child with uid and gid %d\n", NOBODY);
        child = fork();
        if (child == 0) {
            child_pid = getpid();
            unprivileged_child(p.a);
            _exit(0);
        }
        child_pid = child;
        finish_child(child);
        for (int i = 0; i < 6; i++) {
            struct received r;
            recv_control(&r, "b", p.b, 64, sizeof(union control), MSG_DONTWAIT);
            close_received(&r);
            if (r.result < 0) break;
        }
    }

    section("SCM_CREDENTIALS without SO_PASSCRED on the receiver");
    passcred("b", p.b, 0);
    dgram_send("a", p.a, "plain", 0);
    recv_and_close("b", p.b, 64, sizeof(union control), 0);
    send_stated("a", p.a, "stated", main_pid, getuid(), getgid());
    recv_and_close("b", p.b, 64, sizeof(union control), 0);
    dgram_pair_close(&p);

    section("SO_PASSCRED on the sender only");
    dgram_pair_open(&p, "creds");
    if (!dgram_named()) dgram_show_name("a", p.a, 0);
    passcred("a", p.a, 1);
    dgram_send("a", p.a, "sender only", 0);
    recv_and_close("b", p.b, 64, sizeof(union control), 0);
    /* An unnamed sender with SO_PASSCRED is autobound by its send (unix_dgram_sendmsg). */
    dgram_show_name("a", p.a, 0);
    dgram_pair_close(&p);

    if (!skipped_for_pair("SCM_CREDENTIALS from unbound senders by name", "socketpair ends have no names")) {
        struct dgram_name r_name = dgram_name("creds-r");
        int receiver = dgram_bound(&r_name);
        passcred("r", receiver, 1);
        int u = dgram_socket();
        send_control("unbound u", u, "by name", NULL, 0, NULL, "r", &r_name, 0);
        recv_and_close("r", receiver, 64, sizeof(union control), 0);
        int v = dgram_socket();
        passcred("v", v, 1);
        send_control("unbound v", v, "by name, SO_PASSCRED", NULL, 0, NULL, "r", &r_name, 0);
        recv_and_close("r", receiver, 64, sizeof(union control), 0);
        dgram_show_name("v", v, 0);
        close(v);
        close(u);
        close(receiver);
    }
    child_pid = -1;
}

/* ---- shutdown ---- */

static void timed_recv(const char *label, int fd) {
    struct timeval timeout = {.tv_sec = 0, .tv_usec = TIMEOUT_MS * 1000};
    dgram_check("setsockopt(SO_RCVTIMEO)", setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout));
    char buffer[64];
    long long start = monotonic_ms();
    ssize_t result = recv(fd, buffer, sizeof buffer, 0);
    int error = errno;
    long long elapsed = monotonic_ms() - start;
    if (result < 0) say("  recv %s 64 (blocking, SO_RCVTIMEO %d ms): -1 %s, waited the timeout %s\n", label, TIMEOUT_MS,
                        errno_name(error), waited_for(elapsed, TIMEOUT_MS) ? "yes" : "no");
    else say("  recv %s 64 (blocking, SO_RCVTIMEO %d ms): %zd, at once %s\n", label, TIMEOUT_MS, result,
             elapsed < TIMEOUT_MS ? "yes" : "no");
    timeout.tv_usec = 0;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
}

static void shutdowns(void) {
    /* net/unix/af_unix.c: unix_shutdown marks only the calling socket for a datagram socket
     * (the peer is told for stream and seqpacket alone). unix_dgram_sendmsg fails with EPIPE
     * after SHUT_WR (sock_alloc_send_pskb) and towards a receiver shut down for reading, and
     * never raises SIGPIPE (unix_stream_sendmsg alone does). A receive after SHUT_RD returns
     * what is queued, then 0 where it would block (__skb_wait_for_more_packets) and EAGAIN
     * where it may not. unix_dgram_poll reports the shutdown bits. */
    section("shutdown(SHUT_WR)");
    struct dgram_pair p;
    dgram_pair_open(&p, "shutdown");
    report("  shutdown a SHUT_WR", shutdown(p.a, SHUT_WR));
    dgram_show_poll("a", p.a);
    dgram_show_poll("b", p.b);
    dgram_send("a", p.a, "after SHUT_WR", 0);
    dgram_send("a", p.a, "after SHUT_WR", MSG_NOSIGNAL);
    report("  write a \"after SHUT_WR\"", write(p.a, "after SHUT_WR", 13));
    if (dgram_named()) dgram_sendto("a", p.a, "by name after SHUT_WR", "b", &p.b_name, 0);
    dgram_send("b", p.b, "to a", 0);
    dgram_recvfrom("a", p.a, 64, MSG_DONTWAIT);
    dgram_recvfrom("b", p.b, 64, MSG_DONTWAIT);
    dgram_pair_close(&p);

    section("shutdown(SHUT_RD)");
    dgram_pair_open(&p, "shutdown");
    dgram_send("a", p.a, "queued before", 0);
    report("  shutdown b SHUT_RD", shutdown(p.b, SHUT_RD));
    dgram_show_poll("a", p.a);
    dgram_show_poll("b", p.b);
    dgram_recvfrom("b", p.b, 64, MSG_DONTWAIT);
    dgram_recvfrom("b", p.b, 64, MSG_DONTWAIT);
    timed_recv("b", p.b);
    dgram_send("a", p.a, "sent after", 0);
    dgram_show_poll("b", p.b);
    dgram_recvfrom("b", p.b, 64, MSG_DONTWAIT);
    dgram_send("b", p.b, "from b", 0);
    dgram_recvfrom("a", p.a, 64, MSG_DONTWAIT);
    dgram_pair_close(&p);

    section("shutdown(SHUT_RDWR)");
    dgram_pair_open(&p, "shutdown");
    report("  shutdown a SHUT_RDWR", shutdown(p.a, SHUT_RDWR));
    dgram_show_poll("a", p.a);
    dgram_show_poll("b", p.b);
    dgram_send("a", p.a, "after SHUT_RDWR", MSG_NOSIGNAL);
    dgram_send("b", p.b, "to a", 0);
    dgram_show_poll("a", p.a);
    dgram_recvfrom("a", p.a, 64, MSG_DONTWAIT);
    dgram_recvfrom("a", p.a, 64, MSG_DONTWAIT);
    timed_recv("a", p.a);
    report("  shutdown a 3", shutdown(p.a, 3));
    report("  shutdown a -1", shutdown(p.a, -1));
    dgram_pair_close(&p);

    section("shutdown of a socket without a peer");
    int fd = dgram_socket();
    report("  shutdown fresh SHUT_RDWR", shutdown(fd, SHUT_RDWR));
    dgram_show_poll("fresh", fd);
    close(fd);
}

/* ---- names released with the last descriptor ---- */

static void show_file(const char *label, struct dgram_name *name) {
    struct stat st;
    if (lstat(name->address.sun_path, &st) < 0) say("  file %s: %s\n", label, errno == ENOENT ? "absent" : errno_name(errno));
    else say("  file %s: %s\n", label, S_ISSOCK(st.st_mode) ? "socket" : "not a socket");
}

static void names_released(void) {
    if (skipped_for_pair("names released with the last descriptor", "socketpair ends have no names")) return;
    /* unix_release_sock removes the socket from the abstract namespace; a path name is a file
     * that stays until unlinked, and unix_find_bsd finds no socket behind it (ECONNREFUSED). */
    struct dgram_name name = dgram_name("release");
    int u = dgram_socket();
    int s = dgram_bound(&name);
    int copy = dup(s);
    say("  close s, a dup still open\n");
    close(s);
    int other = dgram_socket();
    report("  bind other to the name", bind(other, dgram_sa(&name), name.length));
    dgram_sendto("u", u, "to the dup", "the name", &name, 0);
    dgram_recvfrom("the dup", copy, 64, 0);
    say("  close the dup\n");
    close(copy);
    if (dgram_kind->naming == UNIX_PATH) show_file("release", &name);
    dgram_sendto("u", u, "x", "the name", &name, 0);
    report("  connect u to the name", connect(u, dgram_sa(&name), name.length));
    report("  bind other to the name", bind(other, dgram_sa(&name), name.length));
    if (dgram_kind->naming == UNIX_PATH) {
        report("  unlink the name", unlink(name.address.sun_path));
        report("  bind other to the name", bind(other, dgram_sa(&name), name.length));
    }
    dgram_sendto("u", u, "to other", "the name", &name, 0);
    dgram_recvfrom("other", other, 64, 0);
    close(other);

    section("a named socket in flight keeps its name");
    struct dgram_pair p;
    dgram_pair_open(&p, "flight");
    struct dgram_name flight = dgram_name("flight");
    s = dgram_bound(&flight);
    send_fds("a", p.a, "a named socket", &s, 1);
    say("  close s (its only other reference is in flight)\n");
    close(s);
    other = dgram_socket();
    report("  bind other to s's name", bind(other, dgram_sa(&flight), flight.length));
    dgram_sendto("u", u, "to s in flight", "s's name", &flight, 0);
    dgram_read("b (discards the socket)", p.b, 64);
    dgram_sendto("u", u, "after the discard", "s's name", &flight, 0);
    if (dgram_kind->naming == UNIX_PATH) {
        show_file("flight", &flight);
        report("  bind other to s's name", bind(other, dgram_sa(&flight), flight.length));
        report("  unlink s's name", unlink(flight.address.sun_path));
    }
    report("  bind other to s's name", bind(other, dgram_sa(&flight), flight.length));
    close(other);
    dgram_pair_close(&p);
    close(u);
}

int main(int argc, char **argv) {
    dgram_kind_from_args(PROBE, argc, argv);
    /* A hung probe should fail, not wedge the suite. */
    alarm(30);
    dgram_count_sigpipe();
    main_pid = getpid();
    main_uid = getuid();
    main_gid = getgid();
    snprintf(data_path, sizeof data_path, "%s-%s.data", PROBE, dgram_kind->name);
    unlink(data_path);
    say("%s %s\n", PROBE, dgram_kind->name);
    rights();
    discarded();
    credentials();
    shutdowns();
    names_released();
    unlink(data_path);
    dgram_remove_names();
    say("SIGPIPE total %d\n", (int)dgram_sigpipes);
    say("done\n");
    return 0;
}
