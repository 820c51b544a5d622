package dev.jvisor.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A sandboxed program that prints "ready", waits for a line, does its work, prints "done" and
 * waits again (the unix-load, unix-fuzz --pause and similar programs), run under
 * {@code jvisor run --stats} so that jvisor's own resources are measured before and after the
 * work: its open descriptors, and what it prints on SIGUSR1 (the sentry's table sizes and
 * the heap in use after a full collection).
 *
 * @param result the program's run, all output included; {@link #programStderr} leaves out jvisor's statistics
 * @param before jvisor at "ready"
 * @param after  jvisor at "done"
 */
public record SentryWatch(RunResult result, Snapshot before, Snapshot after) {
    /**
     * The most the heap may grow across the work: what the JVM's warm-up keeps (classes'
     * statics, method handles bound on first use). The fuzzer's seeds grow it by about
     * 350 KiB, after 2,000 calls and after 20,000 alike (FuzzTest measures that it does not
     * grow with the run).
     */
    public static final long HEAP_GROWTH_KIB = 2048;

    private static final Pattern TABLES = Pattern.compile("^jvisor: tables: (.*)$");
    private static final Pattern HEAP = Pattern.compile("^jvisor: heap: (\\d+) KiB");
    private static final Pattern STATISTICS = Pattern.compile("(?m)^jvisor: (trapped calls|tables|heap): .*\\n");
    /** How long sockets may outlive the program's last close: the kernel frees in-flight cycles later (unix_gc). */
    private static final Duration SETTLE = Duration.ofSeconds(3);

    /** jvisor at one point: its descriptors, each sentry table's size (with "traced threads"), its heap. */
    public record Snapshot(long descriptors, Map<String, Integer> tables, long heapKiB) {}

    /** Runs {@code command} (the program, to be wrapped in {@code jvisor run --stats}) in {@code directory}. */
    public static SentryWatch run(List<String> program, Path directory) {
        return runSandboxed(Runner.sandboxed(List.of("--stats"), program), directory);
    }

    /** Runs {@code command}, which is already a {@code jvisor run --stats ...} command line. */
    public static SentryWatch runSandboxed(List<String> command, Path directory) {
        try (LiveProcess sandbox = LiveProcess.start(command, directory)) {
            sandbox.awaitLine("^ready$");
            Snapshot before = snapshot(sandbox);
            sandbox.write("\n");
            sandbox.awaitLine("^done$");
            Snapshot after = snapshot(sandbox);
            long settle = System.nanoTime() + SETTLE.toNanos();
            while (!grownTables(before, after).isEmpty() && System.nanoTime() < settle) {
                collectUnreachableSockets();
                sleep();
                after = snapshot(sandbox);
            }
            sandbox.write("\n");
            return new SentryWatch(sandbox.finish(), before, after);
        }
    }

    /** The program's standard error: jvisor's with its statistics left out. */
    public String programStderr() {
        return STATISTICS.matcher(result.stderr()).replaceAll("");
    }

    /**
     * What grew from "ready" to "done": jvisor's descriptors, any sentry table (a table of
     * threads or processes may hold an entry for each thread still traced), or the heap by
     * more than {@link #HEAP_GROWTH_KIB}. Empty when nothing did.
     */
    public List<String> growth() {
        List<String> grown = new ArrayList<>();
        if (after.descriptors != before.descriptors) {
            grown.add("jvisor's descriptors: " + before.descriptors + " before, " + after.descriptors + " after");
        }
        grown.addAll(grownTables(before, after));
        if (heapGrowthKiB() > HEAP_GROWTH_KIB) {
            grown.add("jvisor's heap: " + before.heapKiB + " KiB before, " + after.heapKiB + " KiB after");
        }
        return grown;
    }

    public long heapGrowthKiB() {
        return after.heapKiB - before.heapKiB;
    }

    private static List<String> grownTables(Snapshot before, Snapshot after) {
        List<String> grown = new ArrayList<>();
        int threads = after.tables.getOrDefault("traced threads", 0);
        after.tables.forEach((name, size) -> {
            if (name.equals("traced threads")) return;
            int allowed = before.tables.getOrDefault(name, 0);
            if (name.contains("thread") || name.contains("process")) allowed = Math.max(allowed, threads);
            if (size > allowed) grown.add("sentry table '" + name + "': " + before.tables.get(name) + " before, " + size + " after");
        });
        return grown;
    }

    private static Snapshot snapshot(LiveProcess sandbox) {
        long descriptors = sandbox.openDescriptors();
        LiveProcess.kill("USR1", sandbox.pid());
        Matcher tables = sandbox.awaitErrorLine(TABLES);
        Matcher heap = sandbox.awaitErrorLine(HEAP);
        Map<String, Integer> sizes = new LinkedHashMap<>();
        for (String entry : tables.group(1).split(", ")) {
            int space = entry.lastIndexOf(' ');
            sizes.put(entry.substring(0, space), Integer.parseInt(entry.substring(space + 1)));
        }
        return new Snapshot(descriptors, sizes, Long.parseLong(heap.group(1)));
    }

    /**
     * Closes an AF_UNIX socket of this process's own: the kernel collects unreachable sockets
     * (cycles that are only in flight, each in the other's queue) when an AF_UNIX socket is
     * released anywhere while sockets are in flight (net/unix/af_unix.c: unix_release_sock,
     * unix_gc). Under jvisor such a cycle can outlive the program's last close, probably
     * because the collection that a close started ran while the sentry held a momentary
     * copy of one of the sockets (README, Known differences).
     */
    private static void collectUnreachableSockets() {
        try {
            SocketChannel.open(StandardProtocolFamily.UNIX).close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
