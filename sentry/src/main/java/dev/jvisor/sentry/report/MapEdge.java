package dev.jvisor.sentry.report;

import java.util.List;

/**
 * An arrow of the IPC map: every exchange of one kind between two boxes, counted.
 *
 * @param id          {@code edge-KIND-FROM-TO}
 * @param from        the id of the box it leaves
 * @param to          the id of the box it enters
 * @param count       how many exchanges it stands for (connections, descriptors, ...)
 * @param title       the whole story, shown on hover
 * @param connections the indexes in {@link IpcMap#connections()} of the connections it stands
 *                    for or that its exchanges crossed
 */
public record MapEdge(String id, Kind kind, String from, String to, int count, String title, List<Integer> connections) {
    public MapEdge {
        connections = List.copyOf(connections);
    }

    /** "8 connections". */
    public String label() {
        return kind.counted(count);
    }

    public enum Kind {
        /** Clients to the name they connected to (or straight to the peer, when it has no name). */
        CONNECTS("connects", "connection", "connections"),
        /** A name to the process that listens on it and accepted its connections. */
        ACCEPTS("accepts", "accepted", "accepted"),
        /** A name to the process that bound it (a datagram socket, or a listener nobody connected to). */
        BOUND("bound", "bound", "bound"),
        /** Datagrams sent to a name, or by a socket connected to it. */
        DATAGRAMS("datagrams", "datagram route", "datagram routes"),
        SOCKETPAIRS("socketpairs", "socketpair", "socketpairs"),
        /** SCM_RIGHTS: counted by descriptor. */
        RIGHTS("rights", "descriptor passed", "descriptors passed"),
        /** SCM_CREDENTIALS in messages. */
        CREDENTIALS("credentials", "SCM_CREDENTIALS", "SCM_CREDENTIALS"),
        /** SO_PEERCRED: from the peer asked about to the process that asked. */
        PEER_CREDENTIALS("peer-credentials", "SO_PEERCRED", "SO_PEERCRED"),
        /** Names refused because only a host socket holds them. */
        REFUSED("refused", "refused", "refused");

        private final String cssClass;
        private final String one;
        private final String many;

        Kind(String cssClass, String one, String many) {
            this.cssClass = cssClass;
            this.one = one;
            this.many = many;
        }

        public String cssClass() {
            return cssClass;
        }

        /** "3 descriptors passed": an arrow's label, or a note inside a box. */
        public String counted(int count) {
            return count + " " + (count == 1 ? one : many);
        }
    }
}
