package dev.jvisor.platform;

import java.util.Map;

/** x86-64 syscall numbers (asm/unistd_64.h) of the calls jvisor traps or injects. */
public final class Sysno {
    public static final int READ = 0;
    public static final int WRITE = 1;
    public static final int OPEN = 2;
    public static final int READV = 19;
    public static final int WRITEV = 20;
    public static final int CLOSE = 3;
    public static final int POLL = 7;
    public static final int MMAP = 9;
    public static final int MUNMAP = 11;
    public static final int PAUSE = 34;
    public static final int GETPID = 39;
    public static final int CLONE = 56;
    public static final int EXIT = 60;
    public static final int SOCKET = 41;
    public static final int CONNECT = 42;
    public static final int ACCEPT = 43;
    public static final int SENDTO = 44;
    public static final int RECVFROM = 45;
    public static final int SENDMSG = 46;
    public static final int RECVMSG = 47;
    public static final int SHUTDOWN = 48;
    public static final int BIND = 49;
    public static final int LISTEN = 50;
    public static final int GETSOCKNAME = 51;
    public static final int GETPEERNAME = 52;
    public static final int SOCKETPAIR = 53;
    public static final int SETSOCKOPT = 54;
    public static final int GETSOCKOPT = 55;
    public static final int SETUID = 105;
    public static final int SETGID = 106;
    public static final int SETREUID = 113;
    public static final int SETREGID = 114;
    public static final int SETGROUPS = 116;
    public static final int SETRESUID = 117;
    public static final int SETRESGID = 119;
    public static final int SETFSUID = 122;
    public static final int SETFSGID = 123;
    public static final int CAPSET = 126;
    public static final int GETTID = 186;
    public static final int FUTEX = 202;
    public static final int EPOLL_WAIT = 232;
    public static final int OPENAT = 257;
    public static final int MKNODAT = 259;
    public static final int NEWFSTATAT = 262;
    public static final int UNLINKAT = 263;
    public static final int EPOLL_PWAIT = 281;
    public static final int ACCEPT4 = 288;
    public static final int DUP3 = 292;
    public static final int RECVMMSG = 299;
    public static final int SENDMMSG = 307;
    public static final int SECCOMP = 317;
    public static final int MEMFD_CREATE = 319;
    public static final int IO_URING_SETUP = 425;
    public static final int IO_URING_ENTER = 426;
    public static final int IO_URING_REGISTER = 427;
    public static final int CLONE3 = 435;
    public static final int OPENAT2 = 437;
    public static final int PIDFD_GETFD = 438;
    public static final int FACCESSAT2 = 439;
    public static final int EPOLL_PWAIT2 = 441;
    public static final int MSEAL = 462;

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(READ, "read"), Map.entry(OPEN, "open"), Map.entry(OPENAT2, "openat2"),
            Map.entry(MEMFD_CREATE, "memfd_create"), Map.entry(DUP3, "dup3"), Map.entry(WRITE, "write"), Map.entry(CLOSE, "close"), Map.entry(POLL, "poll"),
            Map.entry(PAUSE, "pause"), Map.entry(GETPID, "getpid"), Map.entry(SOCKET, "socket"),
            Map.entry(CONNECT, "connect"), Map.entry(ACCEPT, "accept"), Map.entry(SENDTO, "sendto"),
            Map.entry(RECVFROM, "recvfrom"), Map.entry(SENDMSG, "sendmsg"), Map.entry(RECVMSG, "recvmsg"),
            Map.entry(SHUTDOWN, "shutdown"), Map.entry(BIND, "bind"), Map.entry(LISTEN, "listen"),
            Map.entry(GETSOCKNAME, "getsockname"), Map.entry(GETPEERNAME, "getpeername"),
            Map.entry(SOCKETPAIR, "socketpair"), Map.entry(SETSOCKOPT, "setsockopt"),
            Map.entry(GETSOCKOPT, "getsockopt"), Map.entry(GETTID, "gettid"), Map.entry(FUTEX, "futex"),
            Map.entry(OPENAT, "openat"), Map.entry(MKNODAT, "mknodat"), Map.entry(NEWFSTATAT, "newfstatat"),
            Map.entry(UNLINKAT, "unlinkat"), Map.entry(FACCESSAT2, "faccessat2"),
            Map.entry(SETUID, "setuid"), Map.entry(SETGID, "setgid"), Map.entry(SETREUID, "setreuid"),
            Map.entry(SETREGID, "setregid"), Map.entry(SETGROUPS, "setgroups"), Map.entry(SETRESUID, "setresuid"),
            Map.entry(SETRESGID, "setresgid"), Map.entry(SETFSUID, "setfsuid"), Map.entry(SETFSGID, "setfsgid"),
            Map.entry(CAPSET, "capset"),
            Map.entry(ACCEPT4, "accept4"), Map.entry(RECVMMSG, "recvmmsg"), Map.entry(SENDMMSG, "sendmmsg"),
            Map.entry(SECCOMP, "seccomp"), Map.entry(MMAP, "mmap"), Map.entry(MUNMAP, "munmap"),
            Map.entry(IO_URING_SETUP, "io_uring_setup"), Map.entry(IO_URING_ENTER, "io_uring_enter"),
            Map.entry(IO_URING_REGISTER, "io_uring_register"), Map.entry(MSEAL, "mseal"),
            Map.entry(CLONE, "clone"), Map.entry(EXIT, "exit"), Map.entry(CLONE3, "clone3"), Map.entry(PIDFD_GETFD, "pidfd_getfd"));

    private Sysno() {}

    /** The call's name, or "syscall_N" for one this table does not know. */
    public static String name(int number) {
        return NAMES.getOrDefault(number, "syscall_" + number);
    }
}
