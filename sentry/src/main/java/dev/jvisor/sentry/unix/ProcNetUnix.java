package dev.jvisor.sentry.unix;

import dev.jvisor.platform.Action;
import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.Syscall;
import dev.jvisor.platform.SyscallStop;
import dev.jvisor.platform.Sysno;
import dev.jvisor.platform.TraceeMemory;
import dev.jvisor.platform.linux.FileStatus;
import dev.jvisor.platform.linux.Libc;
import dev.jvisor.platform.linux.SharedMemory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * The sandbox's /proc/net/unix: what Linux shows in a network namespace that holds only the
 * sandbox's sockets. The kernel's table lists every AF_UNIX socket of the host's namespace,
 * with the kernel names, hidden names included (net/unix/af_unix.c: unix_seq_show). A
 * read-only open of it is answered with a snapshot of that table, taken at the open, that
 * keeps only the lines of sandbox sockets and shows each with its sandbox name; the
 * snapshot is a sealed memfd opened read-only in the program.
 *
 * <p>The filter traps the read-only opens (it cannot see a path); every one that does not
 * name the table runs as the program made it. Which one names it the sentry tells by the
 * file it resolves to, from its own side: a proc_net entry has one inode per network
 * namespace, whatever the path (/proc/net/unix, /proc/self/net/unix, /proc/PID/task/TID/net/unix,
 * a symlink, a directory descriptor of /proc/self/net).
 *
 * <p>A line is the sandbox's when its socket is in a sandbox process's descriptor table and
 * the sentry serves it, or when it is a connection pending on a sandbox listener: the
 * kernel lists such an embryo socket with inode 0 and its listener's kernel name
 * (unix_stream_connect copies the listener's address to it), here a hidden name. Its
 * columns are the kernel's but the path: a sandbox name, or none where the sandbox socket
 * has none; an accepted socket shows its listener's name, as on Linux.
 */
final class ProcNetUnix {
    private static final int O_CLOEXEC = 0x80000;
    private static final int O_LARGEFILE = 0100000;
    /** The flags of the opens the filter traps (filter.c): read-only, and these. */
    private static final long READ_ONLY_BITS = O_CLOEXEC | O_LARGEFILE;
    private static final int MFD_CLOEXEC = 0x1;
    private static final int MFD_ALLOW_SEALING = 0x2;
    /** struct open_how, linux/openat2.h: flags, mode, resolve (u64 each). */
    private static final int OPEN_HOW_SIZE = 24;
    private static final long RESOLVE_KNOWN = 0x3f;
    private static final int PATH_MAX = 4096;
    private static final int PAGE = 4096;
    private static final int FIRST_READ = 128;
    /** The 7th column, Inode; the 8th, Path, follows it after one space. */
    private static final int INODE_COLUMN = 6;
    private static final byte[] MEMFD_NAME = "unix\0".getBytes(StandardCharsets.US_ASCII);

    /** What the table shows of a socket. */
    interface Sockets {
        /** The sandbox name of the sandbox socket {@code inode} ({@code UNNAMED} for none); null when it is not one. */
        UnixAddress nameOf(long inode);

        /** The sandbox name behind a listener's kernel name; null when it is no sandbox socket's. */
        UnixAddress sandboxNameOf(UnixAddress kernelName);
    }

    private final Sockets sockets;
    private final TraceeProcesses processes;
    /** The table's device and inode, as stat(2) gives them for /proc/self/net/unix. */
    private final FileStatus table;

    ProcNetUnix(Sockets sockets, TraceeProcesses processes) {
        this.sockets = sockets;
        this.processes = processes;
        FileStatus found;
        try {
            found = FileStatus.of("/proc/self/net/unix".getBytes(StandardCharsets.US_ASCII), 0);
        } catch (ErrnoException noProcfs) {
            found = null;
        }
        this.table = found;
    }

    /**
     * open(2), openat(2) or openat2(2), trapped: the sandbox's table when the call opens
     * /proc/net/unix read-only, else the kernel's answer.
     */
    Action open(SyscallStop stop) {
        if (table == null) return Action.passthrough();
        Syscall call = stop.call();
        int dirfd = call.number() == Sysno.OPEN ? FileStatus.AT_FDCWD : (int) call.arg0();
        long pathAddress = call.number() == Sysno.OPEN ? call.arg0() : call.arg1();
        long flags;
        switch (call.number()) {
            case Sysno.OPEN -> flags = (int) call.arg1();
            case Sysno.OPENAT -> flags = (int) call.arg2();
            default -> {
                Long how = readOnlyHow(stop.memory(), call.arg2(), call.arg3());
                if (how == null) return Action.passthrough();
                flags = how;
            }
        }
        if ((flags & ~READ_ONLY_BITS) != 0) return Action.passthrough();
        byte[] path = readPath(stop.memory(), pathAddress);
        if (path == null || !mayNameTable(path) || !namesTable(stop, dirfd, path)) return Action.passthrough();
        processes.seen(stop.pid());
        byte[] content = snapshot(stop.tid());
        return install(stop, content, (flags & O_CLOEXEC) != 0);
    }

    /**
     * openat2's flags when its open_how asks for nothing but a read-only open (mode 0, known
     * resolve flags); null otherwise, or when the kernel must answer an error (a short or
     * unreadable struct: EINVAL, EFAULT). The RESOLVE_ flags are not applied to the table's
     * own path (README).
     */
    private static Long readOnlyHow(TraceeMemory memory, long how, long size) {
        if (size < OPEN_HOW_SIZE || size > PAGE) return null;
        byte[] bytes;
        try {
            bytes = memory.read(how, OPEN_HOW_SIZE);
        } catch (ErrnoException e) {
            return null;
        }
        java.nio.ByteBuffer fields = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long flags = fields.getLong(0);
        long mode = fields.getLong(8);
        long resolve = fields.getLong(16);
        if (mode != 0 || (resolve & ~RESOLVE_KNOWN) != 0 || size > OPEN_HOW_SIZE) return null;
        return flags;
    }

    /**
     * Whether the path can name the table, by its text: its last component is "unix" (the
     * table's own name, however its directory is reached: /proc/net, /proc/PID/task/TID/net,
     * a working directory, a directory descriptor, /proc/self/cwd or root), or it goes through
     * a descriptor's link (a component "fd" followed by another: /proc/self/fd/N, /dev/fd/N,
     * which name the open file itself), or it is /dev/stdin, stdout or stderr (links to
     * /proc/self/fd). Any other path runs at once, without the stat that would tell: a
     * symlink of another name to the table is not seen (README).
     */
    static boolean mayNameTable(byte[] path) {
        int end = path.length;
        int last = end - 1;
        while (last >= 0 && path[last] != '/') last--;
        int start = last + 1;
        if (is(path, start, end, "unix") || is(path, start, end, "stdin") || is(path, start, end, "stdout")
                || is(path, start, end, "stderr")) {
            return true;
        }
        // A component "fd" with another after it.
        for (int i = 0; i + 2 < end; i++) {
            if (path[i] == 'f' && path[i + 1] == 'd' && path[i + 2] == '/' && (i == 0 || path[i - 1] == '/')) return true;
        }
        return false;
    }

    private static boolean is(byte[] path, int start, int end, String name) {
        if (end - start != name.length()) return false;
        for (int i = 0; i < name.length(); i++) if (path[start + i] != name.charAt(i)) return false;
        return true;
    }

    /** The NUL-terminated path at {@code address}, read a page at a time; null when the kernel must answer (EFAULT, ENAMETOOLONG). */
    private static byte[] readPath(TraceeMemory memory, long address) {
        ByteArrayOutputStream path = new ByteArrayOutputStream(128);
        long at = address;
        // Most paths are short: the first read is small (process_vm_readv's cost grows with it).
        int want = FIRST_READ;
        while (path.size() < PATH_MAX) {
            int chunk = (int) Math.min(Math.min(PAGE - (at & (PAGE - 1)), PATH_MAX - path.size()), want);
            want = PAGE;
            byte[] bytes;
            try {
                bytes = memory.read(at, chunk);
            } catch (ErrnoException e) {
                return null;
            }
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] == 0) {
                    path.write(bytes, 0, i);
                    return path.toByteArray();
                }
            }
            path.write(bytes, 0, bytes.length);
            at += chunk;
        }
        return null;
    }

    /**
     * Whether {@code path}, resolved as the thread would resolve it, is the table: the sentry
     * stats it through the thread's root, working directory or directory descriptor. A
     * program that changes a symlink between this look and its own open can open the host's
     * table (README).
     */
    private boolean namesTable(SyscallStop stop, int dirfd, byte[] path) {
        byte[] host = hostPath(stop.tid(), stop.pid(), dirfd, path);
        FileStatus file;
        try {
            file = FileStatus.of(host, 0);
        } catch (ErrnoException e) {
            return false;
        }
        return file.inode() == table.inode() && file.device() == table.device();
    }

    /**
     * A path that names, for the sentry, what {@code path} names for thread {@code tid}
     * (proc(5)): /proc/self and /proc/thread-self stand for the thread's process and for the
     * thread (so that a descriptor or directory below them is the thread's, not the sentry's).
     */
    static byte[] hostPath(int tid, int pid, int dirfd, byte[] path) {
        String text = new String(path, StandardCharsets.ISO_8859_1);
        String prefix;
        if (path[0] == '/') {
            String self = selfPrefix(text, "/proc/self", "/proc/" + pid);
            if (self == null) self = selfPrefix(text, "/proc/thread-self", "/proc/" + pid + "/task/" + tid);
            if (self != null) return self.getBytes(StandardCharsets.ISO_8859_1);
            prefix = "/proc/" + tid + "/root";
        } else if (dirfd == FileStatus.AT_FDCWD) {
            prefix = "/proc/" + tid + "/cwd/";
        } else {
            prefix = "/proc/" + tid + "/fd/" + dirfd + "/";
        }
        return (prefix + text).getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String selfPrefix(String path, String link, String target) {
        if (!path.startsWith(link)) return null;
        if (path.length() > link.length() && path.charAt(link.length()) != '/') return null;
        return target + path.substring(link.length());
    }

    /**
     * The table as the sandbox sees it now: the kernel's header and the lines of the sandbox's
     * sockets, in the kernel's order, each with its sandbox name.
     */
    byte[] snapshot(int tid) {
        Set<Long> held = heldSockets();
        byte[] kernel;
        try {
            kernel = Files.readAllBytes(Path.of("/proc/self/net/unix"));
        } catch (IOException e) {
            throw new ErrnoException(dev.jvisor.platform.Errno.EIO, "/proc/net/unix: " + e.getMessage());
        }
        boolean hidePointers = KernelPointers.hiddenFrom(tid);
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        Set<Long> listed = new HashSet<>();
        int start = 0;
        boolean header = true;
        while (start < kernel.length) {
            int end = start;
            while (end < kernel.length && kernel[end] != '\n') end++;
            if (header) {
                out.write(kernel, start, end - start);
                out.write('\n');
                header = false;
            } else {
                line(kernel, start, end, held, listed, hidePointers, out);
            }
            start = end + 1;
        }
        return out.toByteArray();
    }

    /** One kernel line, copied with its sandbox name when it is a sandbox socket's. */
    private void line(byte[] kernel, int start, int end, Set<Long> held, Set<Long> listed, boolean hidePointers,
                      ByteArrayOutputStream out) {
        // "%pK: %08X %08X %08X %04X %02X %5lu" and, when the socket has a name, " " and the name.
        int at = start;
        for (int column = 0; column < INODE_COLUMN; column++) {
            while (at < end && kernel[at] == ' ') at++;
            while (at < end && kernel[at] != ' ') at++;
        }
        while (at < end && kernel[at] == ' ') at++;
        int digits = at;
        long inode = 0;
        while (at < end && kernel[at] >= '0' && kernel[at] <= '9') inode = inode * 10 + (kernel[at++] - '0');
        if (at == digits || (at < end && kernel[at] != ' ')) return;   // not a line of the table's form
        UnixAddress name;
        if (inode != 0) {
            if (!held.contains(inode) || !listed.add(inode)) return;
            name = sockets.nameOf(inode);
        } else {
            if (at + 1 >= end) return;
            name = sockets.sandboxNameOf(kernelName(kernel, at + 1, end));
        }
        if (name == null) return;
        int colon = start;
        while (colon < at && kernel[colon] != ':') colon++;
        if (hidePointers) {
            for (int i = start; i < colon; i++) out.write('0');
        } else {
            out.write(kernel, start, colon - start);
        }
        out.write(kernel, colon, at - colon);
        writeName(name, out);
        out.write('\n');
    }

    /** A name as unix_seq_show prints it: a path's bytes; '@' and an abstract name, every NUL in it as '@'. */
    private static void writeName(UnixAddress name, ByteArrayOutputStream out) {
        switch (name) {
            case UnixAddress.Pathname path -> {
                out.write(' ');
                out.write(path.path(), 0, path.path().length);
            }
            case UnixAddress.Abstract abstractName -> {
                out.write(' ');
                for (byte b : abstractName.name()) out.write(b == 0 ? '@' : b);
            }
            case UnixAddress.Unnamed unnamed -> { }
        }
    }

    /** The kernel name a line prints (a listener's, on an embryo socket's line). */
    private static UnixAddress kernelName(byte[] kernel, int start, int end) {
        byte[] printed = java.util.Arrays.copyOfRange(kernel, start, end);
        if (printed[0] != '@') return new UnixAddress.Pathname(printed);
        // The NULs of an abstract name print as '@': only its first is known to be one.
        printed[0] = 0;
        return new UnixAddress.Abstract(printed);
    }

    /** The socket inodes in the sandbox processes' descriptor tables (proc(5): /proc/PID/fd). */
    private Set<Long> heldSockets() {
        Set<Long> inodes = new HashSet<>();
        for (var pids = processes.pids().iterator(); pids.hasNext(); ) {
            int pid = pids.next();
            String[] fds = new java.io.File("/proc/" + pid + "/fd").list();
            if (fds == null) {
                if (!Files.exists(Path.of("/proc/" + pid))) pids.remove();
                continue;
            }
            for (String fd : fds) {
                long inode = DescriptorInodes.socketInode(pid, Long.parseLong(fd));
                if (inode > 0) inodes.add(inode);
            }
        }
        return inodes;
    }

    /**
     * The snapshot, in the program: memfd_create (its number is the one the open would have
     * had, the lowest free), the sentry writes the table into it through its own copy of the
     * descriptor and seals it; then the program opens it again read-only, as the table's open
     * would have been (/proc/self/fd/N), puts that description at the memfd's number (dup3,
     * close-on-exec as the open asked) and closes the extra one. A signal between two of these
     * ends the open with the descriptor it has at the first number (the read-only one left
     * open then is the program's, unnamed).
     */
    private Action install(SyscallStop stop, byte[] content, boolean closeOnExec) {
        long scratch = stop.scratch(64);
        stop.memory().write(scratch, MEMFD_NAME);
        int memfdFlags = MFD_ALLOW_SEALING | (closeOnExec ? MFD_CLOEXEC : 0);
        return Action.inject(Syscall.of(Sysno.MEMFD_CREATE, scratch, memfdFlags), made -> {
            if (!made.succeeded()) return made.asAction();
            int table = (int) made.raw();
            fill(stop, table, content);
            byte[] path = ("/proc/self/fd/" + table + "\0").getBytes(StandardCharsets.US_ASCII);
            stop.memory().write(scratch, path);
            Syscall reopen = Syscall.of(Sysno.OPENAT, FileStatus.AT_FDCWD, scratch, Libc.O_RDONLY | O_CLOEXEC);
            return Action.injectUnlessSignalled(reopen, () -> Action.returning(table), opened -> {
                if (!opened.succeeded()) return Action.returning(table);
                long readOnly = opened.raw();
                Syscall replace = Syscall.of(Sysno.DUP3, readOnly, table, closeOnExec ? O_CLOEXEC : 0);
                return Action.injectUnlessSignalled(replace, () -> Action.returning(table), replaced ->
                        Action.injectUnlessSignalled(Syscall.of(Sysno.CLOSE, readOnly),
                                () -> Action.returning(table), closed -> Action.returning(table)));
            });
        });
    }

    /**
     * Writes and seals the snapshot through the sentry's copy of the program's descriptor.
     * Another thread of the program may have put another file at that number meanwhile; the
     * sentry writes only to an unsealed memfd made to be sealed (F_GET_SEALS answers 0 for
     * nothing else), anonymous memory of the program's own, never to a file whose write
     * could be checked against the sentry's credentials. Anything else is left as it is:
     * the program reads what is there.
     */
    private static void fill(SyscallStop stop, int fd, byte[] content) {
        int copy;
        try {
            copy = stop.copyDescriptor(fd);
        } catch (ErrnoException gone) {
            return;
        }
        try {
            if (SharedMemory.seals(copy) != 0) return;
            SharedMemory.writeAtStart(copy, content);
            SharedMemory.addSeals(copy, SharedMemory.F_SEAL_WRITE | SharedMemory.F_SEAL_SHRINK
                    | SharedMemory.F_SEAL_GROW | SharedMemory.F_SEAL_SEAL);
        } catch (ErrnoException notOurs) {
            // Not a memfd, or one the program sealed: it reads what is there.
        } finally {
            Libc.close(copy);
        }
    }
}
