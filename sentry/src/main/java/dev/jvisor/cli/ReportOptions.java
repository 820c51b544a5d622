package dev.jvisor.cli;

import java.nio.file.Path;

/**
 * The parsed options of {@code jvisor report}.
 *
 * @param log the audit log to read
 * @param svg  where to draw the IPC map, or null
 * @param html where to write the interactive page, or null; with neither, the text summary is printed
 */
record ReportOptions(Path log, Path svg, Path html) {

    /** Parses {@code args}; throws IllegalArgumentException with a message for the user. */
    static ReportOptions parse(String[] args) {
        Path svg = null;
        Path html = null;
        int i = 0;
        while (i < args.length && args[i].startsWith("-") && !args[i].equals("-")) {
            String arg = args[i++];
            if (arg.equals("--")) break;
            switch (arg) {
                case "--svg" -> svg = Path.of(value(args, i++, arg));
                case "--html" -> html = Path.of(value(args, i++, arg));
                default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
            }
        }
        if (i >= args.length) throw new IllegalArgumentException("no audit log to read");
        if (i + 1 < args.length) throw new IllegalArgumentException("one audit log at a time: unexpected '" + args[i + 1] + "'");
        return new ReportOptions(Path.of(args[i]), svg, html);
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length) throw new IllegalArgumentException(option + " needs a value");
        return args[index];
    }
}
