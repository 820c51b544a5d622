package dev.jvisor.platform.linux;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * fstatat(2) of a path given as bytes (a tracee's path need not be valid in any charset),
 * reduced to what identifies a file: its device, inode and mode.
 */
public record FileStatus(long device, long inode, int mode) {
    public static final int AT_FDCWD = -100;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    public static final int S_IFMT = 0xf000;
    public static final int S_IFSOCK = 0xc000;
    public static final int S_IFDIR = 0x4000;

    /** struct stat, x86-64 (asm/stat.h): the identifying fields and the total size. */
    private static final StructLayout STAT = MemoryLayout.structLayout(
            JAVA_LONG.withName("st_dev"),
            JAVA_LONG.withName("st_ino"),
            JAVA_LONG.withName("st_nlink"),
            JAVA_INT.withName("st_mode"),
            MemoryLayout.paddingLayout(144 - 28));
    private static final VarHandle DEV = STAT.varHandle(groupElement("st_dev"));
    private static final VarHandle INO = STAT.varHandle(groupElement("st_ino"));
    private static final VarHandle MODE = STAT.varHandle(groupElement("st_mode"));

    /** newfstatat(2): glibc's fstatat on x86-64, whose struct stat is the kernel's. */
    private static final long SYS_NEWFSTATAT = 262;

    public boolean isDirectory() {
        return (mode & S_IFMT) == S_IFDIR;
    }

    public boolean isSocket() {
        return (mode & S_IFMT) == S_IFSOCK;
    }

    /** fstatat(AT_FDCWD, path, flags) in this process. */
    public static FileStatus of(byte[] path, int flags) {
        MemorySegment buffer = CallBuffer.of(STAT.byteSize() + path.length + 1L);
        MemorySegment stat = buffer.asSlice(0, STAT);
        MemorySegment name = buffer.asSlice(STAT.byteSize(), path.length + 1L);
        MemorySegment.copy(path, 0, name, JAVA_BYTE, 0, path.length);
        name.set(JAVA_BYTE, path.length, (byte) 0);
        NativeLinker.syscall("fstatat", SYS_NEWFSTATAT, AT_FDCWD, name.address(), stat.address(), flags, 0, 0);
        return new FileStatus((long) DEV.get(stat, 0L), (long) INO.get(stat, 0L), (int) MODE.get(stat, 0L));
    }
}
