package dev.jvisor.sentry.abi;

import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.TraceeMemory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The layout of struct user_msghdr (linux/socket.h) and struct mmsghdr, as x86-64 programs
 * hand them to sendmsg(2), recvmsg(2), sendmmsg(2) and recvmmsg(2): byte offsets of each field.
 */
public final class MessageHeader {
    private MessageHeader() {}

    public static final int MSGHDR_NAME = 0;
    public static final int MSGHDR_NAMELEN = 8;
    public static final int MSGHDR_IOV = 16;
    public static final int MSGHDR_IOVLEN = 24;
    public static final int MSGHDR_CONTROL = 32;
    public static final int MSGHDR_CONTROLLEN = 40;
    public static final int MSGHDR_FLAGS = 48;
    public static final int MSGHDR_SIZE = 56;

    /** struct mmsghdr: a msghdr, then the unsigned msg_len, padded to 8 bytes. */
    public static final int MMSGHDR_LEN = 56;
    public static final int MMSGHDR_SIZE = 64;

    /** linux/uio.h: the most iovec entries one message may have (more is EMSGSIZE). */
    public static final int UIO_MAXIOV = 1024;

    /**
     * The program's msghdr at {@code address}, or null when it cannot be read: the kernel
     * then fails the call with EFAULT itself (copy_msghdr_from_user), so it is passed through.
     */
    public static ByteBuffer readOrNull(TraceeMemory memory, long address) {
        try {
            return ByteBuffer.wrap(memory.read(address, MSGHDR_SIZE)).order(ByteOrder.LITTLE_ENDIAN);
        } catch (ErrnoException e) {
            return null;
        }
    }
}
