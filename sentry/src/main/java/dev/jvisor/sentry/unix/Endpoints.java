package dev.jvisor.sentry.unix;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every sandbox socket the sentry serves, by kernel inode, with the namespaces that name
 * them. An entry outlives its socket until a sweep asks the kernel ({@link Liveness}); the
 * sweep runs when the table has doubled since the last one, so its cost is amortised.
 */
final class Endpoints {
    private static final int FIRST_SWEEP = 256;

    private final Map<Long, Endpoint> byInode = new HashMap<>();
    private final Liveness liveness;
    final AbstractNamespace abstractNames;
    final FilesystemNames files = new FilesystemNames();
    private int sweepAt = FIRST_SWEEP;

    Endpoints(Liveness liveness) {
        this.liveness = liveness;
        this.abstractNames = new AbstractNamespace(liveness);
    }

    Endpoint get(long inode) {
        return byInode.get(inode);
    }

    Endpoint register(long inode, int type) {
        if (byInode.size() >= sweepAt) sweep();
        Endpoint endpoint = new Endpoint(inode, type);
        Endpoint stale = byInode.put(inode, endpoint);
        if (stale != null) release(stale);
        return endpoint;
    }

    int size() {
        return byInode.size();
    }

    /** Drops every endpoint whose socket is gone, and its names. */
    void sweep() {
        List<Endpoint> gone = new ArrayList<>();
        for (Endpoint endpoint : byInode.values()) {
            if (!liveness.alive(endpoint.inode)) gone.add(endpoint);
        }
        for (Endpoint endpoint : gone) {
            byInode.remove(endpoint.inode, endpoint);
            release(endpoint);
        }
        sweepAt = Math.max(FIRST_SWEEP, 2 * byInode.size());
    }

    private void release(Endpoint endpoint) {
        abstractNames.release(endpoint);
        files.release(endpoint);
    }
}
