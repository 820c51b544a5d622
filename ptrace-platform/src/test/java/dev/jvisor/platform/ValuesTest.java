package dev.jvisor.platform;

import dev.jvisor.platform.linux.WaitStatus;

import static dev.jvisor.platform.linux.Ptrace.EVENT_SECCOMP;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The platform's values decode what the kernel reports as sys/wait.h and errno(3) say. */
class ValuesTest {
    @Test
    void waitStatusesDecodeAsSysWaitH() {
        WaitStatus exited = new WaitStatus(1, 3 << 8);
        assertTrue(exited.exited());
        assertEquals(3, exited.exitCode());
        assertFalse(exited.signaled());

        WaitStatus segfault = new WaitStatus(1, 11 | 0x80);
        assertTrue(segfault.signaled());
        assertEquals(11, segfault.termSignal());
        assertTrue(segfault.coreDumped());

        WaitStatus seccomp = new WaitStatus(1, 0x7f | (5 << 8) | (EVENT_SECCOMP << 16));
        assertTrue(seccomp.stopped());
        assertFalse(seccomp.signaled());
        assertEquals(5, seccomp.stopSignal());
        assertEquals(EVENT_SECCOMP, seccomp.event());

        WaitStatus syscallStop = new WaitStatus(1, 0x7f | (WaitStatus.SYSCALL_STOP_SIGNAL << 8));
        assertEquals(WaitStatus.SYSCALL_STOP_SIGNAL, syscallStop.stopSignal());
        assertEquals(0, syscallStop.event());
    }

    @Test
    void injectionResultsSeparateErrorsFromRestartCodes() {
        assertEquals(Action.returning(7), new InjectionResult(7).asAction());
        assertEquals(Action.fail(Errno.EBADF), new InjectionResult(-9).asAction());
        for (long restart = -516; restart <= -512; restart++) {
            InjectionResult interrupted = new InjectionResult(restart);
            assertTrue(interrupted.interrupted());
            assertFalse(interrupted.failed());
            assertInstanceOf(Action.Interrupted.class, interrupted.asAction());
        }
        assertThrows(IllegalStateException.class, () -> new InjectionResult(0).errno());
    }

    @Test
    void aReturnValueMayNotLookLikeAnError() {
        assertThrows(IllegalArgumentException.class, () -> Action.returning(-1));
        assertThrows(IllegalArgumentException.class, () -> Action.returning(-4095));
        assertEquals(-4096L, ((Action.Return) Action.returning(-4096)).value());
    }

    @Test
    void errnosHaveLinuxNumbers() {
        assertEquals(14, Errno.EFAULT.number());
        assertEquals(Errno.EAGAIN, Errno.of(11));
        assertEquals(Errno.EOPNOTSUPP, Errno.ofSyscallReturn(-95));
        assertEquals(Errno.EHWPOISON, Errno.of(133));
        assertThrows(IllegalArgumentException.class, () -> Errno.of(0));
        assertThrows(IllegalArgumentException.class, () -> Errno.ofSyscallReturn(-512));
    }

    @Test
    void scratchSpaceLiesBelowTheRedZoneAndIsAligned() {
        TrappedCall stop = new TrappedCall(new Tracee(1), new ArgumentRegion(), Syscall.of(Sysno.GETPID), 0,
                0x7ffc_0000_1238L, pid -> true, tid -> {});
        long scratch = stop.scratch(100);
        assertEquals(0, scratch % 16);
        assertTrue(scratch + 100 <= 0x7ffc_0000_1238L - 128);
    }
}
