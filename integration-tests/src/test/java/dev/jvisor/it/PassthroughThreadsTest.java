package dev.jvisor.it;

import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.Test;

import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Eight threads make trapped calls concurrently; every call is really trapped and answered,
 * and the program sees exactly what it sees natively. The first datagram socket has the
 * process trap its sends, in all eight threads at once, while they run.
 */
class PassthroughThreadsTest {
    private static final int THREADS = 8;
    private static final int ITERATIONS = 2000;
    /** Per round: 4 options, SO_PASSCRED back, a short optlen and an unknown option. */
    private static final long GETSOCKOPTS = THREADS * 7L * ITERATIONS;
    /** Per round: SO_PASSCRED and an unknown level. */
    private static final long SETSOCKOPTS = THREADS * 2L * ITERATIONS;
    /**
     * Datagram sockets: every third round's, and every 16th round's SOCK_RAW, which Linux
     * makes a datagram socket (the probe's loop).
     */
    private static final long DATAGRAM_SOCKETS = THREADS * ((ITERATIONS + 1) / 3 + (ITERATIONS + 15) / 16);

    @Test
    void concurrentTrappedCallsGiveTheNativeTranscript() {
        String probe = Runner.probe("socket-threads");
        RunResult nativeRun = Runner.runNative(probe, Integer.toString(ITERATIONS));
        RunResult sandboxed = Runner.runSandboxedWithStats(probe, Integer.toString(ITERATIONS));

        assertEquals(0, nativeRun.exitCode(), nativeRun::toString);
        assertTrue(nativeRun.stdout().contains("thread 7: SO_TYPE " + ITERATIONS + "\n"), nativeRun::toString);
        assertTrue(nativeRun.stdout().contains("thread 7: wrong-value 0\n"), nativeRun::toString);
        assertEquals(nativeRun.exitCode(), sandboxed.exitCode(), sandboxed::toString);
        assertEquals(nativeRun.stdout(), sandboxed.stdout());

        Map<String, Long> trapped = Runner.trappedCalls(sandboxed);
        // socket() runs natively, but for AF_UNIX datagram sockets (DatagramSendTraps).
        assertEquals(DATAGRAM_SOCKETS, trapped.getOrDefault("socket", 0L), trapped::toString);
        assertEquals(GETSOCKOPTS, trapped.getOrDefault("getsockopt", 0L), trapped::toString);
        assertEquals(SETSOCKOPTS, trapped.getOrDefault("setsockopt", 0L), trapped::toString);
    }

    /**
     * Calls on non-AF_UNIX sockets are trapped too (the filter cannot see the family) and pass
     * through; socket() itself is never trapped. The trace is the judge: the C library may
     * make AF_UNIX sockets of its own (nscd, when HOME is unset).
     */
    @Test
    void callsOnOtherFamiliesPassThrough(@TempDir Path directory) throws IOException {
        String script = "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);"
                + " print(s.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE) == socket.SOCK_DGRAM)";
        Path trace = directory.resolve("trace.jsonl");
        RunResult nativeRun = Runner.runNative("python3", "-c", script);
        RunResult sandboxed = Runner.run(Runner.sandboxed(List.of("--trace", trace.toString()),
                List.of("python3", "-c", script)), "", Runner.DEFAULT_TIMEOUT);
        assertEquals(nativeRun.stdout(), sandboxed.stdout(), sandboxed::toString);
        assertEquals("True\n", sandboxed.stdout());
        List<String> calls = Files.readAllLines(trace);
        List<String> sockets = calls.stream().filter(line -> line.contains("\"call\":\"socket\"")).toList();
        assertEquals(List.of(), sockets);
        assertTrue(calls.stream().anyMatch(line -> line.contains("\"call\":\"getsockopt\"")
                && line.contains("SO_TYPE")), calls::toString);
    }
}
