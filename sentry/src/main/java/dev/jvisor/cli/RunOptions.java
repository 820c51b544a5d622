package dev.jvisor.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The parsed options of {@code jvisor run}.
 *
 * @param command   the program and its arguments
 * @param stats     print statistics (calls, sentry tables, heap) on exit and on SIGUSR1
 * @param host      host mode: the kernel answers the trapped calls
 * @param traceFile where to record every trapped call (JSON Lines), or null
 * @param auditFile where to write the audit log (docs/audit.md), or null
 * @param logLevel  logback level name
 * @param logFile   where the log goes, or null for standard error
 * @param allowedHostSockets the host socket files the sandbox may reach (--allow-host-socket)
 * @param exposedPaths the paths at which host clients may reach sandbox listeners (--expose)
 */
record RunOptions(List<String> command, boolean stats, boolean host, Path traceFile, Path auditFile, String logLevel,
                  Path logFile, List<Path> allowedHostSockets, List<Path> exposedPaths) {
    private static final List<String> LEVELS = List.of("error", "warn", "info", "debug", "trace");

    /** Parses {@code args}; throws IllegalArgumentException with a message for the user. */
    static RunOptions parse(String[] args) {
        boolean stats = false;
        boolean host = false;
        Path traceFile = null;
        Path auditFile = null;
        String level = "warn";
        Path logFile = null;
        List<Path> allowed = new ArrayList<>();
        List<Path> exposed = new ArrayList<>();
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
                case "--allow-host-socket" -> allowed.add(Path.of(value(args, ++i, arg)));
                case "--expose" -> exposed.add(Path.of(value(args, ++i, arg)));
                default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
            }
            i++;
        }
        if (i >= args.length) throw new IllegalArgumentException("no program to run");
        // The audit names sockets as the sandbox sees them, which only the sentry knows.
        if (host && auditFile != null) throw new IllegalArgumentException("--audit needs the sentry: not with --host");
        // In host mode every socket is the host's already.
        if (host && !allowed.isEmpty()) throw new IllegalArgumentException("--allow-host-socket needs the sentry: not with --host");
        if (host && !exposed.isEmpty()) throw new IllegalArgumentException("--expose needs the sentry: not with --host");
        return new RunOptions(Arrays.asList(args).subList(i, args.length), stats, host, traceFile, auditFile, level,
                logFile, List.copyOf(allowed), List.copyOf(exposed));
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length) throw new IllegalArgumentException(option + " needs a value");
        return args[index];
    }
}
