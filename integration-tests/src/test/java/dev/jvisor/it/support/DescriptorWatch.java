package dev.jvisor.it.support;

import java.nio.file.Path;
import java.util.List;

/**
 * A sandboxed program that prints "ready", waits for a line, does its work, prints "done" and
 * waits again (the unix-load, unix-fuzz --pause and similar programs), run so that jvisor's
 * own descriptors are counted before and after the work.
 *
 * @param result   the program's run, all output included
 * @param before   jvisor's open descriptors at "ready"
 * @param after    jvisor's open descriptors at "done"
 */
public record DescriptorWatch(RunResult result, long before, long after) {
    /** Runs {@code command} (already wrapped in {@code jvisor run}) in {@code directory}. */
    public static DescriptorWatch run(List<String> command, Path directory) {
        try (LiveProcess sandbox = LiveProcess.start(command, directory)) {
            sandbox.awaitLine("^ready$");
            long before = sandbox.openDescriptors();
            sandbox.write("\n");
            sandbox.awaitLine("^done$");
            long after = sandbox.openDescriptors();
            sandbox.write("\n");
            return new DescriptorWatch(sandbox.finish(), before, after);
        }
    }
}
