package dev.jvisor.platform.linux;

import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ErrnoException;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * process_vm_readv(2) and process_vm_writev(2): another process's memory, one range at a
 * time. They honour page protections as the kernel's own copy_to_user does, so a write to a
 * read-only page fails like the program's own syscall would.
 */
public final class ProcessVm {
    private static final long SYS_PROCESS_VM_READV = 310;
    private static final long SYS_PROCESS_VM_WRITEV = 311;

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
        transfer(SYS_PROCESS_VM_READV, "process_vm_readv", pid, remote, buffer, data);
        return data.toArray(JAVA_BYTE);
    }

    /** Copies {@code data} to {@code remote} in process {@code pid}; EFAULT unless wholly writable. */
    public static void write(int pid, long remote, byte[] data) {
        if (data.length == 0) return;
        MemorySegment buffer = CallBuffer.of(IOVECS + data.length);
        MemorySegment local = buffer.asSlice(IOVECS, data.length);
        MemorySegment.copy(data, 0, local, JAVA_BYTE, 0, data.length);
        transfer(SYS_PROCESS_VM_WRITEV, "process_vm_writev", pid, remote, buffer, local);
    }

    /** {@code buffer} starts with room for the two iovecs; {@code local} follows them. */
    private static void transfer(long number, String name, int pid, long remote, MemorySegment buffer,
                                 MemorySegment local) {
        long length = local.byteSize();
        MemorySegment localIov = buffer.asSlice(0, Iovec.LAYOUT.byteSize());
        MemorySegment remoteIov = buffer.asSlice(Iovec.LAYOUT.byteSize(), Iovec.LAYOUT.byteSize());
        Iovec.set(localIov, local.address(), length);
        Iovec.set(remoteIov, remote, length);
        long done = NativeLinker.syscall(name, number, pid, localIov.address(), 1, remoteIov.address(), 1, 0);
        // A partial transfer stops at the first unmapped or protected page.
        if (done != length) throw new ErrnoException(Errno.EFAULT, name);
    }
}
