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
     * An address of {@code size} bytes, 16-byte aligned, that the program can read but not
     * write, for what the kernel must read as the sentry wrote it (a name to connect to, a
     * msghdr, a path, a filter): the program's other threads cannot change it in the kernel's
     * back. Write it with {@link #writeSealed}, never through {@link #memory()}, whose writes
     * are the program's view (they fail there, as the kernel's would). Only for calls for which the handler's
     * {@link SyscallHandler#usesSealedScratch} is true; at most 4096 bytes per stop. Fails
     * (an ErrnoException) when the region could not be mapped in this process (EMFILE, say).
     */
    long sealedScratch(int size);

    /**
     * Hands the whole of the thread's sealed scratch out again: what was placed there before is
     * no longer read by any call (the injected call that read it has returned).
     */
    void releaseSealedScratch();

    /** Writes {@code data} at {@code address}, sealed scratch handed out during this call. */
    void writeSealed(long address, byte[] data);

    /**
     * A duplicate, in the sentry's own process, of the stopped process's descriptor
     * {@code fd} (close-on-exec); the caller owns and closes it. EBADF when the process has
     * no such descriptor.
     */
    int copyDescriptor(int fd);

    /**
     * Whether another thread or process can change the stopped thread's descriptor table
     * while the sentry works on it: the process has more than one thread, or another traced
     * process shares its table (clone(2) with CLONE_FILES; kcmp(2), KCMP_FILES). False means
     * that only this thread, stopped, and the sentry's injected calls can change it. True
     * also when it cannot be told.
     */
    boolean sharesDescriptorTable();

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
