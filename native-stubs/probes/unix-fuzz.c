/*
 * A differential fuzzer of the trapped AF_UNIX calls: from a seed, ITERATIONS random calls,
 * one at a time, each printed as one transcript line (the call, its arguments, its result and
 * what it wrote back) that is the same in every run of the same seed on the same kernel, so
 * that a run under jvisor can be compared with a native run byte for byte.
 *
 *   unix-fuzz SEED ITERATIONS [--pause]
 *
 * With --pause it prints "ready" and waits for a line on stdin before the calls, and "done"
 * and waits again after them, so that a test can count the sandbox's own descriptors at both
 * points.
 *
 * The calls: socket, socketpair, bind, connect, listen, accept, accept4, getsockname,
 * getpeername, getsockopt, setsockopt, shutdown, sendto, recvfrom, sendmsg, recvmsg,
 * sendmmsg and recvmmsg (every call the launcher's filter traps or that names, resolves or
 * reports an AF_UNIX address), made with the raw syscall so that every argument is exactly
 * the one chosen, on stream, seqpacket and datagram sockets, pipes, a regular file,
 * /dev/null, closed, negative and huge descriptors, and descriptors with bits above 32 set
 * (the kernel takes the low 32 bits of an int argument).
 *
 * What keeps the transcript deterministic:
 * - Descriptors print as slots of the fuzzer's table ("fd#k"), never as numbers; the table
 *   is bounded (the oldest socket is closed when it is full). Slots 0-3 are a pipe's ends, a
 *   regular file and /dev/null.
 * - Pointers print by kind: "NULL", "unmapped", "kernel", "read-only", "edge(n)" (n bytes
 *   before an unmapped page), "valid N". Every buffer that a length may overrun ends at an
 *   unmapped page, so no byte outside the fuzzer's own patterns is ever sent or read.
 * - Autobind names print as "autobind#k", numbered by first appearance; process ids as
 *   "self", "0", "1" or "other"; cookies, memory figures, CPUs and timestamps not at all.
 * - Every socket is nonblocking (O_NONBLOCK is set on each socket the fuzzer gets), so no
 *   call waits, and SIGPIPE is ignored.
 * - The kernel's garbage collector of descriptors in flight runs asynchronously: a cycle of
 *   sockets that only reference each other through queued SCM_RIGHTS messages lives (its
 *   names bound, its peers connected) for a time that varies natively from run to run. So
 *   every socket whose descriptor the fuzzer puts in an SCM_RIGHTS message is first pinned
 *   (a dup kept until the end): no socket in flight is ever unreachable, and no cycle is
 *   ever garbage. When the pin list is full, only pinned sockets are sent.
 */
#include "probe.h"

/* Transcript lines are cut short deliberately when an argument list is very long. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <stddef.h>
#include <time.h>

#ifndef SCM_MAX_FD
#define SCM_MAX_FD 253
#endif
#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04
#endif
#ifndef SCM_SECURITY
#define SCM_SECURITY 0x03
#endif

#define PAGE 4096L

/* ---- the random stream: xorshift64*, nothing else decides ---- */

static uint64_t state;

static uint64_t next64(void) {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545F4914F6CDD1DULL;
}

/* A number in [0, n). */
static long below(long n) {
    return n <= 0 ? 0 : (long)(next64() % (uint64_t)n);
}

static int chance(int percent) {
    return below(100) < percent;
}

#define PICK(array) (array)[below((long)(sizeof(array) / sizeof((array)[0])))]

/* ---- memory: regions that end at an unmapped page ---- */

#define SEND_SIZE (512 * 1024L)
#define RECV_SIZE (512 * 1024L)
#define WORK_SIZE (256 * 1024L)

static unsigned char *send_area; /* SEND_SIZE bytes of a fixed pattern, an unmapped page after */
static unsigned char *recv_area; /* RECV_SIZE bytes, an unmapped page after */
static unsigned char *work_area; /* WORK_SIZE bytes for headers and names, an unmapped page after */
static unsigned char *read_only; /* a read-only page holding a valid abstract address and an int */
/* SEND_SIZE read-only bytes of the send area's pattern, an unmapped page after: a send of
 * any length from it reads only the pattern (a single page let long sends run into the next
 * mapping, the read_only page with the run's token in it). */
static unsigned char *read_only_data;
static size_t work_used;

static void *volatile kernel_pointer = (void *)0xffff800000001000UL;

/* count bytes of memory, then an unmapped page; returns the start. */
static unsigned char *guarded(size_t count) {
    unsigned char *pages = mmap(NULL, count + PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED) {
        perror("mmap");
        exit(2);
    }
    munmap(pages + count, PAGE);
    return pages;
}

static unsigned char *unmapped(void) {
    return work_area + WORK_SIZE;
}

/* A fresh work area for one call: zeroed where it was used. */
static void work_reset(void) {
    memset(work_area, 0, work_used);
    work_used = 0;
}

/* size bytes of zeroed work memory, 16-aligned. */
static void *work(size_t size) {
    size_t at = (work_used + 15) & ~(size_t)15;
    if (at + size > WORK_SIZE - 8192) {
        fprintf(stderr, "work area exhausted\n");
        exit(2);
    }
    work_used = at + size;
    return work_area + at;
}

/* The last n bytes before the work area's unmapped page (zeroed by the caller's use). */
static unsigned char *work_edge(size_t n) {
    memset(work_area + WORK_SIZE - 8192, 0, 8192);
    return work_area + WORK_SIZE - n;
}

/* ---- the descriptor table ---- */

enum kind { K_NONE, K_PIPE_R, K_PIPE_W, K_FILE, K_NULL, K_STREAM, K_SEQPACKET, K_DGRAM };
static const char *const kind_names[] = {"none", "pipe-r", "pipe-w", "file", "/dev/null", "stream", "seqpacket", "dgram"};

#define FIXED 4
#define SLOTS 16
#define PINS 64

struct slot {
    int fd;
    enum kind kind;
    unsigned long age;
    dev_t dev;
    ino_t ino;
};

static struct slot slots[SLOTS];
static struct slot pins[PINS];
static int pin_count;
static unsigned long ages;
static int last_closed = -1;
static long seed;
static char tag[48];       /* "fz<seed>x<token>": in every name the fuzzer binds */
static char short_tag[32]; /* "fz<seed>": how the transcript names them */
static char token[9];      /* eight hex digits, different in every run; see mask_token() */
static int dgram_passes_credentials; /* see send_length() */

static void identify(struct slot *slot) {
    struct stat st;
    if (fstat(slot->fd, &st) == 0) {
        slot->dev = st.st_dev;
        slot->ino = st.st_ino;
    }
}

static enum kind socket_kind(int type) {
    switch (type) {
    case SOCK_STREAM: return K_STREAM;
    case SOCK_SEQPACKET: return K_SEQPACKET;
    case SOCK_DGRAM: return K_DGRAM;
    default: return K_NONE;
    }
}

static void close_slot(int k, const char *why) {
    if (slots[k].kind == K_NONE) return;
    close(slots[k].fd);
    last_closed = slots[k].fd;
    say("  close fd#%d (%s)\n", k, why);
    slots[k] = (struct slot){.fd = -1, .kind = K_NONE};
}

/* Puts a socket the fuzzer got into the table (made nonblocking); returns its slot. */
static int add_socket(int fd, enum kind kind) {
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0 && !(flags & O_NONBLOCK)) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    int free_slot = -1, oldest = -1;
    for (int k = FIXED; k < SLOTS; k++) {
        if (slots[k].kind == K_NONE) {
            if (free_slot < 0) free_slot = k;
        } else if (oldest < 0 || slots[k].age < slots[oldest].age) {
            oldest = k;
        }
    }
    if (free_slot < 0) {
        close_slot(oldest, "table full");
        free_slot = oldest;
    }
    slots[free_slot] = (struct slot){.fd = fd, .kind = kind, .age = ++ages};
    identify(&slots[free_slot]);
    return free_slot;
}

static int open_sockets(void) {
    int n = 0;
    for (int k = FIXED; k < SLOTS; k++) n += slots[k].kind != K_NONE;
    return n;
}

/* A random open socket slot, or -1. */
static int random_socket(void) {
    int open[SLOTS], n = 0;
    for (int k = FIXED; k < SLOTS; k++)
        if (slots[k].kind != K_NONE) open[n++] = k;
    return n == 0 ? -1 : open[below(n)];
}

/* The slot, or pin, holding the same file as fd: "fd#k", "pin#k", or NULL. */
static const char *known_as(int fd, enum kind *kind) {
    static char name[32];
    struct stat st;
    if (fstat(fd, &st) != 0) return NULL;
    for (int k = 0; k < SLOTS; k++) {
        if (slots[k].kind != K_NONE && slots[k].ino == st.st_ino && slots[k].dev == st.st_dev) {
            snprintf(name, sizeof name, "fd#%d", k);
            if (kind) *kind = slots[k].kind;
            return name;
        }
    }
    for (int k = 0; k < pin_count; k++) {
        if (pins[k].ino == st.st_ino && pins[k].dev == st.st_dev) {
            snprintf(name, sizeof name, "pin#%d", k);
            if (kind) *kind = pins[k].kind;
            return name;
        }
    }
    return NULL;
}

/*
 * A descriptor argument and its description. Mostly an open socket; else a pipe end, the
 * file, /dev/null, a closed descriptor, -1, INT_MIN, a huge one, or an open one with bits
 * above 32 set (the kernel's int argument drops them).
 */
