package dev.jvisor.sentry.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvisor.platform.Action;
import dev.jvisor.platform.Answers;
import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.ForwardingHandler;
import dev.jvisor.platform.Syscall;
import dev.jvisor.platform.SyscallHandler;
import dev.jvisor.platform.SyscallStop;
import dev.jvisor.platform.Sysno;
import dev.jvisor.platform.TraceeMemory;
import dev.jvisor.sentry.abi.SocketAbi;
import dev.jvisor.sentry.unix.DatagramSendTraps;
import dev.jvisor.sentry.unix.HostPolicy;
import dev.jvisor.sentry.unix.SocketDirectory;
import dev.jvisor.sentry.unix.SocketFacts;
import dev.jvisor.sentry.unix.TableSizes;
import dev.jvisor.sentry.unix.UnixAddress;
import dev.jvisor.sentry.unix.UnixSockets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.ObjIntConsumer;

import static dev.jvisor.sentry.abi.MessageHeader.MSGHDR_NAMELEN;
import static dev.jvisor.sentry.abi.MessageHeader.MMSGHDR_LEN;
import static dev.jvisor.sentry.abi.MessageHeader.MMSGHDR_SIZE;

/**
 * The audit ({@code jvisor run --audit FILE}, docs/audit.md): watches the sentry answer a
 * sandbox and logs every AF_UNIX event with the processes around it. The sentry tells what
 * it decided about names ({@link NameDecisions}); the calls' answers are seen by running
 * them as injected calls ({@link Answers}); what the kernel knows (peers, whether a socket
 * still exists) comes from the sentry's {@link SocketDirectory}. A socket's close is seen by a
 * sweep that finds it gone, every {@link CloseSweeper#PERIOD_MILLIS} ms ({@link CloseSweeper})
 * and at the end: close itself is not trapped. Tracer thread only, except {@link #finish} and
 * {@link #sweepClosed} (at rest).
 */
public final class Auditor extends ForwardingHandler implements TableSizes {
    private static final Logger logger = LoggerFactory.getLogger(Auditor.class);
    /**
     * The calls trapped under the audit besides the sentry's: so that every socket made and
     * accepted, and every message sent with sendmsg, is seen. Not close: trapping it stopped
     * every close of every file (8,000 stops in the postgres matrix case for 121 socket
     * closes), and sweeps find the sockets that are gone (docs/design-notes.md).
     */
    public static final List<Integer> EXTRA_TRAPS = List.of(Sysno.SOCKET, Sysno.SOCKETPAIR, Sysno.ACCEPT,
            Sysno.ACCEPT4, Sysno.SENDMSG, Sysno.SENDMMSG);
    /** struct sockaddr_un. */
    private static final int SOCKADDR_UN_SIZE = 110;
    /** The messages of one sendmmsg or recvmmsg looked at (UIO_MAXIOV is the kernel's bound). */
    private static final int MMSG_MOST = 1024;
    private static final int SO_PEERCRED = 17;
    private static final int UCRED_SIZE = 12;

    private final SocketDirectory sockets;
    private final NameDecisions decisions;
    private final AuditLog log;
    private final Map<Long, AuditedSocket> open = new HashMap<>();
    private final Set<Integer> processes = new HashSet<>();
    private boolean started;

    private Auditor(SyscallHandler sentry, SocketDirectory sockets, NameDecisions decisions, AuditLog log) {
        super(sentry);
        this.sockets = sockets;
        this.decisions = decisions;
        this.log = log;
    }

    /** A sentry for one new sandbox, audited into {@code log}. */
    public static Auditor of(AuditLog log) {
        return of(log, HostPolicy.NONE);
    }

    /** A sentry for one new sandbox that deals with host sockets as {@code policy} says, audited into {@code log}. */
    public static Auditor of(AuditLog log, HostPolicy policy) {
        NameDecisions decisions = new NameDecisions();
        UnixSockets sentry = new UnixSockets(decisions, policy);
        return new Auditor(new DatagramSendTraps(sentry, policy.admitsHostPeers()), sentry, decisions, log);
    }

    // Processes.

    @Override
    public void onClone(Clone clone) {
        super.onClone(clone);
        if (clone.isThread()) return;
        start(clone.parentPid());
        processes.add(clone.childPid());
        ProcessInfo info = ProcessInfo.of(clone.childPid());
        log.write("fork", clone.childPid(), info.into(AuditLog.fields().put("ppid", clone.parentPid())
                .put("how", clone.kind().name().toLowerCase(Locale.ROOT))));
    }

