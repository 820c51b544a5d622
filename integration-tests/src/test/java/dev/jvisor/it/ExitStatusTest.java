package dev.jvisor.it;

import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** jvisor run exits with the program's status and passes its output and input through. */
class ExitStatusTest {

    @Test
    void printsOutputAndExitsWithTheProgramsStatus() {
        RunResult result = Runner.runSandboxed("sh", "-c", "echo hi; exit 3");
        assertEquals(3, result.exitCode(), result::toString);
        assertEquals("hi\n", result.stdout(), result::toString);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 42, 255})
    void exitCodesAreThoseOfTheProgram(int code) {
        RunResult result = Runner.runSandboxed("sh", "-c", "exit " + code);
        assertEquals(code, result.exitCode(), result::toString);
    }

    @Test
    void stdinReachesTheProgram() {
        RunResult result = Runner.run(Runner.sandboxed(List.of(), List.of("cat")), "x\n", Runner.DEFAULT_TIMEOUT);
        assertEquals(new RunResult(0, "x\n", ""), result);
    }

    @Test
    void largeOutputAndStderrArriveWhole() {
        String script = "seq 1 100000; echo to-stderr >&2; exit 5";
        RunResult sandboxed = Runner.runSandboxed("sh", "-c", script);
        assertEquals(Runner.runNative("sh", "-c", script), sandboxed);
    }

    @Test
    void missingProgramExits127WithAMessage() {
        RunResult result = Runner.runSandboxed("jvisor-no-such-program");
        assertEquals(127, result.exitCode(), result::toString);
        assertTrue(result.stderr().contains("jvisor-no-such-program"), result::toString);
        assertTrue(result.stderr().contains("not found"), result::toString);
        assertEquals("", result.stdout());
    }

    @Test
    void missingPathExits127WithAMessage(@TempDir Path dir) {
        String missing = dir.resolve("absent/program").toString();
        RunResult result = Runner.runSandboxed(missing);
        assertEquals(127, result.exitCode(), result::toString);
        assertTrue(result.stderr().contains(missing), result::toString);
        assertTrue(result.stderr().contains("No such file or directory"), result::toString);
    }

    @Test
    void nonExecutableFileExits126WithAMessage(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("not-executable"), "echo never\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        RunResult result = Runner.runSandboxed(file.toString());
        assertEquals(126, result.exitCode(), result::toString);
        assertTrue(result.stderr().contains("Permission denied"), result::toString);
        assertEquals("", result.stdout());
    }

    @Test
    void directoryExits126(@TempDir Path dir) {
        RunResult result = Runner.runSandboxed(dir.toString());
        assertEquals(126, result.exitCode(), result::toString);
        assertTrue(result.stderr().contains(dir.toString()), result::toString);
    }

    /** execvp(3) runs an executable without a #! line with /bin/sh, as a shell does. */
    @Test
    void scriptWithoutInterpreterLineRunsWithSh(@TempDir Path dir) throws IOException {
        Path script = Files.writeString(dir.resolve("plain-script"), "echo from script \"$1\"; exit 4\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        RunResult result = Runner.runSandboxed(script.toString(), "arg");
        assertEquals(new RunResult(4, "from script arg\n", ""), result);
    }

    @Test
    void programFoundOnPathLikeAShellFindsIt() {
        RunResult sandboxed = Runner.runSandboxed("printf", "%s-%s\\n", "a", "b");
        assertEquals(new RunResult(0, "a-b\n", ""), sandboxed);
    }
}
