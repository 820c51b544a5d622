package dev.jvisor.platform;

/**
 * The memory of a stopped tracee. A range that is not wholly mapped with the needed
 * access fails with {@code ErrnoException(EFAULT)}, which the platform turns into the
 * program's EFAULT when a handler lets it escape.
 */
public interface TraceeMemory {
    byte[] read(long address, int length);

    void write(long address, byte[] data);

    default int readInt(long address) {
        return java.nio.ByteBuffer.wrap(read(address, 4)).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
    }

    default long readLong(long address) {
        return java.nio.ByteBuffer.wrap(read(address, 8)).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    }

    default void writeInt(long address, int value) {
        write(address, java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(value).array());
    }
}