    @Override
    public void onExec(int pid) {
        super.onExec(pid);
        // The sandbox's first exec is its launcher starting the program: the program's start.
        if (!started) start(pid);
        else log.write("exec", pid, ProcessInfo.of(pid).into(AuditLog.fields()));
    }

    @Override
    public void onExit(int tid) {
        super.onExit(tid);
        if (!processes.remove(tid)) return;
        log.write("exit", tid, AuditLog.fields());
    }

    private void start(int pid) {
        if (started) return;
        started = true;
        processes.add(pid);
        ProcessInfo info = ProcessInfo.of(pid);
        log.write("start", pid, info.into(AuditLog.fields().put("ppid", info.ppid())));
    }

    /**
     * Logs the close of every audited socket that no descriptor holds any more (one sock_diag
     * dump, when any is open): the periodic sweep ({@link CloseSweeper}), at rest (Sandbox.atRest).
     * Which process closed the last descriptor is not known, so the event names the process
     * that made the socket.
     */
    public void sweepClosed() {
        if (open.isEmpty()) return;
        Set<Long> live = sockets.liveSockets();
        for (AuditedSocket socket : List.copyOf(open.values())) {
            if (!live.contains(socket.inode)) closed(socket);
        }
    }

    @Override
    public void reportSizes(ObjIntConsumer<String> size) {
        if (delegate() instanceof TableSizes sentry) sentry.reportSizes(size);
        size.accept("audited sockets", open.size());
        size.accept("audited processes", processes.size());
        size.accept("audited calls in flight", decisions.size());
    }

    /**
     * The sandbox has ended: every socket still listed is closed. Then the log is closed;
     * nothing is written after.
     */
    public void finish() {
        for (AuditedSocket socket : List.copyOf(open.values())) closed(socket);
        log.close();
    }

    private void closed(AuditedSocket socket) {
        open.remove(socket.inode);
        log.write("close", socket.maker, socket.totals(AuditLog.fields().put("inode", socket.inode)));
    }

    // Calls.

    @Override
    public Action onSyscall(SyscallStop stop) {
        // Before the first exec, the calls are the launcher's own.
        if (!started) return delegate().onSyscall(stop);
        Syscall call = stop.call();
        int number = call.number();
        if (number == Sysno.SOCKET || number == Sysno.SOCKETPAIR) {
            return call.arg0() == SocketAbi.AF_UNIX ? made(stop) : delegate().onSyscall(stop);
        }
        if (!audited(call)) return delegate().onSyscall(stop);
        AuditedSocket socket = open.get(sockets.socketInode(stop.tid(), call.arg0()));
        if (socket == null) return delegate().onSyscall(stop);
        decisions.clear(stop.tid());
        return switch (number) {
            case Sysno.BIND -> bind(stop, socket);
            case Sysno.LISTEN -> watch(stop, answer -> log.write("listen", stop.pid(), fields(stop, socket)
                    .put("backlog", (int) call.arg1()).put("result", result(answer))));
            case Sysno.CONNECT -> connect(stop, socket);
            case Sysno.ACCEPT, Sysno.ACCEPT4 -> accept(stop, socket);
            case Sysno.SHUTDOWN -> watch(stop, answer -> log.write("shutdown", stop.pid(), fields(stop, socket)
                    .put("how", how(call.arg1())).put("result", result(answer))));
            case Sysno.SENDMSG -> sendmsg(stop, socket);
            case Sysno.SENDMMSG -> sendmmsg(stop, socket);
            case Sysno.SENDTO -> sendto(stop, socket);
            case Sysno.RECVMSG -> watch(stop, answer -> {
                if (answer instanceof Action.Return r) received(stop, socket, call.arg1(), r.value());
            });
            case Sysno.RECVMMSG -> watch(stop, answer -> {
                if (answer instanceof Action.Return r) receivedMany(stop, socket, r.value());
            });
            case Sysno.RECVFROM -> watch(stop, answer -> {
                if (answer instanceof Action.Return r) socket.received(1, r.value());
            });
            case Sysno.GETSOCKOPT -> watch(stop, answer -> peerCredentials(stop, socket, answer));
            default -> delegate().onSyscall(stop);
        };
    }

