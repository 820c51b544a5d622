package dev.jvisor.platform;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How each kind of handler answer reaches the program: emulation, rewriting, memory access. */
class HandlerActionsTest {
    private static final int SOL_SOCKET = 1;
    private static final int SO_PROTOCOL = 38;
    private static final int MAGIC_FD = 12345;

    @TempDir
    Path directory;

    @Test
    void aFailedCallGivesTheProgramTheChosenErrno() {
        SyscallHandler handler = stop -> stop.call().number() == Sysno.LISTEN
                ? Action.fail(Errno.EADDRINUSE) : Action.passthrough();

        assertEquals("listen: -1 EADDRINUSE\n", ProbeRun.run(directory, handler, "errno"));
    }

    @Test
    void anInjectedGetpidRunsInTheTrappedProcess() {
        AtomicLong injectedResult = new AtomicLong();
        AtomicLong trappedPid = new AtomicLong();
        SyscallHandler handler = stop -> {
            if (stop.call().number() != Sysno.GETSOCKNAME || stop.call().arg0() != MAGIC_FD) {
                return Action.passthrough();
            }
            trappedPid.set(stop.pid());
            return Action.inject(Syscall.of(Sysno.GETPID), result -> {
                injectedResult.set(result.raw());
                return Action.returning(result.raw());
            });
        };

        assertEquals("getsockname returned the caller's pid: yes\n", ProbeRun.run(directory, handler, "getpid"));
        assertEquals(trappedPid.get(), injectedResult.get());
    }

    @Test
    void aRewrittenCallRunsWithTheNewArguments() {
        SyscallHandler handler = stop -> {
            Syscall call = stop.call();
            if (call.number() != Sysno.GETSOCKOPT) return Action.passthrough();
            return new Action.Rewrite(new Syscall(call.number(), call.arg0(), SOL_SOCKET, SO_PROTOCOL,
                    call.arg3(), call.arg4(), call.arg5()));
        };

        // SO_TYPE of a stream socket is 1; SO_PROTOCOL of an AF_UNIX socket is 0.
        assertEquals("getsockopt: 0\nvalue: 0\n", ProbeRun.run(directory, handler, "rewrite"));
    }

    @Test
    void badPointersBecomeEfaultAndWritesReachTheProgram() {
        SyscallHandler handler = stop -> {
            Syscall call = stop.call();
            switch (call.number()) {
                case Sysno.CONNECT -> {
                    stop.memory().read(call.arg1(), (int) call.arg2());
                    return Action.passthrough();
                }
                case Sysno.GETSOCKNAME -> {
                    byte[] name = {1, 0, 'j', 'v', 0};
                    stop.memory().write(call.arg1(), name);
                    stop.memory().writeInt(call.arg2(), 4);
                    return Action.returning(0);
                }
                default -> {
                    return Action.passthrough();
                }
            }
        };

        assertEquals("""
                connect(bad pointer): -1 EFAULT
                connect(missing path): -1 ENOENT
                getsockname: 0
                name: family 1 length 4 path 'jv'
                """, ProbeRun.run(directory, handler, "memory"));
    }

    @Test
    void memoryReadsSeeTheProgramsBytes() {
        StringBuilder seen = new StringBuilder();
        SyscallHandler handler = stop -> {
            Syscall call = stop.call();
            if (call.number() == Sysno.CONNECT && call.arg1() > 4096) {
                byte[] address = stop.memory().read(call.arg1(), (int) call.arg2());
                int family = ByteBuffer.wrap(address).order(ByteOrder.LITTLE_ENDIAN).getShort();
                String path = new String(address, 2, "/nonexistent/socket".length());
                seen.append(family).append(' ').append(path);
            }
            return Action.passthrough();
        };

        ProbeRun.run(directory, handler, "memory");
        assertEquals("1 /nonexistent/socket", seen.toString());
    }
}
