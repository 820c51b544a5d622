package dev.jvisor.sentry;

import dev.jvisor.platform.PassthroughHandler;
import dev.jvisor.platform.SyscallHandler;
import dev.jvisor.sentry.unix.DatagramSendTraps;
import dev.jvisor.sentry.unix.HostPolicy;
import dev.jvisor.sentry.unix.SocketObserver;
import dev.jvisor.sentry.unix.UnixSockets;

/** The sentry's entry points: the handlers that answer a sandbox's trapped calls. */
public final class Sentry {
    private Sentry() {}

    /** A handler for one new sandbox, with its own AF_UNIX namespaces. */
    public static SyscallHandler handler() {
        return handler(HostPolicy.NONE);
    }

    /** A handler for one new sandbox that deals with host sockets as {@code policy} says. */
    public static SyscallHandler handler(HostPolicy policy) {
        return new DatagramSendTraps(new UnixSockets(SocketObserver.NONE, policy), policy.admitsHostPeers());
    }

    /**
     * Host mode: the same calls trapped as under {@link #handler()}, every one answered by
     * the host kernel.
     */
    public static SyscallHandler hostHandler() {
        return new DatagramSendTraps(new PassthroughHandler(), false);
    }
}
