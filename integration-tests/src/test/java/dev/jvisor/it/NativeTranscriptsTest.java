package dev.jvisor.it;

import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every AF_UNIX probe of the suite, run natively (no tracer at all) and under
 * {@code jvisor run}, in the same directory: the transcripts are byte-identical. The suite's
 * {@code jvisor conform} runs compare the sentry with the kernel under the same tracer, call
 * by call; this is the plain comparison with Linux. Runs whose descriptor numbers race
 * between threads (compared with --ignore-fds there) are left to the suite.
 */
class NativeTranscriptsTest {
    static Stream<Arguments> unixProbes() throws IOException {
        List<Arguments> runs = new ArrayList<>();
        for (String line : Files.readAllLines(Runner.home().resolve("integration-tests/conformance/probes.list"))) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] columns = line.split("\\|", -1);
            String probe = columns[0].trim();
            boolean racingFds = columns.length > 3 && columns[3].contains("--ignore-fds");
            if (!probe.startsWith("unix-") || racingFds) continue;
            runs.add(Arguments.of(probe, Arrays.stream(columns[2].trim().split("\\s+")).filter(s -> !s.isEmpty()).toList()));
        }
        return runs.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("unixProbes")
    void theTranscriptUnderJvisorIsTheNativeOne(String probe, List<String> arguments, @TempDir Path directory) {
        List<String> command = new ArrayList<>(List.of(Runner.probe(probe)));
        command.addAll(arguments);

        RunResult nativeRun = Runner.run(command, "", Runner.DEFAULT_TIMEOUT, directory);
        RunResult sandboxed = Runner.run(Runner.sandboxed(List.of(), command), "", Runner.DEFAULT_TIMEOUT, directory);

        assertEquals(0, nativeRun.exitCode(), nativeRun::toString);
        assertEquals(nativeRun, sandboxed);
    }
}
