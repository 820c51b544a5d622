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
 * <p>Which lines are the sandbox's, and under which name, {@link ListedSockets} says (sock_diag
 * answers by the same rule); the kernel lists a connection pending on a listener (an embryo
 * socket) with inode 0 and its listener's kernel name. A line's columns are the kernel's but
 * the path: a sandbox name, or none where the sandbox socket has none.
 */
final class ProcNetUnix implements ProcNetFile {
    /** The 7th column, Inode; the 8th, Path, follows it after one space. */
    private static final int INODE_COLUMN = 6;

    private final ListedSockets listed;
    private final TraceeProcesses processes;

    ProcNetUnix(ListedSockets listed, TraceeProcesses processes) {
        this.listed = listed;
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
        ListedSockets.Listing listing = listed.now();
        byte[] kernel;
        try {
            kernel = Files.readAllBytes(Path.of("/proc/self/net/unix"));
        } catch (IOException e) {
            throw new ErrnoException(dev.jvisor.platform.Errno.EIO, "/proc/net/unix: " + e.getMessage());
        }
        boolean hidePointers = KernelPointers.hiddenFrom(tid);
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        Set<Long> shown = new HashSet<>();
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
                line(kernel, start, end, listing, shown, hidePointers, out);
            }
            start = end + 1;
        }
        return out.toByteArray();
    }

    /** One kernel line, copied with its sandbox name when it is a sandbox socket's. */
    private static void line(byte[] kernel, int start, int end, ListedSockets.Listing listing, Set<Long> shown,
                             boolean hidePointers, ByteArrayOutputStream out) {
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
            if (!shown.add(inode)) return;
            name = listing.nameOf(inode);
        } else {
            if (at + 1 >= end) return;
            name = listing.pendingNameOf(kernelName(kernel, at + 1, end));
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
}
