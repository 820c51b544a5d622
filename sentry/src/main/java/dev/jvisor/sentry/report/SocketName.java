package dev.jvisor.sentry.report;

/**
 * A socket name as the sandbox sees it (docs/audit.md): {@code kind} is {@code path},
 * {@code abstract}, {@code autobind} or {@code unnamed}; {@code name} is the path, or
 * {@code @} and the abstract name, or null when unnamed.
 */
public record SocketName(String kind, String name) {

    /** The name, or its kind when it has none: what a label shows. */
    public String shown() {
        return name == null ? "(" + kind + ")" : Visible.text(name);
    }

    /** Kind and name, as the text report says it: "path /tmp/s", "abstract @s". */
    public String described() {
        return name == null ? kind : kind + " " + Visible.text(name);
    }
}
