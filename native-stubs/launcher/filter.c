/*
 * The filter traps, with SECCOMP_RET_TRACE, exactly the calls the sentry answers: the
 * socket-family calls on an existing descriptor that name, resolve or report a socket
 * address, whatever the descriptor is (the sentry passes them through on other families).
 * socket and socketpair run natively: every sandbox socket is the kernel socket the program
 * made, which the sentry learns of at its first trapped call. The exception is an AF_UNIX
 * SOCK_DGRAM socket or pair: a process that makes one can address datagrams with sendmsg,
 * whose address is inside the msghdr, out of this filter's sight, so the sentry then adds a
 * filter that traps sendmsg and sendmmsg in that process. The data path runs natively:
 * sendmsg and sendmmsg (elsewhere), and sendto, recvfrom, accept and accept4 without an
 * address (the kernel's answers are exact there; recvmsg stays trapped because its address
 * is inside the msghdr). Everything else runs natively.
 *
 * The send traps must reach every process that can use a datagram socket: so recvmsg and
 * recvmmsg (which may receive one by SCM_RIGHTS) are trapped, and so are pidfd_getfd (which
 * copies one from another process) and a clone that makes a process sharing its parent's
 * descriptor table (CLONE_FILES without CLONE_THREAD: a socket either process makes later is
 * the other's too). clone3 keeps its flags in memory, out of this filter's sight, so it
 * answers ENOSYS, as on a kernel before 5.3: the C library then makes the same clone with
 * clone(2) (glibc's __clone_internal does so on ENOSYS; container runtimes' default filters
 * answer clone3 the same way, for the same reason).
 *
 * A NETLINK_SOCK_DIAG socket is trapped: it would list every AF_UNIX socket of the host's
 * network namespace with the kernel's (hidden) names, so the sentry adds a filter that traps
 * the reads and sends of its descriptor and answers them with the sandbox's sockets alone.
 *
 * A syscall made with another ABI gets ENOSYS, as on a kernel without it: int 0x80 from a
 * 64-bit program reports AUDIT_ARCH_I386, where socketcall(2) would multiplex every socket
 * call past this filter; x32 numbers carry __X32_SYSCALL_BIT.
 *
 * io_uring operations never pass through seccomp, so the sentry makes every ring
 * (io_uring_setup is trapped) disabled, and no ring is enabled without its restrictions,
 * which refuse the socket operations: io_uring_register is trapped for
 * IORING_REGISTER_RESTRICTIONS and IORING_REGISTER_ENABLE_RINGS (the low 31 bits of its
 * opcode, args[1]: io_uring/register.c masks IORING_REGISTER_USE_REGISTERED_RING off).
 *
 * Two routes around the tracer are refused with EPERM: a filter of the program's own with a
 * user-notification listener (SECCOMP_FILTER_FLAG_NEW_LISTENER), whose supervisor could
 * answer SECCOMP_USER_NOTIF_FLAG_CONTINUE and so run a call with no ptrace stop
 * (kernel/seccomp.c: seccomp_run_filters takes the most restrictive action, and
 * SECCOMP_RET_USER_NOTIF outranks SECCOMP_RET_TRACE); and ptrace(2) attaching to another
 * process (PTRACE_ATTACH, PTRACE_SEIZE) or asking to be traced (PTRACE_TRACEME). Every
 * sandbox process is already traced by jvisor, so Linux itself refuses those with EPERM
 * (kernel/ptrace.c: ptrace_attach, ptrace_traceme: a tracee cannot be attached twice); for
 * a host process of the program's uid this refusal closes the route even where no Landlock
 * domain (launcher.c) forbids it.
 *
 * The calls that change mounts are refused with EPERM too: mount, umount2, pivot_root and
 * the new mount API (fsopen, fspick, fsmount, move_mount, mount_setattr, and open_tree when
 * it clones a mount). A root program could otherwise make jvisor's read-only directory of
 * hidden names writable again (readonly.c): mount_setattr(2) clearing MOUNT_ATTR_RDONLY
 * reaches no LSM hook, so the Landlock domain, which refuses the others, does not refuse it
 * (red team route 7, "mount"). Without CAP_SYS_ADMIN each of them fails with EPERM anyway.
 */
