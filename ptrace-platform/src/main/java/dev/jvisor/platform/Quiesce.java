package dev.jvisor.platform;

import dev.jvisor.platform.linux.WaitStatus;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * An {@link Action.Quiesced} in progress: every traced thread but the owner is brought to a
 * stop and held until the owner's call is answered. Owned by the tracer thread.
 *
 * <p>Invariant: {@code begun} ⇔ {@code awaiting} was empty once; from then on no thread but
 * the owner runs the program's code, and each stop reported by another is in {@code deferred}.
 * A thread asked to stop that was stopped already, or cannot run before it stops, is not
 * awaited; its stop, when it comes, is deferred too.
 */
final class Quiesce {
    final Tracee owner;
    private final Supplier<Action> then;
    /** Threads asked to stop (PTRACE_INTERRUPT) that have reported no stop since. */
    private final Set<Integer> awaiting = new HashSet<>();
    /** The stops other threads reported meanwhile, in order: answered after the release. */
    final List<WaitStatus> deferred = new ArrayList<>();
    private boolean begun;
    /** The owner's signal mask before the quiesce held its signals. */
    long ownerMask;

    Quiesce(Tracee owner, Supplier<Action> then) {
        this.owner = owner;
        this.then = then;
    }

    /** {@code tid} was asked to stop; it is waited for unless it cannot run before it stops. */
    void asked(int tid) {
        if (!heldAlready(tid)) awaiting.add(tid);
    }

    /** {@code tid} reported {@code status} (a stop), kept for after the release. */
    void defer(int tid, WaitStatus status) {
        deferred.add(status);
        awaiting.remove(tid);
    }

    /** {@code tid} is gone. */
    void gone(int tid) {
        awaiting.remove(tid);
    }

    /** The owner's decision, once (null before every other thread is held, and after). */
    Supplier<Action> begin() {
        if (begun || !awaiting.isEmpty()) return null;
        begun = true;
        return then;
    }

    /**
     * Whether {@code tid} cannot run the program's code before it reports a stop, though it
     * may not report one soon (proc(5), the state in /proc/TID/stat): in uninterruptible sleep
     * (D: a vfork parent waiting for its child, which may be the owner; a disk wait), it takes
     * the trap PTRACE_INTERRUPT leaves on its way back to user mode; stopped already (t, T:
     * a stop the tracer holds, or one it has still to read, which it then keeps); a zombie
     * (Z, X: a thread group leader whose other threads live on) never runs again. A thread
     * whose state cannot be read is gone.
     */
    private static boolean heldAlready(int tid) {
        try {
            String stat = Files.readString(Path.of("/proc", Integer.toString(tid), "stat"),
                    StandardCharsets.ISO_8859_1);
            int end = stat.lastIndexOf(')');
            if (end < 0 || end + 2 >= stat.length()) return false;
            return "DtTZX".indexOf(stat.charAt(end + 2)) >= 0;
        } catch (IOException e) {
            return true;
        }
    }
}
