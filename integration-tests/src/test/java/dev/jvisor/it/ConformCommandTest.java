package dev.jvisor.it;

import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `jvisor conform` as a user runs it: exit codes, the report, fixtures, input, JSON. */
class ConformCommandTest {
    private static RunResult conform(String stdin, String... arguments) {
        List<String> command = new ArrayList<>(List.of(Runner.jvisor(), "conform"));
        command.addAll(List.of(arguments));
        return Runner.run(command, stdin, Runner.DEFAULT_TIMEOUT);
    }

    @Test
    void outputThatDiffersBetweenRunsIsReportedWithTheFirstDifferentLine() {
        RunResult result = conform("", "--", "sh", "-c", "echo same; head -c 16 /dev/urandom | od -An -tx1");

        assertEquals(1, result.exitCode(), result::toString);
        assertTrue(result.stdout().startsWith("jvisor conform: DIFFERENT\n"), result::toString);
        assertTrue(result.stdout().contains("  stdout: different\n      first different line, 2:\n"), result::toString);
        assertTrue(result.stdout().contains("  exit status: same (exit 0)\n"), result::toString);
    }

    @Test
    void bothRunsStartInACopyOfTheFixtureAndReadTheSameInput(@TempDir Path directory) throws IOException {
        Path fixture = Files.createDirectories(directory.resolve("fixture"));
        Files.writeString(fixture.resolve("data.txt"), "from the fixture\n");
        Path kept = directory.resolve("kept");

        RunResult result = conform("typed input\n", "--fixture", fixture.toString(), "--keep", kept.toString(),
                "--", "sh", "-c", "cat data.txt -; pwd; echo created > new.txt");

        assertEquals(0, result.exitCode(), result::toString);
        for (String run : List.of("jvisor", "linux")) {
            String stdout = Files.readString(kept.resolve("stdout-" + run));
            assertTrue(stdout.startsWith("from the fixture\ntyped input\n" + kept.resolve("work") + "\n"), stdout);
            assertEquals("created\n", Files.readString(kept.resolve("work-" + run).resolve("new.txt")));
        }
        assertEquals("from the fixture\n", Files.readString(fixture.resolve("data.txt")));
    }

    @Test
    void jsonSaysWhetherTheRunsAreEqual() {
        RunResult result = conform("", "--json", "--", Runner.probe("handler-targets"), "memory");

        assertEquals(0, result.exitCode(), result::toString);
        assertTrue(result.stdout().startsWith("{\"equal\":true,\"verdict\":\"SAME\",\"exit\":{\"linux\":\"exit 0\""),
                result::toString);
        assertTrue(result.stdout().contains("\"threads\":[{\"thread\":\"P1\",\"same\":true,\"linuxCalls\":3"),
                result::toString);
    }

    @Test
    void hostModeRecordsEveryTrappedCallAsJsonLines(@TempDir Path directory) throws IOException {
        Path trace = directory.resolve("trace.jsonl");

        RunResult result = Runner.run(Runner.sandboxed(List.of("--host", "--trace", trace.toString()),
                List.of(Runner.probe("handler-targets"), "memory")), "", Runner.DEFAULT_TIMEOUT);

        assertEquals(0, result.exitCode(), result::toString);
        List<String> lines = Files.readAllLines(trace);
        // socket() itself runs untrapped: the three socket calls on it are the record.
        assertEquals(3, lines.size(), lines::toString);
        assertTrue(lines.get(0).matches("\\{\"thread\":\"P1\",\"pid\":\\d+,\"tid\":\\d+,\"call\":\"connect\".*"),
                lines.get(0));
        assertTrue(lines.get(0).contains("\"call\":\"connect\",\"arguments\":{\"fd\":\"3\",\"addr\":\"EFAULT\""),
                lines.get(0));
        assertTrue(lines.get(0).endsWith("\"result\":\"-1 EFAULT\",\"outputs\":{}}"), lines.get(0));
        assertTrue(lines.get(1).contains("\"addr\":\"path \\\"/nonexistent/socket\\\"\""), lines.get(1));
        assertTrue(lines.get(1).contains("\"result\":\"-1 ENOENT\""), lines.get(1));
        assertTrue(lines.get(2).contains("\"call\":\"getsockname\""), lines.get(2));
        assertTrue(lines.get(2).endsWith("\"result\":\"0\",\"outputs\":{\"addr\":\"unnamed\",\"addrlen\":\"2\"}}"),
                lines.get(2));
    }

    @Test
    void whatCannotBeComparedExitsTwo() {
        assertEquals(2, conform("", "--fixture", "/nonexistent/fixture", "--", "true").exitCode());
        assertEquals(2, conform("", "--bogus", "--", "true").exitCode());
        assertEquals(2, conform("").exitCode());
    }
}
