package dev.jvisor.platform;

/**
 * The sentry's side of the platform: answers trapped calls and hears about the tracees'
 * lives. Every method runs on the tracer thread and must not block.
 */
public interface SyscallHandler {
    /** Decides one trapped call. Throwing {@link ErrnoException} fails the call with its errno. */
    Action onSyscall(SyscallStop stop);

    /**
     * Whether deciding {@code call} may put arguments in the region the program cannot write
     * ({@link SyscallStop#sealedScratch}): the platform then maps it in the process first,
     * once per process image.
     */
    default boolean usesSealedScratch(Syscall call) {
        return false;
    }

    /**
     * Whether the tracer should expect the program's next stop soon after {@code call}, which
     * the handler let run as the program made it: it then polls for a while before it sleeps
     * ({@code StopWaiter}), which makes a burst of trapped calls cheap but takes a CPU from the
     * program's other work meanwhile. False for a call trapped only to be looked at and almost
     * always let through, made among untrapped work.
     */
    default boolean pollsAfterPassthrough(Syscall call) {
        return true;
    }

    /**
     * Directories the sandbox may use but must not change (made read-only for it where the
     * launcher may make a mount namespace: as root), for instance where the handler keeps
     * files the kernel resolves on the program's behalf.
     */
    default java.util.List<java.nio.file.Path> readOnlyDirectories() {
        return java.util.List.of();
    }

    /**
     * The file of /proc/net the handler answers in place of the kernel's, or null. Asked once,
     * before the program starts; unlike the other methods, its contents are asked for on
     * another thread, at rest ({@link ProcNetFile#contents}).
     */
    default ProcNetFile procNetFile() {
        return null;
    }

    /** A thread or process was created. */
    default void onClone(Clone clone) {}

    /** Process {@code pid} completed an execve: its address space is new. */
    default void onExec(int pid) {}

    /** Thread {@code tid} is gone (exited or killed). */
    default void onExit(int tid) {}

    /**
     * Thread {@code tid}, whose interruption the handler asked for ({@link SyscallStop#interrupt}),
     * has stopped since: it is outside whatever call it was in then, in the kernel's hands,
     * when the request came (a trapped call it makes afterwards arrives after this).
     */
    default void onInterrupted(int tid) {}

    /**
     * A new task, as ptrace reports it.
     *
     * @param parentTid the creating thread
     * @param parentPid its process
     * @param childTid  the new thread
     * @param childPid  the new thread's process: the parent's for a thread, its own tid for a process
     * @param kind      the event that reported it
     */
    record Clone(int parentTid, int parentPid, int childTid, int childPid, CloneKind kind) {
        /** True for a new thread of the parent's process, false for a new process. */
        public boolean isThread() {
            return childPid == parentPid;
        }
    }

    /** How a new task came to be, as ptrace reports it. */
    enum CloneKind {
        FORK, VFORK, CLONE
    }
}
