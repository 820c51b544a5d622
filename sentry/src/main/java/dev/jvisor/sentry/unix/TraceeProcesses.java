package dev.jvisor.sentry.unix;

import dev.jvisor.platform.SyscallHandler;

import java.util.HashSet;
import java.util.Set;

/**
 * The sandbox's processes, by process id: every process a clone made and every process that
 * made one (a thread or a process), and whoever asks ({@link #seen}). The first process is
 * known once it makes a thread or a process or asks; until then it is the only one. Used on
 * the tracer thread only.
 */
final class TraceeProcesses {
    private final Set<Integer> pids = new HashSet<>();

    void seen(int pid) {
        pids.add(pid);
    }

    void onClone(SyscallHandler.Clone clone) {
        pids.add(clone.parentPid());
        pids.add(clone.childPid());
    }

    /** A thread is gone; when it led its process, the process is (exit_group ends the leader last). */
    void onExit(int tid) {
        pids.remove(tid);
    }

    Set<Integer> pids() {
        return pids;
    }
}
