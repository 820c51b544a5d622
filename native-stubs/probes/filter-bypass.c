/*
 * Ways around a seccomp filter that looks only at x86-64 syscall numbers: the 32-bit
 * int 0x80 entry (socketcall(2) and socket(2) of the i386 table), x32 numbers, and
 * io_uring (whose operations never pass through seccomp: under jvisor a ring is made as
 * natively, restricted: RingsTest). Prints what each attempt gave and
 * how many descriptors it created.
 *
 *   filter-bypass io_uring|int80-socketcall|int80-socket|int80-socketpair|x32-socket|socket
 */
#include "probe.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/syscall.h>

#define I386_SOCKETCALL 102
#define I386_SOCKET 359
#define SYS_SOCKET_CALL 1       /* socketcall's call numbers, linux/net.h */
#define SYS_SOCKETPAIR_CALL 8
#define X32_SYSCALL_BIT 0x40000000L
#define X32_SOCKET 41
#define IO_URING_SETUP 425

static sigjmp_buf recover;

static void on_fault(int sig) {
    siglongjmp(recover, sig);
}

/* A 32-bit system call from 64-bit code: the kernel takes its arguments from ebx, ecx,
 * edx and, as on i386, clears r8-r11 on the way back. */
static long int80(long number, long a, long b, long c) {
    long result;
    __asm__ volatile("int $0x80"
                     : "=a"(result)
                     : "a"(number), "b"(a), "c"(b), "d"(c)
                     : "memory", "cc", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15");
    return result;
}

static void print_raw(const char *what, long result) {
    if (result < 0 && result > -4096) say("%s: -1 %s\n", what, errno_name((int)-result));
    else say("%s: ok\n", what);
}

static void *low_memory(void) {
    /* i386 pointers are 32 bits: socketcall's argument block must lie below 4 GiB. */
    void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (page == MAP_FAILED) {
        say("mmap(MAP_32BIT): -1 %s\n", errno_name(errno));
        exit(1);
    }
    return page;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: filter-bypass MODE\n");
        return 2;
    }
    const char *mode = argv[1];
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_fault;
    sigaction(SIGSEGV, &action, NULL);
    sigaction(SIGILL, &action, NULL);

    int before = open_descriptors();
    int sig = sigsetjmp(recover, 1);
    if (sig != 0) {
        say("%s: died of %s\n", mode, sig == SIGSEGV ? "SIGSEGV" : "SIGILL");
    } else if (strcmp(mode, "io_uring") == 0) {
        unsigned char params[120] = {0};   /* struct io_uring_params */
        long fd = syscall(IO_URING_SETUP, 4, params);
        print_raw("io_uring_setup", fd < 0 ? -errno : fd);
    } else if (strcmp(mode, "int80-socketcall") == 0) {
        uint32_t *args = low_memory();
        args[0] = AF_UNIX;
        args[1] = SOCK_STREAM;
        args[2] = 0;
        print_raw("int 0x80 socketcall(SYS_SOCKET, AF_UNIX)",
                  int80(I386_SOCKETCALL, SYS_SOCKET_CALL, (long)(uintptr_t)args, 0));
    } else if (strcmp(mode, "int80-socketpair") == 0) {
        uint32_t *args = low_memory();
        args[0] = AF_UNIX;
        args[1] = SOCK_STREAM;
        args[2] = 0;
        args[3] = (uint32_t)(uintptr_t)(args + 8);
        print_raw("int 0x80 socketcall(SYS_SOCKETPAIR, AF_UNIX)",
                  int80(I386_SOCKETCALL, SYS_SOCKETPAIR_CALL, (long)(uintptr_t)args, 0));
    } else if (strcmp(mode, "int80-socket") == 0) {
        print_raw("int 0x80 socket(AF_UNIX)", int80(I386_SOCKET, AF_UNIX, SOCK_STREAM, 0));
    } else if (strcmp(mode, "x32-socket") == 0) {
        long fd = syscall(X32_SYSCALL_BIT | X32_SOCKET, AF_UNIX, SOCK_STREAM, 0);
        print_raw("x32 socket(AF_UNIX)", fd < 0 ? -errno : fd);
    } else if (strcmp(mode, "socket") == 0) {
        long fd = socket(AF_UNIX, SOCK_STREAM, 0);
        print_raw("socket(AF_UNIX)", fd < 0 ? -errno : fd);
        struct sockaddr_un name;
        socklen_t length = sizeof name;
        long got = getsockname((int)fd, (struct sockaddr *)&name, &length);
        say("getsockname: %ld length %u\n", got, (unsigned)length);
    } else {
        fprintf(stderr, "filter-bypass: unknown mode %s\n", mode);
        return 2;
    }
    say("new descriptors: %d\n", open_descriptors() - before);
    return 0;
}
