package dev.jvisor.sentry.unix;

import dev.jvisor.platform.Action;
import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ForwardingHandler;
import dev.jvisor.platform.Syscall;
import dev.jvisor.platform.SyscallHandler;
import dev.jvisor.platform.SyscallStop;
import dev.jvisor.platform.Sysno;
import dev.jvisor.platform.TrapFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.function.ObjIntConsumer;

import static dev.jvisor.sentry.abi.MessageHeader.MSGHDR_CONTROL;
import static dev.jvisor.sentry.abi.SocketAbi.AF_UNIX;
import static dev.jvisor.sentry.abi.SocketAbi.SOCK_DGRAM;
import static dev.jvisor.sentry.abi.SocketAbi.SOCK_RAW;
import static dev.jvisor.sentry.abi.SocketAbi.SOCK_TYPE_MASK;

/**
 * Traps sendmsg and sendmmsg in every process that can hold an AF_UNIX datagram socket.
 *
 * <p>A datagram's destination may be inside a msghdr, where the launcher's filter cannot see
 * it, and an untrapped send would have the host kernel resolve a sandbox name in the host's
 * namespaces, and reach the host's own sockets (a syslog socket, a NOTIFY_SOCKET). Trapping
 * every sendmsg would cost every stream message with descriptors a stop, so the traps are
 * added, by a second filter ({@link TrapFilter}) that the process installs in all its threads,
 * at the first trapped call that can put a datagram socket into its descriptor table:
 * <ul>
 * <li>socket or socketpair making an AF_UNIX datagram socket (SOCK_DGRAM or SOCK_RAW);
 * <li>recvmsg or recvmmsg: any SCM_RIGHTS message can carry a datagram socket, so this is
 *     decided before the call. Not from the room its msghdr offers for control data: another
 *     thread could change that between the sentry's look and the kernel's (read, recv and
 *     recvfrom discard descriptors: unix(7));
 * <li>pidfd_getfd, which copies any descriptor of another process;
 * <li>clone with CLONE_FILES and without CLONE_THREAD: the child shares the parent's table,
 *     so a socket either makes later is the other's too, and TSYNC reaches only the caller's
 *     threads. Installed in the parent before the clone, the filter is the child's from its
 *     first instruction (clone3, whose flags a filter cannot see, answers ENOSYS).
 * </ul>
 * Children inherit the filter, and so does a program the process executes. A process with
 * a table of its own gets a datagram socket only by these calls: a child forked before its
 * parent made one has a copy of the parent's table as it was then. Both the sentry and host
 * mode use this handler, so that the two trap and record the same calls.
 *
 * <p>A process whose threads cannot all take the filter (one has a filter of its own that
 * the others lack) would send unchecked: the call that would give it a datagram socket fails
 * with EPERM instead.
 */
public final class DatagramSendTraps extends ForwardingHandler implements TableSizes {
    private static final Logger log = LoggerFactory.getLogger(DatagramSendTraps.class);
    private static final TrapFilter SENDS = TrapFilter.trapping(Sysno.SENDMSG, Sysno.SENDMMSG);
    /** sched.h. */
    private static final long CLONE_FILES = 0x400;
    private static final long CLONE_THREAD = 0x10000;

    /** Processes whose threads trap the sends, by pid. */
    private final Set<Integer> trapping = new HashSet<>();
    /**
     * Whether an AF_UNIX datagram socket may be in the sandbox: one was made or copied from
     * another process (pidfd_getfd), the program started with a socket, or host processes may
     * pass descriptors in (--allow-host-socket, --expose). Never false again once true.
     */
    private boolean datagramsMayExist;
    /**
     * Threads that may be inside a receive that was let through while no datagram socket could
     * exist: until it ends it may take one, so the sends of the sandbox wait for them once one
     * can (see {@link #datagramsNowExist}). A thread leaves at its next trapped call, clone,
     * interruption or exit; none joins once {@link #datagramsMayExist}.
     */
    private final Set<Integer> receivingUnchecked = new HashSet<>();
    /** Whether a thread may still be in the receive it was let through to (the kernel's view). */
    private final IntPredicate mayBeReceiving;
    private boolean started;

