package dev.jvisor.sentry.unix;

/** Where a connect or a datagram addressed to a sandbox name goes. */
sealed interface Destination {
    /**
     * To the socket that holds this kernel name (a sockaddr), whose inode is
     * {@code receiver}; or to none (receiver 0) when the name is nobody's.
     */
    record KernelName(byte[] sockaddr, long receiver) implements Destination {}

    /** To an allowed host socket ({@link HostSockets#reach}). */
    record Host(HostSockets.Target target) implements Destination {}

    /**
     * To no name at all: the name cannot be resolved ({@code errno}, as unix_find_bsd's path
     * lookup gives it), and the sentry knows no path the kernel would refuse with it.
     */
    record Unresolved(dev.jvisor.platform.Errno errno) implements Destination {}
}
