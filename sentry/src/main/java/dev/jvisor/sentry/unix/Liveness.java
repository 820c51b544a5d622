package dev.jvisor.sentry.unix;

import java.util.Set;

/** Which kernel sockets still exist (some descriptor, anywhere, holds them). */
interface Liveness {
    boolean alive(long inode);

    /** Every AF_UNIX socket, at once. */
    Census live();

    /** The inodes of every AF_UNIX socket, and every kernel name one of them holds (as sock_diag reports it). */
    record Census(Set<Long> inodes, Set<UnixAddress> names) {}
}
