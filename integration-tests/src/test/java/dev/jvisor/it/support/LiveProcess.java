package dev.jvisor.it.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A program the test talks to while it runs: reads its output line by line (to wait for a
 * readiness line), writes to its input, signals it, and finally collects what it printed.
 * Always closed by the test (try-with-resources), which kills whatever is left.
 */
public final class LiveProcess implements AutoCloseable {
    private static final String EOF = new String("end of stream");

    private final List<String> command;
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();
    private final BlockingQueue<String> errorLines = new LinkedBlockingQueue<>();
    private final CompletableFuture<String> stderr = new CompletableFuture<>();

    private LiveProcess(List<String> command, Process process) {
        this.command = command;
        this.process = process;
        Thread.ofPlatform().daemon(true).start(this::readLines);
        Thread.ofPlatform().daemon(true).start(this::readErrorLines);
    }

    public static LiveProcess start(List<String> command) {
        return start(command, null);
    }

    /** Starts {@code command} in {@code directory} (null: this process's own). */
    public static LiveProcess start(List<String> command, java.nio.file.Path directory) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command);
            if (directory != null) builder.directory(directory.toFile());
            return new LiveProcess(command, builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static LiveProcess startSandboxed(String... command) {
        return start(Runner.sandboxed(List.of(), List.of(command)));
    }

    public static LiveProcess startNative(String... command) {
        return start(List.of(command));
    }

    /** The process the test started: for a sandboxed run, the jvisor JVM. */
    public Process process() {
        return process;
    }

    /** How many descriptors the process has open: jvisor's own, when it runs jvisor. */
    public long openDescriptors() {
        try (java.util.stream.Stream<java.nio.file.Path> fds = java.nio.file.Files.list(
                java.nio.file.Path.of("/proc", Long.toString(pid()), "fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long pid() {
        return process.pid();
    }

    /** Waits for the next output line that {@code pattern} finds something in; returns the match. */
    public Matcher awaitLine(String pattern) {
        Pattern compiled = Pattern.compile(pattern);
        String line = awaitLine(text -> compiled.matcher(text).find());
        Matcher matcher = compiled.matcher(line);
        if (!matcher.find()) throw new IllegalStateException();
        return matcher;
    }

    public String awaitLine(Predicate<String> wanted) {
        return await(lines, "output", line -> {
            seen.add(line);
            return wanted.test(line);
        });
    }

    /**
     * Waits for the next line on standard error that {@code pattern} finds something in;
     * returns the match. The line stays part of the standard error {@link #finish} returns.
     */
    public Matcher awaitErrorLine(Pattern pattern) {
        Matcher matcher = pattern.matcher(await(errorLines, "standard error", line -> pattern.matcher(line).find()));
        if (!matcher.find()) throw new IllegalStateException();
        return matcher;
    }

    /** Takes lines from {@code queue} until one is {@code wanted}; fails at the end of the stream or the timeout. */
    private String await(BlockingQueue<String> queue, String stream, Predicate<String> wanted) {
        long deadline = System.nanoTime() + Runner.DEFAULT_TIMEOUT.toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                String line = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
                if (line == null) throw failure("no wanted line on " + stream + " within " + Runner.DEFAULT_TIMEOUT);
                if (line == EOF) {
                    queue.add(EOF);
                    throw failure(stream + " ended before the wanted line");
                }
                if (wanted.test(line)) return line;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    public void write(String text) {
        try {
            OutputStream in = process.getOutputStream();
            in.write(text.getBytes(StandardCharsets.UTF_8));
            in.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void closeInput() {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // Already gone: the program exited.
        }
    }

    /** Waits for the end and returns the exit status with all output (including lines already read). */
    public RunResult finish() {
        try {
            closeInput();
            if (!process.waitFor(Runner.DEFAULT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw failure("did not exit within " + Runner.DEFAULT_TIMEOUT);
            }
            StringBuilder out = new StringBuilder();
            seen.forEach(line -> out.append(line).append('\n'));
            for (String line = lines.take(); line != EOF; line = lines.take()) out.append(line).append('\n');
            lines.add(EOF);
            return new RunResult(process.exitValue(), out.toString(), stderr.join());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private AssertionError failure(String why) {
        return new AssertionError(why + ": " + command + "\n--- stdout so far\n" + String.join("\n", seen));
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    /** Keeps standard error byte for byte, and hands each complete line to {@link #awaitErrorLine}. */
    private void readErrorLines() {
        StringBuilder text = new StringBuilder();
        try (InputStreamReader reader = new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)) {
            int lineStart = 0;
            for (int c = reader.read(); c >= 0; c = reader.read()) {
                text.append((char) c);
                if (c == '\n') {
                    errorLines.add(text.substring(lineStart, text.length() - 1));
                    lineStart = text.length();
                }
            }
        } catch (IOException e) {
            // The stream closes when the process is killed; what was read is kept.
        } finally {
            errorLines.add(EOF);
            stderr.complete(text.toString());
        }
    }

    private void readLines() {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) lines.add(line);
        } catch (IOException e) {
            // The stream closes when the process is killed; what was read is kept.
        } finally {
            lines.add(EOF);
        }
    }

    /** Sends signal {@code name} (as kill(1) spells it: STOP, CONT, TERM) to any process. */
    public static void kill(String name, long pid) {
        RunResult result = Runner.runNative("kill", "-" + name, Long.toString(pid));
        if (result.exitCode() != 0) throw new AssertionError("kill -" + name + " " + pid + " failed: " + result);
    }

    /** The one-letter scheduler state of /proc/PID/status ("S", "T", "t", "Z"), or empty once reaped. */
    public static Optional<String> state(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("State:")) return Optional.of(line.substring(6).trim().substring(0, 1));
            }
            return Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            if (!Files.exists(Path.of("/proc", Long.toString(pid)))) return Optional.empty();
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Polls {@code condition} until it holds or {@code limit} passes; returns whether it held.
     * For waiting on state the kernel changes asynchronously (a stop, a death), not for timing.
     */
    public static boolean eventually(Duration limit, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            if (condition.getAsBoolean()) return true;
            if (System.nanoTime() > deadline) return false;
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
