package dev.jvisor.it;

import dev.jvisor.it.support.LiveProcess;
import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.regex.Matcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Signals: a program killed by a signal makes jvisor exit 128+N, signals sent to jvisor reach
 * the program's handlers, and job-control stops of a sandboxed process behave as natively.
 */
class SignalTest {
    private static final Duration STATE_CHANGE = Duration.ofSeconds(10);

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"segv, 139", "kill, 137", "abrt, 134"})
    void deathBySignalGivesTheShellStatus(String how, int status) {
        String probe = Runner.probe("die-by-signal");
        RunResult sandboxed = Runner.runSandboxed(probe, how);
        assertEquals(status, sandboxed.exitCode(), sandboxed::toString);
        assertEquals("dying of " + how + "\n", sandboxed.stdout());
        RunResult nativeRun = Runner.runNative(probe, how);
        assertEquals(nativeRun.exitCode(), sandboxed.exitCode(), () -> "native: " + nativeRun);
    }

    /** A signal sent to jvisor itself is handled by the program's own handler (exit 100+N). */
    @ParameterizedTest(name = "SIG{0}")
    @CsvSource({"TERM, 115", "INT, 102", "HUP, 101", "QUIT, 103"})
    void signalToJvisorRunsTheProgramsHandler(String signal, int status) {
        try (LiveProcess run = LiveProcess.startSandboxed(Runner.probe("signal-wait"), signal)) {
            run.awaitLine("^ready$");
            // To the JVM. Not Process.destroy(): that also closes the streams the test reads.
            LiveProcess.kill(signal, run.pid());
            RunResult result = run.finish();
            assertEquals(status, result.exitCode(), result::toString);
            assertEquals("ready\nhandler: SIG" + signal + "\n", result.stdout(), result::toString);
        }
    }

    /** Without a handler the forwarded signal's default action kills the program. */
    @Test
    void sigtermToJvisorKillsAProgramWithoutHandler() {
        try (LiveProcess run = LiveProcess.startSandboxed(Runner.probe("signal-wait"))) {
            run.awaitLine("^ready$");
            LiveProcess.kill("TERM", run.pid());
            RunResult result = run.finish();
            assertEquals(128 + 15, result.exitCode(), result::toString);
            assertEquals("ready\n", result.stdout(), result::toString);
        }
    }

    /** kill -STOP / -CONT of the sandboxed program (not of jvisor): it stops, then finishes. */
    @Test
    void stopAndContinueTheProgram() {
        try (LiveProcess run = LiveProcess.startSandboxed(Runner.probe("stop-cont"), "self")) {
            long pid = Long.parseLong(run.awaitLine("^self ready pid=(\\d+)$").group(1));
            assertTrue(run.process().descendants().anyMatch(p -> p.pid() == pid), "the program runs under jvisor");

            LiveProcess.kill("STOP", pid);
            assertTrue(LiveProcess.eventually(STATE_CHANGE, () -> isStopped(pid)),
                    () -> "not stopped: state " + LiveProcess.state(pid));
            assertTrue(run.process().isAlive(), "jvisor keeps waiting while its program is stopped");

            LiveProcess.kill("CONT", pid);
            assertTrue(LiveProcess.eventually(STATE_CHANGE, () -> !isStopped(pid)),
                    () -> "still stopped after SIGCONT: state " + LiveProcess.state(pid));
            run.write("after continue\n");
            RunResult result = run.finish();
            assertEquals(0, result.exitCode(), result::toString);
            assertTrue(result.stdout().endsWith("self got: after continue\n"), result::toString);
        }
    }

    /**
     * A parent's waitpid(WUNTRACED | WCONTINUED) sees its child stop and continue as natively
     * (the tracer must leave a stopped tracee in its group stop, not resume it).
     */
    @Test
    void parentSeesChildStopAndContinueAsNatively() {
        String probe = Runner.probe("stop-cont");
        String nativeTranscript = stopAndContinueChild(LiveProcess.startNative(probe, "child"));
        String sandboxedTranscript = stopAndContinueChild(LiveProcess.startSandboxed(probe, "child"));
        assertEquals(String.join("\n",
                "child ready pid=N",
                "parent: child stopped by SIGSTOP",
                "parent: child continued",
                "child got: go",
                "parent: child exited 7",
                "exit 7"), nativeTranscript);
        assertEquals(nativeTranscript, sandboxedTranscript);
    }

    private static String stopAndContinueChild(LiveProcess started) {
        try (LiveProcess run = started) {
            Matcher ready = run.awaitLine("^child ready pid=(\\d+)$");
            long child = Long.parseLong(ready.group(1));
            LiveProcess.kill("STOP", child);
            run.awaitLine("^parent: child stopped");
            String stoppedState = LiveProcess.state(child).orElse("gone");
            assertTrue(stoppedState.equals("T") || stoppedState.equals("t"), "child state " + stoppedState);
            LiveProcess.kill("CONT", child);
            run.awaitLine("^parent: child continued");
            run.write("go\n");
            RunResult result = run.finish();
            return result.stdout().replaceAll("pid=\\d+", "pid=N") + "exit " + result.exitCode();
        }
    }

    /**
     * Stopped natively shows "T (stopped)"; a stopped tracee that its tracer keeps in the
     * group stop (PTRACE_LISTEN) shows "t (tracing stop)". Either is a stopped program.
     */
    private static boolean isStopped(long pid) {
        String state = LiveProcess.state(pid).orElse("gone");
        return state.equals("T") || state.equals("t");
    }
}
