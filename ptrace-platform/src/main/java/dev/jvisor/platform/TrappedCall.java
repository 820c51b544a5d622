package dev.jvisor.platform;

import dev.jvisor.platform.linux.Pidfd;

import java.util.function.IntConsumer;

/** The {@link SyscallStop} of one trapped call. */
final class TrappedCall implements SyscallStop {
    /** The x86-64 ABI lets a function use 128 bytes below %rsp without moving it. */
    private static final long RED_ZONE = 128;

    private final Tracee tracee;
    private final Syscall call;
    private final long instructionPointer;
    private final long stackPointer;
    private final IntConsumer interrupter;
    private TraceeMemory memory;

    TrappedCall(Tracee tracee, Syscall call, long instructionPointer, long stackPointer, IntConsumer interrupter) {
        this.tracee = tracee;
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
    public int copyDescriptor(int fd) {
        int pidfd = Pidfd.open(tracee.pid());
        try {
            return Pidfd.getfd(pidfd, fd);
        } finally {
            Pidfd.close(pidfd);
        }
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