    /** The calls that make events when their descriptor is an audited socket; the others cost nothing more. */
    private static boolean audited(Syscall call) {
        return switch (call.number()) {
            case Sysno.BIND, Sysno.LISTEN, Sysno.CONNECT, Sysno.ACCEPT, Sysno.ACCEPT4, Sysno.SHUTDOWN, Sysno.SENDMSG,
                 Sysno.SENDMMSG, Sysno.SENDTO, Sysno.RECVMSG, Sysno.RECVMMSG, Sysno.RECVFROM -> true;
            case Sysno.GETSOCKOPT -> call.arg1() == SocketAbi.SOL_SOCKET && call.arg2() == SO_PEERCRED;
            default -> false;
        };
    }

    /**
     * The sentry's action for the call, with {@code onAnswer} given the answer that ends it.
     * A failure of the audit itself is logged and never changes what the program gets.
     */
    private Action watch(SyscallStop stop, Consumer<Action> onAnswer) {
        Action action;
        try {
            action = delegate().onSyscall(stop);
        } catch (ErrnoException e) {
            action = Action.fail(e.errno());
        }
        return Answers.whenAnswered(stop, action, answer -> {
            try {
                onAnswer.accept(answer);
            } catch (RuntimeException e) {
                logger.warn("{}: cannot audit the call", stop, e);
            }
            return answer;
        });
    }

    private Action made(SyscallStop stop) {
        Syscall call = stop.call();
        int type = (int) call.arg1() & SocketAbi.SOCK_TYPE_MASK;
        int kernelType = type == SocketAbi.SOCK_RAW ? SocketAbi.SOCK_DGRAM : type;
        List<String> flags = new ArrayList<>();
        if ((call.arg1() & SocketAbi.SOCK_NONBLOCK) != 0) flags.add("nonblock");
        if ((call.arg1() & SocketAbi.SOCK_CLOEXEC) != 0) flags.add("cloexec");
        return watch(stop, answer -> {
            if (!(answer instanceof Action.Return r)) return;
            ObjectNode fields = AuditLog.fields().put("tid", stop.tid());
            if (call.number() == Sysno.SOCKET) {
                long inode = sockets.socketInode(stop.tid(), r.value());
                if (inode < 0) return;
                open.put(inode, new AuditedSocket(inode, kernelType, stop.pid()));
                fields.put("fd", r.value()).put("inode", inode);
            } else {
                TraceeMemory memory = stop.memory();
                int first = memory.readInt(call.arg3());
                int second = memory.readInt(call.arg3() + 4);
                long one = sockets.socketInode(stop.tid(), first);
                long other = sockets.socketInode(stop.tid(), second);
                if (one < 0 || other < 0) return;
                open.put(one, new AuditedSocket(one, kernelType, stop.pid()));
                open.put(other, new AuditedSocket(other, kernelType, stop.pid()));
                fields.putArray("fds").add(first).add(second);
                fields.putArray("inodes").add(one).add(other);
            }
            fields.put("type", SocketNames.type(kernelType));
            flags.forEach(fields.putArray("flags")::add);
            log.write(call.number() == Sysno.SOCKET ? "socket" : "socketpair", stop.pid(), fields);
        });
    }

    private Action bind(SyscallStop stop, AuditedSocket socket) {
        byte[] raw = address(stop, stop.call().arg1(), stop.call().arg2());
        return watch(stop, answer -> {
            ObjectNode fields = fields(stop, socket);
            SocketFacts facts = answer instanceof Action.Return ? sockets.describe(socket.inode) : null;
            if (facts != null) SocketNames.into(fields, facts.name(), raw.length == 2);
            else SocketNames.intoFromSockaddr(fields, raw, true);
            log.write("bind", stop.pid(), fields.put("result", result(answer)));
        });
    }

    private Action connect(SyscallStop stop, AuditedSocket socket) {
        byte[] raw = address(stop, stop.call().arg1(), stop.call().arg2());
        return watch(stop, answer -> {
            ObjectNode fields = fields(stop, socket).put("type", SocketNames.type(socket.type));
            SocketNames.intoFromSockaddr(fields, raw, false).put("result", result(answer));
            if (answer instanceof Action.Return) {
                long peer = decisions.reached(stop.tid());
                if (peer == 0) peer = peerOf(socket);
                peer(fields, peer);
            }
            log.write("connect", stop.pid(), fields);
            refusal(stop, socket, answer);
        });
    }

