package dev.jvisor.sentry.unix;

import dev.jvisor.platform.Action;
import dev.jvisor.platform.ForwardingHandler;
import dev.jvisor.platform.Syscall;
import dev.jvisor.platform.SyscallHandler;
import dev.jvisor.platform.SyscallStop;
import dev.jvisor.platform.Sysno;
import dev.jvisor.platform.TrapFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Set;
import java.util.function.ObjIntConsumer;

import static dev.jvisor.sentry.abi.SocketAbi.AF_UNIX;
import static dev.jvisor.sentry.abi.SocketAbi.SOCK_DGRAM;
import static dev.jvisor.sentry.abi.SocketAbi.SOCK_RAW;
import static dev.jvisor.sentry.abi.SocketAbi.SOCK_TYPE_MASK;

/**
 * Traps sendmsg and sendmmsg in the processes that make AF_UNIX datagram sockets.
 *
 * <p>A datagram's destination may be inside a msghdr, where the launcher's filter cannot see
 * it, and an untrapped send would have the host kernel resolve a sandbox name in the host's
 * namespaces. Trapping every sendmsg would cost every stream message with descriptors a
 * stop, so the launcher's filter traps only the creation of AF_UNIX datagram sockets and
 * pairs; at the first one in a process, this handler has the process install a second filter
 * ({@link TrapFilter}) that traps the sends, in all its threads. Children inherit it, and so
 * does a program the process executes. Both the sentry and host mode use this handler, so
 * that the two trap and record the same calls.
 *
 * <p>A process that only receives a datagram socket (SCM_RIGHTS) without ever making one is
 * not covered: the README lists it.
 */
public final class DatagramSendTraps extends ForwardingHandler implements TableSizes {
    private static final Logger log = LoggerFactory.getLogger(DatagramSendTraps.class);
    private static final TrapFilter SENDS = TrapFilter.trapping(Sysno.SENDMSG, Sysno.SENDMMSG);

    /** Processes whose threads trap the sends, by pid. */
    private final Set<Integer> trapping = new HashSet<>();

    public DatagramSendTraps(SyscallHandler delegate) {
        super(delegate);
    }

    /** The filter is given to the kernel from memory the program cannot change meanwhile. */
    @Override
    public boolean usesSealedScratch(Syscall call) {
        return createsDatagramSocket(call) || super.usesSealedScratch(call);
    }

    @Override
    public Action onSyscall(SyscallStop stop) {
        if (!createsDatagramSocket(stop.call()) || trapping.contains(stop.pid())) return delegate().onSyscall(stop);
        long address = stop.sealedScratch(SENDS.size());
        stop.memory().write(address, SENDS.image(address));
        return Action.inject(SENDS.installCall(address), installed -> {
            if (installed.raw() == 0) {
                trapping.add(stop.pid());
            } else {
                log.warn("process {}: cannot trap its datagram sends (seccomp: {}); they reach the host's names",
                        stop.pid(), installed.failed() ? installed.errno() : "thread " + installed.raw());
            }
            return delegate().onSyscall(stop);
        });
    }

    private static boolean createsDatagramSocket(Syscall call) {
        int type = (int) call.arg1() & SOCK_TYPE_MASK;
        // unix_create: SOCK_RAW makes a datagram socket too.
        return (call.number() == Sysno.SOCKET || call.number() == Sysno.SOCKETPAIR)
                && (int) call.arg0() == AF_UNIX && (type == SOCK_DGRAM || type == SOCK_RAW);
    }

    @Override
    public void reportSizes(ObjIntConsumer<String> size) {
        if (delegate() instanceof TableSizes sentry) sentry.reportSizes(size);
        size.accept("processes trapping sends", trapping.size());
    }

    @Override
    public void onClone(Clone clone) {
        if (!clone.isThread() && trapping.contains(clone.parentPid())) trapping.add(clone.childPid());
        super.onClone(clone);
    }

    @Override
    public void onExit(int tid) {
        // A process's id is its first thread's; an id may be reused by a new process.
        trapping.remove(tid);
        super.onExit(tid);
    }
}
