package dev.jvisor.sentry.unix;

/**
 * What the sandbox sees of one AF_UNIX socket now.
 *
 * @param inode the kernel socket's inode
 * @param type  SOCK_STREAM, SOCK_SEQPACKET or SOCK_DGRAM
 * @param name  its name in the sandbox's namespaces (an accepted socket shares its listener's)
 * @param peer  the inode of its connected peer, 0 when it has none
 */
public record SocketFacts(long inode, int type, UnixAddress name, long peer) {}
