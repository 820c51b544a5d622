package dev.jvisor.sentry.unix;

import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.TraceeMemory;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A sendmmsg vector that runs into an unmapped page: do_sendmmsg sends the messages it can
 * read. The unix-fuzz probe found a datagram's name in such a vector not readdressed at all
 * (the sentry gave up on the whole vector), so the kernel refused it (ECONNREFUSED) where
 * Linux sent it.
 */
class SendVectorTest {
    private static final long BASE = 0x10000;

    /** {@code mapped} bytes at BASE, each holding its offset's low byte; nothing after. */
    private record Mapped(int mapped) implements TraceeMemory {
        @Override
        public byte[] read(long address, int length) {
            if (address < BASE || address + length > BASE + mapped) throw new ErrnoException(Errno.EFAULT, "read");
            byte[] bytes = new byte[length];
            for (int i = 0; i < length; i++) bytes[i] = (byte) (address - BASE + i);
            return bytes;
        }

        @Override
        public void write(long address, byte[] data) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void aWhollyMappedVectorIsReadWhole() {
        SendVector vector = SendVector.read(new Mapped(8 * 64), BASE, 8);
        assertEquals(8, vector.readable());
        assertEquals(8 * 64, vector.entries().capacity());
    }

    @Test
    void messagesBeforeTheUnmappedPageAreRead() {
        SendVector vector = SendVector.read(new Mapped(4 * 64), BASE, 8);
        assertEquals(4, vector.readable());
        assertEquals(4 * 64, vector.entries().capacity());
        assertEquals((byte) (3 * 64 + 8), vector.entries().get(3 * 64 + 8), "the fourth msghdr's bytes");
    }

    @Test
    void aMsghdrWithoutItsMsgLenIsStillAMessage() {
        SendVector vector = SendVector.read(new Mapped(64 + 56), BASE, 8);
        assertEquals(2, vector.readable());
        assertEquals(0, vector.entries().getInt(64 + 56), "the unreadable msg_len");
    }

    @Test
    void anUnreadableFirstMessageLeavesNothing() {
        assertEquals(0, SendVector.read(new Mapped(40), BASE, 8).readable());
    }
}
