package dev.jvisor.sentry.unix;

import dev.jvisor.platform.SyscallStop;

/**
 * What the sentry decides about names, told to whoever watches the sandbox (the audit): the
 * facts a watcher of calls and results cannot see from outside. Called on the tracer thread,
 * during the stop of the call concerned, before its result is known.
 */
public interface SocketObserver {
    /** Watches nothing. */
    SocketObserver NONE = new SocketObserver() {};

    /** The name in the call of {@code stop} reaches the sandbox socket {@code inode}. */
    default void reaches(SyscallStop stop, long inode) {}

    /**
     * The name in the call of {@code stop} reaches no sandbox socket although it names a
     * socket: a socket file or an abstract name the sandbox does not hold, so the call is
     * refused (ECONNREFUSED) as if no socket held it.
     */
    default void refused(SyscallStop stop, UnixAddress name) {}
}
