package dev.jvisor.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Properties;

/** The {@code jvisor} command. */
public final class Main {
    static final String USAGE = """
            usage: jvisor run [OPTIONS] [--] PROGRAM [ARGS...]
                   jvisor conform [OPTIONS] [--] PROGRAM [ARGS...]
                   jvisor report [--svg OUT.svg] [--html OUT.html] FILE
                   jvisor --help | --version

            run: runs PROGRAM, and every process it starts, with its AF_UNIX calls trapped
            and answered by the sentry; everything else runs natively. Exits with the
            program's status (128+N when signal N killed it).
              --stats              on exit and on SIGUSR1, print the trapped calls per call, the
                                   sentry's table sizes and jvisor's heap after a collection
              --host               host mode: the kernel answers the trapped calls
              --trace FILE         record every trapped call in FILE (JSON Lines)
              --audit FILE         write every AF_UNIX event to FILE (JSON Lines, docs/audit.md)
              --allow-host-socket PATH
                                   let the sandbox connect or send to the host socket at PATH (repeatable)
              --expose PATH        let host clients connect to the sandbox listener bound at PATH (repeatable)
              -v, --verbose        log what jvisor does (same as --log-level debug)
              --log-level LEVEL    error, warn (default), info, debug or trace
              --log-file FILE      write the log to FILE instead of standard error

            conform: runs PROGRAM under the sentry and in host mode (what Linux answers),
            each in a fresh working directory with the same environment and input, and
            compares exit status, output and every trapped call. Exits 0 when the runs
            are the same, 1 when they differ, 2 when they could not be compared.
              --fixture DIR        copy DIR to be each run's working directory
              --stdin FILE         both runs read FILE (default: jvisor's own input)
              --ignore-fds         compare calls without descriptor numbers
              --json               print the comparison as JSON
              --keep DIR           run in DIR and leave both runs' files there

            report: reads FILE, an audit log (JSON Lines, docs/audit.md), and prints who
            connected to whom and what crossed: processes, sockets and their names,
            connections, descriptors and credentials passed, refusals. Exits 0, or 2 when
            FILE cannot be read or is not an audit log this jvisor knows.
              --svg OUT.svg        draw the IPC map in OUT.svg instead (prints nothing)
              --html OUT.html      write an interactive page instead: the map, whose groups
                                   expand, a filterable timeline and each connection's detail
            """;

    /** Exit status for jvisor's own failures (bad usage, no launcher), as env(1) uses. */
    static final int EXIT_FAILURE = 125;

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.print(USAGE);
            return EXIT_FAILURE;
        }
        switch (args[0]) {
            case "--help", "-h", "help" -> {
                out.print(USAGE);
                return 0;
            }
            case "--version" -> {
                out.println("jvisor " + version());
                return 0;
            }
            case "run" -> {
                return RunCommand.run(Arrays.copyOfRange(args, 1, args.length), err);
            }
            case "conform" -> {
                return ConformCommand.run(Arrays.copyOfRange(args, 1, args.length), out, err);
            }
            case "report" -> {
                return ReportCommand.run(Arrays.copyOfRange(args, 1, args.length), out, err);
            }
            default -> {
                err.println("jvisor: unknown command '" + args[0] + "'");
                err.print(USAGE);
                return EXIT_FAILURE;
            }
        }
    }

    static String version() {
        try (InputStream in = Main.class.getResourceAsStream("/jvisor-version.properties")) {
            Properties properties = new Properties();
            if (in != null) properties.load(in);
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
