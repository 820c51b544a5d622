package dev.jvisor.platform;

/**
 * A tracee thread stopped at a trapped syscall: what the sentry sees of one call. Valid
 * until the handler's action (and its continuations) are done.
 */
public interface SyscallStop {
    /** The thread's id. */
    int tid();

    /** The process's id (thread group id). */
    int pid();

    /** The call as the program made it. */
    Syscall call();

    /** The address after the program's syscall instruction. */
    long instructionPointer();

    /** The stopped process's memory. */
    TraceeMemory memory();

    /**
     * An address of {@code size} bytes of the thread's stack below the x86-64 red zone,
     * 16-byte aligned, free for arguments of injected calls during this stop (the program
     * cannot run, and so cannot use it, until the stop is answered).
     */
    long scratch(int size);

    /**
     * A duplicate, in the sentry's own process, of the stopped process's descriptor
     * {@code fd} (close-on-exec); the caller owns and closes it. EBADF when the process has
     * no such descriptor.
     */
    int copyDescriptor(int fd);

    /**
     * Brings another traced thread, {@code tid}, to a stop soon (PTRACE_INTERRUPT) and
     * resumes it at once: a blocking call it is in ends as for a stop signal (the kernel makes
     * it again, through the filter, or fails it with EINTR where it would after SIGSTOP and
     * SIGCONT: signal(7)). The handler hears of the stop, or of any earlier one of that
     * thread, by {@link SyscallHandler#onInterrupted}, and of its end by
     * {@link SyscallHandler#onExit}. Nothing happens for a thread that is gone.
     */
    default void interrupt(int tid) {
        throw new UnsupportedOperationException("interrupt");
    }
}
