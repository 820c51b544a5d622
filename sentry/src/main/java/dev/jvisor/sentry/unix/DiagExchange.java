package dev.jvisor.sentry.unix;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * What the sentry remembers of one sock_diag socket's requests: the by-inode AF_UNIX requests
 * the program sent (the ENOENT that answers one for a socket that is not the sandbox's copies
 * it, as netlink_ack does), and the requests answered so, whose acknowledgement is left out.
 * At most {@link #KEPT} of each, the oldest forgotten first: a program that never reads its
 * answers costs no more. Used on the tracer thread only.
 */
final class DiagExchange {
    static final int KEPT = 64;

    private final Map<Integer, byte[]> requests = new LinkedHashMap<>();
    private final Set<Integer> refused = new LinkedHashSet<>();

    /** A by-inode request sent with sequence number {@code seq}: its netlink message, header included. */
    void sent(int seq, byte[] request) {
        requests.remove(seq);
        requests.put(seq, request);
        trim(requests.keySet());
    }

    /** The request sent with {@code seq}, now answered; null when none is known. */
    byte[] answered(int seq) {
        return requests.remove(seq);
    }

    /** The request with {@code seq} was answered here with ENOENT. */
    void refuse(int seq) {
        refused.add(seq);
        trim(refused);
    }

    /** Whether an acknowledgement of {@code seq} is to be left out (once). */
    boolean dropsAcknowledgement(int seq) {
        return refused.remove(seq);
    }

    private static void trim(Set<Integer> keys) {
        for (Iterator<Integer> oldest = keys.iterator(); keys.size() > KEPT; ) {
            oldest.next();
            oldest.remove();
        }
    }
}
