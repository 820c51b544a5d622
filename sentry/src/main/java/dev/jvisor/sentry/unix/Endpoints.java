package dev.jvisor.sentry.unix;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Every sandbox socket the sentry serves, by kernel inode, with the namespaces that name
 * them, and the inodes known not to be sandbox sockets (host sockets a program inherited,
 * sockets of other families). Entries outlive their sockets until a sweep asks the kernel
 * ({@link Liveness}); the sweep runs when the table has doubled since the last one, so its
 * cost is amortised.
 */
final class Endpoints {
    private static final int FIRST_SWEEP = 1024;

    private final Map<Long, Endpoint> byInode = new HashMap<>();
    private final Set<Long> foreign = new HashSet<>();
    private final Map<UnixAddress, Endpoint> byKernelName = new HashMap<>();
    /**
     * The sandbox names of sockets that are gone, by kernel name: a listener's accepted
     * sockets and clients still carry its hidden name in the kernel, and so do datagrams
     * still queued from a datagram socket. Kept while a live socket holds the name.
     */
    private final Map<UnixAddress, UnixAddress> retired = new HashMap<>();
    private final Liveness liveness;
    private final HiddenNames hidden;
    final AbstractNamespace abstractNames;
    final FilesystemNames files = new FilesystemNames();
    private int sweepAt = FIRST_SWEEP;

    Endpoints(Liveness liveness, HiddenNames hidden) {
        this.liveness = liveness;
        this.hidden = hidden;
        this.abstractNames = new AbstractNamespace(liveness);
    }

    Endpoint get(long inode) {
        return byInode.get(inode);
    }

    boolean isForeign(long inode) {
        return foreign.contains(inode);
    }

    void markForeign(long inode) {
        sweepIfDue();
        foreign.add(inode);
    }

    Endpoint register(long inode, int type) {
        sweepIfDue();
        Endpoint endpoint = new Endpoint(inode, type);
        Endpoint stale = byInode.put(inode, endpoint);
        if (stale != null) release(stale);
        foreign.remove(inode);
        return endpoint;
    }

    /**
     * Records the kernel name of a listener or a named datagram socket, by which accepted
     * sockets are recognised and the senders of datagrams named.
     */
    void reachable(Endpoint endpoint) {
        byKernelName.put(endpoint.kernelName(), endpoint);
    }

    /** The sandbox name behind a socket's kernel name, the socket gone or not; null for any other name. */
    UnixAddress sandboxNameOf(UnixAddress kernelName) {
        Endpoint endpoint = byKernelName.get(kernelName);
        return endpoint != null ? endpoint.address() : retired.get(kernelName);
    }

    /**
     * The socket file of the sandbox socket whose kernel socket holds {@code kernelName} (an
     * accepted socket holds its listener's): null when none, or when it was bound to no file.
     */
    FilesystemNames.FileId socketFileOf(UnixAddress kernelName) {
        Endpoint endpoint = byKernelName.get(kernelName);
        return endpoint == null ? null : files.fileOf(endpoint);
    }

    int size() {
        return byInode.size() + foreign.size();
    }

    /** The table sizes, after a sweep. */
    void reportSizes(java.util.function.ObjIntConsumer<String> size) {
        sweep();
        size.accept("sockets", byInode.size());
        size.accept("other sockets", foreign.size());
        size.accept("abstract names", abstractNames.size());
        size.accept("socket files", files.size());
        size.accept("kernel names", byKernelName.size());
        size.accept("names of closed sockets", retired.size());
    }

    /** Drops every endpoint whose socket is gone, and its names. */
    void sweep() {
        Liveness.Census census = liveness.live();
        Set<Long> live = census.inodes();
        byInode.values().removeIf(endpoint -> {
            if (live.contains(endpoint.inode)) return false;
            release(endpoint);
            return true;
        });
        foreign.retainAll(live);
        retired.keySet().retainAll(census.names());
        sweepAt = Math.max(FIRST_SWEEP, 2 * size());
    }

    private void sweepIfDue() {
        if (size() >= sweepAt) sweep();
    }

    private void release(Endpoint endpoint) {
        abstractNames.release(endpoint);
        files.release(endpoint);
        if (endpoint.kernelName() != null && byKernelName.remove(endpoint.kernelName(), endpoint)) {
            retired.put(endpoint.kernelName(), endpoint.address());
            hidden.release(endpoint.kernelName());
        }
    }
}
