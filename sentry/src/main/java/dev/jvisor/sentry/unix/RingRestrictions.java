package dev.jvisor.sentry.unix;

import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.linux.IoUring;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Set;

/**
 * What a sandbox's io_uring ring may do: the restrictions (IORING_REGISTER_RESTRICTIONS,
 * struct io_uring_restriction of include/uapi/linux/io_uring.h) that every ring carries
 * before it is enabled. An operation a ring makes never passes through seccomp, and so never
 * reaches the sentry: the operations that name, resolve or report an AF_UNIX address, or
 * that the sentry traps as syscalls, are refused whole (the kernel restricts by opcode, not
 * by argument or socket family), and complete with EACCES in their CQE
 * (io_uring/io_uring.c: io_check_restriction).
 *
 * <p>The allowed opcodes are listed, not the refused ones: an opcode a later kernel adds is
 * refused until it is looked at. The list is of Linux 6.18 (IORING_OP_PIPE the last), cut to
 * what the running kernel has ({@link #sandbox(int, int)}): a kernel refuses a whole list that
 * names an opcode it lacks (io_parse_restrictions: EINVAL), and its rings could not be
 * enabled.
 */
final class RingRestrictions {
    /** sizeof(struct io_uring_restriction). */
    static final int SIZE = 16;
    static final int REGISTER_OP = 0;
    static final int SQE_OP = 1;
    static final int SQE_FLAGS_ALLOWED = 2;

    /**
     * Refused, each for what it does with an AF_UNIX socket: SENDMSG (9), SEND (26, a
     * destination in addr2 since Linux 6.0), SEND_ZC (47) and SENDMSG_ZC (48) name a
     * destination; RECVMSG (10) reports the sender's kernel name (a hidden name under jvisor);
     * ACCEPT (13) reports the peer's; CONNECT (16), BIND (56) and LISTEN (57) name the socket's
     * peer or its own name; SOCKET (45) makes a datagram socket past the trap that arms the
     * send traps; SHUTDOWN (34) is trapped as a syscall; URING_CMD (46) carries socket
     * commands (getsockopt, setsockopt: SO_PEERNAME reports a kernel name) and URING_CMD128
     * (64) the same.
     */
    static final Set<Integer> REFUSED = Set.of(9, 10, 13, 16, 26, 34, 45, 46, 47, 48, 56, 57, 64);

    /** IORING_OP_PIPE: the last opcode of Linux 6.18. */
    static final int LAST_KNOWN_OPCODE = 62;

    /** IORING_REGISTER_QUERY: the last register opcode of Linux 6.18; all are allowed. */
    static final int LAST_REGISTER_OPCODE = 35;

    private RingRestrictions() {}

    /** Whether a ring under jvisor may run SQEs of {@code opcode}. */
    static boolean allowed(int opcode) {
        return opcode >= 0 && opcode <= LAST_KNOWN_OPCODE && !REFUSED.contains(opcode);
    }

    /**
     * jvisor's restrictions: every allowed opcode, every register opcode (a restricted ring
     * refuses the others with EACCES, io_uring/register.c: __io_uring_register), and every
     * SQE flag (a restricted ring allows only those listed).
     */
    static byte[] sandbox() {
        return sandbox(LAST_KNOWN_OPCODE, LAST_REGISTER_OPCODE);
    }

    /**
     * jvisor's restrictions on a kernel whose last SQE opcode is {@code kernelLastOpcode} and
     * last register opcode {@code kernelLastRegisterOpcode} (an older kernel's, say): the
     * opcodes it lacks are left out, since it would refuse the list for them.
     */
    static byte[] sandbox(int kernelLastOpcode, int kernelLastRegisterOpcode) {
        int lastOpcode = Math.min(LAST_KNOWN_OPCODE, kernelLastOpcode);
        int lastRegister = Math.min(LAST_REGISTER_OPCODE, kernelLastRegisterOpcode);
        int count = 0;
        for (int op = 0; op <= lastOpcode; op++) if (allowed(op)) count++;
        count += Math.max(lastRegister + 1, 0) + 1;
        ByteBuffer list = ByteBuffer.allocate(count * SIZE).order(ByteOrder.LITTLE_ENDIAN);
        int at = 0;
        for (int op = 0; op <= lastOpcode; op++) {
            if (allowed(op)) put(list, at++, SQE_OP, op);
        }
        for (int op = 0; op <= lastRegister; op++) put(list, at++, REGISTER_OP, op);
        put(list, at, SQE_FLAGS_ALLOWED, 0xff);
        return list.array();
    }

    /**
     * A program's own restrictions ({@code raw}, whole entries), less the SQE opcodes jvisor
     * refuses: the ring then allows no more than the program asked and no more than jvisor's.
     * Every other entry stays as it was, so that the kernel answers a bad one as it would;
     * an opcode past those known becomes one that no kernel has.
     */
    static byte[] narrowed(byte[] raw) {
        ByteBuffer in = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer out = ByteBuffer.allocate(raw.length).order(ByteOrder.LITTLE_ENDIAN);
        int kept = 0;
        for (int at = 0; at + SIZE <= raw.length; at += SIZE) {
            int opcode = Short.toUnsignedInt(in.getShort(at));
            int op = Byte.toUnsignedInt(in.get(at + 2));
            if (opcode == SQE_OP && !allowed(op) && op <= LAST_KNOWN_OPCODE) continue;
            out.put(kept * SIZE, raw, at, SIZE);
            // An opcode past those known may be a socket operation of a later kernel: 255, which
            // no kernel has (the field is a byte and IORING_OP_LAST counts past the last), fails
            // the list with EINVAL as an opcode past this kernel's last does.
            if (opcode == SQE_OP && op > LAST_KNOWN_OPCODE) out.put(kept * SIZE + 2, (byte) 0xff);
            kept++;
        }
        byte[] result = new byte[kept * SIZE];
        out.get(0, result);
        return result;
    }

    /**
     * The restrictions for the running kernel: its last opcode by IORING_REGISTER_PROBE, its
     * last register opcode by asking for each (one disabled ring a question, a binary search:
     * about 0.2 ms, once). When this process may make no ring (io_uring disabled), Linux 6.18's:
     * the program gets no ring either.
     */
    static byte[] forThisKernel() {
        int lastOpcode;
        try {
            lastOpcode = IoUring.lastOpcode();
        } catch (ErrnoException e) {
            return sandbox();
        }
        int low = -1, high = LAST_REGISTER_OPCODE;
        // Invariant: opcodes up to low are known to be there, those past high are not.
        while (low < high) {
            int middle = (low + high + 1) / 2;
            if (IoUring.hasRegisterOpcode(middle)) low = middle;
            else high = middle - 1;
        }
        return sandbox(lastOpcode, low);
    }

    private static void put(ByteBuffer list, int index, int opcode, int value) {
        list.putShort(index * SIZE, (short) opcode);
        list.put(index * SIZE + 2, (byte) value);
    }
}
