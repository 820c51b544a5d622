package dev.jvisor.sentry.report;

import java.util.List;

/**
 * A socket of the sandbox, by its inode.
 *
 * @param inode     the kernel's inode: the same in every process holding it
 * @param type      {@code stream}, {@code seqpacket} or {@code dgram}; null when never said
 * @param origin    the event that made it: {@code socket}, {@code socketpair} or
 *                  {@code accept}; null when the log never showed it made
 * @param maker     the process that made it, 0 when unknown
 * @param seq       the first event that names it
 * @param fd        the maker's descriptor for it, or null
 * @param flags     {@code nonblock}, {@code cloexec}
 * @param name      the name bound to it, or null
 * @param boundBy   the process that bound it, 0 when it was never bound
 * @param backlog   the backlog given to a successful {@code listen}; null when not listening
 * @param shutdowns the successful {@code shutdown} calls' {@code how}, in order
 * @param traffic   the totals of its {@code close}; null when the log ended with it open
 * @param closedSeq its {@code close} event, or null
 * @param users     the processes whose events name it, in the order of their first one:
 *                  the maker, then any it was inherited by or passed to that did something
 */
public record SandboxSocket(long inode, String type, String origin, int maker, long seq, Integer fd, List<String> flags,
                            SocketName name, int boundBy, Long backlog, List<String> shutdowns, Traffic traffic,
                            Long closedSeq, List<Integer> users) {
    public SandboxSocket {
        flags = List.copyOf(flags);
        shutdowns = List.copyOf(shutdowns);
        users = List.copyOf(users);
    }

    /**
     * The process that held it for use: the first process other than its maker to do
     * something with it (a socketpair end given to a child), else its maker.
     */
    public int holder() {
        for (int user : users) {
            if (user != maker) return user;
        }
        return maker;
    }
}
