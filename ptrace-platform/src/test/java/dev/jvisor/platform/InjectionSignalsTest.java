package dev.jvisor.platform;

import dev.jvisor.platform.linux.Libc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Signals and injected calls: an injected call a signal interrupts ends the program's call
 * as Linux ends an interrupted one (EINTR, or a restart under SA_RESTART), restart codes
 * never reach the program, and a signal between injected calls is delivered at once (the
 * call made again, or ended with the handler's answer for that case).
 */
class InjectionSignalsTest {
    private static final int SIGUSR1 = 10;

    @TempDir
    Path directory;

    /**
     * Answers the first recvfrom of each process by injecting a blocking read of the same
     * (empty) pipe; the repeated call, after a restart, passes through (ENOTSOCK).
     */
    private static final class BlockingReadHandler implements SyscallHandler {
        final CountDownLatch injected = new CountDownLatch(1);
        final List<InjectionResult> results = new CopyOnWriteArrayList<>();
        final AtomicInteger traps = new AtomicInteger();
        volatile int pid;

        @Override
        public Action onSyscall(SyscallStop stop) {
            Syscall call = stop.call();
            if (call.number() != Sysno.RECVFROM) return Action.passthrough();
            if (traps.getAndIncrement() > 0) return Action.passthrough();
            pid = stop.pid();
            injected.countDown();
            return Action.inject(Syscall.of(Sysno.READ, call.arg0(), call.arg1(), call.arg2()), result -> {
                results.add(result);
                return result.asAction();
            });
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "norestart, recvfrom: -1 EINTR, 1",
        "restart,   recvfrom: -1 ENOTSOCK, 2",
    })
    void anInterruptedInjectedCallEndsTheCallAsLinuxWould(String mode, String expected, int traps)
            throws InterruptedException {
        BlockingReadHandler handler = new BlockingReadHandler();
        ProbeRun.Started run = ProbeRun.start(directory,
                ProbeRun.probe("handler-targets") + " interrupt " + mode + " > OUT", handler);

        assertTrue(handler.injected.await(30, TimeUnit.SECONDS), "the probe never made its recvfrom");
        Libc.kill(handler.pid, SIGUSR1);

        assertEquals(expected + "\nhandler ran: 1\n", run.awaitOutput());
        assertEquals(1, handler.results.size());
        assertTrue(handler.results.getFirst().interrupted(), "raw result " + handler.results.getFirst().raw());
        // Under SA_RESTART the kernel re-ran the program's recvfrom: a second trap.
        assertEquals(traps, handler.traps.get());
    }

    @Test
    void aSignalBetweenInjectedCallsIsDeliveredAndTheCallIsMadeAgain() {
        AtomicInteger traps = new AtomicInteger();
        AtomicBoolean secondInjectionFinished = new AtomicBoolean();
        SyscallHandler handler = stop -> {
            if (stop.call().number() != Sysno.GETSOCKOPT) return Action.passthrough();
            if (traps.getAndIncrement() > 0) return Action.passthrough();
            return Action.inject(Syscall.of(Sysno.GETPID), first -> {
                // Pending when the thread returns to user mode for the next injected call.
                Libc.tgkill(stop.pid(), stop.tid(), SIGUSR1);
                return Action.inject(Syscall.of(Sysno.GETPID), second -> {
                    secondInjectionFinished.set(true);
                    return Action.returning(77);
                });
            });
        };

        String output = ProbeRun.run(directory, handler, "abandon");

        assertEquals("getsockopt: 0\nvalue: 1\nhandler ran: 1\n", output);
        assertEquals(2, traps.get());
        assertFalse(secondInjectionFinished.get());
    }

    @Test
    void aSignalBeforeAnInjectionThatMustNotBeRepeatedEndsTheCallWithItsAnswer() {
        AtomicInteger traps = new AtomicInteger();
        AtomicBoolean secondInjectionFinished = new AtomicBoolean();
        SyscallHandler handler = stop -> {
            if (stop.call().number() != Sysno.GETSOCKOPT) return Action.passthrough();
            if (traps.getAndIncrement() > 0) return Action.passthrough();
            return Action.inject(Syscall.of(Sysno.GETPID), first -> {
                Libc.tgkill(stop.pid(), stop.tid(), SIGUSR1);
                return Action.injectUnlessSignalled(Syscall.of(Sysno.GETPID), () -> Action.returning(77), second -> {
                    secondInjectionFinished.set(true);
                    return Action.returning(78);
                });
            });
        };

        String output = ProbeRun.run(directory, handler, "abandon");

        // The call returned the answer for a signal, untouched value; the handler ran after it.
        assertEquals("getsockopt: 77\nvalue: -1\nhandler ran: 1\n", output);
        assertEquals(1, traps.get());
        assertFalse(secondInjectionFinished.get());
    }

    @Test
    void theTracerServesOtherProcessesWhileAnInjectedCallBlocks() throws InterruptedException, IOException {
        BlockingReadHandler blocking = new BlockingReadHandler();
        AtomicBoolean otherAnsweredWhileBlocked = new AtomicBoolean();
        CountDownLatch otherAnswered = new CountDownLatch(1);
        SyscallHandler handler = stop -> {
            if (stop.call().number() == Sysno.GETSOCKNAME && stop.call().arg0() == 12345) {
                return Action.inject(Syscall.of(Sysno.GETPID), result -> {
                    otherAnsweredWhileBlocked.set(blocking.results.isEmpty() && blocking.injected.getCount() == 0);
                    otherAnswered.countDown();
                    return Action.returning(result.raw());
                });
            }
            return blocking.onSyscall(stop);
        };
        String probe = ProbeRun.probe("handler-targets");
        ProbeRun.Started run = ProbeRun.start(directory,
                probe + " interrupt restart > OUT & "
                        + "while [ ! -e OUT.go ]; do sleep 0.02; done; "
                        + probe + " getpid > OUT.other; wait", handler);

        assertTrue(blocking.injected.await(30, TimeUnit.SECONDS), "the blocking probe never trapped");
        Files.writeString(Path.of(run.output() + ".go"), "");
        assertTrue(otherAnswered.await(30, TimeUnit.SECONDS), "the second process was not served");
        Libc.kill(blocking.pid, SIGUSR1);

        assertEquals("recvfrom: -1 ENOTSOCK\nhandler ran: 1\n", run.awaitOutput());
        assertTrue(otherAnsweredWhileBlocked.get());
    }
}
