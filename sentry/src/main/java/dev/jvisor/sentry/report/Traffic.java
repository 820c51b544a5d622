package dev.jvisor.sentry.report;

/** A socket's totals from its {@code close} event. */
public record Traffic(long messagesSent, long bytesSent, long messagesReceived, long bytesReceived,
                      long rightsSent, long rightsReceived) {

    public Flow sent() {
        return new Flow(messagesSent, bytesSent);
    }

    public Flow received() {
        return new Flow(messagesReceived, bytesReceived);
    }
}
