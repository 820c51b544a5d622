package dev.jvisor.sentry.unix;

import dev.jvisor.platform.Action;
import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.Syscall;
import dev.jvisor.platform.SyscallHandler;
import dev.jvisor.platform.SyscallStop;
import dev.jvisor.platform.Sysno;
import dev.jvisor.platform.TraceeMemory;
import dev.jvisor.platform.TrapFilter;
import dev.jvisor.platform.linux.Libc;
import dev.jvisor.platform.linux.Socket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.jvisor.sentry.abi.SocketAbi.AF_NETLINK;
import static dev.jvisor.sentry.abi.SocketAbi.MSG_DONTWAIT;
import static dev.jvisor.sentry.abi.SocketAbi.MSG_OOB;
import static dev.jvisor.sentry.abi.SocketAbi.MSG_PEEK;
import static dev.jvisor.sentry.abi.SocketAbi.MSG_TRUNC;
import static dev.jvisor.sentry.abi.SocketAbi.SOL_SOCKET;
import static dev.jvisor.sentry.abi.SocketAbi.SO_PROTOCOL;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * sock_diag (NETLINK_SOCK_DIAG) as Linux answers it in a network namespace that holds only
 * the sandbox's AF_UNIX sockets. The program's netlink socket is the kernel's: bind,
 * getsockname, the socket options, the requests it sends and the kernel's errors are the
 * kernel's. What the program reads from it the sentry takes first: each datagram the kernel
 * queued is rewritten ({@link DiagReplies}: only the sockets {@link ListedSockets} lists,
 * with their sandbox names) and written into the program's buffers.
 *
 * <p>The launcher's filter traps socket(AF_NETLINK, *, NETLINK_SOCK_DIAG). The socket is
 * made by the program's own call, injected; then the process installs, in all its threads
 * (TSYNC), a filter that traps read, readv and recvfrom on that descriptor number (recvmsg
 * and recvmmsg are trapped everywhere). A filter cannot be taken back: it stays for the
 * process's life (children and executed programs inherit it), and a later descriptor of that
 * number costs its reads a stop, which finds it is no sock_diag socket and lets it be. A
 * process installs one filter per number, not per socket.
 *
 * <p>A trapped receive on a sock_diag socket: the sentry peeks at the next datagram through
 * its own copy of the descriptor (pidfd_getfd), never blocking; rewrites it; skips (takes)
 * a datagram with nothing of the sandbox's, which lets the kernel put the next part of a
 * dump in the queue (netlink_recvmsg calls netlink_dump); writes the rewritten datagram and
 * the sender's address into the program's memory; and takes the datagram from the queue
 * unless the program peeked. MSG_TRUNC reports the rewritten length. With nothing queued, the
 * thread waits in the kernel, in a zero-length MSG_PEEK recvfrom injected in its own context
 * (so O_NONBLOCK, MSG_DONTWAIT, SO_RCVTIMEO and signals are the kernel's), then looks again.
 *
 * <p>Not seen: the socket read through another descriptor number (dup(2), a descriptor
 * passed or copied from another process), preadv2, splice or an io_uring read; control
 * messages (SO_PASSCRED, NETLINK_PKTINFO) are not written; recvmmsg fills one message
 * (README).
 */
final class SockDiagSockets {
    private static final Logger log = LoggerFactory.getLogger(SockDiagSockets.class);
    /** linux/netlink.h. */
    private static final int NETLINK_SOCK_DIAG = 4;
    private static final int SOL_NETLINK = 270;
    private static final int NETLINK_CAP_ACK = 10;
    private static final int SO_DOMAIN = 39;
    /** sizeof(struct sockaddr_nl). */
    private static final int SOCKADDR_NL_SIZE = 12;
    /** struct msghdr (x86-64): msg_name, msg_namelen, msg_iov, msg_iovlen, msg_control, msg_controllen, msg_flags. */
    private static final int MSG_NAME = 0;
    private static final int MSG_NAMELEN = 8;
    private static final int MSG_IOV = 16;
    private static final int MSG_IOVLEN = 24;
    private static final int MSG_CONTROLLEN = 40;
    private static final int MSG_FLAGS = 48;
    /** struct mmsghdr: the msghdr, then msg_len. */
    private static final int MMSG_LEN = 56;
    /** Room for the control messages of one datagram (three cmsgs of at most 16 bytes of data). */
    private static final int CONTROL_SIZE = 256;
    private static final int MSG_CTRUNC = 0x8;
    /** struct cmsghdr: cmsg_len (size_t), cmsg_level, cmsg_type; data aligned to 8. */
    private static final int CMSG_HEADER = 16;
    /** msghdr's msg_control. */
    private static final int MSG_CONTROL = 32;
    /** UIO_MAXIOV: more is the kernel's error (EINVAL, EMSGSIZE) before it reads anything. */
    private static final int UIO_MAXIOV = 1024;
    /** A netlink datagram is at most a dump's skb (32 KiB) or a page: a bound on what the sentry peeks first. */
    private static final long PEEK_LIMIT = 1 << 20;
    /**
     * Datagrams with nothing of the sandbox's taken in one go: then the thread makes a call
     * (getpid) before the next ones, so that the tracer answers other threads meanwhile (a
     * program may queue many datagrams of its own on the socket, from another one).
     */
    private static final int SKIPPED_AT_ONCE = 256;
    /** Sockets whose requests are remembered. */
    private static final int SOCKETS_KEPT = 64;
    /** The most of a send looked at for requests (a request is 40 bytes). */
    private static final int SENT_LOOKED_AT = 1 << 16;
    /** The calls trapped on a sock_diag socket's descriptor: its receives and sends. */
    private static final int[] TRAPPED = {
        Sysno.READ, Sysno.READV, Sysno.RECVFROM, Sysno.WRITE, Sysno.WRITEV, Sysno.SENDTO, Sysno.SENDMSG, Sysno.SENDMMSG};

    private final ListedSockets listed;
    /** Per process (by pid): the descriptor numbers whose reads its threads trap. */
    private final Map<Integer, Set<Integer>> trapping = new HashMap<>();
    /** Per sock_diag socket (by inode): its requests ({@link DiagExchange}); the sockets used last kept. */
    private final Map<Long, DiagExchange> exchanges = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, DiagExchange> eldest) {
            return size() > SOCKETS_KEPT;
        }
    };

    SockDiagSockets(ListedSockets listed) {
        this.listed = listed;
    }

    /** Whether {@code call} makes a sock_diag socket (socket(2) with AF_NETLINK and NETLINK_SOCK_DIAG). */
    static boolean makesSocket(Syscall call) {
        return call.number() == Sysno.SOCKET && (int) call.arg0() == AF_NETLINK && (int) call.arg2() == NETLINK_SOCK_DIAG;
    }

    /**
     * socket(2) of a sock_diag socket: its reads trapped, then the socket made. The filter
     * goes first, for the number the socket will get (the lowest free one, socket(2)), so that
     * no read can come before it: a signal between the two makes the program's call again.
     * When another thread took that number meanwhile, a second filter follows the socket. A
     * process whose threads cannot all take a filter (one has a filter of its own) would read
     * the host's answers: the call fails with EPERM (its socket closed again).
     */
    Action socket(SyscallStop stop) {
        int predicted = lowestFree(stop.tid());
        if (predicted < 0 || isTrapped(stop.pid(), predicted)) return make(stop);
        return trapReads(stop, predicted, null, () -> make(stop));
    }

    private Action make(SyscallStop stop) {
        return Action.inject(stop.call(), made -> {
            if (!made.succeeded()) return made.asAction();
            int fd = (int) made.raw();
            if (isTrapped(stop.pid(), fd)) return Action.returning(fd);
            // The rare second filter: a signal before it leaves the socket's reads untrapped (README).
            return trapReads(stop, fd, () -> Action.returning(fd), () -> Action.returning(fd));
        });
    }

    private boolean isTrapped(int pid, int fd) {
        Set<Integer> numbers = trapping.get(pid);
        return numbers != null && numbers.contains(fd);
    }

    /**
     * Installs the filter that traps the reads of descriptor {@code fd}, then answers with
     * {@code then}; {@code ifSignalled} answers when a signal comes first (null: the call is
     * made again). On failure, a socket already made at {@code fd} is closed.
     */
    private Action trapReads(SyscallStop stop, int fd, java.util.function.Supplier<Action> ifSignalled,
                             java.util.function.Supplier<Action> then) {
        TrapFilter filter = TrapFilter.trappingOn(fd, TRAPPED);
        long address = stop.sealedScratch(filter.size());
        stop.writeSealed(address, filter.image(address));
        return Action.injectUnlessSignalled(filter.installCall(address), ifSignalled, installed -> {
            if (installed.raw() != 0) {
                log.warn("process {}: cannot trap the reads of its sock_diag socket (seccomp: {}); socket fails with EPERM",
                        stop.pid(), installed.failed() ? installed.errno() : "thread " + installed.raw());
                if (ifSignalled == null) return Action.fail(Errno.EPERM);
                return Action.injectUnlessSignalled(Syscall.of(Sysno.CLOSE, fd), () -> Action.fail(Errno.EPERM),
                        closed -> Action.fail(Errno.EPERM));
            }
            trapping.computeIfAbsent(stop.pid(), pid -> new HashSet<>()).add(fd);
            return then.get();
        });
    }

    /** The lowest descriptor number free in thread {@code tid}'s table (proc(5): /proc/TID/fd); -1 when it cannot be read. */
    private static int lowestFree(int tid) {
        String[] names = new java.io.File("/proc/" + tid + "/fd").list();
        if (names == null) return -1;
        java.util.BitSet used = new java.util.BitSet();
        for (String name : names) {
            try {
                used.set(Integer.parseInt(name));
            } catch (NumberFormatException | IndexOutOfBoundsException e) {
                return -1;
            }
        }
        return used.nextClearBit(0);
    }

    /**
     * A receive (read, readv, recvfrom, recvmsg, recvmmsg) on a descriptor number whose reads
     * the process traps: the sandbox's answer when it is a sock_diag socket; null for the
     * caller to answer (any other descriptor).
     */
    Action receive(SyscallStop stop) {
        Set<Integer> numbers = trapping.get(stop.pid());
        int fd = (int) stop.call().arg0();
        if (numbers == null || !numbers.contains(fd)) return null;
        int copy;
        try {
            copy = stop.copyDescriptor(fd);
        } catch (ErrnoException notThere) {
            return null;
        }
        try {
            if (!isSockDiag(copy)) return null;
            return receive(stop, copy, DescriptorInodes.socketInode(stop.tid(), fd));
        } finally {
            Libc.close(copy);
        }
    }

    /**
     * A send (write, writev, sendto, sendmsg, sendmmsg) on a descriptor number whose calls the
     * process traps: when it is a sock_diag socket, the by-inode AF_UNIX requests in it are
     * kept ({@link DiagExchange}). The send itself is the caller's to answer.
     */
    void observeSend(SyscallStop stop) {
        int fd = (int) stop.call().arg0();
        if (!isTrapped(stop.pid(), fd)) return;
        int copy;
        try {
            copy = stop.copyDescriptor(fd);
        } catch (ErrnoException notThere) {
            return;
        }
        try {
            if (!isSockDiag(copy)) return;
            long inode = DescriptorInodes.socketInode(stop.tid(), fd);
            for (byte[] sent : sent(stop)) {
                DiagReplies.requests(sent, (request, seq) ->
                        exchanges.computeIfAbsent(inode, i -> new DiagExchange()).sent(seq, request));
            }
        } catch (ErrnoException unreadable) {
            // The kernel answers the send (EFAULT); there is no request to keep.
        } finally {
            Libc.close(copy);
        }
    }

    /** What the send gives the kernel, one array per datagram (sendmmsg: each message), as far as it can be read. */
    private static List<byte[]> sent(SyscallStop stop) {
        Syscall call = stop.call();
        TraceeMemory memory = stop.memory();
        return switch (call.number()) {
            case Sysno.WRITE, Sysno.SENDTO -> List.of(gather(memory, List.of(new long[] {call.arg1(), call.arg2()})));
            case Sysno.WRITEV -> {
                List<long[]> buffers = Target.iovecs(memory, call.arg1(), call.arg2());
                yield buffers == null ? List.of() : List.of(gather(memory, buffers));
            }
            case Sysno.SENDMSG -> {
                List<long[]> buffers = Target.messageBuffers(memory, call.arg1());
                yield buffers == null ? List.of() : List.of(gather(memory, buffers));
            }
            case Sysno.SENDMMSG -> {
                List<byte[]> datagrams = new ArrayList<>();
                long count = Math.min(call.arg2() & 0xffffffffL, 16);
                for (int i = 0; i < count; i++) {
                    List<long[]> buffers = Target.messageBuffers(memory, call.arg1() + (long) i * (MMSG_LEN + 8));
                    if (buffers == null) break;
                    datagrams.add(gather(memory, buffers));
                }
                yield datagrams;
            }
            default -> List.of();
        };
    }

    private static byte[] gather(TraceeMemory memory, List<long[]> buffers) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (long[] buffer : buffers) {
            int part = (int) Math.min(buffer[1], SENT_LOOKED_AT - out.size());
            if (part <= 0) break;
            out.writeBytes(memory.read(buffer[0], part));
        }
        return out.toByteArray();
    }

    private static boolean isSockDiag(int copy) {
        try {
            return Socket.getsockoptInt(copy, SOL_SOCKET, SO_DOMAIN) == AF_NETLINK
                    && Socket.getsockoptInt(copy, SOL_SOCKET, SO_PROTOCOL) == NETLINK_SOCK_DIAG;
        } catch (ErrnoException notSocket) {
            return false;
        }
    }

    private Action receive(SyscallStop stop, int copy, long inode) {
        Syscall call = stop.call();
        int flags = switch (call.number()) {
            case Sysno.RECVFROM -> (int) call.arg3();
            case Sysno.RECVMSG -> (int) call.arg2();
            case Sysno.RECVMMSG -> (int) call.arg3();
            default -> 0;
        };
        // netlink_recvmsg: EOPNOTSUPP, before anything is read; recvmmsg of no message: 0.
        if ((flags & MSG_OOB) != 0 || (call.number() == Sysno.RECVMMSG && (int) call.arg2() == 0)) {
            return Action.passthrough();
        }
        Target target = Target.of(stop);
        if (target == null) return Action.passthrough();
        boolean capped;
        try {
            capped = Socket.getsockoptInt(copy, SOL_NETLINK, NETLINK_CAP_ACK) != 0;
        } catch (ErrnoException e) {
            capped = false;
        }
        DiagExchange exchange = exchanges.computeIfAbsent(inode, i -> new DiagExchange());
        ListedSockets.Listing listing = null;
        for (int skipped = 0; skipped < SKIPPED_AT_ONCE; skipped++) {
            Datagram next;
            try {
                next = peek(copy, target.room());
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EAGAIN) return Action.fail(e.errno());
                return waitThenReceive(stop, flags);
            }
            if (listing == null) listing = listed.now(stop.pid());
            byte[] rewritten = DiagReplies.rewrite(next.bytes(), listing, capped, exchange);
            if (rewritten.length == 0 && next.bytes().length > 0) {
                take(copy);
                continue;
            }
            long answer;
            try {
                answer = target.deliver(stop.memory(), rewritten, next.sender(), next.control(), (flags & MSG_TRUNC) != 0);
            } finally {
                // netlink_recvmsg frees the datagram even when copying it out failed (EFAULT).
                if ((flags & MSG_PEEK) == 0) take(copy);
            }
            return Action.returning(answer);
        }
        return Action.inject(Syscall.of(Sysno.GETPID), pause -> {
            Action again = receive(stop);
            return again != null ? again : Action.passthrough();
        });
    }

    /**
     * Nothing is queued: the thread waits for a datagram in the kernel, with the program's
     * MSG_DONTWAIT (O_NONBLOCK and SO_RCVTIMEO are the socket's), then the receive is answered
     * again. The kernel's error (EAGAIN, a socket error) or a signal ends it as it would have.
     */
    private Action waitThenReceive(SyscallStop stop, int flags) {
        Syscall wait = Syscall.of(Sysno.RECVFROM, stop.call().arg0(), 0, 0, MSG_PEEK | (flags & MSG_DONTWAIT), 0, 0);
        return Action.inject(wait, waited -> {
            if (!waited.succeeded()) return waited.asAction();
            // No longer a sock_diag socket (another thread replaced it): the program's call runs.
            Action again = receive(stop);
            return again != null ? again : Action.passthrough();
        });
    }

    /**
     * A datagram, its sender's struct sockaddr_nl, and the control messages a receive of it
     * gets (netlink_recvmsg: NETLINK_PKTINFO, NETLINK_LISTEN_ALL_NSID, and SO_PASSCRED's
     * SCM_CREDENTIALS; never a descriptor: netlink passes no SCM_RIGHTS, and its scm carries
     * no pid for SO_PASSPIDFD).
     */
    private record Datagram(byte[] bytes, byte[] sender, byte[] control) {}

    /**
     * The next datagram on the socket, left there (MSG_PEEK, MSG_DONTWAIT). The first look
     * offers what the program offers: netlink_recvmsg sizes later parts of a dump by the
     * largest buffer a receive offered (max_recvmsg_len), as it would for the program's own.
     */
    private static Datagram peek(int copy, long offered) {
        try (Arena arena = Arena.ofConfined()) {
            long size = Math.max(0, Math.min(offered, PEEK_LIMIT));
            MemorySegment buffer = arena.allocate(Math.max(1, size)).asSlice(0, size);
            MemorySegment sender = arena.allocate(SOCKADDR_NL_SIZE);
            MemorySegment control = arena.allocate(CONTROL_SIZE, 8);
            int peek = MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC;
            Socket.Received received = Socket.recvmsg(copy, buffer, sender, control, peek);
            long whole = received.result();
            if (whole > size) {
                buffer = arena.allocate(whole);
                received = Socket.recvmsg(copy, buffer, sender, control, peek);
                whole = Math.min(whole, received.result());
            }
            long controlLength = Math.min(received.controlLength(), CONTROL_SIZE);
            return new Datagram(buffer.asSlice(0, whole).toArray(JAVA_BYTE), sender.toArray(JAVA_BYTE),
                    control.asSlice(0, controlLength).toArray(JAVA_BYTE));
        }
    }

    /** Takes the datagram at the head of the queue, which lets a dump go on (netlink_recvmsg). */
    private static void take(int copy) {
        try (Arena arena = Arena.ofConfined()) {
            Socket.recvFrom(copy, arena.allocate(1).asSlice(0, 0), MSG_DONTWAIT | MSG_TRUNC,
                    arena.allocate(SOCKADDR_NL_SIZE), arena.allocate(4));
        } catch (ErrnoException gone) {
            // Another reader took it.
        }
    }

    /** Where the program's receive puts a datagram: its buffers, the sender's address, the flags. */
    private record Target(List<long[]> buffers, long name, long nameLength, long flagsAddress, long lengthAddress,
                          boolean counted) {
        /** The program's receive, read from its registers and memory; null when the kernel answers it (an error of its own). */
        static Target of(SyscallStop stop) {
            Syscall call = stop.call();
            TraceeMemory memory = stop.memory();
            return switch (call.number()) {
                case Sysno.READ -> new Target(List.of(new long[] {call.arg1(), call.arg2()}), 0, 0, 0, 0, false);
                case Sysno.READV -> {
                    List<long[]> buffers = iovecs(memory, call.arg1(), call.arg2());
                    yield buffers == null ? null : new Target(buffers, 0, 0, 0, 0, false);
                }
                case Sysno.RECVFROM -> new Target(List.of(new long[] {call.arg1(), call.arg2()}), call.arg4(), call.arg5(),
                        0, 0, false);
                case Sysno.RECVMSG -> message(memory, call.arg1(), 0);
                case Sysno.RECVMMSG -> message(memory, call.arg1(), call.arg1() + MMSG_LEN);
                default -> null;
            };
        }

        /** The buffers of the msghdr at {@code header}; null when the kernel refuses them. */
        static List<long[]> messageBuffers(TraceeMemory memory, long header) {
            ByteBuffer fields = ByteBuffer.wrap(memory.read(header, MMSG_LEN)).order(ByteOrder.LITTLE_ENDIAN);
            return iovecs(memory, fields.getLong(MSG_IOV), fields.getLong(MSG_IOVLEN));
        }

        private static Target message(TraceeMemory memory, long header, long lengthAddress) {
            ByteBuffer fields = ByteBuffer.wrap(memory.read(header, MMSG_LEN)).order(ByteOrder.LITTLE_ENDIAN);
            long name = fields.getLong(MSG_NAME);
            if (name != 0 && fields.getInt(MSG_NAMELEN) < 0) return null;
            List<long[]> buffers = iovecs(memory, fields.getLong(MSG_IOV), fields.getLong(MSG_IOVLEN));
            if (buffers == null) return null;
            return new Target(buffers, name, name == 0 ? 0 : header + MSG_NAMELEN, header, lengthAddress, true);
        }

        static List<long[]> iovecs(TraceeMemory memory, long address, long count) {
            if (count < 0 || count > UIO_MAXIOV) return null;
            List<long[]> buffers = new ArrayList<>((int) count);
            if (count == 0) return buffers;
            ByteBuffer vector = ByteBuffer.wrap(memory.read(address, (int) count * 16)).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < count; i++) {
                long length = vector.getLong(i * 16 + 8);
                if (length < 0) return null;
                buffers.add(new long[] {vector.getLong(i * 16), length});
            }
            return buffers;
        }

        long room() {
            long room = 0;
            for (long[] buffer : buffers) room = Math.min(PEEK_LIMIT, room + buffer[1]);
            return room;
        }

        /**
         * Writes {@code datagram} (as much as fits, as netlink_recvmsg copies it) and the
         * sender's address; returns what the receive returns: the bytes written, or the
         * datagram's whole length with MSG_TRUNC.
         */
        long deliver(TraceeMemory memory, byte[] datagram, byte[] sender, byte[] control, boolean wholeLength) {
            int written = 0;
            for (long[] buffer : buffers) {
                if (written == datagram.length) break;
                int part = (int) Math.min(buffer[1], datagram.length - written);
                if (part == 0) continue;
                memory.write(buffer[0], java.util.Arrays.copyOfRange(datagram, written, written + part));
                written += part;
            }
            if (name != 0 && nameLength != 0) {
                // move_addr_to_user: as much of the address as the program offers, and its whole length.
                int offered = memory.readInt(nameLength);
                if (offered < 0) throw new ErrnoException(Errno.EINVAL, "recvfrom");
                int part = Math.min(offered, sender.length);
                if (part > 0) memory.write(name, java.util.Arrays.copyOf(sender, part));
                memory.writeInt(nameLength, sender.length);
            }
            if (counted) {
                int flags = written < datagram.length ? MSG_TRUNC : 0;
                flags |= putControl(memory, control);
                memory.writeInt(flagsAddress + MSG_FLAGS, flags);
            }
            long answer = wholeLength ? datagram.length : written;
            if (lengthAddress != 0) {
                memory.writeInt(lengthAddress, (int) answer);
                return 1;
            }
            return answer;
        }

        /**
         * Writes the control messages into the program's msg_control as put_cmsg does
         * (net/core/scm.c): each whole while it fits, the first that does not cut to what is left
         * (with MSG_CTRUNC), none once less than a cmsghdr is left; msg_controllen becomes what was
         * written. Returns MSG_CTRUNC or 0.
         */
        private int putControl(TraceeMemory memory, byte[] control) {
            ByteBuffer fields = ByteBuffer.wrap(memory.read(flagsAddress + MSG_CONTROL, 16)).order(ByteOrder.LITTLE_ENDIAN);
            long address = fields.getLong(0);
            long room = fields.getLong(8);
            int flags = 0;
            long written = 0;
            ByteBuffer messages = ByteBuffer.wrap(control).order(ByteOrder.LITTLE_ENDIAN);
            for (int at = 0; control.length - at >= CMSG_HEADER; ) {
                long length = messages.getLong(at);
                if (length < CMSG_HEADER || length > control.length - at) break;
                long space = (length + 7) & ~7L;
                if (address == 0 || room - written < CMSG_HEADER) {
                    flags |= MSG_CTRUNC;
                } else {
                    long cut = Math.min(length, room - written);
                    if (cut < length) flags |= MSG_CTRUNC;
                    byte[] message = java.util.Arrays.copyOfRange(control, at, at + (int) cut);
                    ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN).putLong(0, cut);
                    memory.write(address + written, message);
                    written += Math.min(space, room - written);
                }
                at += (int) Math.min(space, control.length - at);
            }
            memory.write(flagsAddress + MSG_CONTROLLEN,
                    ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(written).array());
            return flags;
        }
    }

    void onClone(SyscallHandler.Clone clone) {
        Set<Integer> numbers = trapping.get(clone.parentPid());
        if (!clone.isThread() && numbers != null) trapping.put(clone.childPid(), new HashSet<>(numbers));
    }

    /** A thread is gone; when it led its process, the process is (a process's id is its first thread's). */
    void onExit(int tid) {
        trapping.remove(tid);
    }

    int size() {
        return trapping.size() + exchanges.size();
    }
}
