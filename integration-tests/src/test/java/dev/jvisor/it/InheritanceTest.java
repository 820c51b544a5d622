package dev.jvisor.it;

import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.Test;
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
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The program inherits the caller's process state exactly as it would natively: environment,
 * cwd, descriptors (and none of the JVM's), resource limits, umask, ignored and blocked
 * signals, process group and session. Each case runs {@code WRAPPER PROGRAM} natively and
 * {@code WRAPPER jvisor run -- PROGRAM}, where the wrapper sets up the caller's state.
 */
class InheritanceTest {

    /** {@code bash -c SCRIPT bash PROGRAM...}: the script changes the caller's state, then execs "$@". */
    static Stream<Arguments> callerStates() {
        return Stream.of(
                Arguments.of("plain", List.of()),
                Arguments.of("trap '' INT QUIT", wrapper("trap '' INT QUIT")),
                Arguments.of("nohup", List.of("nohup")),
                Arguments.of("ignored and blocked signals",
                        List.of(Runner.probe("sigexec"), "--ignore", "1,2,13,15,17,28", "--block", "10,12,14,34,64", "--")),
                Arguments.of("ulimit -Sn 256, umask 077", wrapper("ulimit -Sn 256; umask 077")),
                Arguments.of("ulimit -n 512 (hard too), ulimit -s 4096", wrapper("ulimit -n 512; ulimit -s 4096")),
                Arguments.of("nice -n 5", List.of("nice", "-n", "5")));
    }

    @ParameterizedTest(name = "proc-state: {0}")
    @MethodSource("callerStates")
    void processState(String name, List<String> caller, @TempDir Path cwd) {
        assertSameAsNative(caller, List.of(Runner.probe("proc-state")), cwd);
    }

    /** The kernel's own view of the same state. NoNewPrivs and Seccomp differ by design. */
    @ParameterizedTest(name = "/proc/self: {0}")
    @MethodSource("callerStates")
    void procSelfStatusAndLimits(String name, List<String> caller) {
        assertSameAsNative(caller, List.of("sh", "-c",
                "grep -E '^(Sig(Ign|Blk|Cgt)|Umask|Cpus_allowed_list)' /proc/self/status; cat /proc/self/limits;"
                        + " ulimit -n; ulimit -Sn; ulimit -Hn; umask"), null);
    }

    @Test
    void environmentIsTheCallersExactly() {
        List<String> env = List.of("env", "-0");
        // "_" too: a shell sets it to the path of the command it runs, and a wrapper script
        // that loses it changes what the program sees.
        Map<String, String> extra = Map.of(
                "_", "/caller/set/this",
                "JVISOR_TEST_PLAIN", "value",
                "JVISOR_TEST_ODD", "spaces and\nnewline=and equals",
                "JVISOR_TEST_EMPTYISH", " ",
                "LD_PRELOAD", "",
                "JAVA_TOOL_OPTIONS", "",
                "_JAVA_OPTIONS", "");
        RunResult nativeRun = Runner.run(env, "", Runner.DEFAULT_TIMEOUT, null, extra);
        RunResult sandboxed = Runner.run(Runner.sandboxed(List.of(), env), "", Runner.DEFAULT_TIMEOUT, null, extra);
        assertEquals(0, sandboxed.exitCode(), sandboxed::toString);
        List<String> nativeVariables = sortedNulSeparated(nativeRun.stdout());
        assertTrue(nativeVariables.contains("JVISOR_TEST_ODD=spaces and\nnewline=and equals"), nativeVariables::toString);
        List<String> sandboxedVariables = sortedNulSeparated(sandboxed.stdout());
        assertEquals(nativeVariables, sandboxedVariables, () -> "only native: "
                + nativeVariables.stream().filter(v -> !sandboxedVariables.contains(v)).toList()
                + "; only sandboxed: "
                + sandboxedVariables.stream().filter(v -> !nativeVariables.contains(v)).toList());
    }

    @Test
    void workingDirectoryIsTheCallers(@TempDir Path dir) throws IOException {
        Path cwd = Files.createDirectories(dir.resolve("with space").resolve("deeper"));
        List<String> command = List.of("sh", "-c", "pwd; /bin/pwd -P; ls");
        Files.writeString(cwd.resolve("marker"), "");
        RunResult nativeRun = Runner.run(command, "", Runner.DEFAULT_TIMEOUT, cwd);
        RunResult sandboxed = Runner.run(Runner.sandboxed(List.of(), command), "", Runner.DEFAULT_TIMEOUT, cwd);
        assertTrue(nativeRun.stdout().contains("with space/deeper\n"), nativeRun::toString);
        assertEquals(nativeRun, sandboxed);
    }

    /** Descriptors the caller opened above 2, stdio with its offsets, and nothing else. */
    static Stream<Arguments> descriptorStates() {
        return Stream.of(
                Arguments.of("only stdio", wrapper(":")),
                Arguments.of("5 and 7 and 100 open", wrapper(
                        "exec 5</etc/hostname 7>>\"$JVISOR_SCRATCH\" 100</dev/null 9<>\"$JVISOR_SCRATCH\"")),
                Arguments.of("stdin from a file, partly read", wrapper("exec </etc/passwd; read -r line")),
                Arguments.of("stderr into stdout", wrapper("exec 2>&1")),
                Arguments.of("stdin closed", wrapper("exec 0<&-")),
                Arguments.of("stderr closed", wrapper("exec 2>&-")),
                Arguments.of("a pipe and a socket", List.of("python3", "-c",
                        "import os, socket, sys; r, w = os.pipe(); a, b = socket.socketpair();"
                                + " os.set_inheritable(r, True); os.set_inheritable(a.fileno(), True);"
                                + " os.execvp(sys.argv[1], sys.argv[1:])")));
    }

    @ParameterizedTest(name = "descriptors: {0}")
    @MethodSource("descriptorStates")
    void descriptors(String name, List<String> caller, @TempDir Path dir) {
        Path scratch = dir.resolve("scratch");
        Map<String, String> env = Map.of("JVISOR_SCRATCH", scratch.toString());
        List<String> program = List.of(Runner.probe("fd-list"));
        RunResult nativeRun = Runner.run(concat(caller, program), "", Runner.DEFAULT_TIMEOUT, dir, env);
        RunResult sandboxed = Runner.run(concat(caller, Runner.sandboxed(List.of(), program)), "",
                Runner.DEFAULT_TIMEOUT, dir, env);
        assertEquals(0, nativeRun.exitCode(), nativeRun::toString);
        assertEquals(nativeRun.stdout(), sandboxed.stdout(),
                () -> "caller state: " + name + "\nnative:\n" + nativeRun + "\nsandboxed:\n" + sandboxed);
        assertEquals(nativeRun.exitCode(), sandboxed.exitCode(), sandboxed::toString);
    }

    @Test
    void stdioIsTheCallers() {
        List<String> command = List.of("sh", "-c", "read -r first; echo \"out:$first\"; echo \"err:$first\" >&2; cat");
        String input = "line one\nrest\nof input\n";
        RunResult nativeRun = Runner.run(command, input, Runner.DEFAULT_TIMEOUT);
        RunResult sandboxed = Runner.run(Runner.sandboxed(List.of(), command), input, Runner.DEFAULT_TIMEOUT);
        assertEquals(new RunResult(0, "out:line one\nrest\nof input\n", "err:line one\n"), nativeRun);
        assertEquals(nativeRun, sandboxed);
    }

    private static void assertSameAsNative(List<String> caller, List<String> program, Path cwd) {
        RunResult nativeRun = Runner.run(concat(caller, program), "", Runner.DEFAULT_TIMEOUT, cwd);
        RunResult sandboxed = Runner.run(concat(caller, Runner.sandboxed(List.of(), program)), "",
                Runner.DEFAULT_TIMEOUT, cwd);
        assertEquals(0, nativeRun.exitCode(), nativeRun::toString);
        assertEquals(nativeRun, sandboxed, () -> "native:\n" + nativeRun + "\nsandboxed:\n" + sandboxed);
    }

    private static List<String> wrapper(String script) {
        return Runner.bash(script + "; exec \"$@\"", List.of());
    }

    private static List<String> concat(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    private static List<String> sortedNulSeparated(String text) {
        return Arrays.stream(text.split("\0")).filter(s -> !s.isEmpty()).sorted().collect(Collectors.toList());
    }
}
