package dev.jvisor.platform.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Native memory for the arguments of one call at a time, reused per thread. The bindings on
 * the tracer's path (process_vm_readv/writev, fstatat, readlink) run several times per trapped
 * call; a confined arena per call costs a malloc and a free each time, measurably on the
 * connect benchmark. A binding takes the buffer, makes its one call, and copies its results
 * out before returning; no binding calls another while it holds the buffer.
 */
final class CallBuffer {
    private static final long SIZE = 8192;
    private static final ThreadLocal<MemorySegment> BUFFER =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(SIZE, 16));

    private CallBuffer() {}

    /** {@code size} bytes, 16-byte aligned, valid until this thread's next binding call; not zeroed. */
    static MemorySegment of(long size) {
        if (size > SIZE) return Arena.ofAuto().allocate(size, 16);
        return BUFFER.get().asSlice(0, size);
    }
}
