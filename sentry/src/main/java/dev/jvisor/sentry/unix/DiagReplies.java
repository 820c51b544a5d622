package dev.jvisor.sentry.unix;

import dev.jvisor.platform.Errno;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static dev.jvisor.sentry.abi.SocketAbi.AF_UNIX;

/**
 * One datagram that the kernel queued on a sandboxed program's NETLINK_SOCK_DIAG socket, as
 * Linux would have written it in a network namespace holding only the sandbox's AF_UNIX
 * sockets (net/unix/diag.c). A datagram holds one or more netlink messages; each AF_UNIX
 * answer (SOCK_DIAG_BY_FAMILY, struct unix_diag_msg) of a socket that the sandbox does not
 * list is taken out, and the others carry their sandbox name in UNIX_DIAG_NAME (no such
 * attribute where the sandbox socket has none) and, in UNIX_DIAG_VFS, the sandbox's socket
 * file (unix_diag reports the dentry the socket is bound to: a socket bound to a path, or
 * accepted from a listener bound to one; a hidden name is a path, so an abstract or unnamed
 * sandbox socket has none). Every other attribute and every other message (other families,
 * NLMSG_DONE, NLMSG_ERROR) is the kernel's, byte for byte.
 *
 * <p>A request for one socket by inode (no NLM_F_DUMP) is answered by a message without
 * NLM_F_MULTI, in a datagram of its own (unix_diag_get_exact, nlmsg_unicast). For a socket
 * that is not listed, Linux would have found none: the answer becomes the NLMSG_ERROR of
 * ENOENT that netlink_ack writes, and the acknowledgement that NLM_F_ACK asked for, which
 * Linux sends only when the handler succeeded (netlink_rcv_skb), is left out later. The
 * error copies the request as the program sent it ({@link DiagExchange}); one sent where the
 * sentry did not see it (through another descriptor) is rebuilt from the answer (its
 * sequence number, NLM_F_REQUEST, the inode and cookie, and the UDIAG_SHOW_ bits whose
 * attributes the answer has: README). An ESTALE (wrong cookie) for a socket that is not
 * listed becomes ENOENT the same way.
 */
final class DiagReplies {
    /** linux/netlink.h. */
    static final int NLMSG_HDRLEN = 16;
    static final int NLMSG_ERROR = 2;
    static final int NLM_F_REQUEST = 0x1;
    static final int NLM_F_MULTI = 0x2;
    static final int NLM_F_DUMP = 0x300;
    static final int NLM_F_CAPPED = 0x100;
    /** linux/sock_diag.h. */
    static final int SOCK_DIAG_BY_FAMILY = 20;
    /** linux/unix_diag.h: struct unix_diag_msg, struct unix_diag_req. */
    static final int UNIX_DIAG_MSG_SIZE = 16;
    static final int UNIX_DIAG_REQ_SIZE = 24;
    static final int UNIX_DIAG_NAME = 0;
    static final int UNIX_DIAG_VFS = 1;
    private static final int UNIX_DIAG_UID = 7;
    private static final int UNIX_DIAG_SHUTDOWN = 6;
    private static final int NLA_HDRLEN = 4;
    /** nlmsgerr.error is the negative errno (netlink_ack). */
    private static final int NO_SUCH_SOCKET = -Errno.ENOENT.number();
    private static final int STALE_COOKIE = -Errno.ESTALE.number();

    /** What the sandbox lists, and under which name ({@link ListedSockets.Listing}). */
    interface Names {
        /** The listed name of socket {@code inode} ({@code UNNAMED} for none); null when it is not listed. */
        UnixAddress nameOf(long inode);

        /** The sandbox's socket file of the socket whose kernel socket holds {@code kernelName}; null when none is known. */
        FilesystemNames.FileId socketFileOf(UnixAddress kernelName);
    }

    private DiagReplies() {}

