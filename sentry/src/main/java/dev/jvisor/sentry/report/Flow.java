package dev.jvisor.sentry.report;

/**
 * What went one way through the calls the audit traps (docs/audit.md, Messages and bytes):
 * messages and their bytes. What went by read, write, send and recv was not observed, and a
 * description says so rather than let a 0 read as an idle socket.
 */
public record Flow(long messages, long bytes) {
    /** What no count covers, said wherever a count is shown. */
    public static final String NOT_OBSERVED = "by read/write/send/recv: not observed";

    /** "3 messages, 120 bytes by sendmsg/sendto; by read/write/send/recv: not observed". */
    public String described() {
        return counted() + " by sendmsg/sendto; " + NOT_OBSERVED;
    }

    /** "3 messages, 120 bytes". */
    public String counted() {
        return messages + (messages == 1 ? " message, " : " messages, ") + bytes + (bytes == 1 ? " byte" : " bytes");
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
