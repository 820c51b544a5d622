package dev.jvisor.platform.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

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
    public static final int F_SEAL_FUTURE_WRITE = 0x10;
    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    public static final int MAP_SHARED = 0x1;
    public static final int MAP_FIXED_NOREPLACE = 0x100000;

    private static final int F_ADD_SEALS = 1033;
    private static final long MAP_FAILED = -1L;

    private static final MethodHandle MEMFD_CREATE = NativeLinker.withErrno("memfd_create",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FTRUNCATE = NativeLinker.withErrno("ftruncate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle FCNTL_INT = NativeLinker.withErrno("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle MMAP = NativeLinker.withErrno("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));

    private SharedMemory() {}

    /** memfd_create(2) of {@code size} bytes (sparse: pages exist once written). */
    public static int create(String name, long size, int flags) {
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocateFrom(name);
            fd = (int) NativeLinker.checked("memfd_create",
                    () -> (int) MEMFD_CREATE.invokeExact(NativeLinker.callState(), text, flags));
        }
        NativeLinker.checked("ftruncate", () -> (int) FTRUNCATE.invokeExact(NativeLinker.callState(), fd, size));
        return fd;
    }

    /** fcntl(fd, F_ADD_SEALS, seals). */
    public static void addSeals(int fd, int seals) {
        NativeLinker.checked("fcntl(F_ADD_SEALS)",
                () -> (int) FCNTL_INT.invokeExact(NativeLinker.callState(), fd, F_ADD_SEALS, seals));
    }

    /**
     * A shared, writable mapping of the whole of {@code fd} ({@code size} bytes) in this
     * process, for as long as the JVM lives.
     */
    public static MemorySegment mapWritable(int fd, long size) {
        MemorySegment address;
        try {
            address = (MemorySegment) MMAP.invokeExact(NativeLinker.callState(), MemorySegment.NULL, size,
                    PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0L);
        } catch (Throwable t) {
            throw NativeLinker.unexpected(t);
        }
        if (address.address() == MAP_FAILED) throw NativeLinker.failure("mmap");
        return address.reinterpret(size);
    }
}
