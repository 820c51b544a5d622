package dev.jvisor.platform.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * memfd_create(2), its seals (fcntl(2) F_ADD_SEALS) and mmap(2) of it in this process: memory
 * that the sentry writes through its own mapping while tracees map it read-only.
 */
public final class SharedMemory {
    public static final int MFD_CLOEXEC = 0x1;
    public static final int MFD_ALLOW_SEALING = 0x2;
    /** fcntl(2) file seals, linux/fcntl.h. */
    public static final int F_SEAL_SEAL = 0x1;
    public static final int F_SEAL_SHRINK = 0x2;
    public static final int F_SEAL_GROW = 0x4;
    public static final int F_SEAL_WRITE = 0x8;
    public static final int F_SEAL_FUTURE_WRITE = 0x10;
    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    public static final int MAP_SHARED = 0x1;
    public static final int MAP_FIXED_NOREPLACE = 0x100000;

    private static final int F_ADD_SEALS = 1033;

    private static final long SYS_MMAP = 9;
    private static final long SYS_FCNTL = 72;
    private static final long SYS_FTRUNCATE = 77;
    private static final long SYS_MEMFD_CREATE = 319;

    private SharedMemory() {}

    /** memfd_create(2) of {@code size} bytes (sparse: pages exist once written). */
    public static int create(String name, long size, int flags) {
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocateFrom(name);
            fd = (int) NativeLinker.syscall("memfd_create", SYS_MEMFD_CREATE, text.address(), flags, 0);
        }
        NativeLinker.syscall("ftruncate", SYS_FTRUNCATE, fd, size, 0);
        return fd;
    }

    /** fcntl(fd, F_ADD_SEALS, seals). */
    public static void addSeals(int fd, int seals) {
        NativeLinker.syscall("fcntl(F_ADD_SEALS)", SYS_FCNTL, fd, F_ADD_SEALS, seals);
    }

    /**
     * A shared, writable mapping of the whole of {@code fd} ({@code size} bytes) in this
     * process, for as long as the JVM lives.
     */
    public static MemorySegment mapWritable(int fd, long size) {
        long address = NativeLinker.syscall("mmap", SYS_MMAP, 0, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        return MemorySegment.ofAddress(address).reinterpret(size);
    }
}
