package dev.jvisor.sentry.report;

/** An audit log jvisor cannot read: the line (1-based) and what is wrong with it. */
public final class AuditLogException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int line;

    public AuditLogException(int line, String problem) {
        super("line " + line + ": " + problem);
        this.line = line;
    }

    public int line() {
        return line;
    }
}
