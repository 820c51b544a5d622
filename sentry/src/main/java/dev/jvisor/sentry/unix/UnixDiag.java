package dev.jvisor.sentry.unix;

import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.linux.Socket;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The host kernel's view of its AF_UNIX sockets, by inode, through sock_diag(7) netlink
 * (NETLINK_SOCK_DIAG, unix_diag): whether a socket still exists anywhere, and which socket
 * is its peer. The sentry holds no reference to the sockets it serves (so that closing them
 * is the kernel's business), and asks here instead.
 */
final class UnixDiag implements AutoCloseable {
    private static final int NETLINK_SOCK_DIAG = 4;
    private static final short SOCK_DIAG_BY_FAMILY = 20;
    private static final short NLM_F_REQUEST = 1;
    private static final int NLMSG_ERROR = 2;
    private static final int UDIAG_SHOW_PEER = 0x4;
    private static final int UNIX_DIAG_PEER = 2;
    private static final int NLMSG_HEADER = 16;
    private static final int UNIX_DIAG_REQUEST = 24;
    private static final int UNIX_DIAG_MESSAGE = 16;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder());

    /** What the kernel knows of one socket. {@code peer} is 0 when it has none (or it is gone). */
    record Status(long inode, long peer) {}

    private final int fd;
    private int sequence;

    UnixDiag() {
        fd = Socket.socket(Socket.AF_NETLINK, Socket.SOCK_DGRAM | Socket.SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    }

    /** The socket with this inode, or null when no such AF_UNIX socket exists any more. */
    Status query(long inode) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment request = arena.allocate(NLMSG_HEADER + UNIX_DIAG_REQUEST);
            int seq = ++sequence;
            request.set(INT, 0, NLMSG_HEADER + UNIX_DIAG_REQUEST);
            request.set(SHORT, 4, SOCK_DIAG_BY_FAMILY);
            request.set(SHORT, 6, NLM_F_REQUEST);
            request.set(INT, 8, seq);
            request.set(ValueLayout.JAVA_BYTE, NLMSG_HEADER, (byte) 1);   // sdiag_family AF_UNIX
            request.set(INT, NLMSG_HEADER + 4, -1);                        // udiag_states: all
            request.set(INT, NLMSG_HEADER + 8, (int) inode);               // udiag_ino
            request.set(INT, NLMSG_HEADER + 12, UDIAG_SHOW_PEER);
            request.set(INT, NLMSG_HEADER + 16, -1);                       // no cookie
            request.set(INT, NLMSG_HEADER + 20, -1);
            Socket.send(fd, request, 0);

            MemorySegment reply = arena.allocate(8192);
            while (true) {
                long length = Socket.recv(fd, reply, 0);
                if (length < NLMSG_HEADER) throw new ErrnoException(Errno.EIO, "sock_diag reply");
                if (reply.get(INT, 8) != seq) continue;   // a late answer to an earlier query
                return parse(reply, (int) length, inode);
            }
        }
    }

    /** True while a socket with this inode exists. */
    boolean alive(long inode) {
        return query(inode) != null;
    }

    private static Status parse(MemorySegment reply, int length, long inode) {
        int type = reply.get(SHORT, 4) & 0xffff;
        if (type == NLMSG_ERROR) {
            int error = -reply.get(INT, NLMSG_HEADER);
            if (error == Errno.ENOENT.number()) return null;
            throw new ErrnoException(Errno.of(error), "sock_diag");
        }
        int messageLength = Math.min(reply.get(INT, 0), length);
        long peer = 0;
        int at = NLMSG_HEADER + UNIX_DIAG_MESSAGE;
        while (at + 4 <= messageLength) {
            int attributeLength = reply.get(SHORT, at) & 0xffff;
            int attributeType = reply.get(SHORT, at + 2) & 0xffff;
            if (attributeLength < 4) break;
            if (attributeType == UNIX_DIAG_PEER && attributeLength >= 8) peer = reply.get(INT, at + 4) & 0xffffffffL;
            at += (attributeLength + 3) & ~3;
        }
        return new Status(inode, peer);
    }

    @Override
    public void close() {
        Socket.close(fd);
    }
}
