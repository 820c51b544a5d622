package dev.jvisor.platform;

import dev.jvisor.platform.linux.ProcessVm;

/** {@link TraceeMemory} through process_vm_readv/writev. */
final class ProcessMemory implements TraceeMemory {
    private final int tid;

    ProcessMemory(int tid) {
        this.tid = tid;
    }

    @Override
    public byte[] read(long address, int length) {
        if (length < 0) throw new IllegalArgumentException("negative length");
        return ProcessVm.read(tid, address, length);
    }

    @Override
    public void write(long address, byte[] data) {
        ProcessVm.write(tid, address, data);
    }
}
