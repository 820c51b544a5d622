package dev.jvisor.sentry;

import dev.jvisor.platform.PassthroughHandler;
import dev.jvisor.platform.SyscallHandler;

/**
 * The sentry's entry point: the handler that answers a sandbox's trapped AF_UNIX calls.
 *
 * <p>The AF_UNIX implementation has not landed yet: until it does, the host kernel answers
 * every trapped call, and `jvisor conform` compares two kernel-answered runs.
 */
public final class Sentry {
    private Sentry() {}

    /** A handler for one new sandbox. */
    public static SyscallHandler handler() {
        return new PassthroughHandler();
    }
}
