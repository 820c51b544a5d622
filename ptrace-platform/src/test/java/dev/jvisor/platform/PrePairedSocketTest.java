package dev.jvisor.platform;

import dev.jvisor.platform.linux.Libc;
import dev.jvisor.platform.linux.Pidfd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The platform steps of DESIGN.md's connection transport: a trapped socket() is answered by
 * an injected socketpair() whose result array lives in the thread's scratch memory; the
 * sentry takes the spare end (pidfd_getfd), an injected close() removes it from the tracee,
 * and the program gets the other end, at the number its own socket() would have returned.
 */
class PrePairedSocketTest {
    private static final int AF_UNIX = 1;

    @TempDir
    Path directory;

    @Test
    void theProgramsSocketIsOneEndOfAPairWhoseOtherEndTheSentryHolds() {
        AtomicInteger spare = new AtomicInteger(-1);
        SyscallHandler handler = stop -> {
            Syscall call = stop.call();
            if (call.number() != Sysno.SOCKET || call.arg0() != AF_UNIX) return Action.passthrough();
            long fds = stop.scratch(8);
            return Action.inject(Syscall.of(Sysno.SOCKETPAIR, AF_UNIX, call.arg1(), call.arg2(), fds), pair -> {
                if (pair.failed()) return pair.asAction();
                int programEnd = stop.memory().readInt(fds);
                int spareEnd = stop.memory().readInt(fds + 4);
                spare.set(stop.copyDescriptor(spareEnd));
                return Action.inject(Syscall.of(Sysno.CLOSE, spareEnd), closed -> {
                    try (Arena arena = Arena.ofConfined()) {
                        byte[] text = "from the sentry".getBytes(StandardCharsets.US_ASCII);
                        Libc.write(spare.get(), arena.allocateFrom(ValueLayout.JAVA_BYTE, text));
                    }
                    return Action.returning(programEnd);
                });
            });
        };

        String output = ProbeRun.start(directory, ProbeRun.probe("handler-targets") + " spare > OUT", handler)
                .awaitOutput();

        // As without the sandbox: socket() gives 3, and the next free descriptor is 4.
        assertEquals("socket: 3\nread: 15 'from the sentry'\ntype: 1\nnext descriptor: 4\n", output);
        assertTrue(spare.get() >= 0);
        Pidfd.close(spare.get());
    }
}
