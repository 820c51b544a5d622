package dev.jvisor.it;

import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import dev.jvisor.sentry.audit.AuditSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compatibility matrix (integration-tests/matrix/README.md): each real-program scenario
 * runs natively and under {@code jvisor run --audit}, and both runs must print the case's
 * expected output; every line of the sandboxed run's audit log must validate against
 * docs/audit.schema.json. A case is skipped only when a command it needs is not installed.
 */
class CompatibilityMatrixTest {
    static final Path MATRIX = Runner.home().resolve("integration-tests/matrix");
    private static final Duration TIMEOUT = Duration.ofSeconds(240);
    /** The audit logs of the sandboxed runs (see {@link #auditLog}). */
    static final Path AUDIT_LOGS = Runner.home().resolve("integration-tests/target/matrix-audit");
    /** A broken log shows this many of its first failing lines. */
    private static final int SCHEMA_FAILURES_SHOWN = 5;

    private static final AtomicInteger passed = new AtomicInteger();
    private static final AtomicInteger failed = new AtomicInteger();
    private static final List<String> skipped = new ArrayList<>();

    @RegisterExtension
    static final TestWatcher TALLY = new TestWatcher() {
        @Override
        public void testSuccessful(ExtensionContext context) {
            passed.incrementAndGet();
        }

        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            failed.incrementAndGet();
        }

