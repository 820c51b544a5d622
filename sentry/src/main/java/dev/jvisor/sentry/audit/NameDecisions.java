package dev.jvisor.sentry.audit;

import dev.jvisor.platform.SyscallStop;
import dev.jvisor.sentry.unix.SocketObserver;
import dev.jvisor.sentry.unix.UnixAddress;

import java.util.HashMap;
import java.util.Map;

/**
 * What the sentry decided about the name in each thread's current call, kept until the
 * call's answer is seen: the socket the name reaches, or the name refused. Tracer thread only.
 */
final class NameDecisions implements SocketObserver {
    private final Map<Integer, Long> reached = new HashMap<>();
    private final Map<Integer, UnixAddress> refused = new HashMap<>();

    @Override
    public void reaches(SyscallStop stop, long inode) {
        reached.put(stop.tid(), inode);
    }

    @Override
    public void refused(SyscallStop stop, UnixAddress name) {
        refused.put(stop.tid(), name);
    }

    /** How many threads' current calls have a decision kept. */
    int size() {
        return reached.size() + refused.size();
    }

    /** Forgets what was said of the thread's previous call. */
    void clear(int tid) {
        reached.remove(tid);
        refused.remove(tid);
    }

    /** The socket the current call's name reaches, or 0. */
    long reached(int tid) {
        Long inode = reached.get(tid);
        return inode == null ? 0 : inode;
    }

    /** The name the current call was refused, or null. */
    UnixAddress refused(int tid) {
        return refused.get(tid);
    }
}
