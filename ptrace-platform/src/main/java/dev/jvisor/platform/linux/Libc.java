package dev.jvisor.platform.linux;

import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ErrnoException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/** Process calls of libc: spawning, waiting, signalling. */
public final class Libc {
    /** waitpid(2) options. */
    public static final int WNOHANG = 1;
    public static final int WUNTRACED = 2;
    public static final int WALL = 0x40000000;

    private static final MethodHandle POSIX_SPAWN = NativeLinker.plain("posix_spawn",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle FILE_ACTIONS_INIT = NativeLinker.plain("posix_spawn_file_actions_init",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FILE_ACTIONS_DESTROY = NativeLinker.plain("posix_spawn_file_actions_destroy",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FILE_ACTIONS_ADDOPEN = NativeLinker.plain("posix_spawn_file_actions_addopen",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FILE_ACTIONS_ADDCHDIR = NativeLinker.plain("posix_spawn_file_actions_addchdir_np",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    /** sizeof(posix_spawn_file_actions_t) is 80 in glibc's x86-64 ABI; the rest is slack. */
    private static final long FILE_ACTIONS_SIZE = 128;

    /** open(2) flags for {@link SpawnFile}. */
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_CREAT = 0x40;
    public static final int O_TRUNC = 0x200;

    private static final long SYS_READ = 0;
    private static final long SYS_WRITE = 1;
    private static final long SYS_CLOSE = 3;
    private static final long SYS_GETPID = 39;
    private static final long SYS_WAIT4 = 61;
    private static final long SYS_KILL = 62;
    private static final long SYS_READLINK = 89;
    private static final long SYS_TGKILL = 234;
    private static final long SYS_OPENAT = 257;
    private static final long SYS_PIPE2 = 293;
    private static final long SYS_POLL = 7;
    private static final short POLLIN = 1;
    private static final int AT_FDCWD = -100;

    /** open(2) flag: a descriptor that only names the file (it pins the inode, opens nothing). */
    public static final int O_PATH = 0x200000;

    /** pipe2(2) flag. */
    public static final int O_CLOEXEC = 0x80000;

    private static final ThreadLocal<MemorySegment> WAIT_STATUS =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(JAVA_INT));

    private Libc() {}

    /** A file the child gets as descriptor {@code fd}, opened with open(2) {@code flags}. */
    public record SpawnFile(int fd, String path, int flags) {}

    /**
     * posix_spawn(3) of {@code path} with no attributes: the child inherits this process's
     * descriptors, signal mask and ignored signals, which the launcher then sets right, except
     * that {@code files} are opened onto their descriptors and the child starts in
     * {@code directory} when it is not null. Returns the child's pid.
     */
    public static int posixSpawn(String path, List<String> argv, List<String> envp,
                                 String directory, List<SpawnFile> files) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment actions = MemorySegment.NULL;
            if (directory != null || !files.isEmpty()) {
                actions = arena.allocate(FILE_ACTIONS_SIZE, 8);
                check((int) FILE_ACTIONS_INIT.invokeExact(actions), "posix_spawn_file_actions_init");
            }
            try {
                if (directory != null) {
                    check((int) FILE_ACTIONS_ADDCHDIR.invokeExact(actions, arena.allocateFrom(directory)),
                            "posix_spawn_file_actions_addchdir_np");
                }
                for (SpawnFile file : files) {
                    check((int) FILE_ACTIONS_ADDOPEN.invokeExact(actions, file.fd(), arena.allocateFrom(file.path()),
                            file.flags(), 0644), "posix_spawn_file_actions_addopen");
                }
                MemorySegment pid = arena.allocate(JAVA_INT);
                int error = (int) POSIX_SPAWN.invokeExact(pid, arena.allocateFrom(path), actions,
                        MemorySegment.NULL, stringArray(arena, argv), stringArray(arena, envp));
                check(error, "posix_spawn " + path);
                return pid.get(JAVA_INT, 0);
            } finally {
                if (!actions.equals(MemorySegment.NULL)) {
                    int destroyed = (int) FILE_ACTIONS_DESTROY.invokeExact(actions);
                }
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeLinker.unexpected(t);
        }
    }

    /** The posix_spawn family returns an error number instead of setting errno. */
    private static void check(int error, String call) {
        if (error != 0) throw new ErrnoException(Errno.of(error), call);
    }

    /** waitpid(2), retrying EINTR. Returns the pid and its status, or null under WNOHANG when none changed. */
    public static WaitStatus waitpid(int pid, int options) {
        MemorySegment status = WAIT_STATUS.get();
        // glibc's waitpid is wait4 without the resource usage.
        int got = (int) NativeLinker.restartableSyscall("waitpid", SYS_WAIT4, pid, status.address(), options, 0, 0, 0);
        return got == 0 ? null : new WaitStatus(got, status.get(JAVA_INT, 0));
    }

    /** kill(2). */
    public static void kill(int pid, int signal) {
        NativeLinker.syscall("kill", SYS_KILL, pid, signal, 0);
    }

    /** tgkill(2). */
    public static void tgkill(int tgid, int tid, int signal) {
        NativeLinker.syscall("tgkill", SYS_TGKILL, tgid, tid, signal);
    }

    /** getpid(2) of this JVM. */
    public static int getpid() {
        return (int) NativeLinker.syscall("getpid", SYS_GETPID, 0, 0, 0);
    }

    /**
     * readlink(2) of {@code path} (without its NUL): the link's text, cut at {@code limit}
     * bytes as readlink cuts it.
     */
    public static byte[] readlink(byte[] path, int limit) {
        MemorySegment buffer = CallBuffer.of(path.length + 1L + limit);
        MemorySegment name = buffer.asSlice(0, path.length + 1L);
        MemorySegment text = buffer.asSlice(path.length + 1L, limit);
        MemorySegment.copy(path, 0, name, JAVA_BYTE, 0, path.length);
        name.set(JAVA_BYTE, path.length, (byte) 0);
        int length = (int) NativeLinker.syscall("readlink", SYS_READLINK, name.address(), text.address(), limit);
        return text.asSlice(0, length).toArray(JAVA_BYTE);
    }

    /** open(2) of {@code path} with {@code flags} (no O_CREAT); returns the descriptor. */
    public static int open(byte[] path, int flags) {
        MemorySegment name = CallBuffer.of(path.length + 1L);
        MemorySegment.copy(path, 0, name, JAVA_BYTE, 0, path.length);
        name.set(JAVA_BYTE, path.length, (byte) 0);
        return (int) NativeLinker.syscall("open", SYS_OPENAT, AT_FDCWD, name.address(), flags, 0, 0, 0);
    }

    /** close(2) of one of this process's descriptors. */
    public static void close(int fd) {
        NativeLinker.syscall("close", SYS_CLOSE, fd, 0, 0);
    }

    /** pipe2(2): returns {read end, write end}. */
    public static int[] pipe2(int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            NativeLinker.syscall("pipe2", SYS_PIPE2, fds.address(), flags, 0);
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        }
    }

    /** read(2) into {@code buffer}, retrying EINTR; returns the count (0 at end of file). */
    public static long read(int fd, MemorySegment buffer) {
        return NativeLinker.restartableSyscall("read", SYS_READ, fd, buffer.address(), buffer.byteSize(), 0, 0, 0);
    }

    /**
     * poll(2) of one descriptor for input, for at most {@code millis}: whether it is readable
     * (or hung up, or in error: a read then says which). EINTR counts as not yet.
     */
    public static boolean pollIn(int fd, int millis) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pollfd = arena.allocate(8, 8);
            pollfd.set(JAVA_INT, 0, fd);
            pollfd.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 4, POLLIN);
            try {
                return NativeLinker.syscall("poll", SYS_POLL, pollfd.address(), 1, millis) > 0;
            } catch (ErrnoException e) {
                if (e.errno() == Errno.EINTR) return false;
                throw e;
            }
        }
    }

    /** write(2) of {@code buffer}, retrying EINTR; returns the count written. */
    public static long write(int fd, MemorySegment buffer) {
        return NativeLinker.restartableSyscall("write", SYS_WRITE, fd, buffer.address(), buffer.byteSize(), 0, 0, 0);
    }

    /** A NULL-terminated char *[] allocated in {@code arena}. */
    private static MemorySegment stringArray(Arena arena, List<String> strings) {
        MemorySegment array = arena.allocate(ADDRESS, strings.size() + 1L);
        for (int i = 0; i < strings.size(); i++) {
            array.setAtIndex(ADDRESS, i, arena.allocateFrom(strings.get(i)));
        }
        array.setAtIndex(ADDRESS, strings.size(), MemorySegment.NULL);
        return array;
    }
}
