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

        String launcherProperty = System.getProperty("jvisor.launcher");
        if (launcherProperty == null || !Files.isExecutable(Path.of(launcherProperty))) {
            err.println("jvisor: no launcher: start jvisor with bin/jvisor (jvisor.launcher is unset or not executable)");
            return Main.EXIT_FAILURE;
        }
        long ignored = mask("jvisor.sigIgnore");
        LaunchSpec spec = new LaunchSpec(Path.of(launcherProperty), options.command(), environment(),
                keptFds(), ignored, mask("jvisor.sigBlock"));

        CallStatistics statistics = options.stats() ? new CallStatistics(new PassthroughHandler()) : null;
        SyscallHandler handler = statistics != null ? statistics : new PassthroughHandler();
        Sandbox sandbox;
        try {
            sandbox = Sandbox.start(spec, handler);
        } catch (ErrnoException e) {
            err.println("jvisor: cannot start the sandbox: " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
        SignalForwarder.install(sandbox, ignored);
        ExitStatus status = sandbox.waitFor();
        if (statistics != null) statistics.print(err);
        return status.shellStatus();
    }

    private static List<String> environment() {
        List<String> environment = new ArrayList<>();
        System.getenv().forEach((name, value) -> environment.add(name + "=" + value));
        return environment;
    }

    private static List<Integer> keptFds() {
        String fds = System.getProperty("jvisor.keepFds", "");
        if (fds.isBlank()) return List.of();
        return Arrays.stream(fds.split(",")).map(Integer::valueOf).toList();
    }

    private static long mask(String property) {
        String hex = System.getProperty(property, "0").trim();
        return hex.isEmpty() ? 0 : Long.parseUnsignedLong(hex, 16);
    }
}
