package dev.jvisor.it;

import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;

/**
 * The seccomp filter cannot be bypassed: other syscall ABIs (i386 int 0x80, x32) fail with
 * ENOSYS under the sandbox, whatever they do natively, and create no descriptor; io_uring
 * rings are made by the sentry's rules.
 * A kernel without IA32 emulation (CONFIG_IA32_EMULATION off, or ia32_emulation=0) has no
 * int 0x80 entry at all: the instruction faults with SIGSEGV before seccomp sees a call, natively
 * and sandboxed alike, so there is no route to close there.
 */
class FilterBypassTest {

    @ParameterizedTest
    @ValueSource(strings = {"int80-socketcall", "int80-socketpair", "int80-socket", "x32-socket"})
    void otherAbisCannotCreateSockets(String mode) {
        String probe = Runner.probe("filter-bypass");
        RunResult sandboxed = Runner.runSandboxed(probe, mode);
        RunResult nativeRun = Runner.runNative(probe, mode);
        assertEquals(0, sandboxed.exitCode(), sandboxed::toString);
        String noEntry = mode + ": died of SIGSEGV\nnew descriptors: 0\n";
        if (mode.startsWith("int80") && nativeRun.stdout().equals(noEntry)) {
            assertEquals(noEntry, sandboxed.stdout(), () -> "natively:\n" + nativeRun);
            abort("this kernel has no IA32 emulation: int 0x80 faults natively too (SIGSEGV, no "
                    + "descriptor), so there is no 32-bit route, and the filter's ENOSYS answer to one "
                    + "could not be checked");
        }
        assertTrue(sandboxed.stdout().matches("[^\n]*\\): -1 ENOSYS\nnew descriptors: 0\n"),
                () -> "sandboxed:\n" + sandboxed + "\nnatively:\n" + nativeRun);
    }

    /**
     * io_uring_setup gives a ring, as natively, whose socket operations the sentry's
     * restrictions refuse (RingsTest, red team route 9): io_uring is no bypass.
     */
    @Test
    void ioUringSetupGivesARingAsNatively() {
        String probe = Runner.probe("filter-bypass");
        RunResult sandboxed = Runner.runSandboxedWithStats(probe, "io_uring");
        RunResult nativeRun = Runner.runNative(probe, "io_uring");
        assertEquals(new RunResult(0, "io_uring_setup: ok\nnew descriptors: 1\n", ""), nativeRun);
        assertEquals(nativeRun.stdout(), sandboxed.stdout(), sandboxed::toString);
        assertEquals(1L, Runner.trappedCalls(sandboxed).getOrDefault("io_uring_setup", 0L), sandboxed::toString);
    }

    /**
     * The control case: the x86-64 socket() runs natively (the sentry learns of the socket
     * later), and a socket call on it is trapped and answered.
     */
    @Test
    void nativeAbiSocketWorksAndItsCallsAreTrapped() {
        RunResult sandboxed = Runner.runSandboxedWithStats(Runner.probe("filter-bypass"), "socket");
        assertEquals("socket(AF_UNIX): ok\ngetsockname: 0 length 2\nnew descriptors: 1\n", sandboxed.stdout(),
                sandboxed::toString);
        Map<String, Long> trapped = Runner.trappedCalls(sandboxed);
        assertEquals(0L, trapped.getOrDefault("socket", 0L), trapped::toString);
        assertEquals(1L, trapped.getOrDefault("getsockname", 0L), trapped::toString);
    }
}
