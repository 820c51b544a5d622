package dev.jvisor.platform.linux;

import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ErrnoException;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
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

    private static final long IOVECS = 2 * Iovec.LAYOUT.byteSize();

    private ProcessVm() {}

    /**
     * {@code length} bytes from {@code remote} in process {@code pid}. A range that is not
     * wholly readable fails with EFAULT.
     */
    public static byte[] read(int pid, long remote, int length) {
        if (length == 0) return new byte[0];
        MemorySegment buffer = CallBuffer.of(IOVECS + length);
        MemorySegment data = buffer.asSlice(IOVECS, length);
        transfer(READV, "process_vm_readv", pid, remote, buffer, data);
        return data.toArray(JAVA_BYTE);
    }

    /** Copies {@code data} to {@code remote} in process {@code pid}; EFAULT unless wholly writable. */
    public static void write(int pid, long remote, byte[] data) {
        if (data.length == 0) return;
        MemorySegment buffer = CallBuffer.of(IOVECS + data.length);
        MemorySegment local = buffer.asSlice(IOVECS, data.length);
        MemorySegment.copy(data, 0, local, JAVA_BYTE, 0, data.length);
        transfer(WRITEV, "process_vm_writev", pid, remote, buffer, local);
    }

    /** {@code buffer} starts with room for the two iovecs; {@code local} follows them. */
    private static void transfer(MethodHandle call, String name, int pid, long remote, MemorySegment buffer,
                                 MemorySegment local) {
        long length = local.byteSize();
        MemorySegment localIov = buffer.asSlice(0, Iovec.LAYOUT.byteSize());
        MemorySegment remoteIov = buffer.asSlice(Iovec.LAYOUT.byteSize(), Iovec.LAYOUT.byteSize());
        Iovec.set(localIov, local.address(), length);
        Iovec.set(remoteIov, remote, length);
        long done = NativeLinker.checked(name,
                () -> (long) call.invokeExact(NativeLinker.callState(), pid, localIov, 1L, remoteIov, 1L, 0L));
        // A partial transfer stops at the first unmapped or protected page.
        if (done != length) throw new ErrnoException(Errno.EFAULT, name);
    }
}
