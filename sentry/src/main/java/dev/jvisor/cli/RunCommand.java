package dev.jvisor.cli;

import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.ExitStatus;
import dev.jvisor.platform.LaunchSpec;
import dev.jvisor.platform.PassthroughHandler;
import dev.jvisor.platform.Sandbox;
import dev.jvisor.platform.SyscallHandler;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code jvisor run}: starts the program under the sandbox and exits with its status.
 *
 * <p>bin/jvisor passes the caller's process state that the JVM cannot be trusted to keep
 * (inherited descriptors, ignored and blocked signals) as system properties.
 */
final class RunCommand {
    private RunCommand() {}

    static int run(String[] args, PrintStream err) {
        RunOptions options;
        try {
            options = RunOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("jvisor: " + e.getMessage());
            err.println("Try 'jvisor --help'.");
            return Main.EXIT_FAILURE;
        }
        Logging.configure(options.logLevel(), options.logFile());

        Path launcher = builtFile("jvisor.launcher");
        Path signalRelay = builtFile("jvisor.signalRelay");
        if (launcher == null || signalRelay == null) {
            err.println("jvisor: start jvisor with bin/jvisor (jvisor.launcher or jvisor.signalRelay is unset or missing)");
            return Main.EXIT_FAILURE;
        }
        long ignored = mask("jvisor.sigIgnore");
        LaunchSpec spec = new LaunchSpec(launcher, options.command(), environment(),
                keptFds(), ignored, mask("jvisor.sigBlock"));

        CallStatistics statistics = options.stats() ? new CallStatistics(new PassthroughHandler()) : null;
        SyscallHandler handler = statistics != null ? statistics : new PassthroughHandler();
        SignalForwarder signals = SignalForwarder.start(signalRelay, ignored);
        Sandbox sandbox;
        try {
            sandbox = Sandbox.start(spec, handler);
        } catch (ErrnoException e) {
            err.println("jvisor: cannot start the sandbox: " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
        signals.forwardTo(sandbox);
        ExitStatus status = sandbox.waitFor();
        if (statistics != null) statistics.print(err);
        return status.shellStatus();
    }

    /** A file of native-stubs that bin/jvisor names in a system property, or null. */
    private static Path builtFile(String property) {
        String value = System.getProperty(property);
        return value != null && Files.isRegularFile(Path.of(value)) ? Path.of(value) : null;
    }

    /**
     * This JVM's environment, which is the caller's except for {@code _}: bash sets that to
     * the command it runs, so bin/jvisor passes the caller's own (empty when it had none).
     */
    private static List<String> environment() {
        List<String> environment = new ArrayList<>();
        System.getenv().forEach((name, value) -> {
            if (!name.equals("_")) environment.add(name + "=" + value);
        });
        String underscore = System.getProperty("jvisor.underscore", "");
        if (!underscore.isEmpty()) environment.add(underscore);
        return environment;
    }

    /** The descriptors the caller had open; without bin/jvisor's list, the standard three. */
    private static List<Integer> keptFds() {
        String fds = System.getProperty("jvisor.keepFds");
        if (fds == null) return List.of(0, 1, 2);
        if (fds.isBlank()) return List.of();
        return Arrays.stream(fds.split(",")).map(Integer::valueOf).toList();
    }

    private static long mask(String property) {
        String hex = System.getProperty(property, "0").trim();
        return hex.isEmpty() ? 0 : Long.parseUnsignedLong(hex, 16);
    }
}
