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
        if (!uninterruptible(tid)) awaiting.add(tid);
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
     * A thread in uninterruptible sleep (state D in /proc/TID/stat: a vfork parent waiting
     * for its child, a disk wait) does not report the stop until it wakes, and cannot run the
     * program's code before it has (PTRACE_INTERRUPT leaves a trap it takes on its way back
     * to user mode): waiting for it could wait for the owner itself (its vfork child).
     */
    private static boolean uninterruptible(int tid) {
        try {
            String stat = Files.readString(Path.of("/proc", Integer.toString(tid), "stat"), StandardCharsets.ISO_8859_1);
            int end = stat.lastIndexOf(')');
            return end > 0 && end + 2 < stat.length() && stat.charAt(end + 2) == 'D';
        } catch (IOException e) {
            return false;
        }
    }
}
