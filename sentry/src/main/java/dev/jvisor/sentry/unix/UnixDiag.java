package dev.jvisor.sentry.unix;

import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.linux.Socket;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The host kernel's view of its AF_UNIX sockets, by inode, through sock_diag(7) netlink
 * (NETLINK_SOCK_DIAG, unix_diag): whether a socket still exists anywhere, and which socket
 * is its peer. The sentry holds no reference to the sockets it serves (so that closing them
 * is the kernel's business), and asks here instead. One per sandbox, used by the tracer
 * thread, or by another thread while the sandbox is at rest (Sandbox.atRest: --stats, the
 * audit's close sweeps), never by two at once; its netlink socket lives as long as the sentry.
 */
final class UnixDiag implements Liveness {
    private static final int NETLINK_SOCK_DIAG = 4;
    private static final short SOCK_DIAG_BY_FAMILY = 20;
    private static final short NLM_F_REQUEST = 1;
    private static final short NLM_F_DUMP = 0x300;
    private static final int NLMSG_ERROR = 2;
    private static final int NLMSG_DONE = 3;
    private static final int UDIAG_SHOW_NAME = 0x1;
    private static final int UDIAG_SHOW_VFS = 0x2;
    private static final int UDIAG_SHOW_PEER = 0x4;
    private static final int UNIX_DIAG_NAME = 0;
    private static final int UNIX_DIAG_VFS = 1;
    private static final int UNIX_DIAG_PEER = 2;
    /** include/net/tcp_states.h, as unix sockets use them. */
    static final int TCP_ESTABLISHED = 1;
    static final int TCP_CLOSE = 7;
    static final int TCP_LISTEN = 10;
    private static final int NLMSG_HEADER = 16;
    private static final int UNIX_DIAG_REQUEST = 24;
    private static final int UNIX_DIAG_MESSAGE = 16;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfShort SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder());

    /**
     * What the kernel knows of one socket: its type, its state (TCP_*), its kernel name
     * (null when unbound), its peer's inode (0 when it has none, or the peer is gone), and
     * for a socket bound to a path, the device and inode of its socket file (asked for in
     * {@link #boundToFile} only; 0 otherwise).
     */
    record Status(long inode, int type, int state, UnixAddress name, long peer, long fileDevice, long fileInode) {}

    private final int fd;
    /** Buffers for the queries, allocated once: one query at a time (see above). */
    private final MemorySegment request = Arena.ofAuto().allocate(NLMSG_HEADER + UNIX_DIAG_REQUEST);
    private final MemorySegment reply = Arena.ofAuto().allocate(32768);
    private int sequence;

    UnixDiag() {
        fd = Socket.socket(Socket.AF_NETLINK, Socket.SOCK_DGRAM | Socket.SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    }

    /** The AF_UNIX socket with this inode, or null when none exists (any more, or it is of another family). */
    Status query(long inode) {
        int seq = send(NLM_F_REQUEST, inode, UDIAG_SHOW_NAME | UDIAG_SHOW_PEER);
        while (true) {
            long length = Socket.recv(fd, reply, 0);
            if (length < NLMSG_HEADER) throw new ErrnoException(Errno.EIO, "sock_diag reply");
            if (reply.get(INT, 8) != seq) continue;   // a late answer to an earlier query
            return parse(reply, 0, (int) length);
        }
    }

    /** Every AF_UNIX socket in the network namespace, with its name: one dump, for sweeps. */
    @Override
    public Census live() {
        Set<Long> inodes = new HashSet<>();
        Set<UnixAddress> names = new HashSet<>();
        dump(UDIAG_SHOW_NAME, socket -> {
            inodes.add(socket.inode());
            if (socket.name() != null) names.add(socket.name());
        });
        return new Census(inodes, names);
    }

    /** True when some AF_UNIX socket is bound to the socket file {@code device}:{@code inode} (stat(2)'s st_dev, st_ino). */
    boolean boundToFile(long device, long inode) {
        long kernelDevice = kernelDevice(device);
        boolean[] found = {false};
        dump(UDIAG_SHOW_VFS, socket -> found[0] |= socket.fileInode() == inode && socket.fileDevice() == kernelDevice);
        return found[0];
    }

    /**
     * unix_diag reports a file's device as the kernel's own dev_t (MKDEV: major << 20 |
     * minor), where stat(2) gives new_encode_dev's layout (include/linux/kdev_t.h).
     */
    static long kernelDevice(long statDevice) {
        long major = ((statDevice >>> 8) & 0xfff) | ((statDevice >>> 32) & ~0xfffL);
        long minor = (statDevice & 0xff) | ((statDevice >>> 12) & ~0xffL);
        return ((major << 20) | minor) & 0xffffffffL;
    }

    private void dump(int show, Consumer<Status> each) {
        int seq = send((short) (NLM_F_REQUEST | NLM_F_DUMP), 0, show);
        while (true) {
            int length = (int) Socket.recv(fd, reply, 0);
            int at = 0;
            while (at + NLMSG_HEADER <= length) {
                int messageLength = reply.get(INT, at);
                int type = reply.get(SHORT, at + 4) & 0xffff;
                if (messageLength < NLMSG_HEADER) throw new ErrnoException(Errno.EIO, "sock_diag dump");
                if (reply.get(INT, at + 8) == seq) {
                    if (type == NLMSG_DONE) return;
                    if (type == NLMSG_ERROR) {
                        throw new ErrnoException(Errno.of(-reply.get(INT, at + NLMSG_HEADER)), "sock_diag dump");
                    }
                    each.accept(parse(reply, at, length));
                }
                at += (messageLength + 3) & ~3;
            }
        }
    }

    private int send(short flags, long inode, int show) {
        request.fill((byte) 0);
        int seq = ++sequence;
        request.set(INT, 0, NLMSG_HEADER + UNIX_DIAG_REQUEST);
        request.set(SHORT, 4, SOCK_DIAG_BY_FAMILY);
        request.set(SHORT, 6, flags);
        request.set(INT, 8, seq);
        request.set(ValueLayout.JAVA_BYTE, NLMSG_HEADER, (byte) 1);   // sdiag_family AF_UNIX
        request.set(INT, NLMSG_HEADER + 4, -1);                        // udiag_states: all
        request.set(INT, NLMSG_HEADER + 8, (int) inode);               // udiag_ino
        request.set(INT, NLMSG_HEADER + 12, show);
        request.set(INT, NLMSG_HEADER + 16, -1);                       // no cookie
        request.set(INT, NLMSG_HEADER + 20, -1);
        Socket.send(fd, request, 0);
        return seq;
    }

    /** True while a socket with this inode exists. */
    @Override
    public boolean alive(long inode) {
        return query(inode) != null;
    }

    /** One unix_diag_msg and its attributes (linux/unix_diag.h). */
    private static Status parse(MemorySegment reply, int start, int length) {
        int type = reply.get(SHORT, start + 4) & 0xffff;
        if (type == NLMSG_ERROR) {
            int error = -reply.get(INT, start + NLMSG_HEADER);
            if (error == Errno.ENOENT.number()) return null;
            throw new ErrnoException(Errno.of(error), "sock_diag");
        }
        int end = start + Math.min(reply.get(INT, start), length - start);
        int message = start + NLMSG_HEADER;
        int socketType = reply.get(ValueLayout.JAVA_BYTE, message + 1) & 0xff;
        int state = reply.get(ValueLayout.JAVA_BYTE, message + 2) & 0xff;
        long inode = reply.get(INT, message + 4) & 0xffffffffL;
        UnixAddress name = null;
        long peer = 0;
        long fileDevice = 0;
        long fileInode = 0;
        int at = message + UNIX_DIAG_MESSAGE;
        while (at + 4 <= end) {
            int attributeLength = reply.get(SHORT, at) & 0xffff;
            int attributeType = reply.get(SHORT, at + 2) & 0xffff;
            if (attributeLength < 4 || at + attributeLength > end) break;
            if (attributeType == UNIX_DIAG_PEER && attributeLength >= 8) peer = reply.get(INT, at + 4) & 0xffffffffL;
            if (attributeType == UNIX_DIAG_VFS && attributeLength >= 12) {
                fileInode = reply.get(INT, at + 4) & 0xffffffffL;
                fileDevice = reply.get(INT, at + 8) & 0xffffffffL;
            }
            if (attributeType == UNIX_DIAG_NAME) {
                name = UnixAddress.fromKernelName(reply.asSlice(at + 4, attributeLength - 4).toArray(ValueLayout.JAVA_BYTE));
            }
            at += (attributeLength + 3) & ~3;
        }
        return new Status(inode, socketType, state, name, peer, fileDevice, fileInode);
    }
}
