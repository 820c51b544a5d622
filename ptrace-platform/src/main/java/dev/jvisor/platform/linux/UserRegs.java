package dev.jvisor.platform.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** struct user_regs_struct of x86-64 (sys/user.h), as PTRACE_GETREGS/SETREGS move it. */
public final class UserRegs {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("r15"), JAVA_LONG.withName("r14"), JAVA_LONG.withName("r13"),
            JAVA_LONG.withName("r12"), JAVA_LONG.withName("rbp"), JAVA_LONG.withName("rbx"),
            JAVA_LONG.withName("r11"), JAVA_LONG.withName("r10"), JAVA_LONG.withName("r9"),
            JAVA_LONG.withName("r8"), JAVA_LONG.withName("rax"), JAVA_LONG.withName("rcx"),
            JAVA_LONG.withName("rdx"), JAVA_LONG.withName("rsi"), JAVA_LONG.withName("rdi"),
            JAVA_LONG.withName("orig_rax"), JAVA_LONG.withName("rip"), JAVA_LONG.withName("cs"),
            JAVA_LONG.withName("eflags"), JAVA_LONG.withName("rsp"), JAVA_LONG.withName("ss"),
            JAVA_LONG.withName("fs_base"), JAVA_LONG.withName("gs_base"), JAVA_LONG.withName("ds"),
            JAVA_LONG.withName("es"), JAVA_LONG.withName("fs"), JAVA_LONG.withName("gs"));

    /** Byte offsets for PTRACE_POKEUSER, which addresses struct user, whose first member this is. */
    public static final long OFFSET_RAX = LAYOUT.byteOffset(groupElement("rax"));
    public static final long OFFSET_ORIG_RAX = LAYOUT.byteOffset(groupElement("orig_rax"));

    private static final VarHandle RAX = field("rax");
    private static final VarHandle ORIG_RAX = field("orig_rax");
    private static final VarHandle RIP = field("rip");
    private static final VarHandle RSP = field("rsp");
    /** The syscall argument registers of the x86-64 ABI, in argument order. */
    private static final VarHandle[] ARGS = {
        field("rdi"), field("rsi"), field("rdx"), field("r10"), field("r8"), field("r9"),
    };

    private final MemorySegment segment;

    private UserRegs(MemorySegment segment) {
        this.segment = segment;
    }

    /** Registers in memory owned by {@code arena}. */
    public static UserRegs allocate(Arena arena) {
        return new UserRegs(arena.allocate(LAYOUT));
    }

    MemorySegment segment() {
        return segment;
    }

    public void copyFrom(UserRegs other) {
        segment.copyFrom(other.segment);
    }

    public long rax() { return (long) RAX.get(segment, 0L); }
    public void setRax(long value) { RAX.set(segment, 0L, value); }
    public long origRax() { return (long) ORIG_RAX.get(segment, 0L); }
    public void setOrigRax(long value) { ORIG_RAX.set(segment, 0L, value); }
    public long rip() { return (long) RIP.get(segment, 0L); }
    public void setRip(long value) { RIP.set(segment, 0L, value); }
    public long rsp() { return (long) RSP.get(segment, 0L); }

    /** Syscall argument {@code index} (0..5). */
    public long arg(int index) { return (long) ARGS[index].get(segment, 0L); }
    public void setArg(int index, long value) { ARGS[index].set(segment, 0L, value); }

    private static VarHandle field(String name) {
        return LAYOUT.varHandle(groupElement(name));
    }
}