    /**
     * {@code datagram} as the program reads it: empty when it held answers and none of them
     * is the sandbox's.
     *
     * @param capped  whether the socket asked for capped errors (NETLINK_CAP_ACK): the error's
     *                copy of the request is its header alone, flagged NLM_F_CAPPED
     * @param exchange the socket's requests, and those answered here with ENOENT; updated
     */
    static byte[] rewrite(byte[] datagram, Names names, boolean capped, DiagExchange exchange) {
        ByteBuffer in = ByteBuffer.wrap(datagram).order(ByteOrder.LITTLE_ENDIAN);
        ByteArrayOutputStream out = new ByteArrayOutputStream(datagram.length);
        int at = 0;
        while (datagram.length - at >= NLMSG_HDRLEN) {
            int length = in.getInt(at);
            if (length < NLMSG_HDRLEN || length > datagram.length - at) break;
            int next = Math.min(datagram.length, at + align(length));
            int type = in.getShort(at + 4) & 0xffff;
            if (type == SOCK_DIAG_BY_FAMILY && length >= NLMSG_HDRLEN + UNIX_DIAG_MSG_SIZE
                    && datagram[at + NLMSG_HDRLEN] == AF_UNIX) {
                unixAnswer(in, at, length, names, capped, exchange, out);
            } else if (type == NLMSG_ERROR && length >= NLMSG_HDRLEN + 4 + NLMSG_HDRLEN) {
                error(in, at, length, next, names, exchange, out);
            } else {
                out.write(datagram, at, next - at);
            }
            at = next;
        }
        // What no header covers (the kernel leaves nothing; another socket may) stays as it is.
        if (at < datagram.length) out.write(datagram, at, datagram.length - at);
        return out.toByteArray();
    }

    private static void unixAnswer(ByteBuffer in, int at, int length, Names names, boolean capped,
                                   DiagExchange exchange, ByteArrayOutputStream out) {
        int flags = in.getShort(at + 6) & 0xffff;
        int seq = in.getInt(at + 8);
        long inode = in.getInt(at + NLMSG_HDRLEN + 4) & 0xffffffffL;
        byte[] request = (flags & NLM_F_MULTI) == 0 ? exchange.answered(seq) : null;
        UnixAddress name = names.nameOf(inode);
        if (name == null) {
            if ((flags & NLM_F_MULTI) == 0) {
                boolean same = request != null && (ByteBuffer.wrap(request).order(ByteOrder.LITTLE_ENDIAN)
                        .getInt(NLMSG_HDRLEN + 8) & 0xffffffffL) == inode;
                out.writeBytes(same ? notFound(request, in.getInt(at + 12), capped) : notFound(in, at, length, capped));
                exchange.refuse(seq);
            }
            return;
        }
        // Any socket of the protocol may send to the program's (netlink_unicast): a datagram is
        // not always the kernel's, so nothing in it is trusted to be well formed.
        ByteArrayOutputStream message = new ByteArrayOutputStream(length + 128);
        message.write(in.array(), at, NLMSG_HDRLEN + UNIX_DIAG_MSG_SIZE);
        int attribute = at + NLMSG_HDRLEN + UNIX_DIAG_MSG_SIZE;
        int end = at + length;
        UnixAddress kernelName = kernelName(in, attribute, end);
        while (end - attribute >= NLA_HDRLEN) {
            int attributeLength = in.getShort(attribute) & 0xffff;
            if (attributeLength < NLA_HDRLEN || attributeLength > end - attribute) break;
            int attributeType = in.getShort(attribute + 2) & 0xffff;
            int attributeNext = Math.min(end, attribute + align(attributeLength));
            if (attributeType == UNIX_DIAG_NAME) {
                byte[] sunPath = sunPath(name);
                if (sunPath.length > 0) {
                    ByteBuffer replaced = ByteBuffer.allocate(NLA_HDRLEN + align(sunPath.length)).order(ByteOrder.LITTLE_ENDIAN);
                    replaced.putShort((short) (NLA_HDRLEN + sunPath.length)).putShort((short) UNIX_DIAG_NAME).put(sunPath);
                    message.writeBytes(replaced.array());
                }
            } else if (attributeType == UNIX_DIAG_VFS) {
                if (name instanceof UnixAddress.Pathname) {
                    FilesystemNames.FileId file = kernelName == null ? null : names.socketFileOf(kernelName);
                    byte[] vfs = java.util.Arrays.copyOfRange(in.array(), attribute, attributeNext);
                    if (file != null && attributeLength >= NLA_HDRLEN + 8) {
                        ByteBuffer fields = ByteBuffer.wrap(vfs).order(ByteOrder.LITTLE_ENDIAN);
                        fields.putInt(NLA_HDRLEN, (int) file.inode());
                        fields.putInt(NLA_HDRLEN + 4, (int) UnixDiag.kernelDevice(file.device()));
                    }
                    message.writeBytes(vfs);
                }
            } else {
                message.write(in.array(), attribute, attributeNext - attribute);
            }
            attribute = attributeNext;
        }
        byte[] rewritten = message.toByteArray();
        ByteBuffer.wrap(rewritten).order(ByteOrder.LITTLE_ENDIAN).putInt(0, rewritten.length);
        out.writeBytes(rewritten);
    }

