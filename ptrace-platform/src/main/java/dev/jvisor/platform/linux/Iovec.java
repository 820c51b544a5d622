package dev.jvisor.platform.linux;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** struct iovec (sys/uio.h). */
final class Iovec {
    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("iov_base"), JAVA_LONG.withName("iov_len"));

    private static final VarHandle BASE = LAYOUT.varHandle(groupElement("iov_base"));
    private static final VarHandle LEN = LAYOUT.varHandle(groupElement("iov_len"));

    private Iovec() {}

    static void set(MemorySegment iovec, long base, long length) {
        BASE.set(iovec, 0L, base);
        LEN.set(iovec, 0L, length);
    }
}
