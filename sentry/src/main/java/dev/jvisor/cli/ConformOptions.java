package dev.jvisor.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The parsed options of {@code jvisor conform}.
 *
 * @param command   the program and its arguments
 * @param json      print the comparison as JSON
 * @param ignoreFds compare calls without descriptor numbers
 * @param fixture   the directory each run starts in a copy of, or null
 * @param stdin     the file both runs read, or null for jvisor's own input
 * @param keepIn    where to run and leave the runs' files, or null
 */
record ConformOptions(List<String> command, boolean json, boolean ignoreFds, Path fixture, Path stdin, Path keepIn) {

    /** Parses {@code args}; throws IllegalArgumentException with a message for the user. */
    static ConformOptions parse(String[] args) {
        boolean json = false;
        boolean ignoreFds = false;
        Path fixture = null;
        Path stdin = null;
        Path keepIn = null;
        int i = 0;
        while (i < args.length && args[i].startsWith("-")) {
            String arg = args[i++];
            if (arg.equals("--")) break;
            switch (arg) {
                case "--json" -> json = true;
                case "--ignore-fds" -> ignoreFds = true;
                case "--fixture" -> fixture = Path.of(value(args, i++, arg));
                case "--stdin" -> stdin = Path.of(value(args, i++, arg));
                case "--keep" -> keepIn = Path.of(value(args, i++, arg));
                default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
            }
        }
        if (i >= args.length) throw new IllegalArgumentException("no program to run");
        return new ConformOptions(Arrays.asList(args).subList(i, args.length), json, ignoreFds, fixture, stdin, keepIn);
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length) throw new IllegalArgumentException(option + " needs a value");
        return args[index];
    }
}
