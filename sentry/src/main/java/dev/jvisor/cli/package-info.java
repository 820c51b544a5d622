/**
 * The {@code jvisor} command line: {@code Main} dispatches, {@code RunCommand} builds the
 * launch from the caller's state that bin/jvisor passes as system properties, starts the
 * {@link dev.jvisor.platform.Sandbox}, forwards signals ({@code SignalForwarder}) and exits
 * with the program's status. {@code ReportCommand} reads an audit log into a
 * {@link dev.jvisor.sentry.report.IpcMap} and prints or draws it.
 */
package dev.jvisor.cli;