    private Action accept(SyscallStop stop, AuditedSocket listener) {
        return watch(stop, answer -> {
            if (!(answer instanceof Action.Return r)) return;
            long inode = sockets.socketInode(stop.tid(), r.value());
            if (inode < 0) return;
            open.put(inode, new AuditedSocket(inode, listener.type, stop.pid()));
            ObjectNode fields = AuditLog.fields().put("tid", stop.tid()).put("listener", listener.inode)
                    .put("inode", inode).put("fd", r.value());
            log.write("accept", stop.pid(), peer(fields, peerOfInode(inode)));
        });
    }

    private Action sendmsg(SyscallStop stop, AuditedSocket socket) {
        long msghdr = stop.call().arg1();
        Sent sent = Sent.of(stop, msghdr, sockets);
        return watch(stop, answer -> {
            if (answer instanceof Action.Return r) {
                socket.sent(1, r.value());
                sent(stop, socket, sent);
            }
            refusal(stop, socket, answer);
        });
    }

    private Action sendmmsg(SyscallStop stop, AuditedSocket socket) {
        Syscall call = stop.call();
        int count = (int) Math.min(call.arg2() & 0xffffffffL, MMSG_MOST);
        List<Sent> messages = new ArrayList<>();
        for (int i = 0; i < count; i++) messages.add(Sent.of(stop, call.arg1() + (long) i * MMSGHDR_SIZE, sockets));
        return watch(stop, answer -> {
            if (answer instanceof Action.Return r) {
                for (int i = 0; i < r.value() && i < messages.size(); i++) {
                    long entry = call.arg1() + (long) i * MMSGHDR_SIZE;
                    socket.sent(1, Integer.toUnsignedLong(stop.memory().readInt(entry + MMSGHDR_LEN)));
                    sent(stop, socket, messages.get(i));
                }
            }
            refusal(stop, socket, answer);
        });
    }

    private Action sendto(SyscallStop stop, AuditedSocket socket) {
        byte[] raw = address(stop, stop.call().arg4(), stop.call().arg5());
        return watch(stop, answer -> {
            if (answer instanceof Action.Return r) {
                socket.sent(1, r.value());
                if (raw.length > 0) sentTo(stop, socket, raw);
            }
            refusal(stop, socket, answer);
        });
    }

    /** A message's descriptors and credentials, read from the sender before the call, and its destination's name. */
    private record Sent(List<PassedDescriptor> descriptors, ControlMessages.Credentials credentials, byte[] name) {
        static Sent of(SyscallStop stop, long msghdr, SocketDirectory sockets) {
            ControlMessages control = ControlMessages.of(stop.memory(), msghdr);
            List<PassedDescriptor> descriptors = new ArrayList<>();
            for (int fd : control.descriptors()) descriptors.add(PassedDescriptor.of(stop.pid(), fd, sockets));
            byte[] name = new byte[0];
            try {
                long address = stop.memory().readLong(msghdr);
                int length = stop.memory().readInt(msghdr + MSGHDR_NAMELEN);
                if (address != 0 && length > 0) name = address(stop, address, length);
            } catch (ErrnoException e) {
                // The kernel fails the call (EFAULT): nothing was sent.
            }
            return new Sent(List.copyOf(descriptors), control.credentials(), name);
        }
    }

    private void sent(SyscallStop stop, AuditedSocket socket, Sent message) {
        if (message.name().length > 0) sentTo(stop, socket, message.name());
        long peer = message.name().length > 0 ? decisions.reached(stop.tid()) : peerOf(socket);
        if (!message.descriptors().isEmpty()) {
            socket.rightsSent += message.descriptors().size();
            List<ObjectNode> described = message.descriptors().stream().map(PassedDescriptor::json).toList();
            ObjectNode fields = peer(fields(stop, socket), peer);
            fields.putArray("descriptors").addAll(described);
            log.write("rights-sent", stop.pid(), fields);
        }
        if (message.credentials() != null) {
            log.write("credentials-sent", stop.pid(), message.credentials().into(peer(fields(stop, socket), peer)));
        }
    }

    /** The first datagram from a socket to each destination. */
    private void sentTo(SyscallStop stop, AuditedSocket socket, byte[] raw) {
        long destination = decisions.reached(stop.tid());
        if (destination == 0 || !socket.destinations.add(destination)) return;
        ObjectNode fields = SocketNames.intoFromSockaddr(fields(stop, socket), raw, false);
        log.write("send-to", stop.pid(), peer(fields, destination));
    }

