package dev.jvisor.it.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command natively or under {@code bin/jvisor run}, the same way, so that tests can
 * compare the two. Paths come from the system properties the build sets.
 */
public final class Runner {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private Runner() {}

    /** The repository's top directory. */
    public static Path home() {
        return Path.of(System.getProperty("jvisor.home", "..")).toAbsolutePath().normalize();
    }

    /** The built C programs (launcher, probes/, bench/). */
    public static Path nativeDir() {
        return Path.of(System.getProperty("jvisor.native.dir", home().resolve("native-stubs/build").toString()));
    }

    /** A probe binary by name (native-stubs/probes/NAME.c). */
    public static String probe(String name) {
        Path path = nativeDir().resolve("probes").resolve(name);
        if (!Files.isExecutable(path)) throw new IllegalStateException("probe not built: " + path);
        return path.toString();
    }

    public static String jvisor() {
        return home().resolve("bin/jvisor").toString();
    }

    /** The command under {@code jvisor run [options] --}. */
    public static List<String> sandboxed(List<String> jvisorOptions, List<String> command) {
        List<String> full = new ArrayList<>();
        full.add(jvisor());
        full.add("run");
        full.addAll(jvisorOptions);
        full.add("--");
        full.addAll(command);
        return full;
    }

    public static RunResult runNative(String... command) {
        return run(List.of(command), "", DEFAULT_TIMEOUT);
    }

    public static RunResult runSandboxed(String... command) {
        return run(sandboxed(List.of(), List.of(command)), "", DEFAULT_TIMEOUT);
    }

    /** {@code command} under {@code jvisor run --stats}: its stderr ends with the trapped-call count. */
    public static RunResult runSandboxedWithStats(String... command) {
        return run(sandboxed(List.of("--stats"), List.of(command)), "", DEFAULT_TIMEOUT);
    }

    /**
     * The counts of {@code jvisor run --stats}' line "jvisor: trapped calls: N (name N, ...)":
     * "total" and one entry per syscall name. Fails when the line is missing.
     */
    public static Map<String, Long> trappedCalls(RunResult result) {
        java.util.regex.Matcher line = java.util.regex.Pattern
                .compile("(?m)^jvisor: trapped calls: (\\d+)(?: \\((.*)\\))?$").matcher(result.stderr());
        if (!line.find()) throw new AssertionError("no trapped-call statistics in:\n" + result);
        Map<String, Long> counts = new java.util.TreeMap<>();
        counts.put("total", Long.parseLong(line.group(1)));
        if (line.group(2) != null) {
            for (String entry : line.group(2).split(", ")) {
                int space = entry.lastIndexOf(' ');
                counts.put(entry.substring(0, space), Long.parseLong(entry.substring(space + 1)));
            }
        }
        return counts;
    }

    /** {@code bash -c SCRIPT bash ARGS...}: the script runs ARGS as "$@", e.g. after changing its own state. */
    public static List<String> bash(String script, List<String> args) {
        List<String> full = new ArrayList<>(List.of("bash", "-c", script, "bash"));
        full.addAll(args);
        return full;
    }

    /**
     * Runs {@code command} natively or sandboxed, in a new subdirectory {@code name} of
     * {@code directory}, so that the two runs of a comparison never share files.
     */
    public static RunResult runIn(Path directory, String name, boolean sandbox, List<String> command, Duration timeout)
            throws java.io.IOException {
        Path workingDirectory = java.nio.file.Files.createDirectory(directory.resolve(name));
        return run(sandbox ? sandboxed(List.of(), command) : command, "", timeout, workingDirectory);
    }

    /** A file of the integration tests' resources (scripts the tests run), by name. */
    public static String resource(String name) {
        return home().resolve("integration-tests/src/test/resources").resolve(name).toString();
    }

    /** Runs {@code command} with {@code stdin}; fails the calling test on timeout. */
    /**
     * Whether uid 65534 may make a user namespace with a mount namespace here (natively, with
     * util-linux's unshare): what an unprivileged jvisor needs for the sandbox's read-only
     * directory of hidden names. A kernel or its policy may refuse it. Needs root (setpriv).
     */
    public static boolean unprivilegedUserNamespaces() {
        return run(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "unshare", "--user",
                "--map-current-user", "--mount", "true"), "", DEFAULT_TIMEOUT).exitCode() == 0;
    }

    public static RunResult run(List<String> command, String stdin, Duration timeout) {
        return run(command, stdin, timeout, null);
    }

    public static RunResult run(List<String> command, String stdin, Duration timeout, Path directory) {
        return run(command, stdin, timeout, directory, Map.of());
    }

    /**
     * Runs {@code command} in {@code directory} (null: this one) with {@code environment}
     * changes applied to the inherited environment (an empty value removes the variable).
     */
    public static RunResult run(List<String> command, String stdin, Duration timeout, Path directory,
                                Map<String, String> environment) {
        ProcessBuilder builder = new ProcessBuilder(command);
        if (directory != null) builder.directory(directory.toFile());
        environment.forEach((name, value) -> {
            if (value.isEmpty()) builder.environment().remove(name);
            else builder.environment().put(name, value);
        });
        try {
            Process process = builder.start();
            CompletableFuture<String> out = drain(process.getInputStream());
            CompletableFuture<String> err = drain(process.getErrorStream());
            try (OutputStream in = process.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // The program did not read its input; that is its business.
            }
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor();
                throw new AssertionError("timed out after " + timeout + ": " + command
                        + "\n--- stdout\n" + out.join() + "--- stderr\n" + err.join());
            }
            return new RunResult(process.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Reads a stream to its end on a thread of its own (the common pool may have one thread). */
    static CompletableFuture<String> drain(InputStream stream) {
        CompletableFuture<String> text = new CompletableFuture<>();
        Thread.ofPlatform().daemon(true).start(() -> {
            try (stream) {
                ByteArrayOutputStream buffer = new ByteArrayOutputStream();
                stream.transferTo(buffer);
                text.complete(buffer.toString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                text.completeExceptionally(new UncheckedIOException(e));
            }
        });
        return text;
    }
}
