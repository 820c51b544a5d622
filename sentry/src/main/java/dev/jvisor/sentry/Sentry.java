package dev.jvisor.sentry;

import dev.jvisor.platform.SyscallHandler;
import dev.jvisor.sentry.unix.UnixSockets;

/** The sentry's entry point: the handler that answers a sandbox's trapped AF_UNIX calls. */
public final class Sentry {
    private Sentry() {}

    /** A handler for one new sandbox, with its own AF_UNIX namespaces. */
    public static SyscallHandler handler() {
        return new UnixSockets();
    }
}
