package dev.jvisor.sentry.unix;

import dev.jvisor.platform.SyscallStop;

/**
 * What the sentry's parts ask of its socket table: the sandbox socket behind a call, and
 * the names Linux reports for it and its peer.
 */
interface SandboxSockets {
    /** The sandbox socket behind the call's first argument, or null (not one: the kernel answers). */
    Endpoint lookup(SyscallStop stop);

    /** A socket the table shows unconnected may have connected since, by a rewritten connect. */
    void refresh(Endpoint endpoint);

    /** The name Linux reports for {@code endpoint}. */
    UnixAddress nameOf(Endpoint endpoint);

    /** The name Linux reports for {@code endpoint}'s peer; null when only the kernel knows it. */
    UnixAddress peerNameOf(Endpoint endpoint);

    /**
     * The socket {@code target} reaches whatever the caller's type is; null when a caller may
     * first have to be autobound.
     */
    Endpoint reachableByName(SyscallStop stop, UnixAddress target);

    /** unix_autobind, and the kernel socket bound to a hidden name, so that replies reach it. */
    void autobindHidden(SyscallStop stop, Endpoint endpoint);
}
