package dev.jvisor.sentry.unix;

/**
 * What a sandbox may have to do with host AF_UNIX sockets: the host sockets it may reach
 * ({@code --allow-host-socket}) and the paths at which host clients may reach its listeners
 * ({@code --expose}). By default neither: the sandbox's AF_UNIX world is its own.
 */
public record HostPolicy(HostSockets reachable, ExposedPaths exposed) {
    public static final HostPolicy NONE = new HostPolicy(HostSockets.none(), ExposedPaths.none());

    /** Whether a host process may hold a connection to the sandbox, and so pass it descriptors. */
    public boolean admitsHostPeers() {
        return reachable != HostSockets.none() || exposed != ExposedPaths.none();
    }
}