    private void received(SyscallStop stop, AuditedSocket socket, long msghdr, long bytes) {
        socket.received(1, bytes);
        ControlMessages control = ControlMessages.of(stop.memory(), msghdr);
        if (control.isEmpty()) return;
        long peer = peerOf(socket);
        if (!control.descriptors().isEmpty()) {
            socket.rightsReceived += control.descriptors().size();
            List<ObjectNode> described = control.descriptors().stream()
                    .map(fd -> PassedDescriptor.of(stop.pid(), fd, sockets).json()).toList();
            ObjectNode fields = peer(fields(stop, socket), peer);
            fields.putArray("descriptors").addAll(described);
            log.write("rights-received", stop.pid(), fields);
        }
        if (control.credentials() != null) {
            log.write("credentials-received", stop.pid(), control.credentials().into(peer(fields(stop, socket), peer)));
        }
    }

    private void receivedMany(SyscallStop stop, AuditedSocket socket, long count) {
        long vector = stop.call().arg1();
        for (int i = 0; i < count && i < MMSG_MOST; i++) {
            long entry = vector + (long) i * MMSGHDR_SIZE;
            received(stop, socket, entry, Integer.toUnsignedLong(stop.memory().readInt(entry + MMSGHDR_LEN)));
        }
    }

    private void peerCredentials(SyscallStop stop, AuditedSocket socket, Action answer) {
        if (!(answer instanceof Action.Return)) return;
        Syscall call = stop.call();
        if (stop.memory().readInt(call.arg4()) < UCRED_SIZE) return;
        TraceeMemory memory = stop.memory();
        ControlMessages.Credentials credentials = new ControlMessages.Credentials(memory.readInt(call.arg3()),
                Integer.toUnsignedLong(memory.readInt(call.arg3() + 4)),
                Integer.toUnsignedLong(memory.readInt(call.arg3() + 8)));
        log.write("peer-credentials", stop.pid(), credentials.into(peer(fields(stop, socket), peerOf(socket))));
    }

    /** A name refused because only a socket outside the sandbox holds it: a refusal by policy. */
    private void refusal(SyscallStop stop, AuditedSocket socket, Action answer) {
        UnixAddress name = decisions.refused(stop.tid());
        if (name == null || !sockets.heldOutside(stop, name)) return;
        ObjectNode fields = fields(stop, socket).put("call", Sysno.name(stop.call().number()));
        SocketNames.into(fields, name, false)
                .put("errno", answer instanceof Action.Fail f ? f.errno().name() : "ECONNREFUSED")
                .put("reason", "host-socket");
        log.write("refused", stop.pid(), fields);
    }

    // Fields.

    private static ObjectNode fields(SyscallStop stop, AuditedSocket socket) {
        return AuditLog.fields().put("tid", stop.tid()).put("inode", socket.inode);
    }

    /** Adds {@code peer} and the process that made it, when there is one. */
    private ObjectNode peer(ObjectNode fields, long peer) {
        if (peer <= 0) return fields;
        fields.put("peer", peer);
        AuditedSocket other = open.get(peer);
        if (other != null) fields.put("peer_pid", other.maker);
        return fields;
    }

    /**
     * A connected stream or seqpacket socket keeps its peer for life, so it is asked for once;
     * a datagram socket's peer changes with each connect.
     */
    private long peerOf(AuditedSocket socket) {
        if (socket.peer != 0) return socket.peer;
        long peer = peerOfInode(socket.inode);
        if (socket.type != SocketAbi.SOCK_DGRAM) socket.peer = peer;
        return peer;
    }

    private long peerOfInode(long inode) {
        SocketFacts facts = sockets.describe(inode);
        return facts == null ? 0 : facts.peer();
    }

    private static String result(Action answer) {
        return switch (answer) {
            case Action.Return r -> "ok";
            case Action.Fail f -> f.errno().name();
            case Action.Interrupted i -> "interrupted";
            default -> throw new IllegalStateException("not an answer: " + answer);
        };
    }

    private static String how(long how) {
        return switch ((int) how) {
            case SocketAbi.SHUT_RD -> "read";
            case SocketAbi.SHUT_WR -> "write";
            case SocketAbi.SHUT_RDWR -> "both";
            default -> Long.toString(how);
        };
    }

    /** The sockaddr a program passed, as far as the kernel reads it; empty when it cannot be read. */
    private static byte[] address(SyscallStop stop, long address, long length) {
        if (address == 0 || length <= 0) return new byte[0];
        try {
            return stop.memory().read(address, (int) Math.min(length, SOCKADDR_UN_SIZE));
        } catch (ErrnoException e) {
            return new byte[0];
        }
    }
}
