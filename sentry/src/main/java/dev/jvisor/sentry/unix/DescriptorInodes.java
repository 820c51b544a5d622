package dev.jvisor.sentry.unix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The kernel socket behind a tracee's descriptor, by the inode that /proc/TID/fd/N names
 * ("socket:[INO]"): the same for every dup, fork, exec and passed copy, so the sentry needs
 * no bookkeeping of descriptor numbers (proc(5)).
 */
final class DescriptorInodes {
    private static final String PREFIX = "socket:[";

    private DescriptorInodes() {}

    /** The socket inode behind descriptor {@code fd} of thread {@code tid}, or -1 (no descriptor, not a socket). */
    static long socketInode(int tid, long fd) {
        if (fd < 0 || fd > Integer.MAX_VALUE) return -1;
        String target;
        try {
            target = Files.readSymbolicLink(Path.of("/proc/" + tid + "/fd/" + fd)).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
        if (!target.startsWith(PREFIX) || !target.endsWith("]")) return -1;
        return Long.parseLong(target, PREFIX.length(), target.length() - 1, 10);
    }

    /**
     * A host path that names what {@code path} names for thread {@code tid}: relative to its
     * working directory or its root (proc(5): /proc/PID/cwd, /proc/PID/root).
     */
    static byte[] hostPath(int tid, byte[] path) {
        String prefix = "/proc/" + tid + (path.length > 0 && path[0] == '/' ? "/root" : "/cwd/");
        byte[] head = prefix.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] whole = new byte[head.length + path.length];
        System.arraycopy(head, 0, whole, 0, head.length);
        System.arraycopy(path, 0, whole, head.length, path.length);
        return whole;
    }
}
