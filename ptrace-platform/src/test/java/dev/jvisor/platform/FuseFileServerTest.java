package dev.jvisor.platform;

import dev.jvisor.platform.linux.Fuse;
import dev.jvisor.platform.linux.Libc;
import dev.jvisor.platform.linux.Socket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The FUSE server of the sandbox's /proc/net file, spoken to as the kernel speaks to it (one
 * request a message, one reply a message: a seqpacket socketpair stands for /dev/fuse).
 */
class FuseFileServerTest {
    private static final int AF_UNIX = 1;
    private static final int SOCK_SEQPACKET = 5;
    private static final int O_WRONLY = 1;
    private static final int EACCES = 13;
    private static final int ENOMEM = 12;
    private static final int ENOSYS = 38;
    private static final int MKDIR = 9;
    /** Snapshots: "table TID" (10 bytes for a 4-digit tid). */
    private static final long HELD_MOST = 16;

    private int kernel;
    private FuseFileServer server;
    private long unique;

    /** A reply: its error (negative errno, or 0) and its payload. */
    private record Reply(int error, ByteBuffer payload) {}

    @BeforeEach
    void start() {
        int[] ends = Socket.socketpair(AF_UNIX, SOCK_SEQPACKET | Socket.SOCK_CLOEXEC);
        kernel = ends[1];
        server = new FuseFileServer(ends[0], tid -> ("table " + tid).getBytes(StandardCharsets.US_ASCII), HELD_MOST);
        server.start();
        ByteBuffer init = body(16).putInt(7).putInt(38).putInt(131072).putInt(0);
        Reply reply = ask(Fuse.INIT, 0, init);
        assertEquals(0, reply.error());
        assertEquals(7, reply.payload().getInt(0));
        assertEquals(Fuse.KERNEL_MINOR_VERSION, reply.payload().getInt(4));
        assertEquals(131072, reply.payload().getInt(8));
    }

    @AfterEach
    void stop() {
        server.stop();
        Libc.close(kernel);
    }

    @Test
    void theFileIsRootsReadOnlyAndEmpty() {
        Reply reply = ask(Fuse.GETATTR, 0, body(16));
        assertEquals(0, reply.error());
        ByteBuffer attributes = reply.payload();
        assertEquals(0100444, attributes.getInt((int) Fuse.attrOffset("mode")));
        assertEquals(0, attributes.getLong((int) Fuse.attrOffset("size")));
        assertEquals(1, attributes.getInt((int) Fuse.attrOffset("nlink")));
        assertEquals(0, attributes.getInt((int) Fuse.attrOffset("uid")));
    }

    @Test
    void anOpenGetsItsReadersSnapshotReadAtAnyOffset() {
        long handle = open(4321);
        assertArrayEquals("ble 43".getBytes(StandardCharsets.US_ASCII), read(handle, 2, 6));
        assertArrayEquals("4321".getBytes(StandardCharsets.US_ASCII), read(handle, 6, 100));
        assertArrayEquals(new byte[0], read(handle, 10, 100));
        assertEquals(0, release(handle));
    }

    @Test
    void aWriterGetsEaccesAndAnUnknownOperationEnosys() {
        assertEquals(-EACCES, ask(Fuse.OPEN, 1000, body(8).putInt(O_WRONLY).putInt(0)).error());
        assertEquals(-ENOSYS, ask(MKDIR, 1000, body(16)).error());
    }

    /** Past HELD_MOST bytes of snapshots kept for open descriptors an open gets ENOMEM, until one is released. */
    @Test
    void snapshotsKeptAtOnceAreBounded() {
        long first = open(1000);
        long second = open(1001);
        assertEquals(-ENOMEM, ask(Fuse.OPEN, 1002, body(8).putInt(0).putInt(0)).error());
        assertEquals(0, release(first));
        long third = open(1003);
        assertArrayEquals("table 1003".getBytes(StandardCharsets.US_ASCII), read(third, 0, 100));
        release(second);
        release(third);
    }

    private long open(int tid) {
        Reply reply = ask(Fuse.OPEN, tid, body(8).putInt(0).putInt(0));
        assertEquals(0, reply.error());
        assertEquals(Fuse.FOPEN_DIRECT_IO, reply.payload().getInt(8));
        return reply.payload().getLong(0);
    }

    private byte[] read(long handle, long offset, int size) {
        Reply reply = ask(Fuse.READ, 1000, body(40).putLong(handle).putLong(offset).putInt(size));
        assertEquals(0, reply.error());
        byte[] data = new byte[reply.payload().remaining()];
        reply.payload().get(data);
        return data;
    }

    private int release(long handle) {
        return ask(Fuse.RELEASE, 1000, body(24).putLong(handle)).error();
    }

    private static ByteBuffer body(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
    }

    /** One request, fuse_in_header first, and its reply. */
    private Reply ask(int opcode, int tid, ByteBuffer body) {
        long id = ++unique;
        int headerSize = (int) Fuse.IN_HEADER.byteSize();
        ByteBuffer request = body(headerSize + body.capacity());
        request.putInt(request.capacity()).putInt(opcode).putLong(id).putLong(Fuse.ROOT_ID).putInt(0).putInt(0)
                .putInt(tid).putInt(0);
        request.put(body.array());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(request.capacity());
            MemorySegment.copy(request.array(), 0, out, JAVA_BYTE, 0, request.capacity());
            Libc.write(kernel, out);
            MemorySegment in = arena.allocate(1 << 16);
            int length = (int) Libc.read(kernel, in);
            ByteBuffer reply = ByteBuffer.wrap(in.asSlice(0, length).toArray(JAVA_BYTE)).order(ByteOrder.nativeOrder());
            assertEquals(length, reply.getInt(0));
            assertEquals(id, reply.getLong(8));
            return new Reply(reply.getInt(4), reply.position(16).slice().order(ByteOrder.nativeOrder()));
        }
    }
}
