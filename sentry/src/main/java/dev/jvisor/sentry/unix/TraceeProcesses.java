package dev.jvisor.sentry.unix;

import dev.jvisor.platform.SyscallHandler;

import java.util.HashSet;
import java.util.Set;

/**
 * The sandbox's processes, by process id: those the sentry heard of (a trapped call, a
 * clone). A process that never made a trapped call and never forked is known once it does;
 * until then it has made no sandbox socket the sentry could list by another route either,
 * unless it inherited one, which its parent still holds or which was passed to it. Used on
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
