package dev.jvisor.it;

import dev.jvisor.it.support.LiveProcess;
import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No sandboxed process outlives the sandbox: not when jvisor is killed with SIGKILL (it gets
 * no chance to clean up; PTRACE_O_EXITKILL must do it), and not when the first process exits
 * while others still run (as when a container's init exits).
 */
class LifetimeTest {
    private static final Duration GRACE = Duration.ofSeconds(5);
    private static final Duration START = Duration.ofSeconds(20);

    @Test
    void sigkillOfJvisorKillsEveryTracedProcess() throws InterruptedException {
        try (LiveProcess run = LiveProcess.startSandboxed("sh", "-c", "sleep 300 & sleep 300")) {
            assertTrue(LiveProcess.eventually(START, () -> sleepers(run.process()).size() == 2),
                    () -> "sleeps not started: " + describe(run.process().descendants().toList()));
            killJvisorAndAssertNoSurvivor(run);
        }
    }

    /** A stopped tracee (kill -STOP) cannot run, but SIGKILL still ends it. */
    @Test
    void sigkillOfJvisorKillsStoppedProcesses() throws InterruptedException {
        try (LiveProcess run = LiveProcess.startSandboxed("sh", "-c", "sleep 300 & sleep 300")) {
            assertTrue(LiveProcess.eventually(START, () -> sleepers(run.process()).size() == 2));
            long stopped = sleepers(run.process()).getFirst().pid();
            LiveProcess.kill("STOP", stopped);
            assertTrue(LiveProcess.eventually(START, () -> LiveProcess.state(stopped).filter(s -> !s.equals("S")).isPresent()));
            killJvisorAndAssertNoSurvivor(run);
        }
    }

    /** Threads that are busy in trapped calls when the tracer disappears die with it. */
    @Test
    void sigkillOfJvisorKillsThreadsBusyInTrappedCalls() throws InterruptedException {
        try (LiveProcess run = LiveProcess.startSandboxed(Runner.probe("socket-threads"), "1000000000")) {
            assertTrue(LiveProcess.eventually(START, () -> run.process().descendants()
                            .anyMatch(p -> threads(p.pid()) == 9)),
                    () -> "threads not started: " + describe(run.process().descendants().toList()));
            killJvisorAndAssertNoSurvivor(run);
        }
    }

    /**
     * When the first process exits, jvisor kills what it left running (background jobs, a
     * process that made itself a session leader, an orphaned grandchild) and exits.
     */
    @ParameterizedTest
    @ValueSource(strings = {"sleep 300 >/dev/null 2>&1 & echo $!",
                            "setsid sleep 300 >/dev/null 2>&1 & echo $!",
                            "(sleep 300 >/dev/null 2>&1 & echo $!)",
                            "trap '' TERM HUP INT; sleep 300 >/dev/null 2>&1 & echo $!; exit 4"})
    void leftoverProcessesDieWhenTheFirstProcessExits(String script) {
        // The leftover's output goes to /dev/null: a survivor holding the pipe would hang the run.
        RunResult result = Runner.runSandboxed("sh", "-c", script);
        assertEquals(script.endsWith("exit 4") ? 4 : 0, result.exitCode(), result::toString);
        long leftover = Long.parseLong(result.stdout().trim());
        assertTrue(LiveProcess.eventually(GRACE, () -> !alive(leftover)),
                () -> "process " + leftover + " survived the sandbox: " + LiveProcess.state(leftover));
    }

    private static void killJvisorAndAssertNoSurvivor(LiveProcess run) throws InterruptedException {
        List<ProcessHandle> traced = run.process().descendants().toList();
        assertTrue(!traced.isEmpty());
        run.process().destroyForcibly(); // SIGKILL to the JVM
        assertTrue(run.process().waitFor(GRACE.toSeconds(), TimeUnit.SECONDS));
        try {
            assertTrue(LiveProcess.eventually(GRACE, () -> traced.stream().noneMatch(LifetimeTest::alive)),
                    () -> "survivors: " + describe(traced.stream().filter(LifetimeTest::alive).toList()));
        } finally {
            traced.forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static List<ProcessHandle> sleepers(Process jvisor) {
        return jvisor.descendants()
                .filter(p -> p.info().command().map(c -> c.endsWith("/sleep")).orElse(false))
                .toList();
    }

    /** Alive and not a zombie: an orphan's zombie lingers until whoever adopted it reaps it. */
    private static boolean alive(ProcessHandle process) {
        return process.isAlive() && alive(process.pid());
    }

    private static boolean alive(long pid) {
        return LiveProcess.state(pid).map(state -> !state.equals("Z") && !state.equals("X")).orElse(false);
    }

    private static long threads(long pid) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return tasks.count();
        } catch (IOException e) {
            return 0;
        }
    }

    private static String describe(List<ProcessHandle> processes) {
        StringBuilder text = new StringBuilder();
        for (ProcessHandle p : processes) {
            text.append("\n  ").append(p.pid()).append(' ').append(LiveProcess.state(p.pid()).orElse("gone"))
                    .append(' ').append(p.info().commandLine().orElse("?"));
        }
        return text.toString();
    }
}
