package dev.jvisor.platform.linux;

import dev.jvisor.platform.ErrnoException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * io_uring_setup(2) and io_uring_register(2), in this process: to learn which operations the
 * running kernel has (include/uapi/linux/io_uring.h).
 */
public final class IoUring {
    private static final long SYS_IO_URING_SETUP = 425;
    private static final long SYS_IO_URING_REGISTER = 427;
    private static final long SYS_CLOSE = 3;
    /** sizeof(struct io_uring_params). */
    private static final long PARAMS_SIZE = 120;
    private static final int PARAMS_FLAGS_OFFSET = 8;
    private static final int SETUP_R_DISABLED = 1 << 6;
    private static final int REGISTER_PROBE = 8;
    private static final int REGISTER_RESTRICTIONS = 11;
    private static final int RESTRICTION_REGISTER_OP = 0;
    /** sizeof(struct io_uring_probe) with 256 struct io_uring_probe_op of 8 bytes. */
    private static final long PROBE_SIZE = 16 + 256 * 8;
    private static final int PROBE_OPS = 256;

    private IoUring() {}

    /**
     * The last SQE opcode the kernel has (IORING_REGISTER_PROBE's last_op).
     *
     * @throws ErrnoException when this kernel or its policy gives no ring (ENOSYS, EPERM)
     */
    public static int lastOpcode() {
        try (Arena arena = Arena.ofConfined()) {
            int fd = setup(arena, 0);
            try {
                MemorySegment probe = arena.allocate(PROBE_SIZE);
                NativeLinker.syscall("io_uring_register", SYS_IO_URING_REGISTER, fd, REGISTER_PROBE, probe.address(),
                        PROBE_OPS, 0, 0);
                return Byte.toUnsignedInt(probe.get(JAVA_BYTE, 0));
            } finally {
                NativeLinker.syscall("close", SYS_CLOSE, fd, 0, 0);
            }
        }
    }

    /**
     * Whether the kernel accepts IORING_RESTRICTION_REGISTER_OP {@code opcode}: it refuses a
     * list that names a register opcode it does not have (io_uring/register.c:
     * io_parse_restrictions, EINVAL). One disabled ring per question: a ring takes one list.
     */
    public static boolean hasRegisterOpcode(int opcode) {
        try (Arena arena = Arena.ofConfined()) {
            int fd = setup(arena, SETUP_R_DISABLED);
            try {
                MemorySegment restriction = arena.allocate(16);
                restriction.set(JAVA_SHORT, 0, (short) RESTRICTION_REGISTER_OP);
                restriction.set(JAVA_BYTE, 2, (byte) opcode);
                NativeLinker.syscall("io_uring_register", SYS_IO_URING_REGISTER, fd, REGISTER_RESTRICTIONS,
                        restriction.address(), 1, 0, 0);
                return true;
            } catch (ErrnoException e) {
                return false;
            } finally {
                NativeLinker.syscall("close", SYS_CLOSE, fd, 0, 0);
            }
        }
    }

    private static int setup(Arena arena, int flags) {
        MemorySegment params = arena.allocate(PARAMS_SIZE);
        params.set(JAVA_INT, PARAMS_FLAGS_OFFSET, flags);
        return (int) NativeLinker.syscall("io_uring_setup", SYS_IO_URING_SETUP, 1, params.address(), 0);
    }
}
