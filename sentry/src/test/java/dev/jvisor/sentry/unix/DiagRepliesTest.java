package dev.jvisor.sentry.unix;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a sandboxed program reads from a sock_diag socket, from datagrams laid out as net/unix/diag.c writes them. */
class DiagRepliesTest {
    private static final int DONE = 3;
    private static final UnixAddress HIDDEN = new UnixAddress.Pathname("/proc/4242/fd/7/0".getBytes(StandardCharsets.US_ASCII));
    private static final UnixAddress SANDBOX = new UnixAddress.Pathname("run/server.sock".getBytes(StandardCharsets.US_ASCII));
    private static final FilesystemNames.FileId FILE = new FilesystemNames.FileId(0x803, 99);

    /** Socket 10 is the sandbox's, bound to SANDBOX (kernel name HIDDEN); 11 is the sandbox's, unnamed; 20 is not. */
    private static final DiagReplies.Names NAMES = new DiagReplies.Names() {
        private final Map<Long, UnixAddress> listed = Map.of(10L, SANDBOX, 11L, UnixAddress.UNNAMED);

        @Override
        public UnixAddress nameOf(long inode) {
            return listed.get(inode);
        }

        @Override
        public FilesystemNames.FileId socketFileOf(UnixAddress kernelName) {
            return kernelName.equals(HIDDEN) ? FILE : null;
        }
    };

    @Test
    void aDumpKeepsTheSandboxsSocketsUnderTheirNames() {
        byte[] datagram = concat(
                answer(7, 2, 10, attribute(0, DiagReplies.sunPath(HIDDEN)), attribute(1, vfs(5555, 0x2a)),
                        attribute(6, new byte[] {0})),
                answer(7, 2, 20, attribute(0, DiagReplies.sunPath(HIDDEN)), attribute(6, new byte[] {0})),
                answer(7, 2, 11, attribute(0, DiagReplies.sunPath(HIDDEN)), attribute(1, vfs(5555, 0x2a)),
                        attribute(6, new byte[] {1})),
                header(20, DONE, 2, 7, 4), new byte[4]);
        byte[] out = DiagReplies.rewrite(datagram, NAMES, false, new DiagExchange());
        byte[] expected = concat(
                answer(7, 2, 10, attribute(0, DiagReplies.sunPath(SANDBOX)),
                        attribute(1, vfs(99, UnixDiag.kernelDevice(0x803))), attribute(6, new byte[] {0})),
                answer(7, 2, 11, attribute(6, new byte[] {1})),
                header(20, DONE, 2, 7, 4), new byte[4]);
        assertArrayEquals(expected, out);
    }

    @Test
    void aDatagramWithNothingOfTheSandboxsIsEmpty() {
        byte[] datagram = answer(7, 2, 20, attribute(6, new byte[] {0}));
        assertEquals(0, DiagReplies.rewrite(datagram, NAMES, false, new DiagExchange()).length);
    }

    @Test
    void aByInodeAnswerForAnotherSocketIsEnoentAndItsAcknowledgementIsLeftOut() {
        DiagExchange refused = new DiagExchange();
        byte[] out = DiagReplies.rewrite(answer(9, 0, 20, attribute(0, DiagReplies.sunPath(HIDDEN)),
                attribute(6, new byte[] {0})), NAMES, false, refused);
        ByteBuffer error = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(60, out.length);
        assertEquals(60, error.getInt(0));
        assertEquals(DiagReplies.NLMSG_ERROR, error.getShort(4));
        assertEquals(9, error.getInt(8));
        assertEquals(-2, error.getInt(16));
        assertEquals(40, error.getInt(20));
        assertEquals(DiagReplies.SOCK_DIAG_BY_FAMILY, error.getShort(24));
        assertEquals(20, error.getInt(20 + 16 + 8));
        assertEquals(1, error.getInt(20 + 16 + 12), "UDIAG_SHOW_NAME, from the NAME attribute");

        byte[] ack = concat(header(36, DiagReplies.NLMSG_ERROR, DiagReplies.NLM_F_CAPPED, 9, 4), new byte[20]);
        assertEquals(0, DiagReplies.rewrite(ack, NAMES, false, refused).length);
        assertArrayEquals(ack, DiagReplies.rewrite(ack, NAMES, false, refused), "another request's acknowledgement");
    }

