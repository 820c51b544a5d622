package dev.jvisor.platform;

import java.util.Map;
import java.util.Optional;

/**
 * A thread's signal sets as /proc/TID/status prints them (proc(5): SigPnd, ShdPnd, SigBlk,
 * SigIgn, SigCgt), bit N-1 for signal N.
 */
record SignalMasks(long pending, long sharedPending, long blocked, long ignored, long caught) {
    /**
     * Signals whose default action is to do nothing (kernel/signal.c: SIG_KERNEL_IGNORE_MASK),
     * but SIGCONT: its delivery does nothing either, but it may end a stop, and after a stop
     * and SIGCONT Linux itself fails a socket call with a timeout, or epoll_wait, with EINTR
     * (signal(7), "Interruption of system calls and library functions by stop signals"). So
     * it counts as a signal that does something, and never carries a call on.
     */
    static final long IGNORED_BY_DEFAULT = Signals.bit(17) | Signals.bit(28) | Signals.bit(23);

    /** The masks of thread {@code tid}; empty when it is gone. */
    static Optional<SignalMasks> read(int tid) {
        Map<String, String> status = ProcStatus.of(tid);
        if (status.isEmpty()) return Optional.empty();
        try {
            return Optional.of(new SignalMasks(mask(status, "SigPnd"), mask(status, "ShdPnd"), mask(status, "SigBlk"),
                    mask(status, "SigIgn"), mask(status, "SigCgt")));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static long mask(Map<String, String> status, String name) {
        String value = status.get(name);
        return value == null ? 0 : Long.parseUnsignedLong(value, 16);
    }

    /** The signals whose delivery does nothing: set to SIG_IGN, or left at a default that ignores them. */
    long discarded() {
        return ignored | (IGNORED_BY_DEFAULT & ~caught);
    }

    /** Whether {@code signal} is pending, for the thread or its process. */
    boolean pending(int signal) {
        return ((pending | sharedPending) & Signals.bit(signal)) != 0;
    }

    /** Whether delivering {@code signal} does nothing. */
    boolean discards(int signal) {
        return (discarded() & Signals.bit(signal)) != 0;
    }

    /** Whether a signal that does something is pending and not blocked: it is delivered next, and may interrupt. */
    boolean deliverablePending() {
        return ((pending | sharedPending) & ~blocked & ~discarded()) != 0;
    }
}