    /**
     * @param hostPeers whether host processes may pass descriptors to the sandbox (through an
     *                  allowed host socket or an exposed listener)
     */
    public DatagramSendTraps(SyscallHandler delegate, boolean hostPeers) {
        this(delegate, hostPeers, DatagramSendTraps::inReceiveOrRunning);
    }

    DatagramSendTraps(SyscallHandler delegate, boolean hostPeers, IntPredicate mayBeReceiving) {
        super(delegate);
        this.datagramsMayExist = hostPeers;
        this.mayBeReceiving = mayBeReceiving;
    }

    /** The filter is given to the kernel from memory the program cannot change meanwhile. */
    @Override
    public boolean usesSealedScratch(Syscall call) {
        boolean mayInstall = switch (call.number()) {
            case Sysno.SOCKET, Sysno.SOCKETPAIR -> makesDatagramSocket(call);
            case Sysno.PIDFD_GETFD, Sysno.CLONE -> true;
            case Sysno.RECVMSG, Sysno.RECVMMSG -> datagramsMayExist;
            default -> false;
        };
        return mayInstall || super.usesSealedScratch(call);
    }

    @Override
    public Action onSyscall(SyscallStop stop) {
        Syscall call = stop.call();
        receivingUnchecked.remove(stop.tid());
        if (!datagramsMayExist && (call.number() == Sysno.PIDFD_GETFD || makesDatagramSocket(call))) {
            datagramsNowExist(stop);
        }
        if (trapping.contains(stop.pid())) {
            boolean send = call.number() == Sysno.SENDMSG || call.number() == Sysno.SENDMMSG;
            return send && datagramsMayExist && !receivingUnchecked.isEmpty() ? sendLater(stop) : delegate().onSyscall(stop);
        }
        if (!datagramsMayExist && (call.number() == Sysno.RECVMSG || call.number() == Sysno.RECVMMSG)) {
            // No datagram socket exists to be received: no need to trap this process's sends,
            // until one may (the SCM_RIGHTS benchmark's receiver also sends with sendmsg).
            receivingUnchecked.add(stop.tid());
            return delegate().onSyscall(stop);
        }
        if (!mayGetDatagramSocket(stop)) return delegate().onSyscall(stop);
        long address = stop.sealedScratch(SENDS.size());
        stop.writeSealed(address, SENDS.image(address));
        return Action.inject(SENDS.installCall(address), installed -> {
            if (installed.raw() != 0) {
                log.warn("process {}: cannot trap its datagram sends (seccomp: {}); its {} fails with EPERM",
                        stop.pid(), installed.failed() ? installed.errno() : "thread " + installed.raw(),
                        Sysno.name(call.number()));
                return Action.fail(Errno.EPERM);
            }
            trapping.add(stop.pid());
            return delegate().onSyscall(stop);
        });
    }

    /**
     * The first datagram socket is about to exist. A thread that is in a receive let through
     * before may take it by SCM_RIGHTS without trapping its sends: each is interrupted, so that
     * its receive is made again, through the filter, and checked; until every one has stopped,
     * no process sends with sendmsg or sendmmsg (the only calls that pass descriptors), and
     * every holder of a datagram socket traps those. A thread the kernel shows waiting in
     * another call has left that receive (a new one would have stopped here first), and is
     * left alone: a stop would fail some such calls with EINTR (epoll_wait; signal(7)).
     */
    private void datagramsNowExist(SyscallStop stop) {
        datagramsMayExist = true;
        receivingUnchecked.remove(stop.tid());
        receivingUnchecked.removeIf(tid -> !mayBeReceiving.test(tid));
        if (receivingUnchecked.isEmpty()) return;
        log.debug("process {}: the first datagram socket; {} threads' receives are made again",
                stop.pid(), receivingUnchecked.size());
        for (int tid : List.copyOf(receivingUnchecked)) stop.interrupt(tid);
    }

