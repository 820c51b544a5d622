package dev.jvisor.platform.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.PathElement.sequenceElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * struct ptrace_syscall_info (linux/ptrace.h) as PTRACE_GET_SYSCALL_INFO fills it at a
 * seccomp stop: the union holds its {@code seccomp} member, the largest one.
 */
public final class PtraceSyscallInfo {
    /** Values of {@code op}. */
    public static final int OP_NONE = 0;
    public static final int OP_ENTRY = 1;
    public static final int OP_EXIT = 2;
    public static final int OP_SECCOMP = 3;

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_BYTE.withName("op"),
            MemoryLayout.paddingLayout(3),
            JAVA_INT.withName("arch"),
            JAVA_LONG.withName("instruction_pointer"),
            JAVA_LONG.withName("stack_pointer"),
            MemoryLayout.structLayout(
                    JAVA_LONG.withName("nr"),
                    MemoryLayout.sequenceLayout(6, JAVA_LONG).withName("args"),
                    JAVA_INT.withName("ret_data"),
                    MemoryLayout.paddingLayout(4)).withName("seccomp"));

    private static final VarHandle OP = LAYOUT.varHandle(groupElement("op"));
    private static final VarHandle ARCH = LAYOUT.varHandle(groupElement("arch"));
    private static final VarHandle IP = LAYOUT.varHandle(groupElement("instruction_pointer"));
    private static final VarHandle SP = LAYOUT.varHandle(groupElement("stack_pointer"));
    private static final VarHandle NR = LAYOUT.varHandle(groupElement("seccomp"), groupElement("nr"));
    private static final VarHandle ARGS =
            LAYOUT.varHandle(groupElement("seccomp"), groupElement("args"), sequenceElement());

    private final MemorySegment segment;

    private PtraceSyscallInfo(MemorySegment segment) {
        this.segment = segment;
    }

    public static PtraceSyscallInfo allocate(Arena arena) {
        return new PtraceSyscallInfo(arena.allocate(LAYOUT));
    }

    MemorySegment segment() {
        return segment;
    }

    public int op() { return Byte.toUnsignedInt((byte) OP.get(segment, 0L)); }
    public int arch() { return (int) ARCH.get(segment, 0L); }
    public long instructionPointer() { return (long) IP.get(segment, 0L); }
    public long stackPointer() { return (long) SP.get(segment, 0L); }
    public long nr() { return (long) NR.get(segment, 0L); }
    public long arg(int index) { return (long) ARGS.get(segment, 0L, (long) index); }
}
