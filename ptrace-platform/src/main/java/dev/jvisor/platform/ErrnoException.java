package dev.jvisor.platform;

/**
 * A failed call, carrying its typed errno: thrown by the host bindings when a host call
 * fails, and by tracee memory access when the program passed a bad pointer (EFAULT).
 * A syscall handler may throw it to fail the trapped call with that errno.
 */
public final class ErrnoException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Errno errno;

    public ErrnoException(Errno errno, String call) {
        super(call + ": " + errno + " (" + errno.description() + ")", null, false, false);
        this.errno = errno;
    }

    public Errno errno() {
        return errno;
    }
}
