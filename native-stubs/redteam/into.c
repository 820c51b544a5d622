/*
 * Routes 4 and 5 of issue 15: reaching into another process of the same uid.
 *
 *   into tracer                       jvisor itself (TracerPid of /proc/self/status)
 *   into PID WITNESS_DIR TOKEN        a host process (the witness), whose sockets are then used
 *
 * Tries, and prints the answer of each (an errno name, or the count that succeeded):
 * PTRACE_SEIZE and PTRACE_ATTACH (each undone at once: detach, and SIGCONT for the stop
 * that PTRACE_ATTACH sends); pidfd_open and pidfd_getfd of every descriptor number below
 * 1024; opening /proc/PID/mem for writing, and writing back bytes just read there;
 * process_vm_readv and process_vm_writev (again the bytes just read: the target's state
 * is never changed). Against the witness, every copied socket is then used: one byte
 * written (the witness's socketpair counts it), and a datagram sent to the witness's
 * datagram sockets. Each success is an arrival ("successes N"); the witness counts the
 * bytes and datagrams itself.
 */
#include "redteam.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

static long attempts, successes;

static void attempt(const char *what, long result, int error) {
    attempts++;
    if (result >= 0) successes++;
    say("%s: %s\n", what, result >= 0 ? "SUCCEEDED" : errno_name(error));
}

/* The start of the first mapping of /proc/PID/maps with permissions PERMS ("r--p", "rw-p"); 0 if none. */
static uintptr_t mapping(long pid, const char *perms, uintptr_t *end) {
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%ld/maps", pid);
    FILE *maps = fopen(path, "r");
    if (maps == NULL) return 0;
    uintptr_t found = 0;
    while (fgets(line, sizeof line, maps) != NULL) {
        unsigned long start, stop;
        char p[8];
        if (sscanf(line, "%lx-%lx %7s", &start, &stop, p) == 3 && strcmp(p, perms) == 0) {
            found = start;
            *end = stop;
            break;
        }
    }
    fclose(maps);
    return found;
}

/* The Tgid of /proc/TID/status: the process of thread TID (TID itself if unreadable). */
static long thread_group(long tid) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", tid);
    FILE *status = fopen(path, "r");
    long tgid = tid;
    if (status == NULL) return tid;
    while (fgets(line, sizeof line, status) != NULL) {
        if (sscanf(line, "Tgid: %ld", &tgid) == 1) break;
    }
    fclose(status);
    return tgid;
}

int main(int argc, char **argv) {
    if (argc != 2 && argc != 4) {
        fprintf(stderr, "usage: into tracer | into PID WITNESS_DIR TOKEN\n");
        return 2;
    }
    int witness = argc == 4;
    long pid = strcmp(argv[1], "tracer") == 0 ? rt_tracer_pid() : atol(argv[1]);
    if (pid <= 0) {
        say("target: none (not traced)\n");
        say("attempts 0\nsuccesses 0\n");
        return 0;
    }
    say("target: %s\n", witness ? "witness" : "tracer");
    /* TracerPid names the tracing thread; pidfd_open and /proc/PID/mem want its process. */
    long thread = pid;
    pid = thread_group(thread);

    /* Under jvisor the target may be this process's own tracer: while it is stopped, a
     * signal for this process (the SIGCHLD of that very stop) would wait for it forever in
     * a signal-delivery stop. Blocked, SIGCHLD stays pending and is never delivered. */
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    int status;
    errno = 0;
    long seized = ptrace(PTRACE_SEIZE, thread, 0, 0);
    attempt("PTRACE_SEIZE", seized, errno);
    if (seized == 0) {
        /* A seized thread is detached only from a stop. */
        ptrace(PTRACE_INTERRUPT, thread, 0, 0);
        waitpid((pid_t)thread, &status, __WALL);
        ptrace(PTRACE_DETACH, thread, 0, 0);
    }
    errno = 0;
    long attached = ptrace(PTRACE_ATTACH, thread, 0, 0);
    attempt("PTRACE_ATTACH", attached, errno);
    if (attached == 0) {
        waitpid((pid_t)thread, &status, __WALL);
        ptrace(PTRACE_DETACH, thread, 0, 0);
        kill((pid_t)pid, SIGCONT);
    }

    /* pidfd_open gives no access of its own (any process may open a pidfd of any other): it
     * is the way to pidfd_getfd, not an attempt. */
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    say("pidfd_open: %s\n", pidfd >= 0 ? "opened" : errno_name(errno));
    long copies = 0, written = 0, sent = 0;
    int last_error = 0;
    struct rt_addr targets[2];
    if (witness) {
        targets[0] = rt_witness_path(argv[2], 'd');
        targets[1] = rt_witness_abstract_short(argv[3], 'd');
    }
    for (int number = 0; pidfd >= 0 && number < 1024; number++) {
        int fd = (int)syscall(SYS_pidfd_getfd, pidfd, number, 0);
        if (fd < 0) {
            if (errno != EBADF) last_error = errno;
            continue;
        }
        copies++;
        struct stat st;
        if (witness && fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)) {
            char byte = 's';
            if (send(fd, &byte, 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1) written++;
            for (int t = 0; t < 2; t++) {
                if (sendto(fd, &byte, 1, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&targets[t].sun,
                           targets[t].length) == 1) sent++;
            }
        }
        close(fd);
    }
    attempts++;
    successes += copies;
    say("pidfd_getfd: %ld copies (%s)\n", copies, copies > 0 ? "SUCCEEDED" : errno_name(last_error));
    if (witness) say("through stolen sockets: %ld bytes written, %ld datagrams sent\n", written, sent);

    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/mem", pid);
    int mem = open(path, O_RDWR | O_CLOEXEC);
    attempt("open /proc/PID/mem O_RDWR", mem, errno);
    uintptr_t end = 0, header = mapping(pid, "r--p", &end);
    if (mem >= 0 && header != 0) {
        unsigned char bytes[8];
        long result = pread(mem, bytes, sizeof bytes, (off_t)header) == sizeof bytes
                              ? pwrite(mem, bytes, sizeof bytes, (off_t)header)
                              : -1;
        attempt("write /proc/PID/mem", result, errno);
    }
    if (mem >= 0) close(mem);

    /* process_vm_*: the last 8 bytes of the first writable mapping (the executable's data). */
    uintptr_t data_end = 0, data = mapping(pid, "rw-p", &data_end);
    unsigned char bytes[8];
    struct iovec local = {.iov_base = bytes, .iov_len = sizeof bytes};
    struct iovec remote = {.iov_base = (void *)(data != 0 ? data_end - 8 : header), .iov_len = sizeof bytes};
    errno = 0;
    long read_result = remote.iov_base == NULL ? -1 : process_vm_readv((pid_t)pid, &local, 1, &remote, 1, 0);
    attempt("process_vm_readv", read_result, remote.iov_base == NULL ? EACCES : errno);
    if (read_result == sizeof bytes && data != 0) {
        attempt("process_vm_writev", process_vm_writev((pid_t)pid, &local, 1, &remote, 1, 0), errno);
    } else {
        errno = 0;
        long write_result = process_vm_writev((pid_t)pid, &local, 1, &remote, 1, 0);
        attempt("process_vm_writev", write_result, errno);
    }
    say("attempts %ld\nsuccesses %ld\n", attempts, successes);
    return 0;
}
