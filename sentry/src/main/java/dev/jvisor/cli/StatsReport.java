package dev.jvisor.cli;

import dev.jvisor.platform.Sandbox;
import dev.jvisor.sentry.unix.TableSizes;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.StringJoiner;

/**
 * What {@code jvisor run --stats} prints, on exit and whenever jvisor gets SIGUSR1: the
 * trapped calls so far, the sentry's tables with the threads the tracer follows, and the
 * heap the JVM still uses after a full collection. The tables and the heap are how a leak in
 * jvisor shows: they return to their earlier values when the program has closed what it
 * opened (the fuzz, load and leak tests compare them).
 */
final class StatsReport {
    private final CallStatistics calls;
    private final TableSizes tables;
    private volatile Sandbox sandbox;

    /** {@code tables} may be null: a handler without tables (host mode). */
    StatsReport(CallStatistics calls, TableSizes tables) {
        this.calls = calls;
        this.tables = tables;
    }

    void watch(Sandbox running) {
        sandbox = running;
    }

    /** Prints the three lines at once, taken between two stops of the sandbox. */
    synchronized void print(PrintStream out) {
        Sandbox running = sandbox;
        String text = running == null ? describe(-1) : running.atRest(() -> describe(running.tracedThreads()));
        out.print(text + "jvisor: heap: " + liveHeap() / 1024 + " KiB in use after a full collection\n");
        out.flush();
    }

    /**
     * What each heap pool held right after a full collection, as the collector reports it:
     * not the heap's current use, which counts a whole thread-local allocation buffer (about
     * 2 MiB) as used as soon as any thread allocates after the collection.
     */
    private static long liveHeap() {
        System.gc();
        long live = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            MemoryUsage afterCollection = pool.getType() == MemoryType.HEAP ? pool.getCollectionUsage() : null;
            if (afterCollection != null) live += afterCollection.getUsed();
        }
        return live;
    }

    private String describe(int tracedThreads) {
        StringJoiner sizes = new StringJoiner(", ", "jvisor: tables: ", "\n");
        if (tables != null) tables.reportSizes((name, size) -> sizes.add(name + " " + size));
        if (tracedThreads >= 0) sizes.add("traced threads " + tracedThreads);
        return calls.describe() + "\n" + sizes;
    }
}
