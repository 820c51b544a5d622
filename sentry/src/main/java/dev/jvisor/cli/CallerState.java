package dev.jvisor.cli;

import dev.jvisor.platform.LaunchSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The caller's process state and the built files, as bin/jvisor passes them in system
 * properties: what the program must inherit instead of the JVM's state.
 */
final class CallerState {
    private CallerState() {}

    /** A launch of {@code command} with the caller's state; null when bin/jvisor did not start this JVM. */
    static LaunchSpec launch(List<String> command) {
        Path launcher = builtFile("jvisor.launcher");
        if (launcher == null) return null;
        return new LaunchSpec(launcher, command, environment(), keptFds(), ignoredSignals(), mask("jvisor.sigBlock"));
    }

    /** native-stubs' signal relay library, or null. */
    static Path signalRelay() {
        return builtFile("jvisor.signalRelay");
    }

    static long ignoredSignals() {
        return mask("jvisor.sigIgnore");
    }

    static final String NOT_STARTED_BY_SCRIPT =
            "jvisor: start jvisor with bin/jvisor (jvisor.launcher or jvisor.signalRelay is unset or missing)";

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