static long pick_fd(char *out, size_t size, int *slot_out) {
    long r = below(100);
    int k;
    if (slot_out) *slot_out = -1;
    if (r < 72 && (k = random_socket()) >= 0) {
        snprintf(out, size, "fd#%d", k);
        if (slot_out) *slot_out = k;
        return slots[k].fd;
    }
    if (r < 82) {
        k = (int)below(FIXED);
        snprintf(out, size, "fd#%d", k);
        if (slot_out) *slot_out = k;
        return slots[k].fd;
    }
    if (r < 87) {
        int fd = last_closed >= 0 && fcntl(last_closed, F_GETFD) < 0 ? last_closed : 1000;
        snprintf(out, size, "closed");
        return fd;
    }
    if (r < 90) {
        snprintf(out, size, "-1");
        return -1;
    }
    if (r < 91) {
        snprintf(out, size, "INT_MIN");
        return INT_MIN;
    }
    if (r < 93) {
        snprintf(out, size, "1<<20");
        return 1 << 20;
    }
    if (r < 94) {
        snprintf(out, size, "INT_MAX");
        return INT_MAX;
    }
    k = random_socket();
    if (k < 0) k = (int)below(FIXED);
    snprintf(out, size, "fd#%d+2^32", k);
    if (slot_out) *slot_out = k;
    return (long)((1UL << 32) | (unsigned)slots[k].fd);
}

/* ---- names ---- */


/* The address bytes the fuzzer binds and connects to, with their natural length. */
static size_t make_name(unsigned char *out, char *what, size_t what_size) {
    struct sockaddr_un *un = (struct sockaddr_un *)out;
    un->sun_family = AF_UNIX;
    long r = below(100);
    if (r < 38) {
        long k = below(4);
        snprintf(un->sun_path, sizeof un->sun_path, "%s-p%ld", tag, k);
        snprintf(what, what_size, "path %s-p%ld", short_tag, k);
        return offsetof(struct sockaddr_un, sun_path) + strlen(un->sun_path) + 1;
    }
    if (r < 76) {
        long k = below(4);
        int n = snprintf(un->sun_path + 1, sizeof un->sun_path - 1, "%s-a%ld", tag, k);
        snprintf(what, what_size, "abstract %s-a%ld", short_tag, k);
        return offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n;
    }
    if (r < 84) {
        snprintf(what, what_size, "autobind");
        return sizeof(sa_family_t);
    }
    if (r < 86) {
        memset(un->sun_path, 'L', sizeof un->sun_path);
        memcpy(un->sun_path, tag, strlen(tag));
        snprintf(what, what_size, "108-byte path");
        return sizeof *un;
    }
    if (r < 88) {
        snprintf(un->sun_path, sizeof un->sun_path, "%s-nodir/x", tag);
        snprintf(what, what_size, "path in no directory");
        return offsetof(struct sockaddr_un, sun_path) + strlen(un->sun_path) + 1;
    }
    if (r < 91) {
        snprintf(un->sun_path, sizeof un->sun_path, "%s-file", tag);
        snprintf(what, what_size, "path of a regular file");
        return offsetof(struct sockaddr_un, sun_path) + strlen(un->sun_path) + 1;
    }
    if (r < 93) {
        snprintf(un->sun_path, sizeof un->sun_path, "%s-file/x", tag);
        snprintf(what, what_size, "path under a regular file");
        return offsetof(struct sockaddr_un, sun_path) + strlen(un->sun_path) + 1;
    }
    if (r < 95) {
        snprintf(what, what_size, "empty abstract");
        return offsetof(struct sockaddr_un, sun_path) + 1;
    }
    if (r < 97) {
        un->sun_family = AF_UNSPEC;
        snprintf(what, what_size, "AF_UNSPEC");
        return below(2) ? sizeof(sa_family_t) : 16;
    }
    un->sun_family = r < 99 ? AF_INET : 0xffff;
    snprintf(un->sun_path, sizeof un->sun_path, "%s-p0", tag);
    snprintf(what, what_size, "family %d", un->sun_family);
    return 16;
}

static const long odd_lengths[] = {-1, 0, 1, 2, 3, 4, 16, 50, 108, 109, 110, 111, 112, 127, 128, 129, 200, 300,
                                   INT_MAX, (long)0x100000000L + 20};

/* An address argument for bind, connect, sendto or msg_name: sets *addr and *len. */
static void pick_address(char *out, size_t size, long *addr, long *len) {
    char what[96];
    unsigned char *buffer = work(320);
    long natural = (long)make_name(buffer, what, sizeof what);
    long length = chance(80) ? natural : PICK(odd_lengths);
    long r = below(100);
    const char *where = "";
    char edge[32];
    if (r < 86) {
        *addr = (long)buffer;
    } else if (r < 88) {
        *addr = 0;
        where = " at NULL";
    } else if (r < 90) {
        *addr = (long)unmapped();
        where = " at unmapped";
    } else if (r < 91) {
        *addr = (long)kernel_pointer;
        where = " at kernel";
    } else if (r < 94) {
        *addr = (long)read_only;
        where = " at read-only (abstract ro)";
    } else {
        long n = 1 + below(natural > 1 ? natural : 2);
        unsigned char *at = work_edge((size_t)n);
        memcpy(at, buffer, (size_t)n);
        *addr = (long)at;
        snprintf(edge, sizeof edge, " at edge(%ld)", n);
        where = edge;
    }
    *len = length;
    snprintf(out, size, "%s len=%ld%s", what, length == natural ? natural : length, where);
}

/*
 * The names the fuzzer binds carry a token that differs in every run, so that runs of the
 * same seed never meet in the host's abstract namespace (a socket of an earlier run can
 * outlive its process until the kernel's garbage collector frees it). The transcript
 * shows each token character, also in a name cut short, as '@'.
 */
static void mask_token(unsigned char *bytes, long length) {
    size_t prefix = strlen(short_tag) + 1; /* "fz<seed>x" */
    for (long i = 0; i + (long)prefix <= length; i++) {
        if (memcmp(bytes + i, tag, prefix) != 0) continue;
        for (long j = i + (long)prefix; j < length && j < i + (long)prefix + 8; j++)
            if (bytes[j] == (unsigned char)token[j - i - (long)prefix]) bytes[j] = '@';
    }
}

/* Autobind names, numbered by first appearance. */
static char autobinds[4096][5];
static int autobind_count;

static int autobind_index(const unsigned char *hex) {
    for (int i = 0; i < autobind_count; i++)
        if (memcmp(autobinds[i], hex, 5) == 0) return i;
    if (autobind_count == 4096) return -1;
    memcpy(autobinds[autobind_count], hex, 5);
    return autobind_count++;
}

