package dev.jvisor.it;

import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Differences from Linux that jvisor knows of and lists in the README. Each test states the
 * Linux behaviour; it is skipped with its reason until the difference is fixed.
 */
class KnownDifferencesTest {
    @Test
    @Disabled("known difference (README): a traced process gets ignored signals queued, so a child's "
            + "SIGCHLD cuts a blocking recv(MSG_WAITALL) short; the sentry can complete trapped receives")
    void anIgnoredSignalDoesNotCutMsgWaitallShort() {
        String probe = Runner.probe("ignored-signal-waitall");
        RunResult nativeRun = Runner.runNative(probe);
        assertEquals("recv(MSG_WAITALL) = 10 'helloworld'\n", nativeRun.stdout());
        assertEquals(nativeRun, Runner.runSandboxed(probe));
    }
}
