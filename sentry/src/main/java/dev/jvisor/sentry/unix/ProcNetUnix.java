package dev.jvisor.sentry.unix;

import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.ProcNetFile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * The sandbox's /proc/net/unix: what Linux shows in a network namespace that holds only the
 * sandbox's sockets. The kernel's table lists every AF_UNIX socket of the host's namespace,
 * with the kernel names, hidden names included (net/unix/af_unix.c: unix_seq_show). The
 * platform serves the sandbox's /proc/net/unix ({@link ProcNetFile}: a FUSE file the
 * launcher mounts there) and asks here at each open: a snapshot of the kernel's table, taken
 * then, that keeps only the lines of sandbox sockets and shows each with its sandbox name.
 *
 * <p>A line is the sandbox's when its socket is in a sandbox process's descriptor table and
 * the sentry serves it, or when it is a connection pending on a sandbox listener: the
 * kernel lists such an embryo socket with inode 0 and its listener's kernel name
 * (unix_stream_connect copies the listener's address to it), here a hidden name. Its
 * columns are the kernel's but the path: a sandbox name, or none where the sandbox socket
 * has none; an accepted socket shows its listener's name, as on Linux.
 */
final class ProcNetUnix implements ProcNetFile {
    /** The 7th column, Inode; the 8th, Path, follows it after one space. */
    private static final int INODE_COLUMN = 6;

    /** What the table shows of a socket. */
    interface Sockets {
        /** The sandbox name of the sandbox socket {@code inode} ({@code UNNAMED} for none); null when it is not one. */
        UnixAddress nameOf(long inode);

        /** The sandbox name behind a listener's kernel name; null when it is no sandbox socket's. */
        UnixAddress sandboxNameOf(UnixAddress kernelName);
    }

    private final Sockets sockets;
    private final TraceeProcesses processes;

    ProcNetUnix(Sockets sockets, TraceeProcesses processes) {
        this.sockets = sockets;
        this.processes = processes;
    }

    @Override
    public String name() {
        return "unix";
    }

    /**
     * The table for one open: a sandbox thread's open also makes its process one whose
     * descriptors count (it may have made its sockets without a trapped call: socketpair).
     */
    @Override
    public byte[] contents(Reader reader) {
        if (reader.inSandbox()) processes.seen(reader.pid());
        return snapshot(reader.tid());
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
}
