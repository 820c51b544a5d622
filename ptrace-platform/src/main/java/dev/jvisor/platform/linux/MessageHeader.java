package dev.jvisor.platform.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** struct msghdr (sys/socket.h), for the sentry's own sendmsg(2) and recvmsg(2) of one iovec. */
final class MessageHeader {
    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ADDRESS.withName("msg_name"),
            JAVA_INT.withName("msg_namelen"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("msg_iov"),
            JAVA_LONG.withName("msg_iovlen"),
            ADDRESS.withName("msg_control"),
            JAVA_LONG.withName("msg_controllen"),
            JAVA_INT.withName("msg_flags"),
            MemoryLayout.paddingLayout(4));

    private static final VarHandle NAME = LAYOUT.varHandle(groupElement("msg_name"));
    private static final VarHandle NAMELEN = LAYOUT.varHandle(groupElement("msg_namelen"));
    private static final VarHandle FLAGS = LAYOUT.varHandle(groupElement("msg_flags"));
    private static final VarHandle IOV = LAYOUT.varHandle(groupElement("msg_iov"));
    private static final VarHandle IOVLEN = LAYOUT.varHandle(groupElement("msg_iovlen"));
    private static final VarHandle CONTROL = LAYOUT.varHandle(groupElement("msg_control"));
    private static final VarHandle CONTROLLEN = LAYOUT.varHandle(groupElement("msg_controllen"));

    private MessageHeader() {}

    /** A msghdr with no name, the one iovec {@code iovec} and the control buffer {@code control}. */
    static MemorySegment of(Arena arena, MemorySegment iovec, MemorySegment control) {
        MemorySegment header = arena.allocate(LAYOUT);
        IOV.set(header, 0L, iovec);
        IOVLEN.set(header, 0L, 1L);
        CONTROL.set(header, 0L, control);
        CONTROLLEN.set(header, 0L, control.byteSize());
        return header;
    }

    /** A msghdr with the name buffer {@code name}, the one iovec {@code iovec} and the control buffer {@code control}. */
    static MemorySegment of(Arena arena, MemorySegment name, MemorySegment iovec, MemorySegment control) {
        MemorySegment header = of(arena, iovec, control);
        NAME.set(header, 0L, name);
        NAMELEN.set(header, 0L, (int) name.byteSize());
        return header;
    }

    static int nameLength(MemorySegment header) {
        return (int) NAMELEN.get(header, 0L);
    }

    static long controlLength(MemorySegment header) {
        return (long) CONTROLLEN.get(header, 0L);
    }

    static int flags(MemorySegment header) {
        return (int) FLAGS.get(header, 0L);
    }
}
