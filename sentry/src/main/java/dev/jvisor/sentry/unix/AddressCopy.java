package dev.jvisor.sentry.unix;

import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.TraceeMemory;

import java.util.Arrays;

/** Socket addresses between the sentry and a tracee's memory, by the kernel's rules. */
final class AddressCopy {
    private AddressCopy() {}

    /**
     * net/socket.c: move_addr_to_kernel. The bytes of an address argument: EINVAL for a
     * length below 0 or above sizeof(struct sockaddr_storage), EFAULT for a bad pointer.
     */
    static byte[] fromTracee(TraceeMemory memory, long address, long length) {
        int len = (int) length;
        if (len < 0 || len > UnixAddress.STORAGE_LENGTH) throw new ErrnoException(Errno.EINVAL, "sockaddr");
        if (len == 0) return new byte[0];
        return memory.read(address, len);
    }

    /**
     * net/socket.c: move_addr_to_user. Copies as much of {@code encoded} as the tracee's
     * length allows and stores the full length: EINVAL for a negative length, EFAULT for a
     * bad pointer.
     */
    static void toTracee(TraceeMemory memory, byte[] encoded, long address, long lengthAddress) {
        toTracee(memory, encoded, address, lengthAddress, memory.readInt(lengthAddress));
    }

    /** The same with the tracee's length already read ({@code room}). */
    static void toTracee(TraceeMemory memory, byte[] encoded, long address, long lengthAddress, int room) {
        int len = Math.min(room, encoded.length);
        if (len < 0) throw new ErrnoException(Errno.EINVAL, "socklen");
        if (len > 0) memory.write(address, Arrays.copyOf(encoded, len));
        memory.writeInt(lengthAddress, encoded.length);
    }
}
