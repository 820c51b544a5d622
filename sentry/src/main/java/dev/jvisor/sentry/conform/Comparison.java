package dev.jvisor.sentry.conform;

import dev.jvisor.sentry.trace.CallRecord;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Two runs of one program compared: under jvisor's sentry, and in host mode (the same calls
 * trapped, the kernel answering: what Linux does). Calls are compared per thread, in order,
 * after normalization; concurrent threads may interleave differently without mattering.
 * A call a signal interrupted is left out: whether a signal caught a call in the kernel is a
 * matter of timing, and the kernel then restarts the call (a new record) or fails it with
 * EINTR, as signal(7) says.
 */
public record Comparison(RunOutcome jvisor, RunOutcome linux, boolean exitSame, boolean stdoutSame,
                         boolean stderrSame, List<ThreadComparison> threads) {
    /** Calls before a difference shown for context. */
    static final int CONTEXT = 3;

    /**
     * One thread's calls in both runs.
     *
     * @param firstDifference index of the first call that differs, or -1
     */
    public record ThreadComparison(String thread, List<CallRecord> jvisor, List<CallRecord> linux, int firstDifference) {
        public boolean same() {
            return firstDifference < 0;
        }
    }

    /** True when jvisor could not record every call of both runs: neither same nor different. */
    public boolean failed() {
        return jvisor.decodingFailures() + linux.decodingFailures() > 0;
    }

    public boolean equal() {
        return exitSame && stdoutSame && stderrSame && threads.stream().allMatch(ThreadComparison::same);
    }

    static Comparison of(RunOutcome jvisor, RunOutcome linux, boolean ignoreFds) {
        Normalizer jvisorNormalizer = new Normalizer(jvisor.processes(), ignoreFds);
        Normalizer linuxNormalizer = new Normalizer(linux.processes(), ignoreFds);
        boolean exitSame = jvisor.exit().equals(linux.exit());
        boolean stdoutSame = jvisorNormalizer.text(jvisor.stdout()).equals(linuxNormalizer.text(linux.stdout()));
        boolean stderrSame = jvisorNormalizer.text(jvisor.stderr()).equals(linuxNormalizer.text(linux.stderr()));

        Map<String, List<CallRecord>> jvisorThreads = byThread(jvisor.calls(), jvisorNormalizer);
        Map<String, List<CallRecord>> linuxThreads = byThread(linux.calls(), linuxNormalizer);
        List<ThreadComparison> threads = new ArrayList<>();
        TreeSet<String> names = new TreeSet<>(jvisorThreads.keySet());
        names.addAll(linuxThreads.keySet());
        for (String name : names) {
            List<CallRecord> a = jvisorThreads.getOrDefault(name, List.of());
            List<CallRecord> b = linuxThreads.getOrDefault(name, List.of());
            threads.add(new ThreadComparison(name, a, b, firstDifference(a, b)));
        }
        return new Comparison(jvisor, linux, exitSame, stdoutSame, stderrSame, threads);
    }

    private static Map<String, List<CallRecord>> byThread(List<CallRecord> calls, Normalizer normalizer) {
        Map<String, List<CallRecord>> threads = new LinkedHashMap<>();
        for (CallRecord call : calls) {
            if (call.result().equals(CallRecord.INTERRUPTED)) continue;
            threads.computeIfAbsent(call.thread(), t -> new ArrayList<>()).add(normalizer.call(call));
        }
        return threads;
    }

    private static int firstDifference(List<CallRecord> a, List<CallRecord> b) {
        int shared = Math.min(a.size(), b.size());
        for (int i = 0; i < shared; i++) {
            if (!a.get(i).equals(b.get(i))) return i;
        }
        return a.size() == b.size() ? -1 : shared;
    }
}
