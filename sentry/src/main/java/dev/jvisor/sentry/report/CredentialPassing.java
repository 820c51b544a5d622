package dev.jvisor.sentry.report;

/**
 * Credentials that went from one process to another.
 *
 * @param kind     a message's SCM_CREDENTIALS, or an SO_PEERCRED answer
 * @param seq      the first event that shows it
 * @param from     whose credentials: the sender, or the peer asked about
 * @param to       who got them: the receiver, or the process that asked; for a message never
 *                 received, the sender's peer as far as known
 * @param stated   what the sender stated ({@code credentials-sent}); null when not seen sent
 *                 and for {@link Kind#PEER}
 * @param received what the receiver got, or the SO_PEERCRED answer; null when not seen received
 */
public record CredentialPassing(Kind kind, long seq, SocketEnd from, SocketEnd to, Credentials stated,
                                Credentials received) {

    public enum Kind {
        /** SCM_CREDENTIALS in a message: {@code credentials-sent}, {@code credentials-received}. */
        MESSAGE("message"),
        /** unix(7): SO_PEERCRED, the credentials the peer had when it connected: {@code peer-credentials}. */
        PEER("peer");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** The credentials as they arrived when the log says, else as stated. */
    public Credentials credentials() {
        return received != null ? received : stated;
    }
}
