package dev.jvisor.it;

import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Multi-process and multi-thread programs give the same output and exit status natively and
 * under jvisor: every process and thread they create is followed and none is lost or hung.
 */
class ProcessTreeTest {

    static Stream<Arguments> bashScripts() {
        return Stream.of(
                Arguments.of("pipeline", "printf 'b\\na\\nc\\n' | sort | tr a-z A-Z | cat -n; seq 1 5000 | wc -l"),
                Arguments.of("SIGPIPE in a pipeline", "yes | head -n 3; echo \"status ${PIPESTATUS[*]}\""),
                Arguments.of("pipefail", "set -o pipefail; false | true; echo $?; sh -c 'exit 7' | sh -c 'exit 5'"),
                Arguments.of("background jobs", "pids=(); for i in 1 2 3 4; do (exit $i) & pids+=($!); done;"
                        + " for p in \"${pids[@]}\"; do wait $p; echo \"job $?\"; done"),
                Arguments.of("substitutions", "x=$(echo nested $(echo deep)); echo \"$x\";"
                        + " diff <(seq 3) <(seq 3) && echo same; cat <(echo from process substitution)"),
                Arguments.of("subshells and stderr", "( echo one; echo two >&2; (exit 3) ) 2>&1 | cat -n; "
                        + "exec 3>&1; echo via three >&3; exit 6"));
    }

    @ParameterizedTest(name = "bash: {0}")
    @MethodSource("bashScripts")
    void bashScript(String name, String script) {
        assertSameAsNative("bash", "-c", script);
    }

    private static final String PYTHON_THREADS = """
            import socket, subprocess, sys, threading
            from concurrent.futures import ThreadPoolExecutor
            results = [0] * 6
            def work(i):
                a, b = socket.socketpair()
                a.sendall(str(i * i).encode())
                a.close()
                results[i] = int(b.recv(100))
                b.close()
            threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
            for t in threads: t.start()
            for t in threads: t.join()
            print("threads", results)
            r = subprocess.run([sys.executable, "-c", "import sys; print('child', sys.argv[1]); sys.exit(4)", "arg"],
                               capture_output=True, text=True)
            print("subprocess", r.returncode, r.stdout.strip())
            p = subprocess.Popen(["sort"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            out, _ = p.communicate("b\\na\\n")
            print("sort", out.split(), p.returncode)
            with ThreadPoolExecutor(4) as pool:
                codes = pool.map(lambda n: subprocess.run(["sh", "-c", f"exit {n}"]).returncode, range(8))
                print("pool", list(codes))
            sys.exit(3)
            """;

    @Test
    void pythonThreadsAndSubprocesses() {
        RunResult result = assertSameAsNative("python3", "-c", PYTHON_THREADS);
        assertEquals(3, result.exitCode(), result::toString);
        assertTrue(result.stdout().contains("pool [0, 1, 2, 3, 4, 5, 6, 7]"), result::toString);
    }

    /** The forkserver start method talks to its server over an AF_UNIX socket and passes descriptors. */
    private static final String PYTHON_FORKSERVER = """
            import multiprocessing as mp
            def square(n):
                return n * n
            if __name__ == "__main__":
                with mp.get_context("forkserver").Pool(2) as pool:
                    print(pool.map(square, range(10)))
            """;

    @Test
    void pythonMultiprocessingForkserver(@TempDir Path dir) throws IOException {
        Path script = Files.writeString(dir.resolve("forkserver.py"), PYTHON_FORKSERVER);
        RunResult result = assertSameAsNative("python3", script.toString());
        assertEquals("[0, 1, 4, 9, 16, 25, 36, 49, 64, 81]\n", result.stdout(), result::toString);
    }

    @Test
    void posixSpawnVforkForkAndExecve() {
        RunResult result = assertSameAsNative(Runner.probe("spawn-exec"));
        assertEquals(11, result.exitCode(), result::toString);
        assertTrue(result.stdout().contains("spawned by vfork\nvfork+execve: exited 4\n"), result::toString);
    }

    /**
     * A child's exec can reach the tracer before its parent's fork event; the new image must
     * still get jvisor's argument region, or its rewritten connect fails with EFAULT. Before
     * the fix, 2 to 7 of 300 such children failed in every run.
     */
    @Test
    void childrenThatExecAtOnceConnectThroughTheRegion() {
        RunResult result = assertSameAsNative(Runner.probe("fork-exec-region"), "300");
        assertTrue(result.stdout().contains("children connected: 300 of 300\n"), result::toString);
    }

    @Test
    void staticBinary() {
        RunResult result = assertSameAsNative(Runner.probe("mixed-static"));
        assertEquals(9, result.exitCode(), result::toString);
        assertTrue(result.stdout().contains("child exited 5"), result::toString);
    }

    @ParameterizedTest(name = "make -j{0}")
    @ValueSource(ints = {2})
    void parallelMakeOfASmallCProject(int jobs, @TempDir Path dir) {
        Path fixture = Runner.home().resolve("integration-tests/fixtures/small-c-project");
        Path nativeCopy = copy(fixture, dir.resolve("native"));
        Path sandboxedCopy = copy(fixture, dir.resolve("sandboxed"));
        List<String> build = List.of("sh", "-c", "make -s -j" + jobs + " && ./app");
        RunResult nativeRun = Runner.run(build, "", Runner.DEFAULT_TIMEOUT, nativeCopy);
        RunResult sandboxed = Runner.run(Runner.sandboxed(List.of(), build), "", Runner.DEFAULT_TIMEOUT, sandboxedCopy);
        assertEquals(0, nativeRun.exitCode(), nativeRun::toString);
        assertEquals(nativeRun, sandboxed);
        assertTrue(Files.isExecutable(sandboxedCopy.resolve("app")));
        assertTrue(sandboxed.stdout().startsWith("total "), sandboxed::toString);
    }

    private static RunResult assertSameAsNative(String... command) {
        RunResult nativeRun = Runner.runNative(command);
        RunResult sandboxed = Runner.runSandboxed(command);
        assertEquals(nativeRun, sandboxed, () -> "native:\n" + nativeRun + "\nsandboxed:\n" + sandboxed);
        return sandboxed;
    }

    private static Path copy(Path from, Path to) {
        try (Stream<Path> files = Files.list(from)) {
            Files.createDirectories(to);
            for (Path file : files.toList()) {
                if (Files.isRegularFile(file) && !file.getFileName().toString().endsWith(".o")
                        && !file.getFileName().toString().equals("app")) {
                    Files.copy(file, to.resolve(file.getFileName()));
                }
            }
            return to;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