#include "filter.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_io_uring_register
#define __NR_io_uring_register 427
#endif
#define URING_REGISTER_OPCODE_MASK 0x7fffffff
#define URING_REGISTER_RESTRICTIONS 11
#define URING_REGISTER_ENABLE_RINGS 12
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef PTRACE_SEIZE
#define PTRACE_SEIZE 0x4206
#endif
#define PTRACE_TRACEME_REQUEST 0
#define PTRACE_ATTACH_REQUEST 16
#ifndef __NR_clone3
#define __NR_clone3 435
#endif
#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd 438
#endif
#ifndef CLONE_FILES
#define CLONE_FILES 0x00000400
#endif
#ifndef CLONE_THREAD
#define CLONE_THREAD 0x00010000
#endif
#ifndef __NR_open_by_handle_at
#define __NR_open_by_handle_at 304
#endif
#define NR_OPEN_TREE 428
#define NR_MOVE_MOUNT 429
#define NR_FSOPEN 430
#define NR_FSMOUNT 432
#define NR_FSPICK 433
#define NR_MOUNT_SETATTR 442
#define OPEN_TREE_CLONE_FLAG 1
#ifndef AF_NETLINK
#define AF_NETLINK 16
#endif
#define NETLINK_SOCK_DIAG_PROTOCOL 4

/* Calls trapped whatever their arguments: the socket-family calls, and the calls that change
 * a thread's credentials (the sentry keeps what it knows of them up to date: a thread that
 * may override file permissions needs no permission check injected before a connect). */
static const int trapped_calls[] = {
    __NR_bind,        __NR_connect,     __NR_listen,      __NR_getsockname,
    __NR_getpeername, __NR_getsockopt,  __NR_setsockopt,  __NR_shutdown,
    __NR_recvmsg,     __NR_recvmmsg,    __NR_pidfd_getfd,
    __NR_setuid,      __NR_setgid,      __NR_setreuid,    __NR_setregid,
    __NR_setgroups,   __NR_setresuid,   __NR_setresgid,   __NR_setfsuid,
    __NR_setfsgid,    __NR_capset,      __NR_io_uring_setup,
};
#define TRAPPED_COUNT (sizeof(trapped_calls) / sizeof(trapped_calls[0]))

/* Calls refused with EPERM whatever their arguments: those that change mounts. */
static const int mount_calls[] = {
    __NR_mount,  __NR_umount2,  __NR_pivot_root,  NR_MOVE_MOUNT,
    NR_FSOPEN,   NR_FSMOUNT,    NR_FSPICK,        NR_MOUNT_SETATTR,
};
#define MOUNT_CALLS_COUNT (sizeof(mount_calls) / sizeof(mount_calls[0]))

/* Fixed head (6 statements), one per trapped call, one per mount call, three for open_tree,
 * five for io_uring_register, five for seccomp, seven for ptrace, eleven for an AF_UNIX
 * datagram socket or socketpair and a sock_diag netlink socket,
 * six for sendto/recvfrom with an address, six for accept/accept4 with one, four for a clone
 * that shares the descriptor table, and four returns (classic BPF only jumps forward, so
 * every return is at the end). */
#define PROGRAM_LENGTH (6 + TRAPPED_COUNT + MOUNT_CALLS_COUNT + 3 + 5 + 5 + 7 + 11 + 6 + 6 + 4 + 4)

static void put(struct sock_filter *program, size_t *at, struct sock_filter statement) {
    program[(*at)++] = statement;
}

static struct sock_filter load(size_t offset) {
    return (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (unsigned)offset);
}

static struct sock_filter ret(unsigned value) {
    return (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, value);
}

/* A conditional jump from statement `from` to absolute targets. */
static struct sock_filter jump(int op, unsigned k, size_t from, size_t if_true, size_t if_false) {
    return (struct sock_filter)BPF_JUMP(BPF_JMP | op | BPF_K, k,
                                        (unsigned char)(if_true - from - 1),
                                        (unsigned char)(if_false - from - 1));
}

