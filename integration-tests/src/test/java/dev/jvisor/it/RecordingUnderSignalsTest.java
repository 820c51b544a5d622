package dev.jvisor.it;

import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Recording runs every trapped call as an injected call: a storm of signals on a thread
 * blocked in one, and a hundred children making them, must change nothing the program sees.
 */
class RecordingUnderSignalsTest {
    @Test
    void injectedCallsInterruptedBySignalsEndAsTheKernelsOwn(@TempDir Path directory) throws IOException {
        String script = Runner.home().resolve("integration-tests/src/test/resources/signal-storm.py").toString();
        Path trace = directory.resolve("trace.jsonl");

        RunResult nativeRun = Runner.runNative("python3", script);
        RunResult recorded = Runner.run(Runner.sandboxed(List.of("--host", "--trace", trace.toString()),
                List.of("python3", script)), "", Runner.DEFAULT_TIMEOUT);

        assertEquals("received [b'done'] handled some: True\nchildren 100 exit codes sum 295\n", nativeRun.stdout());
        assertEquals(nativeRun, recorded);
        List<String> calls = Files.readAllLines(trace);
        assertTrue(calls.stream().anyMatch(line -> line.contains("\"result\":\"interrupted\"")),
                "no recv was caught by a signal in the kernel");
        assertEquals(100, calls.stream().filter(line -> line.contains("\"call\":\"getsockopt\"")).count());
    }
}
