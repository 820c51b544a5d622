package dev.jvisor.sentry.unix;

import dev.jvisor.platform.SyscallStop;

import java.util.Set;

/** The sandbox's AF_UNIX sockets as the sentry and the kernel know them, for watchers (the audit). */
public interface SocketDirectory {
    /** The socket inode behind descriptor {@code fd} of thread {@code tid}, or -1 (no descriptor, not a socket). */
    long socketInode(int tid, long fd);

    /** The sandbox AF_UNIX socket {@code inode}, or null when it is gone or no sandbox socket. */
    SocketFacts describe(long inode);

    /** The inodes of every AF_UNIX socket that exists now: one sock_diag dump, for many at once. */
    Set<Long> liveSockets();

    /**
     * True when a socket outside the sandbox holds {@code name}: a host socket bound to the
     * socket file a path names (resolved for the thread of {@code stop}), or to the abstract name.
     */
    boolean heldOutside(SyscallStop stop, UnixAddress name);
}
