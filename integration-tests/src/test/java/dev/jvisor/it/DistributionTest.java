package dev.jvisor.it;

import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code make dist}'s tarball, unpacked into a fresh directory, runs real programs on a
 * machine that has no JDK as far as it can tell: PATH holds no java and JAVA_HOME is unset,
 * so the runtime the tree carries is the only one; so does the tree {@code make install}
 * puts under a prefix, through its link in PREFIX/bin. Start-up is measured by make bench.
 */
class DistributionTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(4);

    @TempDir
    static Path unpacked;
    /** A PATH of the machine's commands without any of a JDK's. */
    static Path commands;
    static Path jvisor;
    static Path prefix;

    @BeforeAll
    static void buildAndUnpack() throws IOException {
        prefix = unpacked.resolve("prefix");
        RunResult built = Runner.run(List.of(Runner.home().resolve("scripts/make-dist").toString(), "--install",
                prefix.toString()), "", TIMEOUT);
        assertEquals(0, built.exitCode(), () -> "make-dist failed:\n" + built);
        Path tarball = Path.of(built.stdout().lines().filter(line -> line.endsWith(".tar.gz")).findFirst().orElseThrow());
        assertTrue(tarball.getFileName().toString().matches("jvisor-.+-linux-x86_64\\.tar\\.gz"), tarball::toString);

        RunResult untar = Runner.run(List.of("tar", "-C", unpacked.toString(), "-xzf", tarball.toString()), "", TIMEOUT);
        assertEquals(0, untar.exitCode(), untar::toString);
        try (Stream<Path> trees = Files.list(unpacked)) {
            jvisor = trees.filter(tree -> tree.getFileName().toString().startsWith("jvisor-")).findFirst()
                    .orElseThrow().resolve("bin/jvisor");
        }
        commands = Files.createDirectory(unpacked.resolve("commands"));
        for (String directory : List.of("/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            try (Stream<Path> entries = Files.list(Path.of(directory))) {
                for (Path entry : (Iterable<Path>) entries::iterator) {
                    Path link = commands.resolve(entry.getFileName());
                    if (Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS) || fromJdk(entry)) continue;
                    Files.createSymbolicLink(link, entry);
                }
            }
        }
    }

    /** A command of a Java installation: java itself, or a link into one. */
    private static boolean fromJdk(Path command) throws IOException {
        if (command.getFileName().toString().startsWith("java")) return true;
        Path real = command.toRealPath();
        for (Path up = real.getParent(); up != null; up = up.getParent()) {
            if (Files.isRegularFile(up.resolve("release")) && Files.isDirectory(up.resolve("bin"))) return true;
        }
        return false;
    }

    private static Map<String, String> withoutJdk() {
        return Map.of("PATH", commands.toString(), "JAVA_HOME", "");
    }

    @Test
    void theEnvironmentHasNoJdk() {
        RunResult which = Runner.run(List.of("bash", "-c", "command -v java javac; echo \"JAVA_HOME=${JAVA_HOME-unset}\""),
                "", Runner.DEFAULT_TIMEOUT, null, withoutJdk());
        assertEquals("JAVA_HOME=unset\n", which.stdout(), which::toString);
    }

    @Test
    void runsTheDemo() {
        assertDemoRuns(jvisor);
    }

    @Test
    void runsTheDemoInstalled() {
        Path linked = prefix.resolve("bin/jvisor");
        assertTrue(Files.isSymbolicLink(linked), linked::toString);
        assertDemoRuns(linked);
    }

    private static void assertDemoRuns(Path command) {
        RunResult demo = Runner.run(List.of("bash", Runner.home().resolve("demo/run").toString()), "", TIMEOUT, null,
                Map.of("PATH", commands.toString(), "JAVA_HOME", "", "JVISOR", command.toString()));
        assertEquals(0, demo.exitCode(), demo::toString);
        assertTrue(demo.stdout().contains("client sent 'sandbox', server answered 'SANDBOX'"), demo::toString);
        assertTrue(demo.stderr().contains("jvisor: trapped calls:"), demo::toString);
        assertFalse(demo.stderr().contains("warning"), demo::toString);
    }

    @Test
    void runsAMatrixCase(@TempDir Path directory) throws IOException {
        Assumptions.assumeTrue(CompatibilityMatrixTest.onPath("socat"), "socat is not installed (Debian: socat)");
        CompatibilityMatrixTest.MatrixCase socat = CompatibilityMatrixTest.MatrixCase.read(
                CompatibilityMatrixTest.MATRIX.resolve("socat.sh"));
        Path log = directory.resolve("audit.jsonl");
        RunResult sandboxed = CompatibilityMatrixTest.run(socat, directory,
                List.of(jvisor.toString(), "run", "--audit", log.toString(), "--"), withoutJdk());
        assertEquals(new RunResult(0, socat.expected(), ""), CompatibilityMatrixTest.withoutStderr(sandboxed),
                sandboxed::toString);

        // The report's map is laid out by ELK, whose libraries must be in the distribution and run on its runtime.
        Path page = directory.resolve("report.html");
        RunResult report = Runner.run(List.of(jvisor.toString(), "report", "--html", page.toString(), log.toString()), "",
                TIMEOUT, null, withoutJdk());
        assertEquals(new RunResult(0, "", ""), report);
        assertTrue(Files.readString(page).contains("class=\"node listener\""), "the map of socat's listener");
    }
}
