package dev.jvisor.it;

import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad pointers and lengths in trapped calls give the program EFAULT/EINVAL as on Linux, and
 * the sandbox carries on answering the calls that follow.
 */
class BadPointerTest {

    @Test
    void badPointersGiveTheNativeErrorsAndTheSandboxCarriesOn() {
        String probe = Runner.probe("bad-pointer");
        RunResult nativeRun = Runner.runNative(probe);
        RunResult sandboxed = Runner.runSandboxedWithStats(probe);

        assertEquals(0, nativeRun.exitCode(), nativeRun::toString);
        assertTrue(nativeRun.stdout().contains("connect(addr 0x1, 110): -1 EFAULT\n"), nativeRun::toString);
        assertEquals(nativeRun.exitCode(), sandboxed.exitCode(), sandboxed::toString);
        assertEquals(nativeRun.stdout(), sandboxed.stdout());
        assertTrue(sandboxed.stdout().endsWith("done\n"), sandboxed::toString);

        Map<String, Long> trapped = Runner.trappedCalls(sandboxed);
        assertTrue(trapped.getOrDefault("connect", 0L) >= 8, "the bad connects were trapped: " + trapped);
        // The two accepts with an address are trapped; the two without one run untrapped.
        assertTrue(trapped.getOrDefault("accept4", 0L) + trapped.getOrDefault("accept", 0L) >= 2, trapped::toString);
    }

    /** The same bad call again and again, from a fresh process each time, never wedges the tracer. */
    @Test
    void repeatedFaultsInChildProcesses() {
        String script = "import ctypes, os, socket\n"
                + "libc = ctypes.CDLL(None, use_errno=True)\n"
                + "for i in range(20):\n"
                + "    pid = os.fork()\n"
                + "    if pid == 0:\n"
                + "        s = socket.socket(socket.AF_UNIX)\n"
                + "        r = libc.connect(s.fileno(), ctypes.c_void_p(1), 110)\n"
                + "        os._exit(ctypes.get_errno() if r < 0 else 0)\n"
                + "    print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), end=' ')\n"
                + "print()\n";
        RunResult nativeRun = Runner.runNative("python3", "-c", script);
        RunResult sandboxed = Runner.runSandboxed("python3", "-c", script);
        assertEquals("14 ".repeat(20) + "\n", nativeRun.stdout(), nativeRun::toString); // EFAULT is 14
        assertEquals(nativeRun, sandboxed);
    }
}
