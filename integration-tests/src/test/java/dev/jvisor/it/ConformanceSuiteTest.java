package dev.jvisor.it;

import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every run of the probe suite (integration-tests/conformance/probes.list) through
 * {@code jvisor conform}: under the sentry the program must see what Linux answers, call by
 * call, and print and exit the same.
 */
class ConformanceSuiteTest {
    static Stream<Arguments> suite() throws IOException {
        List<Arguments> runs = new ArrayList<>();
        for (String line : Files.readAllLines(Runner.home().resolve("integration-tests/conformance/probes.list"))) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] columns = line.split("\\|", -1);
            runs.add(Arguments.of(columns[0].trim(), columns[1].trim(), words(columns[2]),
                    columns.length > 3 ? words(columns[3]) : List.of()));
        }
        return runs.stream();
    }

    private static List<String> words(String column) {
        return Arrays.stream(column.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
    }

    @ParameterizedTest(name = "{0} {2} ({1}) {3}")
    @MethodSource("suite")
    void runsTheSameUnderTheSentryAsOnLinux(String probe, String kind, List<String> arguments, List<String> options) {
        List<String> command = new ArrayList<>(List.of(Runner.jvisor(), "conform", "--stdin", "/dev/null"));
        command.addAll(options);
        command.add("--");
        command.add(Runner.probe(probe));
        command.addAll(arguments);

        RunResult result = Runner.run(command, "", Runner.DEFAULT_TIMEOUT);

        assertEquals(0, result.exitCode(), result::toString);
        assertTrue(result.stdout().startsWith("jvisor conform: SAME\n"), result::toString);
    }
}
