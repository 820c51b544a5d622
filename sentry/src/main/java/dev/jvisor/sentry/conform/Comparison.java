package dev.jvisor.sentry.conform;

import dev.jvisor.sentry.trace.CallRecord;
import dev.jvisor.sentry.trace.Field;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
        Set<String> sockDiag = new HashSet<>();
        for (CallRecord call : calls) {
            if (call.result().equals(CallRecord.INTERRUPTED)) continue;
            if (onSockDiag(call, sockDiag)) continue;
            threads.computeIfAbsent(call.thread(), t -> new ArrayList<>()).add(normalizer.call(call));
        }
        return threads;
    }

    /** Calls that read or write a descriptor (its number is the first argument, fd). */
    private static final Set<String> DATA_CALLS = Set.of("read", "readv", "recvfrom", "recvmsg", "recvmmsg", "write",
            "writev", "sendto", "sendmsg", "sendmmsg");

    /**
     * Whether {@code call} receives from or sends to a NETLINK_SOCK_DIAG socket: its answers
     * cannot be compared (natively they list every socket of the host's network namespace,
     * under jvisor the sandbox's alone), and jvisor traps reads and sends of it that Linux's
     * run does not. Records
     * the number of each such socket made ({@code sockDiag}), for the rest of the run, in
     * every process: a child inherits the socket. A receive on that number from something
     * else is left out too, in both runs alike.
     */
    private static boolean onSockDiag(CallRecord call, Set<String> sockDiag) {
        if (call.call().equals("socket")) {
            if (argument(call, "domain").equals("AF_NETLINK") && argument(call, "protocol").equals("4")
                    && call.result().matches("\\d+")) {
                sockDiag.add(call.result());
            }
            return false;
        }
        return DATA_CALLS.contains(call.call()) && sockDiag.contains(argument(call, "fd"));
    }

    private static String argument(CallRecord call, String name) {
        for (Field field : call.arguments()) if (field.name().equals(name)) return field.value();
        return "";
    }

    private static int firstDifference(List<CallRecord> a, List<CallRecord> b) {
        int shared = Math.min(a.size(), b.size());
        for (int i = 0; i < shared; i++) {
            if (!a.get(i).equals(b.get(i))) return i;
        }
        return a.size() == b.size() ? -1 : shared;
    }
}
