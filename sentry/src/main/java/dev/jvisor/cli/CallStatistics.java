package dev.jvisor.cli;

import dev.jvisor.platform.Action;
import dev.jvisor.platform.ForwardingHandler;
import dev.jvisor.platform.SyscallHandler;
import dev.jvisor.platform.SyscallStop;
import dev.jvisor.platform.Sysno;

import java.util.StringJoiner;

/** Counts the trapped calls, per syscall, of the handler it wraps ({@code jvisor run --stats}). */
final class CallStatistics extends ForwardingHandler {
    /** Indexed by syscall number; written by the tracer thread only, read at rest or after it finished. */
    private final long[] counts = new long[512];

    CallStatistics(SyscallHandler delegate) {
        super(delegate);
    }

    @Override
    public Action onSyscall(SyscallStop stop) {
        int number = stop.call().number();
        if (number >= 0 && number < counts.length) counts[number]++;
        return super.onSyscall(stop);
    }

    /** "jvisor: trapped calls: N (name N, ...)"; between two stops, or after the tracer finished. */
    String describe() {
        long total = 0;
        StringJoiner each = new StringJoiner(", ");
        for (int number = 0; number < counts.length; number++) {
            if (counts[number] == 0) continue;
            total += counts[number];
            each.add(Sysno.name(number) + " " + counts[number]);
        }
        return "jvisor: trapped calls: " + total + (total == 0 ? "" : " (" + each + ")");
    }
}
