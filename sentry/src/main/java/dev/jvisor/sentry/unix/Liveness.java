package dev.jvisor.sentry.unix;

/** Whether the kernel socket with an inode still exists (some descriptor, anywhere, holds it). */
@FunctionalInterface
interface Liveness {
    boolean alive(long inode);
}
