package dev.jvisor.platform.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * socket(2), socketpair(2), send(2), recv(2), recvfrom(2), sendmsg(2), recvmsg(2), bind(2) and getsockopt(2) for the sentry's own
 * host sockets (a netlink query, the socket over which a tracee receives a descriptor of
 * jvisor's) and its copies of a program's.
 */
public final class Socket {
    public static final int AF_NETLINK = 16;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_CLOEXEC = 0x80000;

    private static final long SYS_SOCKET = 41;
    private static final long SYS_SENDTO = 44;
    private static final long SYS_RECVFROM = 45;
    private static final long SYS_SENDMSG = 46;
    private static final long SYS_RECVMSG = 47;
    private static final long SYS_BIND = 49;
    private static final long SYS_SOCKETPAIR = 53;
    private static final long SYS_GETSOCKOPT = 55;

    private Socket() {}

    public static int socket(int domain, int type, int protocol) {
        return (int) NativeLinker.syscall("socket", SYS_SOCKET, domain, type, protocol);
    }

    /** socketpair(2): the two ends. */
    public static int[] socketpair(int domain, int type) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ends = arena.allocate(JAVA_INT, 2);
            NativeLinker.syscall("socketpair", SYS_SOCKETPAIR, domain, type, 0, ends.address(), 0, 0);
            return new int[] {ends.getAtIndex(JAVA_INT, 0), ends.getAtIndex(JAVA_INT, 1)};
        }
    }

    /** send(2) (sendto with no address) of {@code data}, retrying EINTR; returns the count sent. */
    public static long send(int fd, MemorySegment data, int flags) {
        return NativeLinker.restartableSyscall("send", SYS_SENDTO, fd, data.address(), data.byteSize(), flags, 0, 0);
    }

    /** recv(2) (recvfrom with no address) into {@code buffer}, retrying EINTR; returns the count received. */
    public static long recv(int fd, MemorySegment buffer, int flags) {
        return NativeLinker.restartableSyscall("recv", SYS_RECVFROM, fd, buffer.address(), buffer.byteSize(), flags,
                0, 0);
    }

    /**
     * recvfrom(2) into {@code buffer} (its size may be 0), retrying EINTR; the sender's address
     * goes to {@code address}, whose size is offered and whose first 4 bytes of
     * {@code addressLength} receive the length the kernel reports. Returns what the call
     * returns: with MSG_TRUNC, a datagram's whole length.
     */
    public static long recvFrom(int fd, MemorySegment buffer, int flags, MemorySegment address,
                                MemorySegment addressLength) {
        addressLength.set(JAVA_INT, 0, (int) address.byteSize());
        return NativeLinker.restartableSyscall("recvfrom", SYS_RECVFROM, fd, buffer.address(), buffer.byteSize(), flags,
                address.address(), addressLength.address());
    }

    /** What recvmsg(2) reported: its result, and what it wrote into the msghdr. */
    public record Received(long result, int nameLength, long controlLength, int flags) {}

    /**
     * recvmsg(2) into {@code buffer} (its size may be 0), with the sender's address into
     * {@code name} and control messages into {@code control}, retrying EINTR.
     */
    public static Received recvmsg(int fd, MemorySegment buffer, MemorySegment name, MemorySegment control, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment iovec = arena.allocate(Iovec.LAYOUT);
            Iovec.set(iovec, buffer.address(), buffer.byteSize());
            MemorySegment header = MessageHeader.of(arena, name, iovec, control);
            long result = NativeLinker.restartableSyscall("recvmsg", SYS_RECVMSG, fd, header.address(), flags, 0, 0, 0);
            return new Received(result, MessageHeader.nameLength(header), MessageHeader.controlLength(header),
                    MessageHeader.flags(header));
        }
    }

    /**
     * sendmsg(2) of one byte with {@code descriptor} in an SCM_RIGHTS control message
     * (unix(7)), retrying EINTR.
     */
    public static void sendDescriptor(int fd, int descriptor) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(1);
            MemorySegment iovec = arena.allocate(Iovec.LAYOUT);
            Iovec.set(iovec, data.address(), 1);
            MemorySegment control = arena.allocate(ControlMessage.space(Integer.BYTES), 8);
            ControlMessage.setRights(control, descriptor);
            MemorySegment header = MessageHeader.of(arena, iovec, control);
            NativeLinker.restartableSyscall("sendmsg", SYS_SENDMSG, fd, header.address(), 0, 0, 0, 0);
        }
    }

    /** getsockopt(2) of an int option (SO_TYPE, SO_DOMAIN, ...): its value. */
    public static int getsockoptInt(int fd, int level, int name) {
        MemorySegment buffer = CallBuffer.of(8);
        MemorySegment value = buffer.asSlice(0, 4);
        MemorySegment length = buffer.asSlice(4, 4);
        length.set(JAVA_INT, 0, 4);
        NativeLinker.syscall("getsockopt", SYS_GETSOCKOPT, fd, level, name, value.address(), length.address(), 0);
        return value.get(JAVA_INT, 0);
    }

    /** bind(2) to {@code address}, the bytes of a struct sockaddr (its length is theirs). */
    public static void bind(int fd, byte[] address) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocateFrom(JAVA_BYTE, address);
            NativeLinker.syscall("bind", SYS_BIND, fd, segment.address(), address.length);
        }
    }
}