static int is_hex(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* An address the kernel (or the sandbox) wrote: reported length, and the copied bytes. */
static const char *address_text(const unsigned char *bytes, long room, long reported) {
    static char text[1300];
    long copied = room < reported ? room : reported;
    if (copied < 0) copied = 0;
    int used = snprintf(text, sizeof text, "len=%ld", reported);
    if (copied == 0) return text;
    if (copied < 2) {
        snprintf(text + used, sizeof text - (size_t)used, " bytes %02x", bytes[0]);
        return text;
    }
    int family = bytes[0] | bytes[1] << 8;
    if (family != AF_UNIX) used += snprintf(text + used, sizeof text - (size_t)used, " family %d", family);
    const unsigned char *path = bytes + 2;
    long length = copied - 2;
    if (length == 0) return text;
    if (path[0] == 0 && reported == 8) {
        int hex = 1;
        for (long i = 1; i < length; i++) hex &= is_hex(path[i]);
        if (hex && length == 6) {
            snprintf(text + used, sizeof text - (size_t)used, " autobind#%d", autobind_index(path + 1));
            return text;
        }
        if (hex) {
            snprintf(text + used, sizeof text - (size_t)used, " autobind cut to %ld", length);
            return text;
        }
        /* An autobind name partly overwritten (a later message's msg_flags, where the program's
         * buffers overlap its recvmmsg vector): its hex digits differ in every run, so each
         * prints as 'h' and each zero byte as '.'. */
        int digits_or_nul = 1;
        for (long i = 1; i < length; i++) digits_or_nul &= is_hex(path[i]) || path[i] == 0;
        if (digits_or_nul && length == 6) {
            char shape[6];
            for (long i = 1; i < length; i++) shape[i - 1] = path[i] ? 'h' : '.';
            snprintf(text + used, sizeof text - (size_t)used, " autobind overwritten %.5s", shape);
            return text;
        }
    }
    char escaped[4 * 300 + 1];
    unsigned char masked[300];
    if (length > (long)sizeof masked) length = sizeof masked;
    memcpy(masked, path, (size_t)length);
    mask_token(masked, length);
    snprintf(text + used, sizeof text - (size_t)used, " \"%s\"",
             escape_bytes(escaped, sizeof escaped, masked, (size_t)length));
    return text;
}

static const char *pid_text(pid_t pid) {
    if (pid == getpid()) return "self";
    if (pid == 0) return "0";
    if (pid == 1) return "1";
    return "other";
}

/* ---- output buffers of the "get" calls ---- */

struct outbuf {
    long ptr, lenptr;
    unsigned char *bytes; /* where to read the answer, or NULL */
    int *length;          /* where the length is, or NULL */
    long room;
};

static const long rooms[] = {-1, 0, 1, 2, 3, 4, 8, 16, 50, 109, 110, 111, 128, 200, 300};

/* A sockaddr out-buffer with its length: valid, NULL, bad, read-only, at an edge. */
static void pick_outbuf(struct outbuf *o, char *out, size_t size, long usual_room) {
    o->room = chance(70) ? usual_room : PICK(rooms);
    o->bytes = work(320);
    memset(o->bytes, 0xa5, 320);
    o->length = work(sizeof(int));
    *o->length = (int)o->room;
    o->ptr = (long)o->bytes;
    o->lenptr = (long)o->length;
    const char *buf_desc = "buf", *len_desc = "";
    long r = below(100);
    if (r < 4) {
        o->ptr = 0;
        o->bytes = NULL;
        buf_desc = "NULL";
    } else if (r < 7) {
        o->ptr = (long)unmapped();
        o->bytes = NULL;
        buf_desc = "unmapped";
    } else if (r < 10) {
        o->ptr = (long)read_only;
        o->bytes = NULL;
        buf_desc = "read-only";
    } else if (r < 12) {
        o->ptr = (long)work_edge(6);
        o->bytes = NULL;
        buf_desc = "edge(6)";
    }
    r = below(100);
    if (r < 3) {
        o->lenptr = 0;
        o->length = NULL;
        len_desc = " lenptr NULL";
    } else if (r < 6) {
        o->lenptr = (long)unmapped();
        o->length = NULL;
        len_desc = " lenptr unmapped";
    } else if (r < 9) {
        o->lenptr = (long)(read_only + 2048);
        o->length = NULL;
        len_desc = " lenptr read-only (110)";
    } else if (r < 11) {
        o->lenptr = (long)work_edge(2);
        o->length = NULL;
        len_desc = " lenptr edge(2)";
    }
    snprintf(out, size, "%s room=%ld%s", buf_desc, o->room, len_desc);
}

/* ---- received descriptors ---- */

static const char *describe_fd(int fd, int *keep, enum kind *kind_out) {
    static char text[64];
    struct stat st;
    enum kind kind = K_NONE;
    *keep = 0;
    if (fstat(fd, &st) != 0) return "gone";
    const char *known = known_as(fd, &kind);
    if (S_ISSOCK(st.st_mode)) {
        if (known) {
            snprintf(text, sizeof text, "socket %s =%s", kind_names[kind], known);
            *keep = 1;
            *kind_out = kind;
            return text;
        }
        return "unknown socket";
    }
    if (S_ISFIFO(st.st_mode)) return (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY ? "pipe-r" : "pipe-w";
    if (S_ISREG(st.st_mode)) return known ? "file" : "other file";
    if (S_ISCHR(st.st_mode)) return known ? "/dev/null" : "other device";
    char link[64] = {0};
    char proc[32];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    if (readlink(proc, link, sizeof link - 1) > 0 && strstr(link, "pidfd")) return "pidfd";
    return "other";
}

/* Each descriptor received: printed as what it is (runs of the same shown once, with a
 * count); up to two sockets join the table, the rest are closed. */
static void received_fds(const int *fds, int count, char *out, size_t size) {
    int used = snprintf(out, size, " rights[%d]:", count);
    char previous[96] = "";
    int repeat = 0, joined = 0;
    for (int i = 0; i < count; i++) {
        int keep = 0;
        enum kind kind = K_NONE;
        char text[96];
        snprintf(text, sizeof text, "%s", describe_fd(fds[i], &keep, &kind));
        if (keep && joined < 2) {
            joined++;
            int k = add_socket(fds[i], kind);
            size_t at = strlen(text);
            snprintf(text + at, sizeof text - at, "->fd#%d", k);
        } else {
            close(fds[i]);
        }
        if (repeat > 0 && strcmp(previous, text) == 0) {
            repeat++;
            continue;
        }
        if (repeat > 0 && (size_t)used < size)
            used += snprintf(out + used, size - (size_t)used, repeat > 1 ? " %s x%d" : " %s", previous, repeat);
        snprintf(previous, sizeof previous, "%s", text);
        repeat = 1;
    }
    if (repeat > 0 && (size_t)used < size)
        snprintf(out + used, size - (size_t)used, repeat > 1 ? " %s x%d" : " %s", previous, repeat);
}

/* The control messages recvmsg wrote: each by type; descriptors as what they are. */
static void describe_control(const struct msghdr *msg, long controllen, char *out, size_t size) {
    int used = snprintf(out, size, " controllen=%ld", controllen);
    if (!msg->msg_control || controllen <= 0 || (unsigned char *)msg->msg_control < work_area ||
        (unsigned char *)msg->msg_control >= work_area + WORK_SIZE)
        return;
    struct msghdr copy = *msg;
    copy.msg_controllen = (size_t)controllen;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&copy); c && (size_t)used < size; c = CMSG_NXTHDR(&copy, c)) {
        long data = (long)c->cmsg_len - (long)CMSG_LEN(0);
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && data >= 0) {
            received_fds((int *)CMSG_DATA(c), (int)(data / (long)sizeof(int)), out + used, size - (size_t)used);
            used += (int)strlen(out + used);
        } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS && data >= (long)sizeof(struct ucred)) {
            struct ucred cred;
            memcpy(&cred, CMSG_DATA(c), sizeof cred);
            used += snprintf(out + used, size - (size_t)used, " creds(pid %s uid %d gid %d)", pid_text(cred.pid),
                             (int)cred.uid, (int)cred.gid);
        } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_PIDFD && data >= (long)sizeof(int)) {
            int fd;
            memcpy(&fd, CMSG_DATA(c), sizeof fd);
            if (fd >= 0) close(fd);
            used += snprintf(out + used, size - (size_t)used, " pidfd%s", fd >= 0 ? "" : " error");
        } else if (c->cmsg_level == SOL_SOCKET && (c->cmsg_type == SO_TIMESTAMP || c->cmsg_type == SO_TIMESTAMPNS ||
                                                   c->cmsg_type == SO_TIMESTAMPING)) {
            used += snprintf(out + used, size - (size_t)used, " timestamp(%ld)", data);
        } else {
            used += snprintf(out + used, size - (size_t)used, " cmsg(level %d type %d len %ld)", c->cmsg_level,
                             c->cmsg_type, (long)c->cmsg_len);
        }
    }
}

/* ---- data buffers ---- */

static const long data_lengths[] = {0, 1, 5, 64, 100, 1000, 4096, 8000, 65536, 200000, 600000, -1L,
                                    (long)0x7fffffff, (long)0x80000000L};

/* A send buffer: valid (ending at the unmapped page), NULL, unmapped, read-only, edge. */
static long pick_send_buffer(long *length, char *out, size_t size, int dgram) {
    long len = chance(70) ? PICK(data_lengths) : below(300);
    /* README, Known differences: an unnamed datagram socket that passes credentials and sends
     * a datagram too large for its buffer is autobound by the sentry before the kernel
     * refuses the size. Once any socket passes credentials, datagrams stay small. */
    if (dgram && dgram_passes_credentials && (unsigned long)len > 2048) len = below(2048);
    *length = len;
    long r = below(100);
    long avail = len >= 0 && len <= SEND_SIZE ? len : SEND_SIZE;
    if (r < 85) {
        snprintf(out, size, "valid %ld len=%ld", avail, len);
        return (long)(send_area + SEND_SIZE - avail);
    }
    if (r < 88) {
        snprintf(out, size, "NULL len=%ld", len);
        return 0;
    }
    if (r < 91) {
        snprintf(out, size, "unmapped len=%ld", len);
        return (long)unmapped();
    }
    if (r < 95) {
        snprintf(out, size, "read-only len=%ld", len);
        return (long)(read_only_data + SEND_SIZE - avail);
    }
    long n = 1 + below(64);
    snprintf(out, size, "edge(%ld) len=%ld", n, len);
    return (long)(send_area + SEND_SIZE - n);
}

static long pick_recv_buffer(long *length, char *out, size_t size, unsigned char **valid) {
    long len = chance(70) ? PICK(data_lengths) : below(300);
    *length = len;
    *valid = NULL;
    long r = below(100);
    long avail = len >= 0 && len <= RECV_SIZE ? len : RECV_SIZE;
    if (r < 85) {
        snprintf(out, size, "valid %ld len=%ld", avail, len);
        *valid = recv_area + RECV_SIZE - avail;
        return (long)*valid;
    }
    if (r < 88) {
        snprintf(out, size, "NULL len=%ld", len);
        return 0;
    }
    if (r < 91) {
        snprintf(out, size, "unmapped len=%ld", len);
        return (long)unmapped();
    }
    if (r < 95) {
        snprintf(out, size, "read-only len=%ld", len);
        return (long)read_only;
    }
    long n = 1 + below(64);
    snprintf(out, size, "edge(%ld) len=%ld", n, len);
    return (long)(recv_area + RECV_SIZE - n);
}

/* FNV-1a of received bytes. */
static unsigned hash(const unsigned char *bytes, long length) {
    unsigned h = 2166136261u;
    for (long i = 0; i < length; i++) h = (h ^ bytes[i]) * 16777619u;
    return h;
}

static const char *data_text(const unsigned char *valid, long buflen, long got) {
    static char text[64];
    if (!valid || got <= 0) return "";
    long n = got < buflen ? got : buflen;
    if (n > RECV_SIZE) n = RECV_SIZE;
    snprintf(text, sizeof text, " data %08x", hash(valid, n));
    return text;
}

/* ---- flags ---- */

static const long msg_flag_bits[] = {MSG_OOB,     MSG_PEEK,         MSG_DONTROUTE, MSG_CTRUNC,  MSG_TRUNC,
                                     MSG_DONTWAIT, MSG_EOR,         MSG_WAITALL,   MSG_CONFIRM, MSG_ERRQUEUE,
                                     MSG_NOSIGNAL, MSG_MORE,        MSG_WAITFORONE, MSG_BATCH,  MSG_ZEROCOPY,
                                     MSG_FASTOPEN, MSG_CMSG_CLOEXEC, 0x80000000L,   0x10,        0x200};

static long pick_msg_flags(void) {
    long flags = chance(60) ? MSG_DONTWAIT : 0;
    long n = below(4);
    for (long i = 0; i < n; i++) flags |= PICK(msg_flag_bits);
    if (chance(2)) flags = (long)next64();
    return flags;
}

/* ---- result printing ---- */

static char line[8192];
static int line_used;
static long iteration;

__attribute__((format(printf, 1, 2))) static void put(const char *format, ...) {
    if ((size_t)line_used >= sizeof line) return;
    va_list args;
    va_start(args, format);
    int n = vsnprintf(line + line_used, sizeof line - (size_t)line_used, format, args);
    va_end(args);
    if (n > 0) line_used += n;
    if ((size_t)line_used >= sizeof line) line_used = sizeof line - 1;
}

static void begin(const char *call) {
    line_used = 0;
    put("%ld %s(", iteration, call);
}

/* ") = RESULT" and the line; the extra text comes from the caller afterwards. */
static void result(long value, int error) {
    if (value < 0) put(") = -1 %s", errno_name(error));
    else put(") = %ld", value);
}

static void end(void) {
    put("\n");
    say("%s", line);
}

/* ---- the calls ---- */

static long sys6(long number, long a, long b, long c, long d, long e, long f) {
    errno = 0;
    return syscall(number, a, b, c, d, e, f);
}

