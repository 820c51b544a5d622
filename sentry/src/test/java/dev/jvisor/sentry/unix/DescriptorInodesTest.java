package dev.jvisor.sentry.unix;

import dev.jvisor.platform.linux.Libc;
import dev.jvisor.platform.linux.Socket;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A descriptor argument as the kernel reads it: the socket calls take an {@code int}, the low
 * 32 bits of the register. The unix-fuzz probe found {@code getsockname(fd + 2^32)} answered
 * by the kernel with a listener's hidden name, and {@code bind(fd + 2^32, name)} binding the
 * kernel socket to the program's own name, because the sentry looked for descriptor
 * 4294967300 and left the call to the kernel.
 */
class DescriptorInodesTest {
    private static final int AF_UNIX = 1;

    @Test
    void bitsAbove32AreNotPartOfTheDescriptor() {
        int tid = (int) ProcessHandle.current().pid();
        int fd = Socket.socket(AF_UNIX, Socket.SOCK_DGRAM | Socket.SOCK_CLOEXEC, 0);
        try {
            long inode = DescriptorInodes.socketInode(tid, fd);
            assertTrue(inode > 0, "a socket's inode");
            assertEquals(inode, DescriptorInodes.socketInode(tid, (1L << 32) | fd));
            assertEquals(inode, DescriptorInodes.socketInode(tid, 0xffffffff00000000L | fd));
            assertEquals(-1, DescriptorInodes.socketInode(tid, 0xffffffffL), "the int -1");
            assertEquals(-1, DescriptorInodes.socketInode(tid, -1L));
        } finally {
            Libc.close(fd);
        }
    }
}
