package dev.jvisor.sentry.unix;

import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.linux.FileStatus;
import dev.jvisor.platform.linux.Libc;

import java.nio.charset.StandardCharsets;

/**
 * The kernel socket behind a tracee's descriptor, by the inode that /proc/TID/fd/N names
 * ("socket:[INO]"): the same for every dup, fork, exec and passed copy, so the sentry needs
 * no bookkeeping of descriptor numbers (proc(5)).
 */
final class DescriptorInodes {
    private static final byte[] PREFIX = "socket:[".getBytes(StandardCharsets.US_ASCII);
    /** "socket:[" and a 64-bit inode fit. */
    private static final int LINK_LIMIT = 64;

    private DescriptorInodes() {}

    /**
     * The socket inode behind descriptor {@code fd} of thread {@code tid}, or -1 (no
     * descriptor, not a socket). {@code fd} is a syscall argument register: the socket calls
     * declare their descriptor {@code int} (net/socket.c, SYSCALL_DEFINE3(bind, int, fd, ...)),
     * so the kernel uses its low 32 bits alone, and so does this.
     */
    static long socketInode(int tid, long fd) {
        int descriptor = (int) fd;
        if (descriptor < 0) return -1;
        byte[] path = ("/proc/" + tid + "/fd/" + descriptor).getBytes(StandardCharsets.US_ASCII);
        try {
            return parse(Libc.readlink(path, LINK_LIMIT));
        } catch (ErrnoException e) {
            return -1;
        }
    }

    /**
     * The permission bits (and set-id and sticky bits) of the socket inode behind descriptor
     * {@code fd} of thread {@code tid}: 0777 unless the program changed them with fchmod.
     * unix_bind_bsd makes the socket file with this mode, less the umask. 0777 when the
     * descriptor cannot be looked at (the bind that asks has already found its socket).
     */
    static int socketMode(int tid, long fd) {
        byte[] path = ("/proc/" + tid + "/fd/" + (int) fd).getBytes(StandardCharsets.US_ASCII);
        try {
            return FileStatus.of(path, 0).mode() & 07777;
        } catch (ErrnoException e) {
            return 0777;
        }
    }

    /** The inode of a "socket:[INO]" link text, or -1 for any other. */
    private static long parse(byte[] text) {
        int length = text.length;
        if (length <= PREFIX.length + 1 || text[length - 1] != ']') return -1;
        for (int i = 0; i < PREFIX.length; i++) {
            if (text[i] != PREFIX[i]) return -1;
        }
        long inode = 0;
        for (int i = PREFIX.length; i < length - 1; i++) {
            int digit = text[i] - '0';
            if (digit < 0 || digit > 9) return -1;
            inode = inode * 10 + digit;
        }
        return inode;
    }

    /**
     * A host path that names what {@code path} names for thread {@code tid}: relative to its
     * working directory or its root (proc(5): /proc/PID/cwd, /proc/PID/root).
     */
    static byte[] hostPath(int tid, byte[] path) {
        String prefix = "/proc/" + tid + (path.length > 0 && path[0] == '/' ? "/root" : "/cwd/");
        byte[] head = prefix.getBytes(StandardCharsets.US_ASCII);
        byte[] whole = new byte[head.length + path.length];
        System.arraycopy(head, 0, whole, 0, head.length);
        System.arraycopy(path, 0, whole, head.length, path.length);
        return whole;
    }
}
