package dev.jvisor.sentry.unix;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RingRestrictionsTest {

    private static ByteBuffer entries(byte[] list) {
        return ByteBuffer.wrap(list).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The (opcode, value) pairs of a list, as "opcode:value". */
    private static Set<String> pairs(byte[] list) {
        Set<String> pairs = new HashSet<>();
        ByteBuffer in = entries(list);
        for (int at = 0; at < list.length; at += RingRestrictions.SIZE) {
            pairs.add(in.getShort(at) + ":" + Byte.toUnsignedInt(in.get(at + 2)));
        }
        return pairs;
    }

    @Test
    void sandboxListAllowsNoSocketOpcodeAndEveryRegisterOpcodeAndFlag() {
        Set<String> list = pairs(RingRestrictions.sandbox());
        // connect, sendmsg, send, socket, bind, listen, accept, recvmsg, uring_cmd: never allowed.
        for (int refused : new int[] {9, 10, 13, 16, 26, 34, 45, 46, 47, 48, 56, 57}) {
            assertFalse(list.contains(RingRestrictions.SQE_OP + ":" + refused), "opcode " + refused);
        }
        // read, write, readv, writev, fsync, nop, timeout, poll, openat, close, recv: allowed.
        for (int allowed : new int[] {0, 1, 2, 3, 6, 11, 18, 19, 22, 23, 27, 62}) {
            assertTrue(list.contains(RingRestrictions.SQE_OP + ":" + allowed), "opcode " + allowed);
        }
        // Nothing past the last opcode of the kernel the list is of: such a list fails whole.
        assertFalse(list.contains(RingRestrictions.SQE_OP + ":63"));
        for (int register = 0; register <= 35; register++) {
            assertTrue(list.contains(RingRestrictions.REGISTER_OP + ":" + register), "register " + register);
        }
        assertTrue(list.contains(RingRestrictions.SQE_FLAGS_ALLOWED + ":255"));
        // Linux 6.18 takes at most 103 entries (IORING_MAX_RESTRICTIONS).
        assertTrue(RingRestrictions.sandbox().length / RingRestrictions.SIZE <= 103);
    }

    /** Linux 6.1 ends at IORING_OP_SENDMSG_ZC (48) and IORING_REGISTER_FILE_ALLOC_RANGE (25). */
    @Test
    void anOlderKernelsListNamesOnlyWhatItHas() {
        Set<String> list = pairs(RingRestrictions.sandbox(48, 25));
        assertTrue(list.contains(RingRestrictions.SQE_OP + ":0") && list.contains(RingRestrictions.SQE_OP + ":44"));
        for (int op = 49; op <= 255; op++) assertFalse(list.contains(RingRestrictions.SQE_OP + ":" + op), "opcode " + op);
        assertTrue(list.contains(RingRestrictions.REGISTER_OP + ":25"));
        assertFalse(list.contains(RingRestrictions.REGISTER_OP + ":26"));
        assertTrue(list.contains(RingRestrictions.SQE_FLAGS_ALLOWED + ":255"));
    }

    /** What the running kernel has, learnt by asking it: never more than the 6.18 list. */
    @Test
    void theRunningKernelsListIsCutToWhatItHas() {
        Set<String> learnt = pairs(RingRestrictions.forThisKernel());
        Set<String> full = pairs(RingRestrictions.sandbox());
        assertTrue(full.containsAll(learnt), learnt::toString);
        assertTrue(learnt.contains(RingRestrictions.SQE_OP + ":22"), "IORING_OP_READ: " + learnt);
    }

    @Test
    void narrowedDropsRefusedOpcodesAndKeepsTheRest() {
        ByteBuffer list = ByteBuffer.allocate(5 * RingRestrictions.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        int[][] given = {{RingRestrictions.SQE_OP, 16}, {RingRestrictions.SQE_OP, 22},
                {RingRestrictions.REGISTER_OP, 12}, {RingRestrictions.SQE_OP, 200}, {7, 1}};
        for (int i = 0; i < given.length; i++) {
            list.putShort(i * RingRestrictions.SIZE, (short) given[i][0]);
            list.put(i * RingRestrictions.SIZE + 2, (byte) given[i][1]);
            list.put(i * RingRestrictions.SIZE + 3, (byte) 9);   // resv, kept as given: the kernel's to judge
        }
        byte[] narrowed = RingRestrictions.narrowed(list.array());
        assertEquals(4 * RingRestrictions.SIZE, narrowed.length);
        assertEquals(Set.of("1:22", "0:12", "1:255", "7:1"), pairs(narrowed));
        assertEquals(9, entries(narrowed).get(3));
    }
}