static const long families[] = {AF_UNIX, AF_UNIX, AF_UNIX, AF_UNIX, AF_UNIX, AF_UNIX, AF_UNIX,
                                AF_UNIX, AF_UNIX, AF_UNIX, AF_UNSPEC, AF_INET, 255, -1};
static const long types[] = {SOCK_STREAM, SOCK_STREAM, SOCK_STREAM, SOCK_SEQPACKET, SOCK_SEQPACKET, SOCK_SEQPACKET,
                             SOCK_DGRAM,  SOCK_DGRAM,  SOCK_DGRAM,  SOCK_RAW,       SOCK_RDM,       0,
                             6,           SOCK_PACKET, 0x7fffffff};

static long pick_type(char *out, size_t size) {
    long type = PICK(types);
    long flags = 0;
    if (chance(30)) flags |= SOCK_NONBLOCK;
    if (chance(30)) flags |= SOCK_CLOEXEC;
    if (chance(3)) flags |= 0x100;
    snprintf(out, size, "type %ld|%s%s%s", type, flags & SOCK_NONBLOCK ? "NONBLOCK|" : "",
             flags & SOCK_CLOEXEC ? "CLOEXEC|" : "", flags & 0x100 ? "0x100|" : "");
    return type | flags;
}

static long pick_protocol(void) {
    static const long protocols[] = {0, 0, 0, 0, 0, 0, 0, 0, 1, -1, 17};
    return PICK(protocols);
}

/* The kind of a socket a socket(2) or socketpair(2) of this type makes (SOCK_RAW: datagram). */
static enum kind made_kind(long type) {
    long base = type & 0xf;
    return base == SOCK_RAW ? K_DGRAM : socket_kind((int)base);
}

static void call_socket(void) {
    char type_text[64];
    long family = PICK(families);
    long type = pick_type(type_text, sizeof type_text);
    long protocol = pick_protocol();
    long fd = sys6(SYS_socket, family, type, protocol, 0, 0, 0);
    int error = errno;
    begin("socket");
    put("family %ld, %s, protocol %ld", family, type_text, protocol);
    result(fd >= 0 ? 0 : -1, error);
    if (fd >= 0) {
        if (family == AF_UNIX) put(" fd#%d", add_socket((int)fd, made_kind(type)));
        else {
            close((int)fd);
            put(" (not AF_UNIX: closed)");
        }
    }
    end();
}

static void call_socketpair(void) {
    char type_text[64];
    long family = chance(95) ? AF_UNIX : PICK(families);
    long type = pick_type(type_text, sizeof type_text);
    long protocol = pick_protocol();
    int *sv = work(2 * sizeof(int));
    long where = (long)sv;
    const char *sv_text = "sv";
    long r = below(100);
    if (r < 3) where = 0, sv_text = "sv NULL";
    else if (r < 6) where = (long)unmapped(), sv_text = "sv unmapped";
    else if (r < 9) where = (long)read_only, sv_text = "sv read-only";
    long got = sys6(SYS_socketpair, family, type, protocol, where, 0, 0);
    int error = errno;
    begin("socketpair");
    put("family %ld, %s, protocol %ld, %s", family, type_text, protocol, sv_text);
    result(got, error);
    if (got == 0 && where == (long)sv) {
        if (family == AF_UNIX) {
            int a = add_socket(sv[0], made_kind(type));
            int b = add_socket(sv[1], made_kind(type));
            put(" fd#%d fd#%d", a, b);
        } else {
            close(sv[0]);
            close(sv[1]);
        }
    }
    end();
}

static void call_bind_or_connect(long number, const char *name) {
    char fd_text[32], addr_text[200];
    long fd = pick_fd(fd_text, sizeof fd_text, NULL);
    long addr, len;
    pick_address(addr_text, sizeof addr_text, &addr, &len);
    long got = sys6(number, fd, addr, len, 0, 0, 0);
    int error = errno;
    begin(name);
    put("%s, %s", fd_text, addr_text);
    result(got, error);
    end();
}

static void call_listen(void) {
    static const long backlogs[] = {0, 1, 2, 3, 5, 128, -1, INT_MAX, INT_MIN, (long)0x100000001L};
    char fd_text[32];
    long fd = pick_fd(fd_text, sizeof fd_text, NULL);
    long backlog = PICK(backlogs);
    long got = sys6(SYS_listen, fd, backlog, 0, 0, 0, 0);
    int error = errno;
    begin("listen");
    put("%s, %ld", fd_text, backlog);
    result(got, error);
    end();
}

static void call_accept(int four) {
    static const long accept_flags[] = {0, 0, 0, SOCK_NONBLOCK, SOCK_CLOEXEC, SOCK_NONBLOCK | SOCK_CLOEXEC, 1, -1};
    char fd_text[32], out_text[96];
    long fd = pick_fd(fd_text, sizeof fd_text, NULL);
    struct outbuf o;
    int with_address = chance(60);
    if (with_address) pick_outbuf(&o, out_text, sizeof out_text, sizeof(struct sockaddr_un));
    else snprintf(out_text, sizeof out_text, "NULL");
    long flags = four ? PICK(accept_flags) : 0;
    long got = sys6(four ? SYS_accept4 : SYS_accept, fd, with_address ? o.ptr : 0, with_address ? o.lenptr : 0,
                    flags, 0, 0);
    int error = errno;
    begin(four ? "accept4" : "accept");
    put("%s, %s", fd_text, out_text);
    if (four) put(", flags %ld", flags);
    result(got >= 0 ? 0 : -1, error);
    if (got >= 0) {
        enum kind kind = K_STREAM;
        int type = 0;
        socklen_t tl = sizeof type;
        if (getsockopt((int)got, SOL_SOCKET, SO_TYPE, &type, &tl) == 0) kind = socket_kind(type);
        put(" fd#%d", add_socket((int)got, kind));
        if (with_address && o.length) {
            put(" %s", o.bytes ? address_text(o.bytes, o.room, *o.length) : "");
        }
    }
    end();
}

static void call_getname(long number, const char *name) {
    char fd_text[32], out_text[96];
    long fd = pick_fd(fd_text, sizeof fd_text, NULL);
    struct outbuf o;
    pick_outbuf(&o, out_text, sizeof out_text, sizeof(struct sockaddr_un));
    long got = sys6(number, fd, o.ptr, o.lenptr, 0, 0, 0);
    int error = errno;
    begin(name);
    put("%s, %s", fd_text, out_text);
    result(got, error);
    if (got == 0 && o.length && o.bytes) put(" %s", address_text(o.bytes, o.room, *o.length));
    else if (got == 0 && o.length) put(" len=%d", *o.length);
    end();
}

struct option {
    int name;
    const char *text;
    int compare_value; /* 0: the value varies between runs (a cookie, memory, a CPU) */
};

static const struct option options[] = {
    {SO_DEBUG, "SO_DEBUG", 1},         {SO_REUSEADDR, "SO_REUSEADDR", 1},   {SO_TYPE, "SO_TYPE", 1},
    {SO_ERROR, "SO_ERROR", 1},         {SO_DONTROUTE, "SO_DONTROUTE", 1},   {SO_BROADCAST, "SO_BROADCAST", 1},
    {SO_SNDBUF, "SO_SNDBUF", 1},       {SO_RCVBUF, "SO_RCVBUF", 1},         {SO_KEEPALIVE, "SO_KEEPALIVE", 1},
    {SO_OOBINLINE, "SO_OOBINLINE", 1}, {SO_PRIORITY, "SO_PRIORITY", 1},     {SO_LINGER, "SO_LINGER", 1},
    {SO_REUSEPORT, "SO_REUSEPORT", 1}, {SO_PASSCRED, "SO_PASSCRED", 1},     {SO_PASSCRED, "SO_PASSCRED", 1},
    {SO_PASSCRED, "SO_PASSCRED", 1},   {SO_PEERCRED, "SO_PEERCRED", 1},     {SO_PEERCRED, "SO_PEERCRED", 1},
    {SO_RCVLOWAT, "SO_RCVLOWAT", 1},   {SO_SNDLOWAT, "SO_SNDLOWAT", 1},     {20, "SO_RCVTIMEO_OLD", 1},
    {21, "SO_SNDTIMEO_OLD", 1},        {SO_BINDTODEVICE, "SO_BINDTODEVICE", 1}, {SO_PEERNAME, "SO_PEERNAME", 1},
    {SO_PEERNAME, "SO_PEERNAME", 1},   {29, "SO_TIMESTAMP_OLD", 1},         {SO_ACCEPTCONN, "SO_ACCEPTCONN", 1},
    {SO_PEERSEC, "SO_PEERSEC", 1},     {SO_SNDBUFFORCE, "SO_SNDBUFFORCE", 1}, {SO_RCVBUFFORCE, "SO_RCVBUFFORCE", 1},
    {SO_PASSSEC, "SO_PASSSEC", 1},     {SO_MARK, "SO_MARK", 1},             {SO_PROTOCOL, "SO_PROTOCOL", 1},
    {SO_DOMAIN, "SO_DOMAIN", 1},       {SO_PEEK_OFF, "SO_PEEK_OFF", 1},     {SO_PEEK_OFF, "SO_PEEK_OFF", 1},
    {49, "SO_INCOMING_CPU", 0},        {55, "SO_MEMINFO", 0},               {57, "SO_COOKIE", 0},
    {59, "SO_PEERGROUPS", 1},          {60, "SO_ZEROCOPY", 1},              {71, "SO_NETNS_COOKIE", 0},
    {72, "SO_BUF_LOCK", 1},            {SO_PASSPIDFD, "SO_PASSPIDFD", 1},   {SO_PEERPIDFD, "SO_PEERPIDFD", 1},
    {26, "SO_ATTACH_FILTER", 1},       {27, "SO_DETACH_FILTER", 1},         {1000, "option 1000", 1},
    {-1, "option -1", 1},
};

static const long levels[] = {SOL_SOCKET, SOL_SOCKET, SOL_SOCKET, SOL_SOCKET, SOL_SOCKET, SOL_SOCKET, SOL_SOCKET,
                              SOL_SOCKET, SOL_SOCKET, 0, 6, 270, -1};

