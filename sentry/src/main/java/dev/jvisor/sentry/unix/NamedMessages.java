package dev.jvisor.sentry.unix;

import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.TraceeMemory;

import java.nio.ByteBuffer;
import java.util.Arrays;

import static dev.jvisor.sentry.abi.MessageHeader.MSGHDR_NAMELEN;
import static dev.jvisor.sentry.abi.MessageHeader.MMSGHDR_SIZE;

/**
 * Which messages of one piece of a recvmmsg vector get a sentry buffer for their sender's
 * name: {@code swapped} (their indexes, in order), the program's msg_name ({@code names})
 * and msg_namelen ({@code rooms}) of each message, and {@code end}, how many messages the
 * kernel is given: all of them, or up to and including the first whose name buffer is
 * {@code unwritable} (-1 if none) when the sentry must answer for it, or whose msg_namelen is
 * negative (the kernel's EINVAL, __copy_msghdr).
 */
record NamedMessages(ByteBuffer vector, int[] swapped, int[] rooms, long[] names, int end, int unwritable) {
    /** A sender's name room in the sentry's buffers (a name is at most 111 bytes: unix_mkname_bsd). */
    static final int SENDER_ROOM = 112;

    static NamedMessages plan(TraceeMemory memory, ByteBuffer vector, int count, boolean stopAtUnwritable) {
        int[] swapped = new int[count];
        int[] rooms = new int[count];
        long[] names = new long[count];
        int swaps = 0, end = count, unwritable = -1;
        for (int i = 0; i < count; i++) {
            names[i] = vector.getLong(i * MMSGHDR_SIZE);
            rooms[i] = vector.getInt(i * MMSGHDR_SIZE + MSGHDR_NAMELEN);
            if (names[i] == 0) continue;
            if (rooms[i] < 0) {
                end = i + 1;
                break;
            }
            if (!writable(memory, names[i], Math.min(rooms[i], SENDER_ROOM))) {
                if (!stopAtUnwritable) continue; // the kernel fails it when Linux does
                end = i + 1;
                unwritable = i;
                break;
            }
            swapped[swaps++] = i;
        }
        return new NamedMessages(vector, Arrays.copyOf(swapped, swaps), rooms, names, end, unwritable);
    }

    /** How many of the first {@code received} messages have a sentry buffer. */
    int swappedBefore(int received) {
        int k = 0;
        while (k < swapped.length && swapped[k] < received) k++;
        return k;
    }

    /** Linux writes a name only where it can: the bytes of the room, read and written back. */
    private static boolean writable(TraceeMemory memory, long address, int length) {
        if (length <= 0) return true;
        try {
            memory.write(address, memory.read(address, length));
            return true;
        } catch (ErrnoException e) {
            return false;
        }
    }
}
