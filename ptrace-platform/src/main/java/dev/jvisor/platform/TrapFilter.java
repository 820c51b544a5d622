package dev.jvisor.platform;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A seccomp filter that traps more calls (SECCOMP_RET_TRACE) in a process that is already
 * running, installed by an injected seccomp(2). Filters stack: the kernel runs every filter
 * of the thread and takes the most restrictive answer (seccomp(2): "the return value with
 * the highest precedence"), so this one only adds traps to the launcher's filter, whose
 * ENOSYS answers still win. SECCOMP_FILTER_FLAG_TSYNC gives it to every thread of the
 * process at once; children inherit it and it survives execve.
 *
 * <p>Layout in tracee memory: a {@code struct sock_fprog} (length, padding, pointer), then
 * the instructions.
 */
public final class TrapFilter {
    private static final int SECCOMP_SET_MODE_FILTER = 1;
    private static final int SECCOMP_FILTER_FLAG_TSYNC = 1;
    private static final int AUDIT_ARCH_X86_64 = 0xc000003e;
    private static final int SECCOMP_RET_ALLOW = 0x7fff0000;
    private static final int SECCOMP_RET_TRACE = 0x7ff00000;
    /** struct seccomp_data: nr at 0, arch at 4. */
    private static final int DATA_NR = 0;
    private static final int DATA_ARCH = 4;
    /** args[0], its low word (x86-64 is little-endian). */
    private static final int DATA_ARG0 = 16;
    private static final short BPF_LD_W_ABS = 0x20;
    private static final short BPF_JMP_JEQ_K = 0x15;
    private static final short BPF_RET_K = 0x06;
    private static final int FPROG_SIZE = 16;
    private static final int INSTRUCTION_SIZE = 8;

    private final int[] numbers;
    /** The descriptor the calls must name in their first argument to be trapped; -1 for any. */
    private final int descriptor;

    private TrapFilter(int[] numbers, int descriptor) {
        this.numbers = numbers.clone();
        this.descriptor = descriptor;
    }

    /** A filter that traps the calls {@code numbers} and allows everything else. */
    public static TrapFilter trapping(int... numbers) {
        if (numbers.length == 0 || numbers.length > 200) throw new IllegalArgumentException("1 to 200 calls");
        return new TrapFilter(numbers, -1);
    }

    /**
     * A filter that traps the calls {@code numbers} made on descriptor {@code fd} (their first
     * argument, whose low 32 bits alone the kernel reads: the descriptor calls declare it
     * {@code int} or {@code unsigned int}) and allows everything else.
     */
    public static TrapFilter trappingOn(int fd, int... numbers) {
        if (numbers.length == 0 || numbers.length > 200) throw new IllegalArgumentException("1 to 200 calls");
        if (fd < 0) throw new IllegalArgumentException("descriptor " + fd);
        return new TrapFilter(numbers, fd);
    }

    /** Bytes of tracee memory {@link #image} needs. */
    public int size() {
        return FPROG_SIZE + instructionCount() * INSTRUCTION_SIZE;
    }

    private int instructionCount() {
        return 3 + numbers.length + (descriptor < 0 ? 2 : 5);
    }

    /** The sock_fprog and its instructions, to be written at {@code address}. */
    public byte[] image(long address) {
        int count = instructionCount();
        int allow = descriptor < 0 ? count - 2 : 3 + numbers.length;
        int trace = count - 1;
        // With a descriptor, a listed call goes on to the argument's check; without, it is trapped.
        int listed = descriptor < 0 ? trace : allow + 1;
        ByteBuffer out = ByteBuffer.allocate(size()).order(ByteOrder.LITTLE_ENDIAN);
        out.putShort((short) count).putShort((short) 0).putInt(0).putLong(address + FPROG_SIZE);
        int at = 0;
        // Calls of another ABI are the launcher filter's (ENOSYS); this one lets them be.
        put(out, BPF_LD_W_ABS, 0, 0, DATA_ARCH);
        at++;
        put(out, BPF_JMP_JEQ_K, 0, allow - at - 1, AUDIT_ARCH_X86_64);
        at++;
        put(out, BPF_LD_W_ABS, 0, 0, DATA_NR);
        at++;
        for (int number : numbers) {
            put(out, BPF_JMP_JEQ_K, listed - at - 1, 0, number);
            at++;
        }
        put(out, BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW);
        at++;
        if (descriptor >= 0) {
            put(out, BPF_LD_W_ABS, 0, 0, DATA_ARG0);
            at++;
            put(out, BPF_JMP_JEQ_K, trace - at - 1, 0, descriptor);
            at++;
            put(out, BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW);
        }
        put(out, BPF_RET_K, 0, 0, SECCOMP_RET_TRACE);
        return out.array();
    }

    /**
     * The call that installs the filter written at {@code address}: it returns 0, or a
     * thread's id when that thread could not take the filter (it has a filter of its own
     * that this process's others lack), or an error.
     */
    public Syscall installCall(long address) {
        return Syscall.of(Sysno.SECCOMP, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, address);
    }

    private static void put(ByteBuffer out, short code, int jumpIfTrue, int jumpIfFalse, int k) {
        out.putShort(code).put((byte) jumpIfTrue).put((byte) jumpIfFalse).putInt(k);
    }
}