static void call_getsockopt(void) {
    static const long optlens[] = {-1, 0, 1, 2, 3, 4, 8, 12, 16, 32, 110, 128, 300};
    char fd_text[32];
    long fd = pick_fd(fd_text, sizeof fd_text, NULL);
    long level = PICK(levels);
    const struct option *option = &PICK(options);
    long room = chance(70) ? (option->name == SO_PEERCRED ? 12 : option->name == SO_PEERNAME ? 110 : 4) : PICK(optlens);
    unsigned char *value = work(320);
    memset(value, 0xa5, 320);
    int *length = work(sizeof(int));
    *length = (int)room;
    long vptr = (long)value, lptr = (long)length;
    const char *vdesc = "buf", *ldesc = "";
    long r = below(100);
    if (r < 3) vptr = 0, vdesc = "NULL";
    else if (r < 5) vptr = (long)unmapped(), vdesc = "unmapped";
    else if (r < 7) vptr = (long)read_only, vdesc = "read-only";
    else if (r < 8) vptr = (long)work_edge(2), vdesc = "edge(2)";
    r = below(100);
    if (r < 3) lptr = 0, ldesc = " lenptr NULL";
    else if (r < 5) lptr = (long)unmapped(), ldesc = " lenptr unmapped";
    else if (r < 7) lptr = (long)(read_only + 2048), ldesc = " lenptr read-only (110)";
    long got = sys6(SYS_getsockopt, fd, level, option->name, vptr, lptr, 0);
    int error = errno;
    begin("getsockopt");
    put("%s, level %ld, %s, %s room=%ld%s", fd_text, level, option->text, vdesc, room, ldesc);
    result(got, error);
    if (got == 0 && lptr == (long)length) {
        int len = *length;
        put(" optlen=%d", len);
        if (vptr == (long)value && level == SOL_SOCKET) {
            long shown = len < room ? len : room;
            if (shown > 64) shown = 64;
            if (option->name == SO_PEERPIDFD && shown >= 4) {
                int pidfd;
                memcpy(&pidfd, value, sizeof pidfd);
                if (pidfd >= 0) close(pidfd);
                put(" pidfd");
            } else if (option->name == SO_PEERCRED && shown >= 12) {
                struct ucred cred;
                memcpy(&cred, value, sizeof cred);
                put(" pid %s uid %d gid %d", pid_text(cred.pid), (int)cred.uid, (int)cred.gid);
            } else if (option->name == SO_PEERCRED || option->name == SO_PEERPIDFD) {
                put(" (a process id cut short: not compared)");
            } else if (option->name == SO_PEERNAME) {
                put(" %s", address_text(value, room, len));
            } else if (!option->compare_value) {
                put(" (value not compared)");
            } else if (shown > 0) {
                put(" value");
                for (long i = 0; i < shown; i++) put("%s%02x", i % 4 == 0 ? " " : "", value[i]);
            }
        }
    } else if (got == 0 && vptr == (long)value && level == SOL_SOCKET && option->name == SO_PEERPIDFD) {
        int pidfd;
        memcpy(&pidfd, value, sizeof pidfd);
        if (pidfd >= 0 && room >= 4) close(pidfd);
    }
    end();
}

static void call_setsockopt(void) {
    static const long ints[] = {0, 1, 1, 1, -1, 2, 7, 100, 4096, 65536, 1 << 30, INT_MAX};
    static const long optlens[] = {-1, 0, 1, 2, 3, 4, 8, 16, 32, 300};
    char fd_text[32];
    long fd = pick_fd(fd_text, sizeof fd_text, NULL);
    long level = PICK(levels);
    const struct option *option = &PICK(options);
    unsigned char *value = work(320);
    long length = 4;
    char vtext[64];
    long kind = below(100);
    if (kind < 70) {
        int v = (int)PICK(ints);
        memcpy(value, &v, sizeof v);
        snprintf(vtext, sizeof vtext, "int %d", v);
    } else if (kind < 85) {
        static const long usecs[] = {0, 1000, 999999, 1000000, -1};
        struct timeval tv = {.tv_sec = below(3) - 1, .tv_usec = PICK(usecs)};
        memcpy(value, &tv, sizeof tv);
        length = sizeof tv;
        snprintf(vtext, sizeof vtext, "timeval %ld.%ld", (long)tv.tv_sec, (long)tv.tv_usec);
    } else if (kind < 92) {
        struct linger l = {.l_onoff = (int)below(2), .l_linger = (int)below(3)};
        memcpy(value, &l, sizeof l);
        length = sizeof l;
        snprintf(vtext, sizeof vtext, "linger %d %d", l.l_onoff, l.l_linger);
    } else {
        const char *text = chance(50) ? "lo" : "nonesuch0";
        strcpy((char *)value, text);
        length = (long)strlen(text) + 1;
        snprintf(vtext, sizeof vtext, "string %s", text);
    }
    if (chance(20)) length = PICK(optlens);
    long vptr = (long)value;
    const char *where = "";
    long r = below(100);
    if (r < 3) vptr = 0, where = " at NULL";
    else if (r < 5) vptr = (long)unmapped(), where = " at unmapped";
    else if (r < 7) vptr = (long)work_edge(2), where = " at edge(2)";
    long got = sys6(SYS_setsockopt, fd, level, option->name, vptr, length, 0);
    int error = errno;
    if (got == 0 && level == SOL_SOCKET && (option->name == SO_PASSCRED || option->name == SO_PASSPIDFD))
        dgram_passes_credentials = 1;
    begin("setsockopt");
    put("%s, level %ld, %s, %s%s, optlen %ld", fd_text, level, option->text, vtext, where, length);
    result(got, error);
    end();
}

static void call_shutdown(void) {
    static const long hows[] = {SHUT_RD, SHUT_WR, SHUT_RDWR, SHUT_RD, SHUT_WR, SHUT_RDWR, 3, -1, (long)0x100000001L};
    char fd_text[32];
    long fd = pick_fd(fd_text, sizeof fd_text, NULL);
    long how = PICK(hows);
    long got = sys6(SYS_shutdown, fd, how, 0, 0, 0, 0);
    int error = errno;
    begin("shutdown");
    put("%s, %ld", fd_text, how);
    result(got, error);
    end();
}

static int slot_is_dgram(int k) {
    return k >= 0 && slots[k].kind == K_DGRAM;
}

/*
 * README, Known differences: an unnamed datagram socket that passes credentials is autobound
 * by the sentry when it sends to a name, before the kernel's own checks of the message (the
 * iovec, control data, flags, size), which Linux makes first and which leave it unnamed when
 * they fail: a kernel socket cannot be unbound. Once a socket passes credentials, a datagram
 * socket's sends to a name are plain (64 valid bytes, no control data, MSG_DONTWAIT), and
 * sendmmsg drops its names; decided after every random choice, so that the seed's stream of
 * choices is the same.
 */
static int plain_send_needed(int k) {
    return dgram_passes_credentials && slot_is_dgram(k);
}

static void call_sendto(void) {
    char fd_text[32], buf_text[64], addr_text[200];
    int k;
    long fd = pick_fd(fd_text, sizeof fd_text, &k);
    long len;
    long buf = pick_send_buffer(&len, buf_text, sizeof buf_text, slot_is_dgram(k));
    long flags = pick_msg_flags();
    long addr = 0, alen = 0;
    if (chance(60)) pick_address(addr_text, sizeof addr_text, &addr, &alen);
    else snprintf(addr_text, sizeof addr_text, "no address");
    if (plain_send_needed(k) && addr != 0) {
        buf = (long)(send_area + SEND_SIZE - 64), len = 64, flags = MSG_DONTWAIT;
        snprintf(buf_text, sizeof buf_text, "valid 64 len=64 (plain: passcred)");
    }
    long got = sys6(SYS_sendto, fd, buf, len, flags, addr, alen);
    int error = errno;
    begin("sendto");
    put("%s, %s, flags %#lx, %s", fd_text, buf_text, flags, addr_text);
    result(got, error);
    end();
}

static void call_recvfrom(void) {
    char fd_text[32], buf_text[64], out_text[96];
    long fd = pick_fd(fd_text, sizeof fd_text, NULL);
    long len;
    unsigned char *valid;
    long buf = pick_recv_buffer(&len, buf_text, sizeof buf_text, &valid);
    long flags = pick_msg_flags();
    struct outbuf o;
    int with_address = chance(65);
    if (with_address) pick_outbuf(&o, out_text, sizeof out_text, sizeof(struct sockaddr_un));
    else snprintf(out_text, sizeof out_text, "no address");
    long got = sys6(SYS_recvfrom, fd, buf, len, flags, with_address ? o.ptr : 0, with_address ? o.lenptr : 0);
    int error = errno;
    begin("recvfrom");
    put("%s, %s, flags %#lx, %s", fd_text, buf_text, flags, out_text);
    result(got, error);
    if (got >= 0) {
        put("%s", data_text(valid, len, got));
        if (with_address && o.length) put(" from %s", o.bytes ? address_text(o.bytes, o.room, *o.length) : "?");
    }
    end();
}

/* ---- msghdr building ---- */

/* Descriptors for an SCM_RIGHTS message: open ones of the table (sockets pinned first),
 * duplicates, closed and bad ones. */
static int rights_fd(char *out, size_t size) {
    long r = below(100);
    if (r < 8) {
        snprintf(out, size, "-1");
        return -1;
    }
    if (r < 12) {
        snprintf(out, size, "closed");
        return last_closed >= 0 && fcntl(last_closed, F_GETFD) < 0 ? last_closed : 1000;
    }
    if (r < 40) {
        int k = (int)below(FIXED);
        snprintf(out, size, "fd#%d", k);
        return slots[k].fd;
    }
    if (r < 50 && pin_count > 0) {
        int k = (int)below(pin_count);
        snprintf(out, size, "pin#%d", k);
        return pins[k].fd;
    }
    int k = random_socket();
    if (k < 0) {
        snprintf(out, size, "fd#3");
        return slots[3].fd;
    }
    int pinned = 0;
    for (int p = 0; p < pin_count; p++) pinned |= pins[p].ino == slots[k].ino && pins[p].dev == slots[k].dev;
    if (!pinned) {
        if (pin_count == PINS) {
            k = (int)below(FIXED);
            snprintf(out, size, "fd#%d", k);
            return slots[k].fd;
        }
        pins[pin_count] = slots[k];
        pins[pin_count].fd = fcntl(slots[k].fd, F_DUPFD_CLOEXEC, 2000);
        pin_count++;
    }
    snprintf(out, size, "fd#%d", k);
    return slots[k].fd;
}

