package dev.jvisor.platform;

/**
 * The sentry's side of the platform: answers trapped calls and hears about the tracees'
 * lives. Every method runs on the tracer thread and must not block.
 */
public interface SyscallHandler {
    /** Decides one trapped call. Throwing {@link ErrnoException} fails the call with its errno. */
    Action onSyscall(SyscallStop stop);

    /** A thread or process {@code childTid} was created by {@code parentTid}. */
    default void onClone(int parentTid, int childTid, CloneKind kind) {}

    /** Process {@code pid} completed an execve: its address space is new. */
    default void onExec(int pid) {}

    /** Thread {@code tid} is gone (exited or killed). */
    default void onExit(int tid) {}

    /** How a new task came to be, as ptrace reports it. */
    enum CloneKind {
        FORK, VFORK, CLONE
    }
}
