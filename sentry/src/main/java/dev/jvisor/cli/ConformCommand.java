package dev.jvisor.cli;

import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.LaunchSpec;
import dev.jvisor.sentry.Sentry;
import dev.jvisor.sentry.conform.Comparison;
import dev.jvisor.sentry.conform.ConformReport;
import dev.jvisor.sentry.conform.Conformance;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code jvisor conform}: runs a program under the sentry and in host mode, compares exit
 * status, output and every trapped call, and prints the report. Exits 0 when the runs are
 * the same, 1 when they differ, 2 when they could not be compared.
 */
final class ConformCommand {
    static final int SAME = 0;
    static final int DIFFERENT = 1;
    static final int ERROR = 2;

    private ConformCommand() {}

    static int run(String[] args, PrintStream out, PrintStream err) {
        ConformOptions options;
        try {
            options = ConformOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("jvisor conform: " + e.getMessage());
            return ERROR;
        }
        Path fixture = options.fixture();
        Path stdin = options.stdin();
        Path keepIn = options.keepIn();
        if (fixture != null && !Files.isDirectory(fixture)) {
            err.println("jvisor conform: no fixture directory " + fixture);
            return ERROR;
        }
        LaunchSpec spec = CallerState.launch(fromCallersDirectory(options.command()));
        if (spec == null) {
            err.println(CallerState.NOT_STARTED_BY_SCRIPT);
            return ERROR;
        }

        Path input = null;
        try {
            input = stdin != null ? stdin : savedStandardInput();
            Comparison comparison = Conformance.compare(spec, Sentry.handler(),
                    new Conformance.Options(fixture, input, options.ignoreFds(), keepIn));
            out.print(options.json() ? ConformReport.json(comparison) + "\n" : ConformReport.text(comparison));
            if (keepIn != null) err.println("jvisor conform: the runs' files are in " + keepIn);
            if (comparison.failed()) return ERROR;
            return comparison.equal() ? SAME : DIFFERENT;
        } catch (IOException | ErrnoException e) {
            err.println("jvisor conform: " + e.getMessage());
            return ERROR;
        } finally {
            if (stdin == null && input != null) input.toFile().delete();
        }
    }

    /**
     * Both runs start in a directory of their own: a program named by a relative path is
     * found from the caller's directory, as the caller meant it.
     */
    private static List<String> fromCallersDirectory(List<String> command) {
        String program = command.getFirst();
        if (!program.contains("/") || program.startsWith("/") || !Files.exists(Path.of(program))) return command;
        List<String> resolved = new ArrayList<>(command);
        resolved.set(0, Path.of(program).toAbsolutePath().normalize().toString());
        return resolved;
    }

    /**
     * This process's standard input, read once so that both runs read the same bytes; none
     * when it is a terminal (a person cannot type the same input twice).
     */
    private static Path savedStandardInput() throws IOException {
        Path saved = Files.createTempFile("jvisor-conform-stdin", "");
        String source = Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString();
        if (!source.startsWith("/dev/pts/") && !source.startsWith("/dev/tty")) {
            try (InputStream in = System.in) {
                Files.copy(in, saved, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return saved;
    }
}
