package dev.jvisor.sentry.report;

/**
 * A bind, listen, connect or shutdown that failed.
 *
 * @param name   the name given to bind or connect, or null
 * @param result the errno's name
 */
public record FailedCall(long seq, int pid, String call, long inode, SocketName name, String result) {}
