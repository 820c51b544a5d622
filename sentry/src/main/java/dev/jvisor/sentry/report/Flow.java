package dev.jvisor.sentry.report;

/** What went one way: messages (calls jvisor counted) and their bytes. */
public record Flow(long messages, long bytes) {

    /** "3 messages, 120 bytes". */
    public String described() {
        return messages + (messages == 1 ? " message, " : " messages, ") + bytes + (bytes == 1 ? " byte" : " bytes");
    }

    /** "3 msgs, 120 B": for a label. */
    public String brief() {
        return messages + (messages == 1 ? " msg, " : " msgs, ") + bytes + " B";
    }

    /**
     * One direction of a connection seen from both ends: each end counts only the calls jvisor
     * traps (docs/audit.md, Messages and bytes), so the end that saw more bytes saw more of
     * what crossed; on a tie the sender's count, the number of messages as sent.
     */
    public static Flow seenBy(Flow sender, Flow receiver) {
        if (sender == null) return receiver;
        if (receiver == null) return sender;
        return receiver.bytes > sender.bytes ? receiver : sender;
    }
}
