package dev.jvisor.sentry.report;

/**
 * Two sockets that exchanged, or could exchange, messages.
 *
 * @param kind     how they came together
 * @param seq      the first event that shows it
 * @param type     the sockets' type: {@code stream}, {@code seqpacket} or {@code dgram}
 * @param client   the end that connected (sent, for {@link Kind#SEND_TO}); a socketpair's first
 * @param server   the other end: the accepted socket, the datagram socket connected or sent
 *                 to, a socketpair's second; null for a connection never accepted
 * @param listener for {@link Kind#CONNECT}: the listening socket and the process that made it
 * @param name     the name the client gave; null for a socketpair
 * @param forward  what went from client to server, or null when no close told
 * @param backward what came back, or null
 */
public record Connection(Kind kind, long seq, String type, SocketEnd client, SocketEnd server, SocketEnd listener,
                         SocketName name, Flow forward, Flow backward) {

    public enum Kind {
        /** A stream or seqpacket connect to a listener, and the accept that took it. */
        CONNECT("connect"),
        /** A datagram socket's connect to another datagram socket. */
        DATAGRAM("datagram"),
        /** Datagrams sent to a name without connecting (the log's {@code send-to}). */
        SEND_TO("send-to"),
        SOCKETPAIR("socketpair");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** The end messages go to: the server, or the listener for a connection never accepted. */
    public SocketEnd target() {
        return server != null ? server : listener;
    }

    /** Whether {@code a} and {@code b} are its two ends, either way round. */
    public boolean joins(long a, long b) {
        SocketEnd target = target();
        if (target == null) return false;
        return client.inode() == a && target.inode() == b || client.inode() == b && target.inode() == a;
    }
}
