package dev.jvisor.sentry.unix;

import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ErrnoException;

import java.util.HashMap;
import java.util.Map;

/**
 * The sandbox's own abstract names, one table per socket type: Linux hashes the type into an
 * abstract name's key (net/unix/af_unix.c: unix_abstract_hash), so a stream and a datagram
 * socket may hold the same name, and a connect finds only a socket of its own type.
 *
 * <p>A name is released when its socket's last descriptor is closed; the sentry learns that
 * lazily, from {@link Liveness}, when the name is wanted again.
 */
final class AbstractNamespace {
    private record Key(int type, UnixAddress.Abstract name) {}

    private final Map<Key, Endpoint> names = new HashMap<>();
    private final Liveness liveness;

    AbstractNamespace(Liveness liveness) {
        this.liveness = liveness;
    }

    /** Gives {@code name} to {@code endpoint}; EADDRINUSE while a live socket of its type holds it. */
    void bind(Endpoint endpoint, UnixAddress.Abstract name) {
        Key key = new Key(endpoint.type, name);
        Endpoint holder = names.get(key);
        if (holder != null && liveness.alive(holder.inode)) throw new ErrnoException(Errno.EADDRINUSE, "bind");
        names.put(key, endpoint);
        endpoint.bind(name);
    }

    /** True when the name is free for a socket of this type (autobind's probe). */
    boolean free(int type, UnixAddress.Abstract name) {
        Endpoint holder = names.get(new Key(type, name));
        return holder == null || !liveness.alive(holder.inode);
    }

    /** The socket of this type holding {@code name}, or null. */
    Endpoint lookup(int type, UnixAddress.Abstract name) {
        return names.get(new Key(type, name));
    }

    int size() {
        return names.size();
    }

    /** Forgets the name of a socket that is gone. */
    void release(Endpoint endpoint) {
        if (endpoint.address() instanceof UnixAddress.Abstract name) {
            names.remove(new Key(endpoint.type, name), endpoint);
        }
    }
}