    /**
     * proc(5), /proc/TID/syscall: the number of the call a blocked thread is in, "running"
     * when it is not blocked (it may be on its way into the receive), -1 when it is blocked
     * outside any call.
     */
    private static boolean inReceiveOrRunning(int tid) {
        String state;
        try {
            state = Files.readString(Path.of("/proc", Integer.toString(tid), "syscall")).strip();
        } catch (IOException e) {
            return true;
        }
        int end = state.indexOf(' ');
        String number = end < 0 ? state : state.substring(0, end);
        return !number.matches("-?[0-9]+") || number.equals(Integer.toString(Sysno.RECVMSG))
                || number.equals(Integer.toString(Sysno.RECVMMSG));
    }

    /** A send waits, in the kernel (poll for 1 ms), until the interrupted receivers have stopped. */
    private Action sendLater(SyscallStop stop) {
        return Action.inject(Syscall.of(Sysno.POLL, 0, 0, 1),
                slept -> receivingUnchecked.isEmpty() ? delegate().onSyscall(stop) : sendLater(stop));
    }

    private static boolean makesDatagramSocket(Syscall call) {
        int type = (int) call.arg1() & SOCK_TYPE_MASK;
        // unix_create: SOCK_RAW makes a datagram socket too.
        return (call.number() == Sysno.SOCKET || call.number() == Sysno.SOCKETPAIR)
                && (int) call.arg0() == AF_UNIX && (type == SOCK_DGRAM || type == SOCK_RAW);
    }

    /** Whether the call can put an AF_UNIX datagram socket into the caller's descriptor table. */
    private static boolean mayGetDatagramSocket(SyscallStop stop) {
        Syscall call = stop.call();
        return switch (call.number()) {
            case Sysno.SOCKET, Sysno.SOCKETPAIR -> makesDatagramSocket(call);
            // Any receive, whatever room its msghdr offers when the sentry looks: another thread
            // could give it room before the kernel reads the msghdr again (route 1 of the red
            // team), and the kernel writes back into the msghdr, so it cannot be given a copy.
            case Sysno.RECVMSG, Sysno.RECVMMSG -> true;
            case Sysno.PIDFD_GETFD -> true;
            case Sysno.CLONE -> (call.arg0() & (CLONE_FILES | CLONE_THREAD)) == CLONE_FILES;
            default -> false;
        };
    }

    @Override
    public void reportSizes(ObjIntConsumer<String> size) {
        if (delegate() instanceof TableSizes sentry) sentry.reportSizes(size);
        size.accept("processes trapping sends", trapping.size());
        size.accept("threads receiving unchecked", receivingUnchecked.size());
    }

    @Override
    public void onClone(Clone clone) {
        // A thread reported making a clone is in no receive.
        receivingUnchecked.remove(clone.parentTid());
        if (!clone.isThread() && trapping.contains(clone.parentPid())) trapping.add(clone.childPid());
        super.onClone(clone);
    }

    @Override
    public void onExit(int tid) {
        // A process's id is its first thread's; an id may be reused by a new process.
        trapping.remove(tid);
        receivingUnchecked.remove(tid);
        super.onExit(tid);
    }

    @Override
    public void onInterrupted(int tid) {
        receivingUnchecked.remove(tid);
        super.onInterrupted(tid);
    }

    /**
     * The sandbox's first exec is its launcher starting the program, which has not run yet: a
     * socket among the descriptors it was given (a datagram socket, or one whose peer may pass
     * one) makes datagram sockets possible from the start. The launcher has trapped the sends
     * of a program given a datagram socket.
     */
    @Override
    public void onExec(int pid) {
        if (!started) {
            started = true;
            if (!datagramsMayExist && holdsSocket(pid)) datagramsMayExist = true;
        }
        super.onExec(pid);
    }

    private static boolean holdsSocket(int pid) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Integer.toString(pid), "fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.readSymbolicLink(fd).toString().startsWith("socket:")) return true;
                } catch (IOException e) {
                    // Closed meanwhile: not one the program holds.
                }
            }
            return false;
        } catch (IOException e) {
            log.warn("process {}: cannot list its descriptors ({}); datagram sockets are taken to exist", pid, e.toString());
            return true;
        }
    }
}