    @Test
    void theEnoentCopiesTheRequestAsSentPaddedAsNetlinkAckPadsIt() {
        ByteBuffer sent = ByteBuffer.allocate(16 + 24 + 3).order(ByteOrder.LITTLE_ENDIAN);
        sent.putInt(43).putShort((short) DiagReplies.SOCK_DIAG_BY_FAMILY).putShort((short) 5).putInt(11).putInt(77);
        sent.put((byte) 1).put((byte) 0).putShort((short) 0).putInt(0x5a).putInt(20).putInt(0xff).putInt(3).putInt(4);
        sent.put(new byte[] {7, 8, 9});
        DiagExchange exchange = new DiagExchange();
        DiagReplies.requests(sent.array(), (request, seq) -> exchange.sent(seq, request));
        byte[] out = DiagReplies.rewrite(answer(11, 0, 20, attribute(6, new byte[] {0})), NAMES, false, exchange);
        ByteBuffer error = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(16 + 4 + 16 + 28, out.length);
        assertEquals(out.length, error.getInt(0));
        assertEquals(-2, error.getInt(16));
        assertArrayEquals(sent.array(), java.util.Arrays.copyOfRange(out, 20, 20 + 43));
        assertEquals(0, out[out.length - 1]);

        DiagReplies.requests(sent.array(), (request, seq) -> exchange.sent(seq, request));
        byte[] capped = DiagReplies.rewrite(answer(11, 0, 20, attribute(6, new byte[] {0})), NAMES, true, exchange);
        assertEquals(36, capped.length);
        assertEquals(DiagReplies.NLM_F_CAPPED, ByteBuffer.wrap(capped).order(ByteOrder.LITTLE_ENDIAN).getShort(6));
        assertArrayEquals(java.util.Arrays.copyOf(sent.array(), 16), java.util.Arrays.copyOfRange(capped, 20, 36));
    }

    @Test
    void staleForAnotherSocketIsEnoentAndForTheSandboxsStaysStale() {
        for (long inode : new long[] {20, 10}) {
            ByteBuffer request = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
            request.putInt(40).putShort((short) DiagReplies.SOCK_DIAG_BY_FAMILY).putShort((short) 1).putInt(5).putInt(0);
            request.put((byte) 1).put((byte) 0).putShort((short) 0).putInt(0).putInt((int) inode).putInt(1).putInt(1).putInt(2);
            ByteBuffer error = ByteBuffer.allocate(60).order(ByteOrder.LITTLE_ENDIAN);
            error.putInt(60).putShort((short) DiagReplies.NLMSG_ERROR).putShort((short) 0).putInt(5).putInt(4).putInt(-116);
            error.put(request.array());
            byte[] out = DiagReplies.rewrite(error.array(), NAMES, false, new DiagExchange());
            assertEquals(inode == 20 ? -2 : -116, ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).getInt(16));
        }
    }

    @Test
    void anyBytesAreAnsweredWithoutFailing() {
        Random random = new Random(18);
        byte[] real = answer(7, 2, 10, attribute(0, DiagReplies.sunPath(HIDDEN)), attribute(6, new byte[] {0}));
        for (int round = 0; round < 20_000; round++) {
            byte[] bytes = round % 2 == 0 ? new byte[random.nextInt(200)] : real.clone();
            if (round % 2 == 0) random.nextBytes(bytes);
            else for (int k = 0; k < 3; k++) bytes[random.nextInt(bytes.length)] = (byte) random.nextInt();
            if (bytes.length >= 17 && round % 4 == 0) {
                bytes[4] = (byte) (round % 8 == 0 ? DiagReplies.SOCK_DIAG_BY_FAMILY : DiagReplies.NLMSG_ERROR);
                bytes[5] = 0;
                bytes[16] = 1;
            }
            DiagReplies.rewrite(bytes, NAMES, round % 3 == 0, new DiagExchange());
        }
    }

    private static byte[] answer(int seq, int flags, long inode, byte[]... attributes) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        ByteBuffer message = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        message.put((byte) 1).put((byte) 1).put((byte) 10).put((byte) 0).putInt((int) inode).putInt(77).putInt(0);
        body.writeBytes(message.array());
        for (byte[] attribute : attributes) body.writeBytes(attribute);
        byte[] payload = body.toByteArray();
        return concat(header(16 + payload.length, DiagReplies.SOCK_DIAG_BY_FAMILY, flags, seq, 4), payload);
    }

    private static byte[] header(int length, int type, int flags, int seq, int portid) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(length).putShort((short) type)
                .putShort((short) flags).putInt(seq).putInt(portid).array();
    }

    private static byte[] attribute(int type, byte[] data) {
        int aligned = (data.length + 3) & ~3;
        ByteBuffer out = ByteBuffer.allocate(4 + aligned).order(ByteOrder.LITTLE_ENDIAN);
        out.putShort((short) (4 + data.length)).putShort((short) type).put(data);
        return out.array();
    }

    private static byte[] vfs(long inode, long device) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt((int) inode).putInt((int) device).array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) out.writeBytes(part);
        return out.toByteArray();
    }
}
