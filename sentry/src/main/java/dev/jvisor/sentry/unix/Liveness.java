package dev.jvisor.sentry.unix;

import java.util.Set;

/** Which kernel sockets still exist (some descriptor, anywhere, holds them). */
interface Liveness {
    boolean alive(long inode);

    /** Every AF_UNIX socket's inode, at once. */
    Set<Long> live();
}