/* Control data for sendmsg: none, bad, or a chain of cmsgs, some malformed. */
static void build_send_control(struct msghdr *msg, char *out, size_t size) {
    long r = below(100);
    int used = 0;
    if (r < 40) {
        snprintf(out, size, "no control");
        return;
    }
    if (r < 43) {
        msg->msg_control = unmapped();
        msg->msg_controllen = 64;
        snprintf(out, size, "control unmapped 64");
        return;
    }
    if (r < 45) {
        msg->msg_control = NULL;
        msg->msg_controllen = 64;
        snprintf(out, size, "control NULL 64");
        return;
    }
    if (r < 47) {
        msg->msg_control = work(64);
        msg->msg_controllen = chance(50) ? (size_t)INT_MAX + 1 : (size_t)-1;
        snprintf(out, size, "control len %zu", msg->msg_controllen);
        return;
    }
    size_t capacity = 4096;
    unsigned char *control = work(capacity);
    size_t at = 0;
    long count = 1 + below(3);
    used = snprintf(out, size, "control");
    for (long c = 0; c < count && at + CMSG_SPACE(sizeof(struct ucred)) < capacity; c++) {
        struct cmsghdr *cmsg = (struct cmsghdr *)(control + at);
        long what = below(100);
        size_t data_length;
        if (what < 55) {
            long n = below(100) < 90 ? 1 + below(4) : PICK(((long[]){0, SCM_MAX_FD, SCM_MAX_FD + 1, 300}));
            if (CMSG_SPACE((size_t)n * sizeof(int)) + at > capacity) n = 4;
            int *fds = (int *)CMSG_DATA(cmsg);
            used += snprintf(out + used, size - (size_t)used, " RIGHTS[");
            char one[32];
            int first = rights_fd(one, sizeof one);
            for (long i = 0; i < n; i++) {
                if (i < 6 || n <= 8) {
                    char text[32];
                    fds[i] = i == 0 ? first : (n > 8 ? first : rights_fd(text, sizeof text));
                    if ((size_t)used < size)
                        used += snprintf(out + used, size - (size_t)used, "%s%s", i ? " " : "", i == 0 || n > 8 ? one : text);
                } else {
                    fds[i] = first;
                }
            }
            if (n > 8 && (size_t)used < size) used += snprintf(out + used, size - (size_t)used, " ... x%ld", n);
            if ((size_t)used < size) used += snprintf(out + used, size - (size_t)used, "]");
            cmsg->cmsg_level = SOL_SOCKET;
            cmsg->cmsg_type = SCM_RIGHTS;
            data_length = (size_t)n * sizeof(int);
        } else if (what < 85) {
            static const long forged_pids[] = {-2, -2, -2, 0, 1, INT_MAX, -1};
            static const long ids[] = {-2, -2, -2, 0, 1000, 65534, -1};
            long pid = PICK(forged_pids), uid = PICK(ids), gid = PICK(ids);
            struct ucred cred = {.pid = pid == -2 ? getpid() : (pid_t)pid,
                                 .uid = uid == -2 ? getuid() : (uid_t)uid,
                                 .gid = gid == -2 ? getgid() : (gid_t)gid};
            memcpy(CMSG_DATA(cmsg), &cred, sizeof cred);
            cmsg->cmsg_level = SOL_SOCKET;
            cmsg->cmsg_type = SCM_CREDENTIALS;
            data_length = sizeof cred;
            if ((size_t)used < size)
                used += snprintf(out + used, size - (size_t)used, " CREDS(pid %s uid %s gid %s)",
                                 pid == -2 ? "self" : pid == 0 ? "0" : pid == 1 ? "1" : pid == -1 ? "-1" : "INT_MAX",
                                 uid == -2 ? "self" : uid == 1000 ? "1000" : uid == 65534 ? "65534" : uid == 0 ? "0" : "-1",
                                 gid == -2 ? "self" : gid == 1000 ? "1000" : gid == 65534 ? "65534" : gid == 0 ? "0" : "-1");
        } else if (what < 92) {
            cmsg->cmsg_level = chance(50) ? SOL_SOCKET : 0;
            cmsg->cmsg_type = (int)below(8);
            data_length = (size_t)below(12);
            if ((size_t)used < size)
                used += snprintf(out + used, size - (size_t)used, " cmsg(level %d type %d)", cmsg->cmsg_level,
                                 cmsg->cmsg_type);
        } else {
            cmsg->cmsg_level = SOL_SOCKET;
            cmsg->cmsg_type = SCM_RIGHTS;
            *(int *)CMSG_DATA(cmsg) = slots[3].fd;
            data_length = sizeof(int);
            if ((size_t)used < size) used += snprintf(out + used, size - (size_t)used, " RIGHTS[fd#3]");
        }
        cmsg->cmsg_len = CMSG_LEN(data_length);
        long bend = below(100);
        if (bend < 4) {
            cmsg->cmsg_len = below((long)sizeof(struct cmsghdr));
            if ((size_t)used < size) used += snprintf(out + used, size - (size_t)used, "(cmsg_len %zu)", cmsg->cmsg_len);
        } else if (bend < 8) {
            cmsg->cmsg_len += 1 + (size_t)below(3);
            if ((size_t)used < size) used += snprintf(out + used, size - (size_t)used, "(cmsg_len +%zu)",
                                                      cmsg->cmsg_len - CMSG_LEN(data_length));
        } else if (bend < 10) {
            cmsg->cmsg_len = 4096 * 4;
            if ((size_t)used < size) used += snprintf(out + used, size - (size_t)used, "(cmsg_len 16384)");
        }
        at += CMSG_SPACE(data_length);
    }
    msg->msg_control = control;
    msg->msg_controllen = at;
    long cut = below(100);
    if (cut < 5 && at > 4) {
        msg->msg_controllen = at - 1 - (size_t)below(8);
        if ((size_t)used < size) used += snprintf(out + used, size - (size_t)used, " controllen cut to %zu", msg->msg_controllen);
    } else if (cut < 8) {
        msg->msg_controllen = at + 64;
        if ((size_t)used < size) used += snprintf(out + used, size - (size_t)used, " controllen +64");
    } else if (cut < 10) {
        /* The control data moved so that it ends at the unmapped page. */
        unsigned char *edge = work_edge(at);
        memcpy(edge, control, at);
        msg->msg_control = edge;
        msg->msg_controllen = at + 16;
        if ((size_t)used < size) used += snprintf(out + used, size - (size_t)used, " running into unmapped");
    }
}

/* An iovec array for a message: data in the send or receive area, or bad. */
static void build_iov(struct msghdr *msg, int sending, int dgram, char *out, size_t size,
                      unsigned char **valid, long *valid_length) {
    *valid = NULL;
    *valid_length = 0;
    long r = below(100);
    if (r < 3) {
        msg->msg_iov = NULL;
        msg->msg_iovlen = 0;
        snprintf(out, size, "iov NULL/0");
        return;
    }
    if (r < 5) {
        msg->msg_iov = NULL;
        msg->msg_iovlen = 1;
        snprintf(out, size, "iov NULL/1");
        return;
    }
    if (r < 7) {
        msg->msg_iov = (struct iovec *)unmapped();
        msg->msg_iovlen = 1;
        snprintf(out, size, "iov unmapped/1");
        return;
    }
    if (r < 10) {
        static const size_t lens[] = {1025, 1u << 20, (size_t)-1, 2000};
        msg->msg_iov = work(16 * sizeof(struct iovec));
        msg->msg_iovlen = PICK(lens);
        snprintf(out, size, "iovlen %zu", msg->msg_iovlen);
        return;
    }
    long n = r < 80 ? 1 : r < 95 ? 2 + below(3) : 1024;
    struct iovec *iov = work((size_t)n * sizeof *iov);
    msg->msg_iov = iov;
    msg->msg_iovlen = (size_t)n;
    if (n == 1024) {
        /* UIO_MAXIOV one-byte pieces, all valid. */
        unsigned char *base = sending ? send_area : recv_area;
        for (long i = 0; i < n; i++) iov[i] = (struct iovec){base + i, 1};
        if (!sending) {
            *valid = recv_area;
            *valid_length = n;
        }
        snprintf(out, size, "iov 1024 x 1");
        return;
    }
    int used = snprintf(out, size, "iov");
    for (long i = 0; i < n; i++) {
        char text[64];
        long len;
        long base;
        if (sending) base = pick_send_buffer(&len, text, sizeof text, dgram);
        else {
            unsigned char *v;
            base = pick_recv_buffer(&len, text, sizeof text, &v);
            if (n == 1 && v) {
                *valid = v;
                *valid_length = len;
            }
        }
        iov[i] = (struct iovec){(void *)base, (size_t)len};
        if ((size_t)used < size) used += snprintf(out + used, size - (size_t)used, " [%s]", text);
    }
}

