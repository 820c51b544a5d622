package dev.jvisor.platform.linux;

import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ErrnoException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * process_vm_readv(2) and process_vm_writev(2): another process's memory, one range at a
 * time. They honour page protections as the kernel's own copy_to_user does, so a write to a
 * read-only page fails like the program's own syscall would.
 */
public final class ProcessVm {
    private static final MethodHandle READV = NativeLinker.withErrno("process_vm_readv",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle WRITEV = NativeLinker.withErrno("process_vm_writev",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG));

    private ProcessVm() {}

    /**
     * Copies {@code local.byteSize()} bytes from {@code remote} in process {@code pid} into
     * {@code local}. A range that is not wholly readable fails with EFAULT.
     */
    public static void read(int pid, long remote, MemorySegment local) {
        transfer(READV, "process_vm_readv", pid, remote, local);
    }

    /** Copies {@code local} to {@code remote} in process {@code pid}; EFAULT unless wholly writable. */
    public static void write(int pid, long remote, MemorySegment local) {
        transfer(WRITEV, "process_vm_writev", pid, remote, local);
    }

    private static void transfer(MethodHandle call, String name, int pid, long remote, MemorySegment local) {
        long length = local.byteSize();
        if (length == 0) return;
        long done;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment localIov = arena.allocate(Iovec.LAYOUT);
            MemorySegment remoteIov = arena.allocate(Iovec.LAYOUT);
            Iovec.set(localIov, local.address(), length);
            Iovec.set(remoteIov, remote, length);
            done = NativeLinker.checked(name,
                    () -> (long) call.invokeExact(NativeLinker.callState(), pid, localIov, 1L, remoteIov, 1L, 0L));
        }
        // A partial transfer stops at the first unmapped or protected page.
        if (done != length) throw new ErrnoException(Errno.EFAULT, name);
    }
}
