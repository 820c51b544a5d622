package dev.jvisor.sentry.report;

import java.util.List;

/**
 * One SCM_RIGHTS message: its {@code rights-sent} and the {@code rights-received} that took
 * it, when the log has both.
 *
 * @param seq      the first of the two events
 * @param from     the socket sent on and the sender; for a message seen only received,
 *                 the receiver's peer as far as known
 * @param to       the socket received on and the receiver; for a message never received,
 *                 the sender's peer as far as known
 * @param sent     the descriptors as the sender had them; empty when not seen sent
 * @param received the descriptors as the receiver got them; empty when not seen received
 */
public record DescriptorPassing(long seq, SocketEnd from, SocketEnd to, List<PassedDescriptor> sent,
                                List<PassedDescriptor> received) {
    public DescriptorPassing {
        sent = List.copyOf(sent);
        received = List.copyOf(received);
    }

    /** What was passed, as the sender had it when the log says. */
    public List<PassedDescriptor> descriptors() {
        return sent.isEmpty() ? received : sent;
    }
}