        @Override
        public void testAborted(ExtensionContext context, Throwable cause) {
            synchronized (skipped) {
                skipped.add(context.getDisplayName() + " (" + cause.getMessage() + ")");
            }
        }
    };

    /** One scenario: its script, expected output, and the header's fields. */
    record MatrixCase(String name, Path script, String expected, List<String> needs, List<String> packages) {
        @Override
        public String toString() {
            return name;
        }

        static MatrixCase read(Path script) {
            String name = script.getFileName().toString().replaceFirst("\\.sh$", "");
            try {
                String expected = Files.readString(script.resolveSibling(name + ".expected"), StandardCharsets.UTF_8);
                List<String> lines = Files.readAllLines(script, StandardCharsets.UTF_8);
                return new MatrixCase(name, script, expected, header(lines, "needs"), header(lines, "packages"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static List<String> header(List<String> lines, String field) {
            String prefix = "# " + field + ":";
            return lines.stream().filter(line -> line.startsWith(prefix)).findFirst()
                    .map(line -> List.of(line.substring(prefix.length()).trim().split("\\s+")))
                    .orElseThrow(() -> new IllegalStateException("no '" + prefix + "' line"));
        }
    }

    static Stream<MatrixCase> cases() throws IOException {
        try (Stream<Path> files = Files.list(MATRIX)) {
            return files.filter(file -> file.toString().endsWith(".sh") && !file.endsWith("lib.sh")).sorted()
                    .map(MatrixCase::read).toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void runsNativelyAndSandboxedWithTheSameResult(MatrixCase matrixCase, @TempDir Path directory) throws IOException {
        Optional<String> missing = matrixCase.needs().stream().filter(command -> !onPath(command)).findFirst();
        Assumptions.assumeTrue(missing.isEmpty(), () -> missing.get() + " is not installed (Debian: "
                + String.join(" ", matrixCase.packages()) + ")");

        // A case may run its server as an unprivileged user (PostgreSQL refuses root), who must
        // be able to reach the working directory: the temporary directory is made searchable.
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx--x--x"));
        RunResult nativeRun = run(matrixCase, directory.resolve("native"), List.of(), Map.of());
        assertEquals(new RunResult(0, matrixCase.expected(), ""), withoutStderr(nativeRun),
                () -> matrixCase + " natively:\n" + nativeRun);
        Path log = auditLog(matrixCase.name());
        Files.createDirectories(log.getParent());
        Files.deleteIfExists(log);
        RunResult sandboxed = run(matrixCase, directory.resolve("sandboxed"),
                List.of(Runner.jvisor(), "run", "--audit", log.toString(), "--"), Map.of());
        assertEquals(new RunResult(0, matrixCase.expected(), ""), withoutStderr(sandboxed),
                () -> matrixCase + " under jvisor run:\n" + sandboxed + "\nnatively:\n" + nativeRun);
        assertTrue(Files.size(log) > 0, () -> matrixCase + ": the audit log " + log + " is empty");
        List<String> failures = AuditSchema.failures(log, SCHEMA_FAILURES_SHOWN);
        assertEquals(List.of(), failures, () -> matrixCase + ": lines of " + log + " that break " + AuditSchema.FILE);
        assertTheMapFitsAScreen(matrixCase, log);
    }

    /**
     * Issue 17: the report's map of every case fits 1920 x 1600 and shows what connected; the
     * page and the picture are kept beside the log for a reader.
     */
    private static void assertTheMapFitsAScreen(MatrixCase matrixCase, Path log) throws IOException {
        Path svg = AUDIT_LOGS.resolve(matrixCase.name() + ".svg");
        Path html = AUDIT_LOGS.resolve(matrixCase.name() + ".html");
        RunResult report = Runner.run(List.of(Runner.jvisor(), "report", "--svg", svg.toString(), "--html", html.toString(),
                log.toString()), "", Runner.DEFAULT_TIMEOUT);
        assertEquals(new RunResult(0, "", ""), report, () -> matrixCase + ": jvisor report");
        Element root;
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            root = factory.newDocumentBuilder().parse(svg.toFile()).getDocumentElement();
        } catch (ParserConfigurationException | SAXException e) {
            throw new AssertionError(matrixCase + ": the map is not XML", e);
        }
        double width = Double.parseDouble(root.getAttribute("width"));
        double height = Double.parseDouble(root.getAttribute("height"));
        assertTrue(width <= 1920 && height <= 1600, () -> matrixCase + ": the map is " + width + " x " + height);
        NodeList groups = root.getElementsByTagName("g");
        int boxes = 0;
        int arrows = 0;
        for (int i = 0; i < groups.getLength(); i++) {
            Element g = (Element) groups.item(i);
            if (g.hasAttribute("data-node")) boxes++;
            if (g.hasAttribute("data-edge")) arrows++;
        }
        assertTrue(boxes >= 2 && arrows >= 1, matrixCase + ": the map has " + boxes + " boxes and " + arrows + " arrows");
    }

    /**
     * Where the sandboxed run of the case {@code name} leaves its audit log: kept after the run
     * (the build's directory, not the case's temporary one), one file per case, each run's
     * replacing the last.
     */
    static Path auditLog(String name) {
        return AUDIT_LOGS.resolve(name + ".jsonl");
    }

    @AfterAll
    static void summary() {
        int ran = passed.get() + failed.get();
        System.out.printf("compatibility matrix: %d ran, %d passed, %d failed, %d skipped%n",
                ran, passed.get(), failed.get(), skipped.size());
        for (String reason : skipped) System.out.println("  skipped: " + reason);
    }

    /**
     * Runs the case's script in {@code directory} under {@code launch} (empty: natively; else
     * a jvisor command line ending in "--"), with {@code environment} changes on top of the
     * case's own.
     */
    static RunResult run(MatrixCase matrixCase, Path directory, List<String> launch,
                         Map<String, String> environment) throws IOException {
        Path home = Files.createDirectories(directory.resolve("home"));
        Path tmp = Files.createDirectories(directory.resolve("tmp"));
        Path runtime = Files.createDirectories(directory.resolve("run"));
        Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwx------"));
        List<String> command = new ArrayList<>(launch);
        command.addAll(List.of("bash", matrixCase.script().toString()));
        Map<String, String> all = new HashMap<>(Map.of("HOME", home.toString(), "TMPDIR", tmp.toString(),
                "XDG_RUNTIME_DIR", runtime.toString(), "MATRIX", MATRIX.toString(),
                "UNIQUE", UUID.randomUUID().toString().substring(0, 8), "LC_ALL", "C.UTF-8"));
        all.putAll(environment);
        return Runner.run(command, "", TIMEOUT, directory, all);
    }

    static RunResult withoutStderr(RunResult result) {
        return new RunResult(result.exitCode(), result.stdout(), "");
    }

    static boolean onPath(String command) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(entry -> !entry.isEmpty())
                .anyMatch(entry -> Files.isExecutable(Path.of(entry, command)));
    }
}
