package dev.jvisor.sentry.report;

/** Text that is not JSON: what was wrong, and where (a 0-based offset, shown as a 1-based column). */
public final class JsonSyntaxException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int offset;

    public JsonSyntaxException(String problem, int offset) {
        super(problem + " at column " + (offset + 1));
        this.offset = offset;
    }

    public int offset() {
        return offset;
    }
}
