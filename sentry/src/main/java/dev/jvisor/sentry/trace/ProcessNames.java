package dev.jvisor.sentry.trace;

import dev.jvisor.platform.SyscallHandler;

import java.util.HashMap;
import java.util.Map;

/**
 * Names threads by lineage so that two runs of one program name them alike, whatever their
 * pids: the first process is {@code P1}, the second process forked by P1 is {@code P1.2},
 * its first extra thread {@code P1.2/t1}. Creation order within one parent is the program's
 * own order. The first thread it hears of is the first process (a sandbox starts with one
 * tracee). Used on the tracer thread only.
 */
public final class ProcessNames {
    private final Map<Integer, String> threadNames = new HashMap<>();
    private final Map<Integer, String> processNames = new HashMap<>();
    private final Map<String, Integer> childCounts = new HashMap<>();
    private final Map<String, Integer> threadCounts = new HashMap<>();

    private void learnFirst(int tid) {
        if (threadNames.isEmpty()) {
            threadNames.put(tid, "P1");
            processNames.put(tid, "P1");
        }
    }

    /** Names the new thread or process. */
    public void onClone(SyscallHandler.Clone clone) {
        learnFirst(clone.parentTid());
        String parentProcess = processNames.getOrDefault(clone.parentPid(), threadName(clone.parentTid()));
        if (clone.isThread()) {
            int n = threadCounts.merge(parentProcess, 1, Integer::sum);
            threadNames.put(clone.childTid(), parentProcess + "/t" + n);
        } else {
            int n = childCounts.merge(parentProcess, 1, Integer::sum);
            String name = parentProcess + "." + n;
            threadNames.put(clone.childTid(), name);
            processNames.put(clone.childTid(), name);
        }
    }

    /** The thread's name; a thread never announced (possible only if events were lost) gets its tid. */
    public String threadName(int tid) {
        learnFirst(tid);
        return threadNames.getOrDefault(tid, "tid" + tid);
    }

    /** The name of the process {@code pid}, or null if it is not one of the sandbox's. */
    public String processName(int pid) {
        return processNames.get(pid);
    }

    /** Every process seen, by pid: the names a pid in the program's output or credentials stands for. */
    public Map<Integer, String> processes() {
        return Map.copyOf(processNames);
    }
}
