package dev.jvisor.sentry.trace;

import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.Syscall;
import dev.jvisor.platform.SyscallStop;
import dev.jvisor.platform.Sysno;
import dev.jvisor.platform.TraceeMemory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The decoder against a fake tracee: memory is a byte array at a fixed base address. */
class CallDecoderTest {
    private static final long BASE = 0x7f00_0000_0000L;
    private static final long UNMAPPED = 0xdead_0000L;

    /** Tracee memory: {@code size} bytes at {@link #BASE}; anything else faults like a bad pointer. */
    private static final class FakeMemory implements TraceeMemory {
        private final ByteBuffer bytes;
        private long next = BASE;

        FakeMemory(int size) {
            bytes = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        }

        @Override
        public byte[] read(long address, int length) {
            int offset = offset(address, length);
            byte[] out = new byte[length];
            bytes.get(offset, out);
            return out;
        }

        @Override
        public void write(long address, byte[] data) {
            bytes.put(offset(address, data.length), data);
        }

        private int offset(long address, int length) {
            if (length < 0 || address < BASE || address + length > BASE + bytes.capacity()) {
                throw new ErrnoException(Errno.EFAULT, "read");
            }
            return (int) (address - BASE);
        }

        /** Room for {@code size} bytes, 8-aligned like the structures it holds. */
        long alloc(int size) {
            long at = next;
            next += (size + 7) & ~7;
            return at;
        }

        /** The last {@code size} bytes of the mapping: reading one byte more faults. */
        long atEnd(int size) {
            return BASE + bytes.capacity() - size;
        }

        FakeMemory putInt(long address, int value) {
            bytes.putInt((int) (address - BASE), value);
            return this;
        }

        FakeMemory putLong(long address, long value) {
            bytes.putLong((int) (address - BASE), value);
            return this;
        }

        FakeMemory putShort(long address, int value) {
            bytes.putShort((int) (address - BASE), (short) value);
            return this;
        }

        long intCell(int value) {
            long at = alloc(4);
            putInt(at, value);
            return at;
        }

        /** A struct sockaddr_un: family AF_UNIX then the given sun_path bytes. */
        long sockaddrUn(byte[] path) {
            long at = alloc(2 + path.length);
            return sockaddrUnAt(at, path);
        }

        long sockaddrUnAt(long at, byte[] path) {
            putShort(at, 1);
            write(at + 2, path);
            return at;
        }

        /** An iovec array with the given lengths (the data pointers are never read). */
        long iovecs(long... lengths) {
            long at = alloc(16 * Math.max(lengths.length, 1));
            for (int i = 0; i < lengths.length; i++) {
                putLong(at + 16L * i, BASE);
                putLong(at + 16L * i + 8, lengths[i]);
            }
            return at;
        }

        long msghdr(long name, int namelen, long iov, long iovlen, long control, long controllen, int flags) {
            return msghdrAt(alloc(64), name, namelen, iov, iovlen, control, controllen, flags);
        }

        long msghdrAt(long at, long name, int namelen, long iov, long iovlen, long control, long controllen,
                      int flags) {
            putLong(at, name).putInt(at + 8, namelen).putLong(at + 16, iov).putLong(at + 24, iovlen)
                    .putLong(at + 32, control).putLong(at + 40, controllen).putInt(at + 48, flags);
            return at;
        }
    }

    /** Control data built as a program would with CMSG_SPACE / CMSG_LEN. */
    private static final class Control {
        private final ByteBuffer bytes = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);

        Control cmsg(long cmsgLen, int level, int type, byte[] data) {
            int start = bytes.position();
            bytes.putLong(cmsgLen).putInt(level).putInt(type).put(data);
            bytes.position(start + ((16 + data.length + 7) & ~7));
            return this;
        }

        Control rights(int... fds) {
            return cmsg(16 + 4L * fds.length, 1, 1, ints(fds));
        }

        Control credentials(int pid, int uid, int gid) {
            return cmsg(28, 1, 2, ints(pid, uid, gid));
        }

        /** The bytes written so far, at {@code memory}; its length is {@link #length()}. */
        long into(FakeMemory memory) {
            long at = memory.alloc(bytes.position());
            memory.write(at, java.util.Arrays.copyOf(bytes.array(), bytes.position()));
            return at;
        }