int jvisor_install_filter(void) {
    struct sock_filter program[PROGRAM_LENGTH];
    const size_t ret_eperm = PROGRAM_LENGTH - 4;
    const size_t ret_enosys = PROGRAM_LENGTH - 3;
    const size_t ret_allow = PROGRAM_LENGTH - 2;
    const size_t ret_trace = PROGRAM_LENGTH - 1;
    size_t at = 0;

    put(program, &at, load(offsetof(struct seccomp_data, arch)));
    put(program, &at, jump(BPF_JEQ, AUDIT_ARCH_X86_64, at, at + 1, ret_enosys));
    put(program, &at, load(offsetof(struct seccomp_data, nr)));
    put(program, &at, jump(BPF_JGE, __X32_SYSCALL_BIT, at, ret_enosys, at + 1));
    put(program, &at, jump(BPF_JEQ, __NR_clone3, at, ret_enosys, at + 1));
    /* open_by_handle_at(2) opens a file by its handle through any mount of its filesystem:
     * a root program could reach jvisor's directory of hidden names through a writable
     * mount, past the read-only one the launcher gives the sandbox (readonly.c). */
    put(program, &at, jump(BPF_JEQ, __NR_open_by_handle_at, at, ret_eperm, at + 1));
    for (size_t i = 0; i < TRAPPED_COUNT; i++)
        put(program, &at, jump(BPF_JEQ, (unsigned)trapped_calls[i], at, ret_trace, at + 1));
    for (size_t i = 0; i < MOUNT_CALLS_COUNT; i++)
        put(program, &at, jump(BPF_JEQ, (unsigned)mount_calls[i], at, ret_eperm, at + 1));
    /* open_tree(2) without OPEN_TREE_CLONE (args[2], unsigned int) only opens a path. */
    put(program, &at, jump(BPF_JEQ, NR_OPEN_TREE, at, at + 1, at + 3));
    put(program, &at, load(offsetof(struct seccomp_data, args[2])));
    put(program, &at, jump(BPF_JSET, OPEN_TREE_CLONE_FLAG, at, ret_eperm, ret_allow));
    /* io_uring_register(2): the opcode is an unsigned int (args[1], the low word). */
    put(program, &at, jump(BPF_JEQ, __NR_io_uring_register, at, at + 1, at + 5));
    put(program, &at, load(offsetof(struct seccomp_data, args[1])));
    put(program, &at, (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, URING_REGISTER_OPCODE_MASK));
    put(program, &at, jump(BPF_JEQ, URING_REGISTER_RESTRICTIONS, at, ret_trace, at + 1));
    put(program, &at, jump(BPF_JEQ, URING_REGISTER_ENABLE_RINGS, at, ret_trace, ret_allow));
    /* seccomp(2)'s operation and flags are unsigned int (kernel/seccomp.c: the syscall's
     * definition), so only the low words count. SECCOMP_SET_MODE_FILTER with
     * SECCOMP_FILTER_FLAG_NEW_LISTENER: EPERM; every other use runs (jvisor's own injected
     * filters use SECCOMP_FILTER_FLAG_TSYNC only). prctl(PR_SET_SECCOMP) takes no flags. */
    const size_t seccomp = at;
    put(program, &at, jump(BPF_JEQ, __NR_seccomp, at, seccomp + 1, seccomp + 5));
    put(program, &at, load(offsetof(struct seccomp_data, args[0])));
    put(program, &at, jump(BPF_JEQ, SECCOMP_SET_MODE_FILTER, at, at + 1, ret_allow));
    put(program, &at, load(offsetof(struct seccomp_data, args[1])));
    put(program, &at, jump(BPF_JSET, SECCOMP_FILTER_FLAG_NEW_LISTENER, at, ret_eperm, ret_allow));
    /* ptrace(2)'s request is a long: PTRACE_TRACEME, PTRACE_ATTACH and PTRACE_SEIZE (high
     * word 0) get EPERM; other requests act only on the caller's own tracees. */
    const size_t ptrace = at;
    put(program, &at, jump(BPF_JEQ, __NR_ptrace, at, ptrace + 1, ptrace + 7));
    put(program, &at, load(offsetof(struct seccomp_data, args[0]) + 4));
    put(program, &at, jump(BPF_JEQ, 0, at, at + 1, ret_allow));
    put(program, &at, load(offsetof(struct seccomp_data, args[0])));
    put(program, &at, jump(BPF_JEQ, PTRACE_TRACEME_REQUEST, at, ret_eperm, at + 1));
    put(program, &at, jump(BPF_JEQ, PTRACE_ATTACH_REQUEST, at, ret_eperm, at + 1));
    put(program, &at, jump(BPF_JEQ, PTRACE_SEIZE, at, ret_eperm, ret_allow));
    /* socket and socketpair are trapped for AF_UNIX (args[0]) and SOCK_DGRAM or SOCK_RAW
     * (which unix_create makes a datagram socket), whatever the SOCK_NONBLOCK and
     * SOCK_CLOEXEC bits (args[1] & SOCK_TYPE_MASK). A NETLINK_SOCK_DIAG socket (args[2]) is
     * trapped: it would list every socket of the host's network namespace, with the hidden
     * names, so the sentry traps its reads and rewrites what they return (the sandbox's
     * sockets, under their names, as /proc/net/unix lists them). */
    const size_t datagram = at;
    put(program, &at, jump(BPF_JEQ, __NR_socket, at, datagram + 2, datagram + 1));
    put(program, &at, jump(BPF_JEQ, __NR_socketpair, at, datagram + 2, datagram + 11));
    put(program, &at, load(offsetof(struct seccomp_data, args[0])));
    put(program, &at, jump(BPF_JEQ, AF_UNIX, at, at + 1, datagram + 8));
    put(program, &at, load(offsetof(struct seccomp_data, args[1])));
    put(program, &at, (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf));
    put(program, &at, jump(BPF_JEQ, SOCK_DGRAM, at, ret_trace, at + 1));
    put(program, &at, jump(BPF_JEQ, SOCK_RAW, at, ret_trace, ret_allow));
    put(program, &at, jump(BPF_JEQ, AF_NETLINK, at, at + 1, ret_allow));
    put(program, &at, load(offsetof(struct seccomp_data, args[2])));
    put(program, &at, jump(BPF_JEQ, NETLINK_SOCK_DIAG_PROTOCOL, at, ret_trace, ret_allow));
    /* accept and accept4 are trapped when their address argument (args[1]) is not NULL. */
    put(program, &at, jump(BPF_JEQ, __NR_accept, at, at + 2, at + 1));
    put(program, &at, jump(BPF_JEQ, __NR_accept4, at, at + 1, at + 5));
    put(program, &at, load(offsetof(struct seccomp_data, args[1])));
    put(program, &at, jump(BPF_JEQ, 0, at, at + 1, ret_trace));
    put(program, &at, load(offsetof(struct seccomp_data, args[1]) + 4));
    put(program, &at, jump(BPF_JEQ, 0, at, ret_allow, ret_trace));
    /* clone is trapped when its flags (args[0], the low 32 bits) share the descriptor table
     * with a new process: CLONE_FILES without CLONE_THREAD. */
    put(program, &at, jump(BPF_JEQ, __NR_clone, at, at + 1, at + 4));
    put(program, &at, load(offsetof(struct seccomp_data, args[0])));
    put(program, &at, (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, CLONE_FILES | CLONE_THREAD));
    put(program, &at, jump(BPF_JEQ, CLONE_FILES, at, ret_trace, ret_allow));
    /* sendto and recvfrom are trapped when their address argument (args[4]) is not NULL. */
    put(program, &at, jump(BPF_JEQ, __NR_sendto, at, at + 2, at + 1));
    put(program, &at, jump(BPF_JEQ, __NR_recvfrom, at, at + 1, ret_allow));
    put(program, &at, load(offsetof(struct seccomp_data, args[4])));
    put(program, &at, jump(BPF_JEQ, 0, at, at + 1, ret_trace));
    put(program, &at, load(offsetof(struct seccomp_data, args[4]) + 4));
    put(program, &at, jump(BPF_JEQ, 0, at, ret_allow, ret_trace));
    put(program, &at, ret(SECCOMP_RET_ERRNO | EPERM));                     /* ret_eperm */
    put(program, &at, ret(SECCOMP_RET_ERRNO | ENOSYS));                    /* ret_enosys */
    put(program, &at, ret(SECCOMP_RET_ALLOW));                             /* ret_allow */
    put(program, &at, ret(SECCOMP_RET_TRACE));                             /* ret_trace */

    if (at != PROGRAM_LENGTH) {
        errno = EINVAL;
        return -1;
    }
    struct sock_fprog prog = {.len = PROGRAM_LENGTH, .filter = program};
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

/* Head (4 statements: arch, nr), one per call, two returns. */
#define TRAP_FILTER_MOST 64

int jvisor_install_trap_filter(const int *calls, size_t count) {
    if (count == 0 || count > TRAP_FILTER_MOST) {
        errno = EINVAL;
        return -1;
    }
    struct sock_filter program[4 + TRAP_FILTER_MOST + 2];
    const size_t length = 4 + count + 2;
    const size_t ret_allow = length - 2;
    const size_t ret_trace = length - 1;
    size_t at = 0;
    /* Other ABIs are the first filter's (ENOSYS). */
    put(program, &at, load(offsetof(struct seccomp_data, arch)));
    put(program, &at, jump(BPF_JEQ, AUDIT_ARCH_X86_64, at, at + 1, ret_allow));
    put(program, &at, load(offsetof(struct seccomp_data, nr)));
    put(program, &at, jump(BPF_JGE, __X32_SYSCALL_BIT, at, ret_allow, at + 1));
    for (size_t i = 0; i < count; i++)
        put(program, &at, jump(BPF_JEQ, (unsigned)calls[i], at, ret_trace, at + 1));
    put(program, &at, ret(SECCOMP_RET_ALLOW));                             /* ret_allow */
    put(program, &at, ret(SECCOMP_RET_TRACE));                             /* ret_trace */
    struct sock_fprog prog = {.len = (unsigned short)length, .filter = program};
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}
