package dev.jvisor.sentry.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.HashSet;
import java.util.Set;

/**
 * One sandbox AF_UNIX socket while it exists, with the totals of what the calls the audit
 * sees carried. Tracer thread only.
 */
final class AuditedSocket {
    final long inode;
    final int type;
    /** The process that made it: socket, socketpair or accept. */
    final int maker;
    long messagesSent;
    long bytesSent;
    long messagesReceived;
    long bytesReceived;
    long rightsSent;
    long rightsReceived;
    /** A connection-oriented socket's peer once connected (0 before, and for datagram sockets). */
    long peer;
    /** The sockets this one sent datagrams to by name: the first to each is logged. */
    final Set<Long> destinations = new HashSet<>();

    AuditedSocket(long inode, int type, int maker) {
        this.inode = inode;
        this.type = type;
        this.maker = maker;
    }

    void sent(long messages, long bytes) {
        messagesSent += messages;
        bytesSent += bytes;
    }

    void received(long messages, long bytes) {
        messagesReceived += messages;
        bytesReceived += bytes;
    }

    ObjectNode totals(ObjectNode fields) {
        return fields.put("messages_sent", messagesSent).put("bytes_sent", bytesSent)
                .put("messages_received", messagesReceived).put("bytes_received", bytesReceived)
                .put("rights_sent", rightsSent).put("rights_received", rightsReceived);
    }
}
