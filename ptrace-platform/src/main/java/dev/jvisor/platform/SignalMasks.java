package dev.jvisor.platform;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
        String status;
        try {
            status = Files.readString(Path.of("/proc", Integer.toString(tid), "status"), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return Optional.empty();
        }
        long pending = 0, shared = 0, blocked = 0, ignored = 0, caught = 0;
        for (String line : status.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String value = line.substring(colon + 1).trim();
            switch (line.substring(0, colon)) {
                case "SigPnd" -> pending = Long.parseUnsignedLong(value, 16);
                case "ShdPnd" -> shared = Long.parseUnsignedLong(value, 16);
                case "SigBlk" -> blocked = Long.parseUnsignedLong(value, 16);
                case "SigIgn" -> ignored = Long.parseUnsignedLong(value, 16);
                case "SigCgt" -> caught = Long.parseUnsignedLong(value, 16);
                default -> { }
            }
        }
        return Optional.of(new SignalMasks(pending, shared, blocked, ignored, caught));
    }

    /** The signals whose delivery does nothing: set to SIG_IGN, or left at a default that ignores them. */
    long discarded() {
        return ignored | (IGNORED_BY_DEFAULT & ~caught);
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
