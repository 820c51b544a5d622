package dev.jvisor.platform;

import dev.jvisor.platform.linux.ProcessVm;

/**
 * {@link TraceeMemory} through process_vm_readv/writev; the argument region (read-only in
 * the tracee, {@link ArgumentRegion}) through jvisor's own mapping of it.
 */
final class ProcessMemory implements TraceeMemory {
    private final int tid;
    private final int pid;
    private final ArgumentRegion region;

    ProcessMemory(int tid, int pid, ArgumentRegion region) {
        this.tid = tid;
        this.pid = pid;
        this.region = region;
    }

    @Override
    public byte[] read(long address, int length) {
        if (length < 0) throw new IllegalArgumentException("negative length");
        if (region.contains(address, length) && region.usable(pid)) return region.read(address, length);
        return ProcessVm.read(tid, address, length);
    }

    @Override
    public void write(long address, byte[] data) {
        if (region.contains(address, data.length) && region.usable(pid)) {
            region.write(address, data);
            return;
        }
        ProcessVm.write(tid, address, data);
    }
}
