package dev.jvisor.platform;

import dev.jvisor.platform.linux.ProcessVm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/** {@link TraceeMemory} through process_vm_readv/writev. */
final class ProcessMemory implements TraceeMemory {
    private final int tid;

    ProcessMemory(int tid) {
        this.tid = tid;
    }

    @Override
    public byte[] read(long address, int length) {
        if (length < 0) throw new IllegalArgumentException("negative length");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(length, 1));
            ProcessVm.read(tid, address, buffer.asSlice(0, length));
            return buffer.asSlice(0, length).toArray(JAVA_BYTE);
        }
    }

    @Override
    public void write(long address, byte[] data) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(data.length, 1));
            MemorySegment.copy(data, 0, buffer, JAVA_BYTE, 0, data.length);
            ProcessVm.write(tid, address, buffer.asSlice(0, data.length));
        }
    }
}
