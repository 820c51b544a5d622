package dev.jvisor.sentry.unix;

import dev.jvisor.platform.Action;
import dev.jvisor.platform.InjectionResult;
import dev.jvisor.platform.PassthroughHandler;
import dev.jvisor.platform.Syscall;
import dev.jvisor.platform.SyscallStop;
import dev.jvisor.platform.Sysno;
import dev.jvisor.platform.TraceeMemory;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static dev.jvisor.sentry.abi.SocketAbi.AF_UNIX;
import static dev.jvisor.sentry.abi.SocketAbi.SOCK_DGRAM;
import static dev.jvisor.sentry.abi.SocketAbi.SOCK_STREAM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Which calls make a process trap its sends, and the hand-over when the first datagram socket
 * is made while receives are under way, without ptrace: the stops are fakes, an install is
 * an injected seccomp call that the test answers.
 */
class DatagramSendTrapsTest {
    private static final long MSGHDR = 0x1000;
    private final List<Integer> interrupted = new ArrayList<>();
    /** A thread the kernel shows waiting in a call other than a receive. */
    private final int blockedElsewhere = 12;

    @Test
    void aReceiveInstallsTheTrapsOnlyOnceADatagramSocketMayExist() {
        DatagramSendTraps traps = new DatagramSendTraps(new PassthroughHandler(), false, tid -> tid != blockedElsewhere);
        assertInstanceOf(Action.Passthrough.class, traps.onSyscall(recvmsg(10, 10, 24)));
        // Another process makes a datagram socket: it installs the traps.
        assertEquals(Sysno.SECCOMP, injected(traps.onSyscall(stop(20, 20, Sysno.SOCKET, AF_UNIX, SOCK_DGRAM))));
        // Thread 10's receive was let through before: it is interrupted, to be made again.
        assertEquals(List.of(10), interrupted);
        traps.onInterrupted(10);
        assertEquals(Sysno.SECCOMP, injected(traps.onSyscall(recvmsg(10, 10, 24))));
        // Too small a control buffer, or none, as the sentry reads it: another thread could make
        // room before the kernel reads the msghdr, so these install the traps too.
        assertEquals(Sysno.SECCOMP, injected(traps.onSyscall(recvmsg(11, 11, 23))));
        assertEquals(Sysno.SECCOMP, injected(traps.onSyscall(recvmsg(12, 12, 0))));
    }

    @Test
    void sendsWaitUntilEveryReceiveLetThroughHasStopped() {
        DatagramSendTraps traps = new DatagramSendTraps(new PassthroughHandler(), false, tid -> tid != blockedElsewhere);
        traps.onSyscall(recvmsg(10, 10, 24));
        traps.onSyscall(recvmsg(11, 11, 24));
        traps.onSyscall(recvmsg(blockedElsewhere, blockedElsewhere, 24));
        Action install = traps.onSyscall(stop(20, 20, Sysno.SOCKETPAIR, AF_UNIX, SOCK_DGRAM));
        assertInstanceOf(Action.Passthrough.class, resume(install, 0));
        assertEquals(List.of(10, 11), interrupted.stream().sorted().toList());

        Action send = traps.onSyscall(stop(20, 20, Sysno.SENDMSG, 3, MSGHDR, 0));
        assertEquals(Sysno.POLL, injected(send));
        traps.onInterrupted(10);
        Action again = resume(send, 0);
        assertEquals(Sysno.POLL, injected(again));
        traps.onExit(11);
        assertInstanceOf(Action.Passthrough.class, resume(again, 0));
    }

    @Test
    void pidfdGetfdAndASharedTableInstallTheTraps() {
        DatagramSendTraps traps = new DatagramSendTraps(new PassthroughHandler(), false, tid -> tid != blockedElsewhere);
        assertEquals(Sysno.SECCOMP, injected(traps.onSyscall(stop(30, 30, Sysno.PIDFD_GETFD, 5, 3, 0))));
        // CLONE_FILES | SIGCHLD: a process sharing the table; with CLONE_THREAD, a thread.
        assertEquals(Sysno.SECCOMP, injected(traps.onSyscall(stop(40, 40, Sysno.CLONE, 0x400 | 17, 0))));
        assertInstanceOf(Action.Passthrough.class, traps.onSyscall(stop(41, 41, Sysno.CLONE, 0x10400 | 0x100, 0)));
        assertInstanceOf(Action.Passthrough.class, traps.onSyscall(stop(42, 42, Sysno.SOCKET, AF_UNIX, SOCK_STREAM)));
    }

    @Test
    void withHostPeersEveryReceiveIsChecked() {
        DatagramSendTraps traps = new DatagramSendTraps(new PassthroughHandler(), true, tid -> true);
        assertEquals(Sysno.SECCOMP, injected(traps.onSyscall(recvmsg(10, 10, 24))));
    }

    private static int injected(Action action) {
        return assertInstanceOf(Action.Inject.class, action).call().number();
    }

    private static Action resume(Action action, long raw) {
        return assertInstanceOf(Action.Inject.class, action).then().resume(new InjectionResult(raw));
    }

    private SyscallStop recvmsg(int tid, int pid, long controlLength) {
        return stop(tid, pid, Sysno.RECVMSG, 3, MSGHDR, 0, controlLength);
    }

    /** A stop of {@code number}; for recvmsg, a last extra value is the msghdr's msg_controllen. */
    private SyscallStop stop(int tid, int pid, int number, long... values) {
        long controlLength = number == Sysno.RECVMSG ? values[values.length - 1] : 0;
        long[] args = number == Sysno.RECVMSG ? java.util.Arrays.copyOf(values, values.length - 1) : values;
        ByteBuffer header = ByteBuffer.allocate(56).order(ByteOrder.LITTLE_ENDIAN);
        header.putLong(32, controlLength == 0 ? 0 : 0x2000).putLong(40, controlLength);
        TraceeMemory memory = new TraceeMemory() {
            @Override
            public byte[] read(long address, int length) {
                byte[] out = new byte[length];
                if (address == MSGHDR) System.arraycopy(header.array(), 0, out, 0, Math.min(length, 56));
                return out;
            }

            @Override
            public void write(long address, byte[] data) {}
        };
        Syscall call = Syscall.of(number, args);
        return new SyscallStop() {
            @Override public int tid() { return tid; }
            @Override public int pid() { return pid; }
            @Override public Syscall call() { return call; }
            @Override public long instructionPointer() { return 0; }
            @Override public TraceeMemory memory() { return memory; }
            @Override public long scratch(int size) { return 0x8000; }
            @Override public long sealedScratch(int size) { return 0x2000_0000_0000L; }
            @Override public void releaseSealedScratch() {}
            @Override public void writeSealed(long address, byte[] data) {}
            @Override public boolean sharesDescriptorTable() { return false; }
            @Override public int copyDescriptor(int fd) { throw new UnsupportedOperationException(); }
            @Override public void interrupt(int other) { interrupted.add(other); }
        };
    }
}
