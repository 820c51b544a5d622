/**
 * {@code jvisor report}: reads an audit log (docs/audit.md) and presents it.
 *
 * <p>{@link dev.jvisor.sentry.report.AuditLogReader} splits the log into lines, reads each
 * strictly with Jackson into a tree and checks its schema version;
 * {@link dev.jvisor.sentry.report.AuditEvent} asks the tree for fields by name, naming the line
 * when one is missing or of the wrong type. {@code IpcMapBuilder}
 * folds the events into an {@link dev.jvisor.sentry.report.IpcMap}: processes, sockets, and
 * the exchanges between them (connections, descriptors and credentials passed, refusals), each
 * a small record, with the two sides of one exchange joined whatever order the log has them
 * in. The map knows nothing of output; {@link dev.jvisor.sentry.report.TextReport} and
 * {@link dev.jvisor.sentry.report.SvgMap} render it, and {@link dev.jvisor.sentry.report.Visible}
 * keeps the program's bytes (NULs in abstract names) readable in both.
 */
package dev.jvisor.sentry.report;
