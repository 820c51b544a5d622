package dev.jvisor.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The parsed options of {@code jvisor run}.
 *
 * @param command   the program and its arguments
 * @param stats     print trapped-call counts on exit
 * @param host      host mode: the kernel answers the trapped calls
 * @param traceFile where to record every trapped call (JSON Lines), or null
 * @param auditFile where to write the audit log (docs/audit.md), or null
 * @param logLevel  logback level name
 * @param logFile   where the log goes, or null for standard error
 */
record RunOptions(List<String> command, boolean stats, boolean host, Path traceFile, Path auditFile, String logLevel,
                  Path logFile) {
    private static final List<String> LEVELS = List.of("error", "warn", "info", "debug", "trace");

    /** Parses {@code args}; throws IllegalArgumentException with a message for the user. */
    static RunOptions parse(String[] args) {
        boolean stats = false;
        boolean host = false;
        Path traceFile = null;
        Path auditFile = null;
        String level = "warn";
        Path logFile = null;
        int i = 0;
        while (i < args.length) {
            String arg = args[i];
            if (arg.equals("--")) {
                i++;
                break;
            }
            if (!arg.startsWith("-")) break;
            switch (arg) {
                case "--stats" -> stats = true;
                case "--host" -> host = true;
                case "--trace" -> traceFile = Path.of(value(args, ++i, arg));
                case "--audit" -> auditFile = Path.of(value(args, ++i, arg));
                case "-v", "--verbose" -> level = "debug";
                case "--log-level" -> {
                    level = value(args, ++i, arg).toLowerCase(Locale.ROOT);
                    if (!LEVELS.contains(level)) throw new IllegalArgumentException("unknown log level '" + level + "'");
                }
                case "--log-file" -> logFile = Path.of(value(args, ++i, arg));
                default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
            }
            i++;
        }
        if (i >= args.length) throw new IllegalArgumentException("no program to run");
        // The audit names sockets as the sandbox sees them, which only the sentry knows.
        if (host && auditFile != null) throw new IllegalArgumentException("--audit needs the sentry: not with --host");
        return new RunOptions(Arrays.asList(args).subList(i, args.length), stats, host, traceFile, auditFile, level,
                logFile);
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length) throw new IllegalArgumentException(option + " needs a value");
        return args[index];
    }
}
