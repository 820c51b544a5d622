package dev.jvisor.platform;

import dev.jvisor.platform.linux.Fuse;
import dev.jvisor.platform.linux.Libc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntFunction;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The server of one FUSE mount whose root is a read-only regular file, as procfs shows a
 * table: mode 0444, owned by root, size 0, its contents made at each open (a snapshot that
 * the descriptor reads from then on, as seq_file's first read would) and read at any offset
 * (FOPEN_DIRECT_IO: no page cache, so the size 0 does not cut reads short). One thread reads
 * the device; a request is answered before the next is read.
 *
 * <p>What differs from procfs is what FUSE cannot say otherwise: statfs(2) reports FUSE's
 * filesystem type, and the kernel may stop sending an operation this server answers ENOSYS.
 */
final class FuseFileServer {
    private static final Logger log = LoggerFactory.getLogger(FuseFileServer.class);
    private static final int S_IFREG = 0100000;
    private static final int O_ACCMODE = 3;
    /** stat(2) of a procfs file: st_blksize 1024 (fs/proc/inode.c sets s_blocksize to 1024). */
    private static final int BLOCK_SIZE = 1024;
    private static final int MAX_WRITE = 4096;
    /** How long the attributes may be cached: they never change. */
    private static final long ATTR_VALID_SECONDS = 3600;
    private static final int POLL_MILLIS = 500;
    /**
     * The most snapshot bytes kept for open descriptors at once: past it an open fails with
     * ENOMEM, as seq_open does when the kernel cannot allocate (fs/seq_file.c), rather than
     * letting a program that opens the table without end fill jvisor's heap.
     */
    static final long HELD_MOST = 64L << 20;
    private static final int ENOMEM = 12;
    private static final int EIO = 5;
    private static final int EACCES = 13;
    private static final int EPERM = 1;
    private static final int ENOSYS = 38;

    private final int device;
    private final long heldMost;
    /** The contents for an open by thread {@code tid}; null when the open must fail (EIO). */
    private final IntFunction<byte[]> contents;
    private final long createdSeconds = System.currentTimeMillis() / 1000;
    private final Map<Long, byte[]> open = new HashMap<>();
    private long held;
    private long nextHandle = 1;
    private volatile boolean stopping;
    private Thread thread;

    FuseFileServer(int device, IntFunction<byte[]> contents) {
        this(device, contents, HELD_MOST);
    }

    /** A server that keeps at most {@code heldMost} snapshot bytes for open descriptors. */
    FuseFileServer(int device, IntFunction<byte[]> contents, long heldMost) {
        this.device = device;
        this.contents = contents;
        this.heldMost = heldMost;
    }

    void start() {
        thread = Thread.ofPlatform().daemon().name("jvisor-proc-net").start(this::serve);
    }

    /**
     * Ends the server: the mount is gone with the sandbox's mount namespace (the device
     * then reads ENODEV), or the sandbox is over and nobody will open the file again.
     */
    void stop() {
        stopping = true;
    }

    private void serve() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment request = arena.allocate(Fuse.MIN_READ_BUFFER + MAX_WRITE, 8);
            while (!stopping) {
                if (!Libc.pollIn(device, POLL_MILLIS)) continue;
                long length;
                try {
                    length = Libc.read(device, request);
                } catch (ErrnoException e) {
                    // ENOENT: the request was interrupted before it was read; ENODEV, ECONNABORTED:
                    // unmounted, the connection ended (fs/fuse/dev.c: fuse_dev_do_read).
                    if (e.errno() == Errno.ENODEV || e.errno() == Errno.ECONNABORTED) break;
                    if (e.errno() == Errno.ENOENT) continue;
                    throw e;
                }
                if (length < Fuse.IN_HEADER.byteSize()) continue;
                try (Arena replies = Arena.ofConfined()) {
                    answer(replies, request.asSlice(0, length));
                }
            }
        } catch (RuntimeException e) {
            log.warn("/proc/net server: {}", e.toString());
        } finally {
            Libc.close(device);
        }
    }

    private void answer(Arena arena, MemorySegment request) {
        int opcode = request.get(JAVA_INT, Fuse.offset(Fuse.IN_HEADER, "opcode"));
        long unique = request.get(JAVA_LONG, Fuse.offset(Fuse.IN_HEADER, "unique"));
        int tid = request.get(JAVA_INT, Fuse.offset(Fuse.IN_HEADER, "pid"));
        MemorySegment body = request.asSlice(Fuse.IN_HEADER.byteSize());
        switch (opcode) {
            case Fuse.INIT -> reply(arena, unique, init(arena, body));
            case Fuse.GETATTR -> reply(arena, unique, attributes(arena));
            case Fuse.OPEN -> open(arena, unique, tid, body);
            case Fuse.READ -> read(arena, unique, body);
            case Fuse.RELEASE -> {
                byte[] released = open.remove(body.get(JAVA_LONG, Fuse.offset(Fuse.RELEASE_IN, "fh")));
                if (released != null) held -= released.length;
                reply(arena, unique, MemorySegment.NULL);
            }
            case Fuse.FLUSH -> reply(arena, unique, MemorySegment.NULL);
            case Fuse.STATFS -> reply(arena, unique, statfs(arena));
            // chmod, chown, truncate or utimes of a procfs table by root: EPERM.
            case Fuse.SETATTR -> fail(arena, unique, EPERM);
            // No reply is expected to these (fs/fuse/dev.c): the interrupted request still gets its own.
            case Fuse.INTERRUPT, Fuse.FORGET, Fuse.BATCH_FORGET -> { }
            case Fuse.DESTROY -> {
                reply(arena, unique, MemorySegment.NULL);
                stopping = true;
            }
            default -> fail(arena, unique, ENOSYS);
        }
    }

    private static MemorySegment init(Arena arena, MemorySegment in) {
        MemorySegment out = arena.allocate(Fuse.INIT_OUT);
        int minor = Math.min(in.get(JAVA_INT, Fuse.offset(Fuse.INIT_IN, "minor")), Fuse.KERNEL_MINOR_VERSION);
        out.set(JAVA_INT, Fuse.offset(Fuse.INIT_OUT, "major"), Fuse.KERNEL_VERSION);
        out.set(JAVA_INT, Fuse.offset(Fuse.INIT_OUT, "minor"), minor);
        out.set(JAVA_INT, Fuse.offset(Fuse.INIT_OUT, "max_readahead"),
                in.get(JAVA_INT, Fuse.offset(Fuse.INIT_IN, "max_readahead")));
        out.set(JAVA_SHORT, Fuse.offset(Fuse.INIT_OUT, "max_background"), (short) 1);
        out.set(JAVA_SHORT, Fuse.offset(Fuse.INIT_OUT, "congestion_threshold"), (short) 1);
        out.set(JAVA_INT, Fuse.offset(Fuse.INIT_OUT, "max_write"), MAX_WRITE);
        out.set(JAVA_INT, Fuse.offset(Fuse.INIT_OUT, "time_gran"), 1);
        return out;
    }

    private MemorySegment attributes(Arena arena) {
        MemorySegment out = arena.allocate(Fuse.ATTR_OUT);
        out.set(JAVA_LONG, Fuse.offset(Fuse.ATTR_OUT, "attr_valid"), ATTR_VALID_SECONDS);
        out.set(JAVA_LONG, Fuse.attrOffset("ino"), Fuse.ROOT_ID);
        out.set(JAVA_LONG, Fuse.attrOffset("atime"), createdSeconds);
        out.set(JAVA_LONG, Fuse.attrOffset("mtime"), createdSeconds);
        out.set(JAVA_LONG, Fuse.attrOffset("ctime"), createdSeconds);
        out.set(JAVA_INT, Fuse.attrOffset("mode"), S_IFREG | 0444);
        out.set(JAVA_INT, Fuse.attrOffset("nlink"), 1);
        out.set(JAVA_INT, Fuse.attrOffset("blksize"), BLOCK_SIZE);
        return out;
    }

    /**
     * An open for reading gets a snapshot; for writing, EACCES, as procfs gives even root (a
     * table has no write operation: fs/proc/generic.c). The mount's default_permissions has
     * already refused a writer without CAP_DAC_OVERRIDE.
     */
    private void open(Arena arena, long unique, int tid, MemorySegment in) {
        int flags = in.get(JAVA_INT, Fuse.offset(Fuse.OPEN_IN, "flags"));
        if ((flags & O_ACCMODE) != 0) {
            fail(arena, unique, EACCES);
            return;
        }
        if (held >= heldMost) {
            fail(arena, unique, ENOMEM);
            return;
        }
        byte[] snapshot;
        try {
            snapshot = contents.apply(tid);
        } catch (RuntimeException e) {
            log.warn("/proc/net: contents for tid {}: {}", tid, e.toString());
            snapshot = null;
        }
        if (snapshot == null) {
            fail(arena, unique, EIO);
            return;
        }
        long handle = nextHandle++;
        open.put(handle, snapshot);
        held += snapshot.length;
        MemorySegment out = arena.allocate(Fuse.OPEN_OUT);
        out.set(JAVA_LONG, Fuse.offset(Fuse.OPEN_OUT, "fh"), handle);
        out.set(JAVA_INT, Fuse.offset(Fuse.OPEN_OUT, "open_flags"), Fuse.FOPEN_DIRECT_IO);
        reply(arena, unique, out);
    }

    private void read(Arena arena, long unique, MemorySegment in) {
        byte[] snapshot = open.get(in.get(JAVA_LONG, Fuse.offset(Fuse.READ_IN, "fh")));
        if (snapshot == null) {
            fail(arena, unique, EIO);
            return;
        }
        long offset = in.get(JAVA_LONG, Fuse.offset(Fuse.READ_IN, "offset"));
        long size = Integer.toUnsignedLong(in.get(JAVA_INT, Fuse.offset(Fuse.READ_IN, "size")));
        int from = (int) Math.min(Math.max(offset, 0), snapshot.length);
        int count = (int) Math.min(size, snapshot.length - from);
        MemorySegment data = arena.allocate(Math.max(count, 1));
        MemorySegment.copy(MemorySegment.ofArray(snapshot), from, data, 0, count);
        reply(arena, unique, data.asSlice(0, count));
    }

    private static MemorySegment statfs(Arena arena) {
        MemorySegment out = arena.allocate(Fuse.STATFS_OUT);
        out.set(JAVA_INT, Fuse.offset(Fuse.STATFS_OUT, "bsize"), 4096);
        out.set(JAVA_INT, Fuse.offset(Fuse.STATFS_OUT, "namelen"), 255);
        out.set(JAVA_INT, Fuse.offset(Fuse.STATFS_OUT, "frsize"), 4096);
        return out;
    }

    private void reply(Arena arena, long unique, MemorySegment payload) {
        send(arena, unique, 0, payload);
    }

    private void fail(Arena arena, long unique, int errno) {
        send(arena, unique, -errno, MemorySegment.NULL);
    }

    private void send(Arena arena, long unique, int error, MemorySegment payload) {
        long headerSize = Fuse.OUT_HEADER.byteSize();
        MemorySegment message = arena.allocate(headerSize + payload.byteSize(), 8);
        message.set(JAVA_INT, Fuse.offset(Fuse.OUT_HEADER, "len"), (int) message.byteSize());
        message.set(JAVA_INT, Fuse.offset(Fuse.OUT_HEADER, "error"), error);
        message.set(JAVA_LONG, Fuse.offset(Fuse.OUT_HEADER, "unique"), unique);
        if (payload.byteSize() > 0) MemorySegment.copy(payload, 0, message, headerSize, payload.byteSize());
        try {
            Libc.write(device, message);
        } catch (ErrnoException e) {
            // ENOENT: the request was interrupted and is gone (fs/fuse/dev.c: fuse_dev_do_write);
            // ENODEV, ECONNABORTED: the connection ended, as the next read will say.
            if (e.errno() != Errno.ENOENT && e.errno() != Errno.ENODEV && e.errno() != Errno.ECONNABORTED) throw e;
        }
    }
}