        int length() {
            return bytes.position();
        }
    }

    private record FakeStop(int pid, Syscall call, TraceeMemory memory) implements SyscallStop {
        @Override
        public int tid() {
            return pid;
        }

        @Override
        public long instructionPointer() {
            return 0;
        }

        @Override
        public long scratch(int size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long sealedScratch(int size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void releaseSealedScratch() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void writeSealed(long address, byte[] data) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int copyDescriptor(int fd) {
            throw new UnsupportedOperationException("the decoder takes no descriptors");
        }

        @Override
        public boolean sharesDescriptorTable() {
            throw new UnsupportedOperationException("the decoder asks nothing of descriptor tables");
        }
    }

    private static byte[] ints(int... values) {
        ByteBuffer buffer = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) buffer.putInt(v);
        return buffer.array();
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static Map<String, String> args(FakeMemory memory, int number, long... args) {
        return map(CallDecoder.arguments(new FakeStop(4242, Syscall.of(number, args), memory)));
    }

    private static Map<String, String> outputs(FakeMemory memory, long result, int number, long... args) {
        return outputsInProcess(4242, memory, result, number, args);
    }

    private static Map<String, String> outputsInProcess(int pid, FakeMemory memory, long result, int number,
                                                        long... args) {
        return map(CallDecoder.outputs(new FakeStop(pid, Syscall.of(number, args), memory), result));
    }

    /** Fields by name, in order; a name recorded twice would fail the test. */
    private static Map<String, String> map(List<Field> fields) {
        Map<String, String> byName = new LinkedHashMap<>();
        for (Field field : fields) {
            String previous = byName.put(field.name(), field.value());
            assertEquals(null, previous, "field " + field.name() + " recorded twice in " + fields);
        }
        return byName;
    }

    // ---- socket, socketpair ----

    @Test
    void socketNamesDomainTypeAndSplitsTheTypeFlags() {
        assertEquals(Map.of("domain", "AF_UNIX", "type", "SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC", "protocol", "0"),
                args(new FakeMemory(64), Sysno.SOCKET, 1, 1 | 0x800 | 0x80000, 0));
        assertEquals(Map.of("domain", "AF_INET6", "type", "SOCK_SEQPACKET", "protocol", "0"),
                args(new FakeMemory(64), Sysno.SOCKET, 10, 5, 0));
    }

    @Test
    void socketShowsUnknownDomainTypeAndLeftoverBitsAsNumbers() {
        assertEquals(Map.of("domain", "99", "type", "7|SOCK_CLOEXEC|0x100", "protocol", "-1"),
                args(new FakeMemory(64), Sysno.SOCKET, 99, 7 | 0x80000 | 0x100, 0xffffffffL));
    }

    @Test
    void socketpairOutputsBothDescriptors() {
        FakeMemory memory = new FakeMemory(64);
        long sv = memory.alloc(8);
        memory.putInt(sv, 5).putInt(sv + 4, 6);
        assertEquals(Map.of("domain", "AF_UNIX", "type", "SOCK_DGRAM|SOCK_CLOEXEC", "protocol", "0"),
                args(memory, Sysno.SOCKETPAIR, 1, 2 | 0x80000, 0, sv));
        assertEquals(Map.of("fd0", "5", "fd1", "6"), outputs(memory, 0, Sysno.SOCKETPAIR, 1, 2, 0, sv));
        assertEquals(Map.of("sv", "EFAULT"), outputs(memory, 0, Sysno.SOCKETPAIR, 1, 2, 0, UNMAPPED));
    }

    // ---- bind, connect ----

    @Test
    void bindShowsAFilesystemPathUpToItsNulAndTheExactLength() {
        FakeMemory memory = new FakeMemory(256);
        long addr = memory.sockaddrUn(ascii("/tmp/sock\0garbage"));
        assertEquals(Map.of("fd", "3", "addr", "path \"/tmp/sock\"", "addrlen", "19"),
                args(memory, Sysno.BIND, 3, addr, 19));
        assertEquals("bind(fd=3, addr=path \"/tmp/sock\", addrlen=19) = 0", new CallRecord("P1", 1, 1, "bind",
                CallDecoder.arguments(new FakeStop(1, Syscall.of(Sysno.BIND, 3, addr, 19), memory)), "0", List.of())
                .describe());
        assertEquals(Map.of("fd", "3", "addr", "path \"/tmp/s\"", "addrlen", "8"),
                args(memory, Sysno.BIND, 3, addr, 8));
    }

    @Test
    void abstractNamesKeepEveryByteUpToAddrlenEscaped() {
        FakeMemory memory = new FakeMemory(256);
        long addr = memory.sockaddrUn(new byte[] {0, 'a', 'b', 0, (byte) 0xff, '"', '\n'});
        assertEquals("abstract \"@ab\\x00\\xff\\\"\\x0a\"", args(memory, Sysno.CONNECT, 4, addr, 9).get("addr"));
        assertEquals("abstract \"@ab\"", args(memory, Sysno.CONNECT, 4, addr, 5).get("addr"));
        assertEquals("abstract \"@\"", args(memory, Sysno.CONNECT, 4, addr, 3).get("addr"));
    }

    @Test
    void familyAloneIsUnnamedAndShorterIsShort() {
        FakeMemory memory = new FakeMemory(64);
        long addr = memory.sockaddrUn(ascii("x"));
        assertEquals(Map.of("fd", "3", "addr", "unnamed", "addrlen", "2"), args(memory, Sysno.BIND, 3, addr, 2));
        assertEquals("short", args(memory, Sysno.BIND, 3, addr, 1).get("addr"));
        assertEquals("none", args(memory, Sysno.BIND, 3, addr, 0).get("addr"));
    }

    @Test
    void otherFamiliesShowOnlyFamilyAndLength() {
        FakeMemory memory = new FakeMemory(64);
        long addr = memory.alloc(16);
        memory.putShort(addr, 2).putInt(addr + 4, 0x0100007f);
        assertEquals(Map.of("fd", "3", "addr", "AF_INET", "addrlen", "16"), args(memory, Sysno.CONNECT, 3, addr, 16));
    }

    @Test
    void badAddressPointersAndLengthsNeverThrow() {
        FakeMemory memory = new FakeMemory(64);
        assertEquals(Map.of("fd", "3", "addr", "NULL", "addrlen", "110"), args(memory, Sysno.BIND, 3, 0, 110));
        assertEquals(Map.of("fd", "3", "addr", "EFAULT", "addrlen", "110"), args(memory, Sysno.BIND, 3, UNMAPPED, 110));
        long addr = memory.sockaddrUn(ascii("p"));
        assertEquals(Map.of("fd", "3", "addr", "length -1", "addrlen", "-1"),
                args(memory, Sysno.BIND, 3, addr, 0xffffffffL));
        assertEquals(Map.of("fd", "3", "addr", "length 4096", "addrlen", "4096"),
                args(memory, Sysno.BIND, 3, addr, 4096));
    }

    @Test
    void addrlenPastSockaddrUnReadsOnly110Bytes() {
        FakeMemory memory = new FakeMemory(256);
        byte[] path = new byte[108];
        java.util.Arrays.fill(path, (byte) 'a');
        long addr = memory.sockaddrUnAt(memory.atEnd(110), path);
        assertEquals("path \"" + "a".repeat(108) + "\"", args(memory, Sysno.BIND, 3, addr, 120).get("addr"));
        assertEquals("120", args(memory, Sysno.BIND, 3, addr, 120).get("addrlen"));
        // A length that runs off the mapping within 110 bytes faults.
        assertEquals("EFAULT", args(memory, Sysno.BIND, 3, memory.atEnd(50), 60).get("addr"));
    }

    // ---- listen, shutdown ----

    @Test
    void listenBacklogIsASignedInt() {
        assertEquals(Map.of("fd", "3", "backlog", "-1"), args(new FakeMemory(8), Sysno.LISTEN, 3, 0xffffffffL));
        assertEquals(Map.of("fd", "3", "backlog", "128"), args(new FakeMemory(8), Sysno.LISTEN, 3, 128));
    }

    @Test
    void shutdownNamesHow() {
        assertEquals(Map.of("fd", "7", "how", "SHUT_WR"), args(new FakeMemory(8), Sysno.SHUTDOWN, 7, 1));
        assertEquals(Map.of("fd", "7", "how", "SHUT_RDWR"), args(new FakeMemory(8), Sysno.SHUTDOWN, 7, 2));
        assertEquals(Map.of("fd", "7", "how", "3"), args(new FakeMemory(8), Sysno.SHUTDOWN, 7, 3));
    }

    // ---- accept, getsockname, getpeername ----

    @Test
    void accept4ShowsFlagsAndRoomThenThePeerWithTheLengthTheKernelWrote() {
        FakeMemory memory = new FakeMemory(256);
        long addr = memory.sockaddrUn(new byte[108]);
        long addrlen = memory.intCell(110);
        assertEquals(Map.of("fd", "3", "flags", "SOCK_NONBLOCK|SOCK_CLOEXEC|0x1", "addrlen", "110"),
                args(memory, Sysno.ACCEPT4, 3, addr, addrlen, 0x80801));
        memory.sockaddrUnAt(addr, ascii("/run/client\0"));
        memory.putInt(addrlen, 14);
        assertEquals(Map.of("addr", "path \"/run/client\"", "addrlen", "14"),
                outputs(memory, 5, Sysno.ACCEPT4, 3, addr, addrlen, 0));
        memory.putInt(addrlen, 2);
        assertEquals(Map.of("addr", "unnamed", "addrlen", "2"), outputs(memory, 5, Sysno.ACCEPT, 3, addr, addrlen));
    }

    @Test
    void acceptWithoutAnAddressBufferHasNoOutputs() {
        FakeMemory memory = new FakeMemory(16);
        assertEquals(Map.of("fd", "3", "addr", "NULL"), args(memory, Sysno.ACCEPT, 3, 0, 0));
        assertEquals(Map.of("fd", "3", "flags", "0", "addr", "NULL"), args(memory, Sysno.ACCEPT4, 3, 0, 0, 0));
        assertEquals(Map.of(), outputs(memory, 5, Sysno.ACCEPT, 3, 0, 0));
    }

    @Test
    void getsocknameAndGetpeernameOutputTheAddress() {
        FakeMemory memory = new FakeMemory(256);
        long addr = memory.sockaddrUn(new byte[] {0, '1', '2', 'a', 'b', 'f'});
        long addrlen = memory.intCell(110);
        assertEquals(Map.of("fd", "3", "addrlen", "110"), args(memory, Sysno.GETSOCKNAME, 3, addr, addrlen));
        memory.putInt(addrlen, 8);
        assertEquals(Map.of("addr", "abstract \"@12abf\"", "addrlen", "8"),
                outputs(memory, 0, Sysno.GETPEERNAME, 3, addr, addrlen));
    }

    @Test
    void badAddrlenPointersShowEfault() {
        FakeMemory memory = new FakeMemory(256);
        long addr = memory.sockaddrUn(new byte[4]);
        assertEquals(Map.of("fd", "3", "addrlen", "EFAULT"), args(memory, Sysno.GETSOCKNAME, 3, addr, UNMAPPED));
        assertEquals(Map.of("addrlen", "EFAULT"), outputs(memory, 0, Sysno.GETSOCKNAME, 3, addr, UNMAPPED));
        long addrlen = memory.intCell(16);
        assertEquals(Map.of("addr", "EFAULT", "addrlen", "16"), outputs(memory, 0, Sysno.GETSOCKNAME, 3, UNMAPPED, addrlen));
    }

    // ---- setsockopt, getsockopt ----

    @Test
    void setsockoptShowsAnIntValue() {
        FakeMemory memory = new FakeMemory(64);
        long one = memory.intCell(1);
        assertEquals(Map.of("fd", "3", "level", "SOL_SOCKET", "optname", "SO_PASSCRED", "optlen", "4", "optval", "1"),
                args(memory, Sysno.SETSOCKOPT, 3, 1, 16, one, 4));
        assertEquals("SO_REUSEADDR", args(memory, Sysno.SETSOCKOPT, 3, 1, 2, one, 4).get("optname"));
        assertEquals("SO_SNDBUF", args(memory, Sysno.SETSOCKOPT, 3, 1, 7, one, 4).get("optname"));
    }

    @Test
    void setsockoptNamesOldAndNewTimeoutsAndDecodesTimeval() {
        FakeMemory memory = new FakeMemory(64);
        long tv = memory.alloc(16);
        memory.putLong(tv, 2).putLong(tv + 8, 500000);
        Map<String, String> old = args(memory, Sysno.SETSOCKOPT, 3, 1, 20, tv, 16);
        assertEquals("SO_RCVTIMEO", old.get("optname"));
        assertEquals("sec=2 usec=500000", old.get("optval"));
        assertEquals("SO_SNDTIMEO", args(memory, Sysno.SETSOCKOPT, 3, 1, 21, tv, 16).get("optname"));
        assertEquals("SO_RCVTIMEO_NEW", args(memory, Sysno.SETSOCKOPT, 3, 1, 66, tv, 16).get("optname"));
        assertEquals("SO_SNDTIMEO_NEW", args(memory, Sysno.SETSOCKOPT, 3, 1, 67, tv, 16).get("optname"));
    }

    @Test
    void setsockoptOddLengthsNullAndBadValues() {
        FakeMemory memory = new FakeMemory(64);
        long value = memory.intCell(7);
        assertEquals("3 bytes", args(memory, Sysno.SETSOCKOPT, 3, 1, 9, value, 3).get("optval"));
        assertEquals("NULL", args(memory, Sysno.SETSOCKOPT, 3, 1, 9, 0, 4).get("optval"));
        assertEquals("EFAULT", args(memory, Sysno.SETSOCKOPT, 3, 1, 9, UNMAPPED, 4).get("optval"));
        assertEquals(Map.of("fd", "3", "level", "SOL_SOCKET", "optname", "SO_KEEPALIVE", "optlen", "-1"),
                args(memory, Sysno.SETSOCKOPT, 3, 1, 9, value, 0xffffffffL));
        assertEquals("100000 bytes", args(memory, Sysno.SETSOCKOPT, 3, 1, 9, value, 100000).get("optval"));
    }

    @Test
    void otherLevelsShowTheOptionNumber() {
        FakeMemory memory = new FakeMemory(64);
        long value = memory.intCell(1);
        Map<String, String> tcp = args(memory, Sysno.SETSOCKOPT, 3, 6, 1, value, 4);
        assertEquals("IPPROTO_TCP", tcp.get("level"));
        assertEquals("1", tcp.get("optname"));
        assertEquals("271", args(memory, Sysno.SETSOCKOPT, 3, 271, 1, value, 4).get("level"));
        assertEquals("999", args(memory, Sysno.SETSOCKOPT, 3, 1, 999, value, 4).get("optname"));
    }

    @Test
    void getsockoptShowsTheRoomThenTheValueWritten() {
        FakeMemory memory = new FakeMemory(128);
        long optval = memory.alloc(64);
        long optlen = memory.intCell(4);
        assertEquals(Map.of("fd", "3", "level", "SOL_SOCKET", "optname", "SO_ACCEPTCONN", "optlen", "4"),
                args(memory, Sysno.GETSOCKOPT, 3, 1, 30, optval, optlen));
        memory.putInt(optval, 1);
        assertEquals(Map.of("optlen", "4", "optval", "1"), outputs(memory, 0, Sysno.GETSOCKOPT, 3, 1, 30, optval, optlen));
        assertEquals(Map.of("optlen", "4", "optval", "SOCK_SEQPACKET"),
                outputs(memory.putInt(optval, 5), 0, Sysno.GETSOCKOPT, 3, 1, 3, optval, optlen));
        assertEquals(Map.of("optlen", "4", "optval", "AF_UNIX"),
                outputs(memory.putInt(optval, 1), 0, Sysno.GETSOCKOPT, 3, 1, 39, optval, optlen));
        assertEquals(Map.of("optlen", "4", "optval", "ECONNREFUSED"),
                outputs(memory.putInt(optval, 111), 0, Sysno.GETSOCKOPT, 3, 1, 4, optval, optlen));
        assertEquals(Map.of("optlen", "4", "optval", "0"),
                outputs(memory.putInt(optval, 0), 0, Sysno.GETSOCKOPT, 3, 1, 4, optval, optlen));
        assertEquals("SO_PROTOCOL", args(memory, Sysno.GETSOCKOPT, 3, 1, 38, optval, optlen).get("optname"));
    }

    @Test
    void getsockoptPeercredShowsPidUidGid() {
        FakeMemory memory = new FakeMemory(128);
        long optval = memory.alloc(12);
        memory.write(optval, ints(1234, 1000, -1));
        long optlen = memory.intCell(12);
        assertEquals(Map.of("optlen", "12", "optval", "pid=1234 uid=1000 gid=4294967295"),
                outputs(memory, 0, Sysno.GETSOCKOPT, 3, 1, 17, optval, optlen));
        // A short ucred still holds the pid, which a comparison must be able to normalize.
        memory.putInt(optlen, 8);
        assertEquals(Map.of("optlen", "8", "optval", "pid=1234 (8 bytes)"),
                outputs(memory, 0, Sysno.GETSOCKOPT, 3, 1, 17, optval, optlen));
        memory.putInt(optlen, 3);
        assertEquals(Map.of("optlen", "3", "optval", "3 bytes"),
                outputs(memory, 0, Sysno.GETSOCKOPT, 3, 1, 17, optval, optlen));
    }

    @Test
    void getsockoptPeersecIsAStringAndOthersAByteCount() {
        FakeMemory memory = new FakeMemory(128);
        long optval = memory.alloc(32);
        memory.write(optval, ascii("unconfined\0"));
        long optlen = memory.intCell(11);
        assertEquals(Map.of("optlen", "11", "optval", "\"unconfined\""),
                outputs(memory, 0, Sysno.GETSOCKOPT, 3, 1, 31, optval, optlen));
        memory.putInt(optlen, 12);
        assertEquals("12 bytes", outputs(memory, 0, Sysno.GETSOCKOPT, 3, 1, 59, optval, optlen).get("optval"));
        assertEquals("SO_PEERGROUPS", args(memory, Sysno.GETSOCKOPT, 3, 1, 59, optval, optlen).get("optname"));
    }

    @Test
    void getsockoptBadPointers() {
        FakeMemory memory = new FakeMemory(64);
        long optlen = memory.intCell(4);
        assertEquals("EFAULT", args(memory, Sysno.GETSOCKOPT, 3, 1, 7, 0, UNMAPPED).get("optlen"));
        assertEquals("NULL", args(memory, Sysno.GETSOCKOPT, 3, 1, 7, 0, optlen).get("optval"));
        assertEquals(Map.of("optlen", "EFAULT"), outputs(memory, 0, Sysno.GETSOCKOPT, 3, 1, 7, BASE, UNMAPPED));
        assertEquals(Map.of("optlen", "4", "optval", "EFAULT"),
                outputs(memory, 0, Sysno.GETSOCKOPT, 3, 1, 7, UNMAPPED, optlen));
    }

    // ---- sendto, recvfrom ----

    @Test
    void sendtoShowsLengthFlagsAndDestination() {
        FakeMemory memory = new FakeMemory(128);
        long dest = memory.sockaddrUn(ascii("\0srv"));
        assertEquals(Map.of("fd", "3", "len", "5", "flags", "MSG_DONTWAIT|MSG_NOSIGNAL", "addr", "abstract \"@srv\"",
                "addrlen", "6"), args(memory, Sysno.SENDTO, 3, BASE, 5, 0x40 | 0x4000, dest, 6));
        assertEquals(Map.of("fd", "3", "len", "0", "flags", "0", "addr", "NULL"),
                args(memory, Sysno.SENDTO, 3, BASE, 0, 0, 0, 99));
    }

    @Test
    void messageFlagsAreNamedWithLeftoverInHex() {
        FakeMemory memory = new FakeMemory(8);
        assertEquals("MSG_OOB|MSG_PEEK|MSG_DONTROUTE|MSG_TRUNC|MSG_EOR|MSG_WAITALL|MSG_CMSG_CLOEXEC|0x80000000",
                args(memory, Sysno.SENDTO, 3, BASE, 1, 0x1 | 0x2 | 0x4 | 0x20 | 0x80 | 0x100 | 0x40000000 | 0x80000000L,
                        0, 0).get("flags"));
        assertEquals("MSG_CTRUNC|MSG_ERRQUEUE|0x100000",
                args(memory, Sysno.SENDTO, 3, BASE, 1, 0x8 | 0x2000 | 0x100000, 0, 0).get("flags"));
    }

    @Test
    void recvfromOutputsTheSourceOnlyWhenAskedFor() {
        FakeMemory memory = new FakeMemory(256);
        long src = memory.sockaddrUn(new byte[108]);
        long addrlen = memory.intCell(110);
        assertEquals(Map.of("fd", "3", "len", "4096", "flags", "MSG_PEEK", "addrlen", "110"),
                args(memory, Sysno.RECVFROM, 3, BASE, 4096, 2, src, addrlen));
        memory.sockaddrUnAt(src, ascii("/s\0"));
        memory.putInt(addrlen, 5);
        assertEquals(Map.of("addr", "path \"/s\"", "addrlen", "5"),
                outputs(memory, 10, Sysno.RECVFROM, 3, BASE, 4096, 2, src, addrlen));
        memory.putInt(addrlen, 0);
        assertEquals(Map.of("addr", "none", "addrlen", "0"),
                outputs(memory, 10, Sysno.RECVFROM, 3, BASE, 4096, 2, src, addrlen));
        assertEquals(Map.of("fd", "3", "len", "4096", "flags", "0", "addr", "NULL"),
                args(memory, Sysno.RECVFROM, 3, BASE, 4096, 0, 0, 0));
        assertEquals(Map.of(), outputs(memory, 10, Sysno.RECVFROM, 3, BASE, 4096, 0, 0, 0));
    }

    // ---- sendmsg, recvmsg ----

    @Test
    void sendmsgShowsNameDataAndControlMessages() {
        FakeMemory memory = new FakeMemory(1024);
        long name = memory.sockaddrUn(ascii("/tmp/d\0"));
        long iov = memory.iovecs(3, 4, 0);
        Control control = new Control().rights(5, 6).credentials(77, 1000, 1000);
        long controlAt = control.into(memory);
        long msg = memory.msghdr(name, 9, iov, 3, controlAt, control.length(), 0);
        assertEquals(Map.of("fd", "3", "flags", "MSG_NOSIGNAL", "name", "path \"/tmp/d\"", "namelen", "9",
                        "iovlen", "3", "len", "7", "controllen", Integer.toString(control.length()),
                        "control", "SCM_RIGHTS fds=2; SCM_CREDENTIALS pid=77 uid=1000 gid=1000"),
                args(memory, Sysno.SENDMSG, 3, msg, 0x4000));
    }

    @Test
    void sendmsgWithoutNameOrControl() {
        FakeMemory memory = new FakeMemory(256);
        long iov = memory.iovecs(10);
        long msg = memory.msghdr(0, 123, iov, 1, 0, 0, 0);
        assertEquals(Map.of("fd", "3", "flags", "0", "name", "NULL", "iovlen", "1", "len", "10"),
                args(memory, Sysno.SENDMSG, 3, msg, 0));
    }

    @Test
    void sendmsgNameLongerThanSockaddrStorageIsClampedAsTheKernelDoes() {
        FakeMemory memory = new FakeMemory(512);
        long name = memory.sockaddrUn(ascii("/x\0"));
        memory.alloc(200);
        long msg = memory.msghdr(name, 4000, 0, 0, 0, 0, 0);
        Map<String, String> fields = args(memory, Sysno.SENDMSG, 3, msg, 0);
        assertEquals("path \"/x\"", fields.get("name"));
        assertEquals("4000", fields.get("namelen"));
        assertEquals("0", fields.get("len"));
    }

    @Test
    void badMessagePointersShowEfaultField() {
        FakeMemory memory = new FakeMemory(256);
        assertEquals(Map.of("fd", "3", "flags", "0", "msg", "EFAULT"), args(memory, Sysno.SENDMSG, 3, UNMAPPED, 0));
        assertEquals(Map.of("fd", "3", "flags", "0", "msg", "EFAULT"), args(memory, Sysno.RECVMSG, 3, 0, 0));
        long msg = memory.msghdr(UNMAPPED, 10, UNMAPPED, 2, UNMAPPED, 32, 0);
        assertEquals(Map.of("fd", "3", "flags", "0", "name", "EFAULT", "namelen", "10", "iovlen", "2", "len", "EFAULT",
                "controllen", "32", "control", "EFAULT"), args(memory, Sysno.SENDMSG, 3, msg, 0));
        assertEquals(Map.of("msg", "EFAULT"), outputs(memory, 0, Sysno.RECVMSG, 3, UNMAPPED, 0));
    }

    @Test
    void iovecCountsPastUioMaxiovAreNotRead() {
        FakeMemory memory = new FakeMemory(256);
        long msg = memory.msghdr(0, 0, UNMAPPED, 1025, 0, 0, 0);
        Map<String, String> fields = args(memory, Sysno.SENDMSG, 3, msg, 0);
        assertEquals("1025", fields.get("iovlen"));
        assertEquals("not read (iovlen over UIO_MAXIOV)", fields.get("len"));
    }

    @Test
    void controlWalkFollowsAlignmentAndStopsAtATruncatedLastMessage() {
        FakeMemory memory = new FakeMemory(1024);
        // An unaligned 20-byte SCM_RIGHTS (one fd) is followed at offset 24, as CMSG_NXTHDR aligns.
        Control control = new Control()
                .rights(9)
                .credentials(1, 2, 3)
                .cmsg(20, 1, 29, new byte[4])
                .cmsg(64, 1, 1, ints(1, 2, 3, 4));   // claims more than the buffer holds
        long controlAt = control.into(memory);
        long msg = memory.msghdr(0, 0, 0, 0, controlAt, control.length(), 0);
        assertEquals("SCM_RIGHTS fds=1; SCM_CREDENTIALS pid=1 uid=2 gid=3; level=SOL_SOCKET type=SCM_TIMESTAMP len=20; "
                + "truncated level=SOL_SOCKET type=SCM_RIGHTS cmsg_len=64", args(memory, Sysno.SENDMSG, 3, msg, 0).get("control"));
    }

    @Test
    void controlWalkIgnoresATailTooShortForAHeader() {
        FakeMemory memory = new FakeMemory(1024);
        Control control = new Control().rights(4);
        long controlAt = control.into(memory);
        memory.alloc(16);
        // 24 bytes of the cmsg plus 15 more: too few for another header, so the walk ends.
        long msg = memory.msghdr(0, 0, 0, 0, controlAt, control.length() + 15, 0);
        assertEquals("SCM_RIGHTS fds=1", args(memory, Sysno.SENDMSG, 3, msg, 0).get("control"));
        long tiny = memory.msghdr(0, 0, 0, 0, controlAt, 15, 0);
        assertEquals("none", args(memory, Sysno.SENDMSG, 3, tiny, 0).get("control"));
    }

    @Test
    void controlWalkStopsAtACmsgLenBelowTheHeader() {
        FakeMemory memory = new FakeMemory(1024);
        Control control = new Control().cmsg(8, 1, 1, new byte[0]).rights(3);
        long controlAt = control.into(memory);
        long msg = memory.msghdr(0, 0, 0, 0, controlAt, control.length(), 0);
        assertEquals("truncated level=SOL_SOCKET type=SCM_RIGHTS cmsg_len=8",
                args(memory, Sysno.SENDMSG, 3, msg, 0).get("control"));
    }

    @Test
    void credentialsOfTheWrongSizeAndOtherLevelsAreShownByLevelTypeAndLength() {
        FakeMemory memory = new FakeMemory(1024);
        Control control = new Control().cmsg(24, 1, 2, new byte[8]).cmsg(20, 41, 50, new byte[4]);
        long controlAt = control.into(memory);
        long msg = memory.msghdr(0, 0, 0, 0, controlAt, control.length(), 0);
        assertEquals("level=SOL_SOCKET type=SCM_CREDENTIALS len=24; level=IPPROTO_IPV6 type=50 len=20",
                args(memory, Sysno.SENDMSG, 3, msg, 0).get("control"));
    }

    @Test
    void recvmsgShowsTheRoomItOffers() {
        FakeMemory memory = new FakeMemory(512);
        long name = memory.alloc(110);
        long iov = memory.iovecs(100, 28);
        long msg = memory.msghdr(name, 110, iov, 2, memory.alloc(64), 64, 0);
        assertEquals(Map.of("fd", "3", "flags", "MSG_CMSG_CLOEXEC", "namelen", "110", "iovlen", "2", "len", "128",
                "controllen", "64"), args(memory, Sysno.RECVMSG, 3, msg, 0x40000000));
    }

    @Test
    void recvmsgOutputsFlagsSourceAndReceivedDescriptorKinds(@TempDir Path dir) throws IOException {
        int pid = (int) ProcessHandle.current().pid();
        Path file = dir.resolve("payload");
        Files.writeString(file, "x");
        String filePath = file.toRealPath().toString();
        Pipe pipe = Pipe.open();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
             Pipe.SourceChannel source = pipe.source();
             Pipe.SinkChannel sink = pipe.sink();
             ServerSocketChannel socket = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
             Selector selector = Selector.open()) {
            int fileFd = ownFd(link -> link.equals(filePath));
            int pipeFd = ownFd(link -> link.startsWith("pipe:["));
            int socketFd = ownFd(link -> link.startsWith("socket:["));
            int epollFd = ownFd(link -> link.equals("anon_inode:[eventpoll]"));
            assertTrue(channel.isOpen() && source.isOpen() && sink.isOpen() && socket.isOpen() && selector.isOpen());

            FakeMemory memory = new FakeMemory(1024);
            long name = memory.sockaddrUn(ascii("\0peer"));
            memory.alloc(110);
            Control control = new Control().rights(fileFd, pipeFd, socketFd, epollFd, 1 << 30)
                    .credentials(pid, 1000, 100);
            long controlAt = control.into(memory);
            long msg = memory.msghdr(name, 7, memory.iovecs(16), 1, controlAt, control.length(), 0x20 | 0x8 | 0x80);
            assertEquals(Map.of("flags", "MSG_CTRUNC|MSG_TRUNC|MSG_EOR", "name", "abstract \"@peer\"", "namelen", "7",
                            "controllen", Integer.toString(control.length()),
                            "control", "SCM_RIGHTS fds=5 [file, pipe, socket, anon_inode:[eventpoll], closed]; "
                                    + "SCM_CREDENTIALS pid=" + pid + " uid=1000 gid=100"),
                    outputsInProcess(pid, memory, 16, Sysno.RECVMSG, 3, msg, 0));
        }
    }

    @Test
    void recvmsgWithNothingReceivedInTheControlBuffer() {
        FakeMemory memory = new FakeMemory(256);
        long msg = memory.msghdr(0, 0, memory.iovecs(4), 1, memory.alloc(32), 0, 0);
        assertEquals(Map.of("flags", "0"), outputs(memory, 4, Sysno.RECVMSG, 3, msg, 0));
    }

    @Test
    void descriptorKindsFromProcLinks() {
        assertEquals("socket", CallDecoder.descriptorKind("socket:[12345]"));
        assertEquals("pipe", CallDecoder.descriptorKind("pipe:[9]"));
        assertEquals("file", CallDecoder.descriptorKind("/etc/passwd"));
        assertEquals("file", CallDecoder.descriptorKind("/tmp/gone (deleted)"));
        assertEquals("anon_inode:[eventfd]", CallDecoder.descriptorKind("anon_inode:[eventfd]"));
        assertEquals("anon_inode:inotify", CallDecoder.descriptorKind("anon_inode:inotify"));
        assertEquals("memfd", CallDecoder.descriptorKind("memfd:buffer (deleted)"));
    }

    // ---- sendmmsg, recvmmsg ----

    @Test
    void sendmmsgSummarisesEachMessageAndOutputsTheBytesSent() {
        FakeMemory memory = new FakeMemory(2048);
        long vector = memory.alloc(2 * 64);
        long dest = memory.sockaddrUn(ascii("\0d"));
        memory.msghdrAt(vector, dest, 4, memory.iovecs(5), 1, 0, 0, 0);
        Control control = new Control().rights(3);
        long controlAt = control.into(memory);
        memory.msghdrAt(vector + 64, 0, 0, memory.iovecs(2, 2), 2, controlAt, control.length(), 0);
        assertEquals(Map.of("fd", "3", "vlen", "2", "flags", "MSG_DONTWAIT",
                        "msg[0]", "{name=abstract \"@d\", namelen=4, iovlen=1, len=5}",
                        "msg[1]", "{name=NULL, iovlen=2, len=4, controllen=24, control=SCM_RIGHTS fds=1}"),
                args(memory, Sysno.SENDMMSG, 3, vector, 2, 0x40));
        memory.putInt(vector + 56, 5).putInt(vector + 64 + 56, 4);
        assertEquals(Map.of("msg[0]", "{len=5}", "msg[1]", "{len=4}"), outputs(memory, 2, Sysno.SENDMMSG, 3, vector, 2, 0));
        assertEquals(Map.of("msg[0]", "{len=5}"), outputs(memory, 1, Sysno.SENDMMSG, 3, vector, 2, 0));
    }

    @Test
    void mmsgVectorsShowAtMostEightMessages() {
        FakeMemory memory = new FakeMemory(2048);
        long vector = memory.alloc(10 * 64);
        for (int i = 0; i < 10; i++) memory.msghdrAt(vector + 64L * i, 0, 0, 0, 0, 0, 0, 0);
        Map<String, String> fields = args(memory, Sysno.SENDMMSG, 3, vector, 10, 0);
        assertEquals("{name=NULL, iovlen=0, len=0}", fields.get("msg[7]"));
        assertEquals(null, fields.get("msg[8]"));
        assertEquals("2 not shown", fields.get("more"));
        assertEquals("2 not shown", outputs(memory, 10, Sysno.SENDMMSG, 3, vector, 10, 0).get("more"));
    }

    @Test
    void mmsgVectorRunningOffTheMappingFaultsPerMessage() {
        FakeMemory memory = new FakeMemory(256);
        long vector = memory.atEnd(64);
        memory.msghdrAt(vector, 0, 0, 0, 0, 0, 0, 0);
        Map<String, String> fields = args(memory, Sysno.SENDMMSG, 3, vector, 2, 0);
        assertEquals("{name=NULL, iovlen=0, len=0}", fields.get("msg[0]"));
        assertEquals("EFAULT", fields.get("msg[1]"));
    }

    @Test
    void recvmmsgShowsTimeoutAndBuffersThenLengthAndFlagsPerMessage() {
        FakeMemory memory = new FakeMemory(2048);
        long vector = memory.alloc(2 * 64);
        long src = memory.sockaddrUn(new byte[108]);
        memory.msghdrAt(vector, src, 110, memory.iovecs(64), 1, 0, 0, 0);
        memory.msghdrAt(vector + 64, 0, 0, memory.iovecs(64), 1, 0, 0, 0);
        long timeout = memory.alloc(16);
        memory.putLong(timeout, 1).putLong(timeout + 8, 250);
        assertEquals(Map.of("fd", "3", "vlen", "2", "flags", "MSG_WAITFORONE", "timeout", "sec=1 nsec=250",
                        "msg[0]", "{namelen=110, iovlen=1, len=64}", "msg[1]", "{name=NULL, iovlen=1, len=64}"),
                args(memory, Sysno.RECVMMSG, 3, vector, 2, 0x10000, timeout));
        assertEquals("NULL", args(memory, Sysno.RECVMMSG, 3, vector, 2, 0, 0).get("timeout"));
        assertEquals("EFAULT", args(memory, Sysno.RECVMMSG, 3, vector, 2, 0, UNMAPPED).get("timeout"));

        memory.sockaddrUnAt(src, ascii("/a\0"));
        memory.msghdrAt(vector, src, 5, memory.iovecs(64), 1, 0, 0, 0x20);
        memory.putInt(vector + 56, 64).putInt(vector + 64 + 56, 3);
        assertEquals(Map.of("msg[0]", "{len=64, flags=MSG_TRUNC, name=path \"/a\", namelen=5}",
                        "msg[1]", "{len=3, flags=0}"),
                outputs(memory, 2, Sysno.RECVMMSG, 3, vector, 2, 0, 0));
    }

    @Test
    void aRecvmmsgNameIsReadNoFurtherThanTheRoomTheProgramOffered() {
        FakeMemory memory = new FakeMemory(2048);
        long vector = memory.alloc(64);
        long src = memory.sockaddrUn(new byte[108]);
        memory.msghdrAt(vector, src, 5, memory.iovecs(64), 1, 0, 0, 0);
        List<Field> arguments = CallDecoder.arguments(new FakeStop(1, Syscall.of(Sysno.RECVMMSG, 3, vector, 1), memory));
        // The kernel copied 5 bytes of a 36-byte abstract name and stored the full length.
        memory.sockaddrUnAt(src, ascii("\0jvisor-abstract-name-of-34-bytes!"));
        memory.putInt(src + 5, 0x41414141);
        memory.msghdrAt(vector, src, 36, memory.iovecs(64), 1, 0, 0, 0);
        memory.putInt(vector + 56, 1);
        List<Field> outputs = CallDecoder.outputs(new FakeStop(1, Syscall.of(Sysno.RECVMMSG, 3, vector, 1), memory), 1,
                arguments);
        assertEquals(Map.of("msg[0]", "{len=1, flags=0, name=abstract \"@jv\", namelen=36}"), map(outputs));
    }

    // ---- anything else, and failures ----

    @Test
    void otherCallsShowTheirRawArgumentsInHex() {
        assertEquals(Map.of("arg0", "0x3", "arg1", "0xffffffffffffffff", "arg2", "0x10", "arg3", "0x0", "arg4", "0x0",
                "arg5", "0x7f"), args(new FakeMemory(8), Sysno.READ, 3, -1, 16, 0, 0, 0x7f));
        assertEquals(Map.of(), outputs(new FakeMemory(8), 16, Sysno.READ, 3, BASE, 16));
    }

    @Test
    void anUnexpectedFailureOfMemoryShowsAQuestionMark() {
        TraceeMemory broken = new TraceeMemory() {
            @Override
            public byte[] read(long address, int length) {
                throw new IllegalStateException("tracee gone");
            }

            @Override
            public void write(long address, byte[] data) {
                throw new IllegalStateException("tracee gone");
            }
        };
        SyscallStop bind = new FakeStop(1, Syscall.of(Sysno.BIND, 3, BASE, 10), broken);
        assertEquals(Map.of("fd", "3", "addr", "?", "addrlen", "10"), map(CallDecoder.arguments(bind)));
        SyscallStop recvmsg = new FakeStop(1, Syscall.of(Sysno.RECVMSG, 3, BASE, 0), broken);
        assertEquals(Map.of("fd", "3", "flags", "0", "msg", "?"), map(CallDecoder.arguments(recvmsg)));
        assertEquals(Map.of("msg", "?"), map(CallDecoder.outputs(recvmsg, 1)));
    }

    @Test
    void aStopThatFailsItselfStillGivesFields() {
        SyscallStop gone = new SyscallStop() {
            @Override
            public int tid() {
                return 1;
            }

            @Override
            public int pid() {
                return 1;
            }

            @Override
            public Syscall call() {
                throw new IllegalStateException("registers unreadable");
            }

            @Override
            public long instructionPointer() {
                return 0;
            }

            @Override
            public TraceeMemory memory() {
                throw new IllegalStateException("memory unreadable");
            }

            @Override
            public long scratch(int size) {
                return 0;
            }

            @Override
            public int copyDescriptor(int fd) {
                throw new UnsupportedOperationException("the decoder takes no descriptors");
            }

            @Override
            public long sealedScratch(int size) {
                throw new IllegalStateException("no region");
            }

            @Override
            public void releaseSealedScratch() {
            }

            @Override
            public void writeSealed(long address, byte[] data) {
            }

            @Override
            public boolean sharesDescriptorTable() {
                throw new UnsupportedOperationException("the decoder asks nothing of descriptor tables");
            }
        };
        assertEquals(List.of(new Field("arguments", "?")), CallDecoder.arguments(gone));
        assertEquals(List.of(new Field("outputs", "?")), CallDecoder.outputs(gone, 0));
    }

    // ---- helpers that look at this JVM's own descriptors ----

    /** A descriptor of this process whose /proc link matches. */
    private static int ownFd(Predicate<String> link) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    if (link.test(Files.readSymbolicLink(fd).toString())) return Integer.parseInt(fd.getFileName().toString());
                } catch (IOException e) {
                    // The directory's own descriptor closes while listing: not a candidate.
                }
            }
        }
        throw new AssertionError("no descriptor of the wanted kind in this process");
    }
}