    /** The kernel name in a message's UNIX_DIAG_NAME, or null when it has none. */
    private static UnixAddress kernelName(ByteBuffer in, int attribute, int end) {
        while (end - attribute >= NLA_HDRLEN) {
            int attributeLength = in.getShort(attribute) & 0xffff;
            if (attributeLength < NLA_HDRLEN || attributeLength > end - attribute) return null;
            if ((in.getShort(attribute + 2) & 0xffff) == UNIX_DIAG_NAME) {
                return UnixAddress.fromKernelName(
                        java.util.Arrays.copyOfRange(in.array(), attribute + NLA_HDRLEN, attribute + attributeLength));
            }
            attribute += align(attributeLength);
        }
        return null;
    }

    /** The bytes of sun_path that a socket's address covers (unix_diag's UNIX_DIAG_NAME): a path with its NUL. */
    static byte[] sunPath(UnixAddress name) {
        byte[] sockaddr = name.encode();
        return java.util.Arrays.copyOfRange(sockaddr, 2, sockaddr.length);
    }

    /**
     * The NLMSG_ERROR of ENOENT that netlink_ack writes for {@code request} (a netlink message,
     * header included) from socket {@code portid}: the request's header, and unless capped its
     * payload, padded to 4 bytes (nlmsg_append).
     */
    static byte[] notFound(byte[] request, int portid, boolean capped) {
        int copied = capped ? NLMSG_HDRLEN : NLMSG_HDRLEN + align(request.length - NLMSG_HDRLEN);
        int total = NLMSG_HDRLEN + 4 + copied;
        ByteBuffer error = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        int seq = ByteBuffer.wrap(request).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
        error.putInt(total).putShort((short) NLMSG_ERROR).putShort((short) (capped ? NLM_F_CAPPED : 0))
                .putInt(seq).putInt(portid);
        error.putInt(NO_SUCH_SOCKET);
        error.put(request, 0, capped ? NLMSG_HDRLEN : request.length);
        return error.array();
    }

    /**
     * Each by-inode AF_UNIX request in {@code sent} (what one send gave the kernel: netlink
     * messages, as netlink_rcv_skb takes them), with its sequence number.
     */
    static void requests(byte[] sent, java.util.function.ObjIntConsumer<byte[]> each) {
        ByteBuffer in = ByteBuffer.wrap(sent).order(ByteOrder.LITTLE_ENDIAN);
        int at = 0;
        while (sent.length - at >= NLMSG_HDRLEN) {
            int length = in.getInt(at);
            if (length < NLMSG_HDRLEN || length > sent.length - at) return;
            int type = in.getShort(at + 4) & 0xffff;
            int flags = in.getShort(at + 6) & 0xffff;
            if (type == SOCK_DIAG_BY_FAMILY && (flags & NLM_F_DUMP) == 0
                    && length >= NLMSG_HDRLEN + UNIX_DIAG_REQ_SIZE && sent[at + NLMSG_HDRLEN] == AF_UNIX) {
                each.accept(java.util.Arrays.copyOfRange(sent, at, at + length), in.getInt(at + 8));
            }
            at += align(length);
        }
    }