static void call_sendmsg(void) {
    char fd_text[32], addr_text[200], iov_text[300], ctl_text[400];
    int k;
    long fd = pick_fd(fd_text, sizeof fd_text, &k);
    struct msghdr *msg = work(sizeof *msg);
    unsigned char *v;
    long vl;
    build_iov(msg, 1, slot_is_dgram(k), iov_text, sizeof iov_text, &v, &vl);
    if (chance(55)) {
        long addr, len;
        pick_address(addr_text, sizeof addr_text, &addr, &len);
        msg->msg_name = (void *)addr;
        msg->msg_namelen = (socklen_t)len;
    } else {
        snprintf(addr_text, sizeof addr_text, "no name");
    }
    build_send_control(msg, ctl_text, sizeof ctl_text);
    long flags = pick_msg_flags();
    long where = (long)msg;
    const char *msg_text = "msg";
    long r = below(100);
    if (r < 2) where = 0, msg_text = "msg NULL";
    else if (r < 4) where = (long)unmapped(), msg_text = "msg unmapped";
    if (plain_send_needed(k) && msg->msg_name && msg->msg_namelen) {
        struct iovec *iov = work(sizeof *iov);
        *iov = (struct iovec){send_area + SEND_SIZE - 64, 64};
        msg->msg_iov = iov, msg->msg_iovlen = 1, msg->msg_control = NULL, msg->msg_controllen = 0;
        flags = MSG_DONTWAIT, where = (long)msg, msg_text = "msg";
        snprintf(iov_text, sizeof iov_text, "iov [valid 64 len=64] (plain: passcred)");
        snprintf(ctl_text, sizeof ctl_text, "no control");
    }
    long got = sys6(SYS_sendmsg, fd, where, flags, 0, 0, 0);
    int error = errno;
    begin("sendmsg");
    put("%s, %s{%s, %s, %s}, flags %#lx", fd_text, msg_text, addr_text, iov_text, ctl_text, flags);
    result(got, error);
    end();
}

static const long recv_controllens[] = {0, 1, 16, 20, 24, 28, 32, 64, 256, 1100, 4096};

/* A msghdr to receive into: name room, iov, control room. */
static void build_recv_msg(struct msghdr *msg, char *out, size_t size, unsigned char **valid, long *valid_length,
                           unsigned char **name) {
    char iov_text[300];
    build_iov(msg, 0, 0, iov_text, sizeof iov_text, valid, valid_length);
    *name = NULL;
    int used = 0;
    long r = below(100);
    if (r < 60) {
        *name = work(320);
        memset(*name, 0xa5, 320);
        msg->msg_name = *name;
        msg->msg_namelen = chance(75) ? sizeof(struct sockaddr_un) : (socklen_t)PICK(rooms);
        used = snprintf(out, size, "name room=%d", (int)msg->msg_namelen);
    } else if (r < 65) {
        msg->msg_name = unmapped();
        msg->msg_namelen = sizeof(struct sockaddr_un);
        used = snprintf(out, size, "name unmapped");
    } else if (r < 68) {
        msg->msg_name = read_only;
        msg->msg_namelen = sizeof(struct sockaddr_un);
        used = snprintf(out, size, "name read-only");
    } else {
        msg->msg_namelen = chance(90) ? 0 : 110;
        used = snprintf(out, size, "no name (namelen %d)", (int)msg->msg_namelen);
    }
    used += snprintf(out + used, size - (size_t)used, ", %s", iov_text);
    r = below(100);
    if (r < 35) {
        used += snprintf(out + used, size - (size_t)used, ", no control");
    } else if (r < 38) {
        msg->msg_control = unmapped();
        msg->msg_controllen = 64;
        used += snprintf(out + used, size - (size_t)used, ", control unmapped");
    } else if (r < 40) {
        msg->msg_control = read_only;
        msg->msg_controllen = 64;
        used += snprintf(out + used, size - (size_t)used, ", control read-only");
    } else {
        msg->msg_controllen = (size_t)PICK(recv_controllens);
        msg->msg_control = work(msg->msg_controllen ? msg->msg_controllen : 1);
        used += snprintf(out + used, size - (size_t)used, ", control room=%zu", msg->msg_controllen);
    }
}

static void describe_received(const struct msghdr *msg, unsigned char *valid, long valid_length, unsigned char *name,
                              long room, long got) {
    put("%s", data_text(valid, valid_length, got));
    if (name) put(" name %s", address_text(name, room, msg->msg_namelen));
    else put(" namelen=%d", (int)msg->msg_namelen);
    put(" flags %#x", (unsigned)msg->msg_flags);
    char control[2048];
    describe_control(msg, (long)msg->msg_controllen, control, sizeof control);
    put("%s", control);
}

static void call_recvmsg(void) {
    char fd_text[32], msg_text[500];
    long fd = pick_fd(fd_text, sizeof fd_text, NULL);
    struct msghdr *msg = work(sizeof *msg);
    unsigned char *valid, *name;
    long valid_length;
    build_recv_msg(msg, msg_text, sizeof msg_text, &valid, &valid_length, &name);
    long room = msg->msg_namelen;
    long flags = pick_msg_flags();
    long where = (long)msg;
    const char *where_text = "msg";
    long r = below(100);
    if (r < 2) where = 0, where_text = "msg NULL";
    else if (r < 4) where = (long)unmapped(), where_text = "msg unmapped";
    else if (r < 6) {
        /* A read-only msghdr: the kernel reads it, then cannot write the lengths back. */
        unsigned char *copy = read_only + 1024;
        mprotect(read_only, PAGE, PROT_READ | PROT_WRITE);
        memcpy(copy, msg, sizeof *msg);
        mprotect(read_only, PAGE, PROT_READ);
        where = (long)copy, where_text = "msg read-only";
    }
    long got = sys6(SYS_recvmsg, fd, where, flags, 0, 0, 0);
    int error = errno;
    begin("recvmsg");
    put("%s, %s{%s}, flags %#lx", fd_text, where_text, msg_text, flags);
    result(got, error);
    if (got >= 0 && where == (long)msg) describe_received(msg, valid, valid_length, name, room, got);
    end();
}

/* README, Known differences: a sendmmsg with an address in any message sends at most 8
 * messages under jvisor; the fuzzer's vectors with names have at most 8. */
#define SENDMMSG_NAMED_MOST 8

static void call_sendmmsg(void) {
    static const long vlens[] = {0, 1, 1, 2, 2, 3, 8, 9, 1025, (long)0x100000002L};
    char fd_text[32];
    int k;
    long fd = pick_fd(fd_text, sizeof fd_text, &k);
    long vlen = PICK(vlens);
    long built = vlen & 0xffffffffL;
    if (built > 9) built = 4;
    struct mmsghdr *vector = work(sizeof *vector * (size_t)(built ? built : 1));
    char text[2000];
    int used = 0;
    int named = 0;
    text[0] = 0;
    for (long i = 0; i < built; i++) {
        char addr_text[200], iov_text[300], ctl_text[400];
        struct msghdr *msg = &vector[i].msg_hdr;
        unsigned char *v;
        long vl;
        build_iov(msg, 1, slot_is_dgram(k), iov_text, sizeof iov_text, &v, &vl);
        if (chance(40)) {
            long addr, len;
            pick_address(addr_text, sizeof addr_text, &addr, &len);
            msg->msg_name = (void *)addr;
            msg->msg_namelen = (socklen_t)len;
            named |= addr != 0 && len != 0;
        } else {
            snprintf(addr_text, sizeof addr_text, "no name");
        }
        if (chance(30)) build_send_control(msg, ctl_text, sizeof ctl_text);
        else snprintf(ctl_text, sizeof ctl_text, "no control");
        if ((size_t)used < sizeof text)
            used += snprintf(text + used, sizeof text - (size_t)used, "%s{%s, %s, %s}", i ? " " : "", addr_text,
                             iov_text, ctl_text);
    }
    if (named && plain_send_needed(k)) {
        for (long i = 0; i < built; i++) vector[i].msg_hdr.msg_name = NULL, vector[i].msg_hdr.msg_namelen = 0;
        named = 0;
        if ((size_t)used < sizeof text) used += snprintf(text + used, sizeof text - (size_t)used, " (names dropped: passcred)");
    }
    if (named && (vlen & 0xffffffffL) > SENDMMSG_NAMED_MOST) vlen = SENDMMSG_NAMED_MOST;
    long flags = pick_msg_flags();
    long where = (long)vector;
    const char *where_text = "vec";
    long r = below(100);
    if (r < 3) where = 0, where_text = "vec NULL";
    else if (r < 5) where = (long)unmapped(), where_text = "vec unmapped";
    else if (built < (vlen & 0xffffffffL)) {
        /* More messages than built: the vector ends at an unmapped page. */
        size_t bytes = sizeof *vector * (size_t)built;
        unsigned char *edge = work_edge(bytes ? bytes : 1);
        memcpy(edge, vector, bytes);
        where = (long)edge;
        vector = (struct mmsghdr *)edge;
        where_text = "vec ending at unmapped";
    }
    long got = sys6(SYS_sendmmsg, fd, where, vlen, flags, 0, 0);
    int error = errno;
    begin("sendmmsg");
    put("%s, %s[%s], vlen %ld, flags %#lx", fd_text, where_text, text, vlen, flags);
    result(got, error);
    if (got > 0 && (where == (long)vector)) {
        put(" sent");
        for (long i = 0; i < got && i < built; i++) put(" %u", vector[i].msg_len);
    }
    end();
}

static void call_recvmmsg(void) {
    static const long vlens[] = {0, 1, 1, 2, 2, 3, 4, 1025, (long)0x100000002L};
    char fd_text[32];
    long fd = pick_fd(fd_text, sizeof fd_text, NULL);
    long vlen = PICK(vlens);
    long built = vlen & 0xffffffffL;
    if (built > 4) built = 3;
    struct mmsghdr *vector = work(sizeof *vector * (size_t)(built ? built : 1));
    unsigned char *valid[4] = {0}, *names[4] = {0};
    long valid_lengths[4] = {0}, rooms_of[4] = {0};
    char text[2400];
    int used = 0;
    text[0] = 0;
    for (long i = 0; i < built; i++) {
        char msg_text[500];
        build_recv_msg(&vector[i].msg_hdr, msg_text, sizeof msg_text, &valid[i], &valid_lengths[i], &names[i]);
        rooms_of[i] = vector[i].msg_hdr.msg_namelen;
        /* Two messages must not share a receive buffer: only the first keeps its data. */
        if (i > 0) valid[i] = NULL;
        if ((size_t)used < sizeof text)
            used += snprintf(text + used, sizeof text - (size_t)used, "%s{%s}", i ? " " : "", msg_text);
    }
    long flags = pick_msg_flags();
    struct timespec *timeout = work(sizeof *timeout);
    long tptr = 0;
    const char *ttext = "no timeout";
    long r = below(100);
    if (r < 15) tptr = (long)timeout, ttext = "timeout 0";
    else if (r < 18) *timeout = (struct timespec){0, -1}, tptr = (long)timeout, ttext = "timeout nsec -1";
    else if (r < 20) tptr = (long)unmapped(), ttext = "timeout unmapped";
    long where = (long)vector;
    const char *where_text = "vec";
    r = below(100);
    if (r < 3) where = 0, where_text = "vec NULL";
    else if (r < 5) where = (long)unmapped(), where_text = "vec unmapped";
    long got = sys6(SYS_recvmmsg, fd, where, vlen, flags, tptr, 0);
    int error = errno;
    begin("recvmmsg");
    put("%s, %s[%s], vlen %ld, flags %#lx, %s", fd_text, where_text, text, vlen, flags, ttext);
    result(got, error);
    if (got > 0 && where == (long)vector) {
        for (long i = 0; i < got && i < built; i++) {
            put(" [%ld: len %u", i, vector[i].msg_len);
            describe_received(&vector[i].msg_hdr, valid[i], valid_lengths[i], names[i], rooms_of[i],
                              (long)vector[i].msg_len);
            put("]");
        }
    }
    end();
}

