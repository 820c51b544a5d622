package dev.jvisor.platform.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * socket(2), send(2), recv(2), sendmsg(2), bind(2) and getsockopt(2) for the sentry's own
 * host sockets (a netlink query, the socket over which a tracee receives a descriptor of
 * jvisor's) and its copies of a program's.
 */
public final class Socket {
    public static final int AF_NETLINK = 16;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_CLOEXEC = 0x80000;

    private static final MethodHandle SOCKET = NativeLinker.withErrno("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SEND = NativeLinker.withErrno("send",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle RECV = NativeLinker.withErrno("recv",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SENDMSG = NativeLinker.withErrno("sendmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle BIND = NativeLinker.withErrno("bind",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = NativeLinker.withErrno("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));

    private Socket() {}

    public static int socket(int domain, int type, int protocol) {
        return (int) NativeLinker.checked("socket",
                () -> (int) SOCKET.invokeExact(NativeLinker.callState(), domain, type, protocol));
    }

    /** send(2) of the whole of {@code data}, retrying EINTR; returns the count sent. */
    public static long send(int fd, MemorySegment data, int flags) {
        return NativeLinker.restartable("send",
                () -> (long) SEND.invokeExact(NativeLinker.callState(), fd, data, data.byteSize(), flags));
    }

    /** recv(2) into {@code buffer}, retrying EINTR; returns the count received. */
    public static long recv(int fd, MemorySegment buffer, int flags) {
        return NativeLinker.restartable("recv",
                () -> (long) RECV.invokeExact(NativeLinker.callState(), fd, buffer, buffer.byteSize(), flags));
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
            NativeLinker.restartable("sendmsg",
                    () -> (long) SENDMSG.invokeExact(NativeLinker.callState(), fd, header, 0));
        }
    }

    /** getsockopt(2) of an int option (SO_TYPE, SO_DOMAIN, ...): its value. */
    public static int getsockoptInt(int fd, int level, int name) {
        MemorySegment buffer = CallBuffer.of(8);
        MemorySegment value = buffer.asSlice(0, 4);
        MemorySegment length = buffer.asSlice(4, 4);
        length.set(JAVA_INT, 0, 4);
        NativeLinker.checked("getsockopt",
                () -> (int) GETSOCKOPT.invokeExact(NativeLinker.callState(), fd, level, name, value, length));
        return value.get(JAVA_INT, 0);
    }

    /** bind(2) to {@code address}, the bytes of a struct sockaddr (its length is theirs). */
    public static void bind(int fd, byte[] address) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocateFrom(JAVA_BYTE, address);
            NativeLinker.checked("bind",
                    () -> (int) BIND.invokeExact(NativeLinker.callState(), fd, segment, address.length));
        }
    }
}
