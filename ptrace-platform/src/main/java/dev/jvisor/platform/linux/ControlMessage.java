package dev.jvisor.platform.linux;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** struct cmsghdr (sys/socket.h) and the CMSG_* arithmetic of x86-64 (8-byte alignment). */
final class ControlMessage {
    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("cmsg_len"), JAVA_INT.withName("cmsg_level"), JAVA_INT.withName("cmsg_type"));
    static final int SOL_SOCKET = 1;
    static final int SCM_RIGHTS = 1;

    private static final VarHandle LEN = LAYOUT.varHandle(groupElement("cmsg_len"));
    private static final VarHandle LEVEL = LAYOUT.varHandle(groupElement("cmsg_level"));
    private static final VarHandle TYPE = LAYOUT.varHandle(groupElement("cmsg_type"));

    private ControlMessage() {}

    /** CMSG_SPACE(length). */
    static long space(long length) {
        return LAYOUT.byteSize() + align(length);
    }

    /** One SCM_RIGHTS message carrying {@code descriptor} at the start of {@code control}. */
    static void setRights(MemorySegment control, int descriptor) {
        LEN.set(control, 0L, LAYOUT.byteSize() + Integer.BYTES);
        LEVEL.set(control, 0L, SOL_SOCKET);
        TYPE.set(control, 0L, SCM_RIGHTS);
        control.set(JAVA_INT, LAYOUT.byteSize(), descriptor);
    }

    private static long align(long length) {
        return (length + 7) & ~7L;
    }
}
