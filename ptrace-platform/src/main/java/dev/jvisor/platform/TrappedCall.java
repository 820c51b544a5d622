package dev.jvisor.platform;

import dev.jvisor.platform.linux.Libc;
import dev.jvisor.platform.linux.Pidfd;

import java.util.function.IntConsumer;
import java.util.function.IntPredicate;

/** The {@link SyscallStop} of one trapped call. */
final class TrappedCall implements SyscallStop {
    /** The x86-64 ABI lets a function use 128 bytes below %rsp without moving it. */
    private static final long RED_ZONE = 128;

    private final Tracee tracee;
    private final ArgumentRegion region;
    private final Syscall call;
    private final long instructionPointer;
    private final long stackPointer;
    /** Tells, for a process id, whether its descriptor table is shared ({@link #sharesDescriptorTable()}). */
    private final IntPredicate sharedTable;
    private final IntConsumer interrupter;
    private TraceeMemory memory;
    /** Bytes of the thread's sealed slot handed out during this call. */
    private int sealedUsed;
    /** Why the argument region could not be mapped for this call, or null. */
    private Errno regionFailure;

    TrappedCall(Tracee tracee, ArgumentRegion region, Syscall call, long instructionPointer, long stackPointer,
                IntPredicate sharedTable, IntConsumer interrupter) {
        this.tracee = tracee;
        this.region = region;
        this.sharedTable = sharedTable;
        this.call = call;
        this.instructionPointer = instructionPointer;
        this.stackPointer = stackPointer;
        this.interrupter = interrupter;
    }

    @Override public int tid() { return tracee.tid; }
    @Override public int pid() { return tracee.pid(); }
    @Override public Syscall call() { return call; }
    @Override public long instructionPointer() { return instructionPointer; }

    @Override
    public TraceeMemory memory() {
        if (memory == null) memory = new ProcessMemory(tracee.tid);
        return memory;
    }

    @Override
    public long scratch(int size) {
        if (size < 0) throw new IllegalArgumentException("negative size");
        return (stackPointer - RED_ZONE - size) & ~15L;
    }

    @Override
    public long sealedScratch(int size) {
        if (size < 0) throw new IllegalArgumentException("negative size");
        if (!region.usable(pid())) {
            throw new ErrnoException(regionFailure != null ? regionFailure : Errno.EFAULT,
                    "no argument region in process " + pid());
        }
        int rounded = (size + 15) & ~15;
        if (sealedUsed + rounded > ArgumentRegion.SLOT_SIZE) {
            throw new IllegalStateException("a call's sealed arguments exceed " + ArgumentRegion.SLOT_SIZE + " bytes");
        }
        long address = region.slot(tracee.tid) + sealedUsed;
        sealedUsed += rounded;
        return address;
    }

    @Override
    public void writeSealed(long address, byte[] data) {
        long start = region.slot(tracee.tid);
        if (address < start || address + data.length > start + sealedUsed) {
            throw new IllegalArgumentException("not sealed scratch handed out during this call: "
                    + Long.toHexString(address));
        }
        region.write(address, data);
    }

    @Override
    public void releaseSealedScratch() {
        sealedUsed = 0;
    }

    void regionFailure(Errno errno) {
        regionFailure = errno;
    }

    @Override
    public int copyDescriptor(int fd) {
        int pidfd = Pidfd.open(tracee.pid());
        try {
            return Pidfd.getfd(pidfd, fd);
        } finally {
            Libc.close(pidfd);
        }
    }

    @Override
    public boolean sharesDescriptorTable() {
        return sharedTable.test(tracee.pid());
    }

    @Override
    public void interrupt(int tid) {
        interrupter.accept(tid);
    }

    @Override
    public String toString() {
        return "[" + tracee.tid + "] " + call;
    }
}
