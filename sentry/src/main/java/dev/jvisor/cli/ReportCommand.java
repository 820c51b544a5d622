package dev.jvisor.cli;

import dev.jvisor.sentry.report.AuditEvent;
import dev.jvisor.sentry.report.AuditLogReader;
import dev.jvisor.sentry.report.HtmlReport;
import dev.jvisor.sentry.report.AuditLogException;
import dev.jvisor.sentry.report.IpcMap;
import dev.jvisor.sentry.report.SvgMap;
import dev.jvisor.sentry.report.TextReport;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code jvisor report}: reads an audit log (docs/audit.md) and prints its summary, or with
 * {@code --svg} draws its IPC map, with {@code --html} writes its interactive page (either or
 * both), and prints nothing. Exits 0, 2 when the log cannot be read
 * or is not an audit log this jvisor knows (or the picture cannot be written), 125 on bad usage.
 */
final class ReportCommand {
    static final int UNREADABLE = 2;

    private ReportCommand() {}

    static int run(String[] args, PrintStream out, PrintStream err) {
        ReportOptions options;
        try {
            options = ReportOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("jvisor report: " + e.getMessage());
            err.println("Try 'jvisor --help'.");
            return Main.EXIT_FAILURE;
        }
        Path log = options.log();
        List<AuditEvent> events;
        IpcMap map;
        try {
            events = AuditLogReader.read(log);
            map = IpcMap.of(events);
        } catch (IOException e) {
            err.println("jvisor report: cannot read " + log + ": " + reason(e));
            return UNREADABLE;
        } catch (AuditLogException e) {
            err.println("jvisor report: " + log + ": " + e.getMessage());
            return UNREADABLE;
        }
        if (options.svg() == null && options.html() == null) {
            out.print(TextReport.text(map, log.toString()));
            out.flush();
            return 0;
        }
        if (options.svg() != null && !write(options.svg(), SvgMap.svg(map, log.toString()), err)) return UNREADABLE;
        if (options.html() != null && !write(options.html(), HtmlReport.html(map, events, log.toString()), err)) {
            return UNREADABLE;
        }
        return 0;
    }

    private static boolean write(Path file, String text, PrintStream err) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
            return true;
        } catch (IOException e) {
            err.println("jvisor report: cannot write " + file + ": " + reason(e));
            return false;
        }
    }

    /** What went wrong, in words: a NoSuchFileException's message is only the path. */
    private static String reason(IOException e) {
        return switch (e) {
            case NoSuchFileException _ -> "no such file";
            case AccessDeniedException _ -> "permission denied";
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        };
    }
}
