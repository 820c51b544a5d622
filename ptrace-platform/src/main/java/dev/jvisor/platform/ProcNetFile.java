package dev.jvisor.platform;

/**
 * A file of the sandbox's /proc/net that the handler answers itself, in place of the
 * kernel's: the platform serves it (the launcher mounts it, {@link ProcNetView}) and asks
 * for its contents at each open.
 */
public interface ProcNetFile {
    /** Its name in /proc/net ("unix"). */
    String name();

    /**
     * The file's contents for one open, read from then on as a snapshot. Called between two
     * stops (the handler's state is at rest, as for {@link Sandbox#atRest}), on a thread other
     * than the tracer's; an exception fails the open with EIO.
     */
    byte[] contents(Reader reader);

    /**
     * Who opens it: thread {@code tid} of process {@code pid}; {@code inSandbox} false for a
     * host process that found the file through a sandbox process's /proc/PID/root (pid 0
     * when the kernel gave no thread id: another pid namespace).
     */
    record Reader(int tid, int pid, boolean inSandbox) {}
}
