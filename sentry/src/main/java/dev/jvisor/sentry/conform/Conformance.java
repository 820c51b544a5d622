package dev.jvisor.sentry.conform;

import dev.jvisor.platform.ExitStatus;
import dev.jvisor.platform.LaunchSpec;
import dev.jvisor.platform.Sandbox;
import dev.jvisor.platform.SyscallHandler;
import dev.jvisor.sentry.Sentry;
import dev.jvisor.sentry.trace.CallRecord;
import dev.jvisor.sentry.trace.ProcessNames;
import dev.jvisor.sentry.trace.RecordingHandler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Runs one program twice, with every trapped call recorded: once answered by the sentry, once
 * in host mode (answered by the kernel: what Linux does), and compares the two. Both runs
 * start in the same directory path, freshly made from the fixture, with the same environment
 * and standard input.
 */
public final class Conformance {
    /**
     * @param fixture   a directory copied to be each run's working directory, or null for an empty one
     * @param stdin     the file both runs read as standard input, or null for /dev/null
     * @param ignoreFds compare calls without their descriptor numbers
     * @param keepIn    an empty directory to run in and leave the runs' files in (work-jvisor,
     *                  work-linux, stdout-*, stderr-*), or null for a temporary one
     */
    public record Options(Path fixture, Path stdin, boolean ignoreFds, Path keepIn) {
        public static final Options DEFAULT = new Options(null, null, false, null);
    }

    private Conformance() {}

    /** Compares {@code spec} under {@code sentry} with the kernel's answers. */
    public static Comparison compare(LaunchSpec spec, SyscallHandler sentry, Options options) throws IOException {
        Path base = options.keepIn() != null
                ? Files.createDirectories(options.keepIn()) : Files.createTempDirectory("jvisor-conform-");
        try {
            RunOutcome jvisor = run(spec, sentry, options, base, "jvisor");
            RunOutcome linux = run(spec, Sentry.hostHandler(), options, base, "linux");
            return Comparison.of(jvisor, linux, options.ignoreFds());
        } finally {
            if (options.keepIn() == null) deleteTree(base);
        }
    }

    private static RunOutcome run(LaunchSpec spec, SyscallHandler handler, Options options, Path base, String label)
            throws IOException {
        // The same paths in both runs, renamed afterwards: a program may see where its
        // directory and output are (a file descriptor's link, pwd).
        Path work = base.resolve("work");
        if (options.fixture() != null) copyTree(options.fixture(), work);
        else Files.createDirectories(work);
        Path stdout = base.resolve("stdout");
        Path stderr = base.resolve("stderr");
        Path stdin = options.stdin() != null ? options.stdin() : Path.of("/dev/null");

        List<CallRecord> calls = new ArrayList<>();
        ProcessNames names = new ProcessNames();
        RecordingHandler recorder = new RecordingHandler(handler, names, calls::add);
        Sandbox sandbox = Sandbox.start(spec.redirected(work, new LaunchSpec.Stdio(stdin, stdout, stderr)), recorder);
        ExitStatus exit = sandbox.waitFor();
        Files.move(work, base.resolve("work-" + label), StandardCopyOption.ATOMIC_MOVE);
        Path keptStdout = Files.move(stdout, base.resolve("stdout-" + label), StandardCopyOption.ATOMIC_MOVE);
        Path keptStderr = Files.move(stderr, base.resolve("stderr-" + label), StandardCopyOption.ATOMIC_MOVE);
        return new RunOutcome(exit, Files.readString(keptStdout), Files.readString(keptStderr), calls,
                names.processes(), recorder.decodingFailures());
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) Files.createDirectories(target);
                else Files.copy(path, target, StandardCopyOption.COPY_ATTRIBUTES);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
