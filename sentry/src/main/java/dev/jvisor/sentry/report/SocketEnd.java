package dev.jvisor.sentry.report;

/**
 * One end of an exchange: a socket and the process that holds it. Either may be unknown,
 * then 0: no socket has inode 0 and no process of a sandbox pid 0 (a peer made outside
 * jvisor's sight, a datagram from an unbound sender).
 */
public record SocketEnd(long inode, int pid) {}
