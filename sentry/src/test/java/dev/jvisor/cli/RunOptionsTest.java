package dev.jvisor.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `jvisor run` options: what is jvisor's and what is the program's. */
class RunOptionsTest {
    @Test
    void everythingAfterTheDoubleDashIsTheProgramsEvenOptions() {
        RunOptions options = RunOptions.parse(new String[] {"--stats", "--", "ls", "--stats", "-v"});
        assertEquals(List.of("ls", "--stats", "-v"), options.command());
        assertTrue(options.stats());
    }

    @Test
    void theFirstNonOptionStartsTheProgram() {
        RunOptions options = RunOptions.parse(new String[] {"-v", "--log-file", "x.log", "sh", "-c", "true"});
        assertEquals(List.of("sh", "-c", "true"), options.command());
        assertEquals("debug", options.logLevel());
        assertEquals(Path.of("x.log"), options.logFile());
    }

    @Test
    void badOptionsAreRefusedWithAReason() {
        assertEquals("no program to run",
                assertThrows(IllegalArgumentException.class, () -> RunOptions.parse(new String[] {"--"})).getMessage());
        assertEquals("unknown option '--nope'",
                assertThrows(IllegalArgumentException.class, () -> RunOptions.parse(new String[] {"--nope", "ls"}))
                        .getMessage());
        assertEquals("unknown log level 'loud'",
                assertThrows(IllegalArgumentException.class,
                        () -> RunOptions.parse(new String[] {"--log-level", "loud", "ls"})).getMessage());
        assertEquals("--log-file needs a value",
                assertThrows(IllegalArgumentException.class, () -> RunOptions.parse(new String[] {"--log-file"}))
                        .getMessage());
    }

    @Test
    void helpAndVersionAnswerOnStandardOutput() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, Main.run(new String[] {"--help"}, new PrintStream(out), new PrintStream(err)));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("usage: jvisor run"));
        out.reset();
        assertEquals(0, Main.run(new String[] {"--version"}, new PrintStream(out), new PrintStream(err)));
        assertTrue(out.toString(StandardCharsets.UTF_8).matches("jvisor \\d+\\.\\d+\\.\\d+.*\\n"), out::toString);
        assertEquals(Main.EXIT_FAILURE, Main.run(new String[] {"frobnicate"}, new PrintStream(out), new PrintStream(err)));
    }
}
