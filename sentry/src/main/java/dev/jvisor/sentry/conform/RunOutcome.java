package dev.jvisor.sentry.conform;

import dev.jvisor.platform.ExitStatus;
import dev.jvisor.sentry.trace.CallRecord;

import java.util.List;
import java.util.Map;

/**
 * What one run of a program showed: how it ended, what it printed, every trapped call.
 *
 * @param processes         the run's pids and their names by lineage
 * @param decodingFailures  calls jvisor could not decode: the comparison cannot be trusted
 */
public record RunOutcome(ExitStatus exit, String stdout, String stderr, List<CallRecord> calls,
                         Map<Integer, String> processes, int decodingFailures) {
    public RunOutcome {
        calls = List.copyOf(calls);
        processes = Map.copyOf(processes);
    }

    /** The exit status as a reader says it: "exit 3", "killed by signal 9". */
    public String exitText() {
        return switch (exit) {
            case ExitStatus.Exited e -> "exit " + e.code();
            case ExitStatus.Killed k -> "killed by signal " + k.signal() + (k.coreDumped() ? " (core dumped)" : "");
        };
    }
}
