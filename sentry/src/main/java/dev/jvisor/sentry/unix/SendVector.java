package dev.jvisor.sentry.unix;

import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.TraceeMemory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static dev.jvisor.sentry.abi.MessageHeader.MSGHDR_SIZE;
import static dev.jvisor.sentry.abi.MessageHeader.MMSGHDR_SIZE;

/**
 * The part of a sendmmsg(2) vector that the kernel could read. net/socket.c, do_sendmmsg,
 * copies each message's msghdr only when it reaches that message, so a vector that runs
 * into an unmapped page fails at the first message it cannot read: the messages before it
 * are sent, and the call returns their count (the EFAULT only when no message was sent).
 *
 * @param entries  the readable messages' mmsghdrs, their msg_len zero where it was not readable
 * @param readable how many messages, from the first, have a readable msghdr
 */
record SendVector(ByteBuffer entries, int readable) {

    /** The first {@code count} messages at {@code address}, up to the first unreadable msghdr. */
    static SendVector read(TraceeMemory memory, long address, int count) {
        try {
            return new SendVector(wrap(memory.read(address, count * MMSGHDR_SIZE)), count);
        } catch (ErrnoException e) {
            // Some message is unreadable: read them one by one.
        }
        byte[] bytes = new byte[count * MMSGHDR_SIZE];
        int readable = 0;
        for (; readable < count; readable++) {
            byte[] header;
            try {
                header = memory.read(address + (long) readable * MMSGHDR_SIZE, MSGHDR_SIZE);
            } catch (ErrnoException e) {
                break;
            }
            System.arraycopy(header, 0, bytes, readable * MMSGHDR_SIZE, MSGHDR_SIZE);
        }
        return new SendVector(wrap(Arrays.copyOf(bytes, readable * MMSGHDR_SIZE)), readable);
    }

    private static ByteBuffer wrap(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