    /**
     * The NLMSG_ERROR of ENOENT that netlink_ack writes for a by-inode request, rebuilt from
     * the kernel's answer to it (the request was sent where the sentry did not see it).
     */
    private static byte[] notFound(ByteBuffer in, int at, int length, boolean capped) {
        int seq = in.getInt(at + 8);
        int portid = in.getInt(at + 12);
        int show = 0;
        int attribute = at + NLMSG_HDRLEN + UNIX_DIAG_MSG_SIZE;
        int end = at + length;
        while (end - attribute >= NLA_HDRLEN) {
            int attributeLength = in.getShort(attribute) & 0xffff;
            if (attributeLength < NLA_HDRLEN || attributeLength > end - attribute) break;
            int attributeType = in.getShort(attribute + 2) & 0xffff;
            // UDIAG_SHOW_NAME is bit 0 for UNIX_DIAG_NAME (0), and so on to UID (7), but for
            // SHUTDOWN (6), which is always there and has no bit.
            if (attributeType <= UNIX_DIAG_UID && attributeType != UNIX_DIAG_SHUTDOWN) {
                show |= 1 << (attributeType < UNIX_DIAG_SHUTDOWN ? attributeType : attributeType - 1);
            }
            attribute += align(attributeLength);
        }
        int requestLength = NLMSG_HDRLEN + UNIX_DIAG_REQ_SIZE;
        int total = NLMSG_HDRLEN + 4 + (capped ? NLMSG_HDRLEN : requestLength);
        ByteBuffer error = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        error.putInt(total).putShort((short) NLMSG_ERROR).putShort((short) (capped ? NLM_F_CAPPED : 0))
                .putInt(seq).putInt(portid);
        error.putInt(NO_SUCH_SOCKET);
        error.putInt(requestLength).putShort((short) SOCK_DIAG_BY_FAMILY).putShort((short) NLM_F_REQUEST)
                .putInt(seq).putInt(0);
        if (!capped) {
            error.put((byte) AF_UNIX).put((byte) 0).putShort((short) 0).putInt(0);
            error.putInt(in.getInt(at + NLMSG_HDRLEN + 4));
            error.putInt(show);
            error.putInt(in.getInt(at + NLMSG_HDRLEN + 8)).putInt(in.getInt(at + NLMSG_HDRLEN + 12));
        }
        return error.array();
    }

    /**
     * An NLMSG_ERROR: left out when it acknowledges a request refused here; ENOENT in place of
     * ESTALE when its copy of the request asks by inode for a socket that is not listed.
     */
    private static void error(ByteBuffer in, int at, int length, int next, Names names, DiagExchange exchange,
                              ByteArrayOutputStream out) {
        int code = in.getInt(at + NLMSG_HDRLEN);
        int seq = in.getInt(at + 8);
        if (code == 0 && exchange.dropsAcknowledgement(seq)) return;
        if (code != 0) exchange.answered(seq);
        byte[] copy = java.util.Arrays.copyOfRange(in.array(), at, next);
        int request = NLMSG_HDRLEN + 4;
        ByteBuffer message = ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN);
        if (code == STALE_COOKIE && length >= request + NLMSG_HDRLEN + UNIX_DIAG_REQ_SIZE
                && (message.getShort(request + 4) & 0xffff) == SOCK_DIAG_BY_FAMILY
                && (message.getShort(request + 6) & NLM_F_DUMP) == 0
                && copy[request + NLMSG_HDRLEN] == AF_UNIX) {
            long inode = message.getInt(request + NLMSG_HDRLEN + 8) & 0xffffffffL;
            if (names.nameOf(inode) == null) message.putInt(NLMSG_HDRLEN, NO_SUCH_SOCKET);
        }
        out.writeBytes(copy);
    }

    private static int align(int length) {
        return (length + 3) & ~3;
    }
}
