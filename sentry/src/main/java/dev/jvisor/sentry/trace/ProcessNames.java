package dev.jvisor.sentry.trace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /** Names {@code child}, which {@code parent} created as a thread or as a process. */
    public void onClone(int parent, int child) {
        learnFirst(parent);
        String parentProcess = processNames.getOrDefault(tgid(parent), threadName(parent));
        int childTgid = tgid(child);
        if (childTgid != 0 && childTgid == tgid(parent)) {
            int n = threadCounts.merge(parentProcess, 1, Integer::sum);
            threadNames.put(child, parentProcess + "/t" + n);
        } else {
            int n = childCounts.merge(parentProcess, 1, Integer::sum);
            String name = parentProcess + "." + n;
            threadNames.put(child, name);
            processNames.put(child, name);
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

    private static int tgid(int tid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(tid), "status"))) {
                if (line.startsWith("Tgid:")) return Integer.parseInt(line.substring(5).trim());
            }
        } catch (IOException | NumberFormatException e) {
            // Gone already: it can only be named as a process.
        }
        return 0;
    }
}
