package dev.jvisor.platform;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs a probe of native-stubs under a {@link Sandbox} in this JVM, with a test's handler.
 * The sandbox shares this JVM's standard streams, so the probe's output goes to a file.
 */
final class ProbeRun {
    private ProbeRun() {}

    static Path nativeDir() {
        return Path.of(System.getProperty("jvisor.native.dir", "../native-stubs/build"));
    }

    static Path launcher() {
        return nativeDir().resolve("jvisor-launcher");
    }

    static String probe(String name) {
        return nativeDir().resolve("probes").resolve(name).toString();
    }

    /** A started sandbox whose program writes its standard output to {@link #output()}. */
    record Started(Sandbox sandbox, Path output) {
        String awaitOutput() {
            ExitStatus status = sandbox.waitFor();
            try {
                String text = Files.readString(output);
                if (!(status instanceof ExitStatus.Exited(int code) && code == 0)) {
                    throw new AssertionError("probe ended with " + status + ", output:\n" + text);
                }
                return text;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Starts {@code sh -c SCRIPT}, where OUT in the script names a fresh output file. */
    static Started start(Path directory, String script, SyscallHandler handler) {
        Path output = directory.resolve("out.txt");
        String command = script.replace("OUT", "'" + output + "'");
        return new Started(Sandbox.start(LaunchSpec.of(launcher(), List.of("sh", "-c", command)), handler), output);
    }

    /** Runs probe {@code handler-targets} with {@code args}; returns what it printed. */
    static String run(Path directory, SyscallHandler handler, String... args) {
        return start(directory, probe("handler-targets") + " " + String.join(" ", args) + " > OUT", handler)
                .awaitOutput();
    }
}
