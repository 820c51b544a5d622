package dev.jvisor.platform.linux;

/**
 * pidfd_open(2) and pidfd_getfd(2), through syscall(2) (glibc wraps them only from 2.36):
 * a duplicate, in this process, of another process's descriptor. pidfd_getfd needs
 * PTRACE_MODE_ATTACH_REALCREDS over the target, which the tracer has.
 */
public final class Pidfd {
    private static final long SYS_PIDFD_OPEN = 434;
    private static final long SYS_PIDFD_GETFD = 438;

    private Pidfd() {}

    /** A pidfd for process {@code pid}; the caller closes it ({@link Libc#close}). */
    public static int open(int pid) {
        return (int) NativeLinker.syscall("pidfd_open", SYS_PIDFD_OPEN, pid, 0, 0);
    }

    /**
     * A duplicate in this process of descriptor {@code fd} of the process behind
     * {@code pidfd}, with O_CLOEXEC set (pidfd_getfd(2)); the caller closes it ({@link Libc#close}).
     */
    public static int getfd(int pidfd, int fd) {
        return (int) NativeLinker.syscall("pidfd_getfd", SYS_PIDFD_GETFD, pidfd, fd, 0);
    }
}