/* ---- housekeeping (not trapped; printed so that the transcript says what happened) ---- */

static void do_close(void) {
    int k = random_socket();
    if (k < 0) return;
    line_used = 0;
    put("%ld close(fd#%d)\n", iteration, k);
    say("%s", line);
    close(slots[k].fd);
    last_closed = slots[k].fd;
    slots[k] = (struct slot){.fd = -1, .kind = K_NONE};
}

static void do_unlink(void) {
    char path[64];
    long k = below(4);
    snprintf(path, sizeof path, "%s-p%ld", tag, k);
    int got = unlink(path);
    say("%ld unlink(%s-p%ld) = %d %s\n", iteration, short_tag, k, got, got ? errno_name(errno) : "");
}

/* A nonblocking AF_UNIX socket of `type`, then its bind to a fuzzed name. Returns its slot
   (its descriptor in *fd), or -1 when the socket could not be made. */
static int make_bound(long type, int kind, long *fd) {
    *fd = sys6(SYS_socket, AF_UNIX, type | SOCK_NONBLOCK, 0, 0, 0, 0);
    int error = errno;
    begin("socket");
    put("family 1, type %ld|NONBLOCK|, protocol 0", type);
    result(*fd >= 0 ? 0 : -1, error);
    int k = *fd >= 0 ? add_socket((int)*fd, kind) : -1;
    if (k >= 0) put(" fd#%d", k);
    end();
    if (k < 0) return -1;
    iteration++;
    unsigned char *buffer = work(320);
    char what[96];
    long len = (long)make_name(buffer, what, sizeof what);
    long got = sys6(SYS_bind, *fd, (long)buffer, len, 0, 0, 0);
    error = errno;
    begin("bind");
    put("fd#%d, %s len=%ld", k, what, len);
    result(got, error);
    end();
    return k;
}

/* A listener in three calls (socket, bind, listen), so that connects find one often. */
static void make_listener(void) {
    static const long kinds[] = {SOCK_STREAM, SOCK_SEQPACKET};
    long type = PICK(kinds);
    long fd;
    int k = make_bound(type, made_kind(type), &fd);
    if (k < 0) return;
    iteration++;
    long backlog = below(4);
    long got = sys6(SYS_listen, fd, backlog, 0, 0, 0, 0);
    int error = errno;
    begin("listen");
    put("fd#%d, %ld", k, backlog);
    result(got, error);
    end();
}

/* A named datagram socket (socket, bind). */
static void make_receiver(void) {
    long fd;
    make_bound(SOCK_DGRAM, K_DGRAM, &fd);
}

static void one_call(void) {
    work_reset();
    int sockets = open_sockets();
    long r = below(sockets < 3 ? 60 : 1000);
    if (sockets < 3 && r < 40) r = 1000 + r; /* few sockets: make some */
    if (r >= 1000) {
        long which = below(4);
        if (which == 0) make_listener();
        else if (which == 1) make_receiver();
        else call_socketpair();
        return;
    }
    if (r < 40) call_socket();
    else if (r < 90) call_socketpair();
    else if (r < 150) call_bind_or_connect(SYS_bind, "bind");
    else if (r < 240) call_bind_or_connect(SYS_connect, "connect");
    else if (r < 275) call_listen();
    else if (r < 305) call_accept(0);
    else if (r < 345) call_accept(1);
    else if (r < 385) call_getname(SYS_getsockname, "getsockname");
    else if (r < 425) call_getname(SYS_getpeername, "getpeername");
    else if (r < 480) call_getsockopt();
    else if (r < 535) call_setsockopt();
    else if (r < 560) call_shutdown();
    else if (r < 630) call_sendto();
    else if (r < 690) call_recvfrom();
    else if (r < 770) call_sendmsg();
    else if (r < 840) call_recvmsg();
    else if (r < 870) call_sendmmsg();
    else if (r < 900) call_recvmmsg();
    else if (r < 930) make_listener();
    else if (r < 950) make_receiver();
    else if (r < 985) do_close();
    else do_unlink();
}

static void pause_for_line(const char *first) {
    say("%s\n", first);
    char buffer[16];
    if (fgets(buffer, sizeof buffer, stdin) == NULL) exit(1);
}

/* Removes the socket files of the fuzzer's names in the working directory, whole or cut
 * short by a length ("f", "fz1", "fz1x0a..."): prefixes of "fz<seed>x", or names that
 * start with it (this run's token or an earlier run's). */
static void cleanup_names(void) {
    DIR *directory = opendir(".");
    if (!directory) return;
    for (struct dirent *entry; (entry = readdir(directory)) != NULL;) {
        const char *name = entry->d_name;
        size_t length = strlen(name);
        size_t seed_part = strlen(short_tag) + 1; /* "fz<seed>x" */
        int ours = length < seed_part ? strncmp(tag, name, length) == 0 : strncmp(tag, name, seed_part) == 0;
        struct stat st;
        if (ours && lstat(name, &st) == 0 && S_ISSOCK(st.st_mode)) unlink(name);
    }
    closedir(directory);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: unix-fuzz SEED ITERATIONS [--pause]\n");
        return 2;
    }
    seed = strtol(argv[1], NULL, 10);
    long iterations = strtol(argv[2], NULL, 10);
    int pausing = argc > 3 && strcmp(argv[3], "--pause") == 0;
    state = 0x9E3779B97F4A7C15ULL ^ (uint64_t)seed * 0xBF58476D1CE4E5B9ULL;
    if (state == 0) state = 1;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    snprintf(token, sizeof token, "%08lx", ((unsigned long)getpid() * 2654435761UL ^ (unsigned long)now.tv_nsec) & 0xffffffffUL);
    snprintf(short_tag, sizeof short_tag, "fz%ld", seed);
    snprintf(tag, sizeof tag, "fz%ldx%s", seed, token);
    signal(SIGPIPE, SIG_IGN);

    send_area = guarded(SEND_SIZE);
    for (long i = 0; i < SEND_SIZE; i++) send_area[i] = (unsigned char)(i * 31 + 7);
    recv_area = guarded(RECV_SIZE);
    work_area = guarded(WORK_SIZE);
    memset(work_area, 0, WORK_SIZE);
    read_only = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (read_only == MAP_FAILED) return 2;
    struct sockaddr_un *ro = (struct sockaddr_un *)read_only;
    ro->sun_family = AF_UNIX;
    snprintf(ro->sun_path + 1, sizeof ro->sun_path - 1, "%s-ro", tag);
    int ro_room = sizeof(struct sockaddr_un);
    memcpy(read_only + 2048, &ro_room, sizeof ro_room);
    mprotect(read_only, PAGE, PROT_READ);
    read_only_data = guarded(SEND_SIZE);
    memcpy(read_only_data, send_area, SEND_SIZE);
    mprotect(read_only_data, SEND_SIZE, PROT_READ);

    cleanup_names();
    char file_name[64];
    snprintf(file_name, sizeof file_name, "%s-file", tag);
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_NONBLOCK) != 0) return 2;
    int file = open(file_name, O_RDWR | O_CREAT | O_TRUNC, 0600);
    int null = open("/dev/null", O_RDWR);
    if (file < 0 || null < 0) return 2;
    slots[0] = (struct slot){.fd = pipe_fds[0], .kind = K_PIPE_R};
    slots[1] = (struct slot){.fd = pipe_fds[1], .kind = K_PIPE_W};
    slots[2] = (struct slot){.fd = file, .kind = K_FILE};
    slots[3] = (struct slot){.fd = null, .kind = K_NULL};
    for (int k = 0; k < FIXED; k++) identify(&slots[k]);
    for (int k = FIXED; k < SLOTS; k++) slots[k] = (struct slot){.fd = -1, .kind = K_NONE};

    if (pausing) pause_for_line("ready");
    say("unix-fuzz seed %ld, %ld iterations\n", seed, iterations);
    for (iteration = 1; iteration <= iterations; iteration++) one_call();

    for (int k = FIXED; k < SLOTS; k++) if (slots[k].kind != K_NONE) close(slots[k].fd), slots[k].kind = K_NONE;
    for (int k = 0; k < pin_count; k++) close(pins[k].fd);
    /* Descriptors received by SCM_RIGHTS into numbers no slot holds: closed too, so that
       every socket the run made is released by "done" (jvisor's tables are compared there). */
    long strays = 0;
    for (int fd = 3; fd < 4096; fd++) {
        int fixed = 0;
        for (int k = 0; k < FIXED; k++) fixed |= slots[k].fd == fd;
        if (!fixed && fcntl(fd, F_GETFD) >= 0) close(fd), strays++;
    }
    say("end: %d autobind names, %d pins, %ld other descriptors closed\n", autobind_count, pin_count, strays);
    cleanup_names();
    unlink(file_name);
    if (pausing) pause_for_line("done");
    return 0;
}
