package dev.jvisor.sentry.abi;

import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The socket ABI of x86-64 Linux as programs see it: address families, socket types, levels,
 * options, control message types and message flags, with their names. Values cite the header
 * that defines them.
 */
public final class SocketAbi {
    private SocketAbi() {}

    // Address families, linux/socket.h.
    public static final int AF_UNSPEC = 0;
    public static final int AF_UNIX = 1;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int AF_NETLINK = 16;
    public static final int AF_PACKET = 17;
    public static final int AF_ALG = 38;
    public static final int AF_VSOCK = 40;

    // Socket types and the flags socket(2) accepts in the type, linux/net.h.
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_RDM = 4;
    public static final int SOCK_SEQPACKET = 5;
    public static final int SOCK_DCCP = 6;
    public static final int SOCK_PACKET = 10;
    public static final int SOCK_TYPE_MASK = 0xf;
    public static final int SOCK_NONBLOCK = 0x800;     // O_NONBLOCK, asm-generic/fcntl.h
    public static final int SOCK_CLOEXEC = 0x80000;    // O_CLOEXEC, asm-generic/fcntl.h

    // shutdown(2) directions, linux/net.h.
    public static final int SHUT_RD = 0;
    public static final int SHUT_WR = 1;
    public static final int SHUT_RDWR = 2;

    // Option levels: linux/socket.h (SOL_SOCKET from asm-generic/socket.h), linux/in.h.
    public static final int SOL_SOCKET = 1;
    public static final int IPPROTO_IP = 0;
    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_UDP = 17;
    public static final int IPPROTO_IPV6 = 41;

    // SOL_SOCKET options, asm-generic/socket.h (x86-64 uses the generic numbers). On 64-bit
    // the plain SO_RCVTIMEO/SO_SNDTIMEO/SO_TIMESTAMP names are the _OLD numbers.
    public static final int SO_DEBUG = 1;
    public static final int SO_REUSEADDR = 2;
    public static final int SO_TYPE = 3;
    public static final int SO_ERROR = 4;
    public static final int SO_DONTROUTE = 5;
    public static final int SO_BROADCAST = 6;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int SO_KEEPALIVE = 9;
    public static final int SO_OOBINLINE = 10;
    public static final int SO_PRIORITY = 12;
    public static final int SO_LINGER = 13;
    public static final int SO_REUSEPORT = 15;
    public static final int SO_PASSCRED = 16;
    public static final int SO_PEERCRED = 17;
    public static final int SO_RCVLOWAT = 18;
    public static final int SO_SNDLOWAT = 19;
    public static final int SO_RCVTIMEO_OLD = 20;
    public static final int SO_SNDTIMEO_OLD = 21;
    public static final int SO_BINDTODEVICE = 25;
    public static final int SO_PEERNAME = 28;
    public static final int SO_TIMESTAMP_OLD = 29;
    public static final int SO_ACCEPTCONN = 30;
    public static final int SO_PEERSEC = 31;
    public static final int SO_SNDBUFFORCE = 32;
    public static final int SO_RCVBUFFORCE = 33;
    public static final int SO_PASSSEC = 34;
    public static final int SO_TIMESTAMPNS_OLD = 35;
    public static final int SO_MARK = 36;
    public static final int SO_PROTOCOL = 38;
    public static final int SO_DOMAIN = 39;
    public static final int SO_PEEK_OFF = 42;
    public static final int SO_COOKIE = 57;
    public static final int SO_PEERGROUPS = 59;
    public static final int SO_ZEROCOPY = 60;
    public static final int SO_TIMESTAMP_NEW = 63;
    public static final int SO_TIMESTAMPNS_NEW = 64;
    public static final int SO_RCVTIMEO_NEW = 66;
    public static final int SO_SNDTIMEO_NEW = 67;
    public static final int SO_BUF_LOCK = 72;
    public static final int SO_PASSPIDFD = 76;
    public static final int SO_PEERPIDFD = 77;

    // Control message types at SOL_SOCKET, linux/socket.h.
    public static final int SCM_RIGHTS = 1;
    public static final int SCM_CREDENTIALS = 2;
    public static final int SCM_SECURITY = 3;
    public static final int SCM_PIDFD = 4;

    // send/recv flags, linux/socket.h.
    public static final int MSG_OOB = 0x1;
    public static final int MSG_PEEK = 0x2;
    public static final int MSG_DONTROUTE = 0x4;
    public static final int MSG_CTRUNC = 0x8;
    public static final int MSG_PROBE = 0x10;
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_EOR = 0x80;
    public static final int MSG_WAITALL = 0x100;
    public static final int MSG_FIN = 0x200;
    public static final int MSG_SYN = 0x400;
    public static final int MSG_CONFIRM = 0x800;
    public static final int MSG_RST = 0x1000;
    public static final int MSG_ERRQUEUE = 0x2000;
    public static final int MSG_NOSIGNAL = 0x4000;
    public static final int MSG_MORE = 0x8000;
    public static final int MSG_WAITFORONE = 0x10000;
    public static final int MSG_BATCH = 0x40000;
    public static final int MSG_ZEROCOPY = 0x4000000;
    public static final int MSG_FASTOPEN = 0x20000000;
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;

    public static final Map<Integer, String> FAMILIES = Map.of(
            AF_UNSPEC, "AF_UNSPEC", AF_UNIX, "AF_UNIX", AF_INET, "AF_INET", AF_INET6, "AF_INET6",
            AF_NETLINK, "AF_NETLINK", AF_PACKET, "AF_PACKET", AF_ALG, "AF_ALG", AF_VSOCK, "AF_VSOCK");

    public static final Map<Integer, String> TYPES = Map.of(
            SOCK_STREAM, "SOCK_STREAM", SOCK_DGRAM, "SOCK_DGRAM", SOCK_RAW, "SOCK_RAW", SOCK_RDM, "SOCK_RDM",
            SOCK_SEQPACKET, "SOCK_SEQPACKET", SOCK_DCCP, "SOCK_DCCP", SOCK_PACKET, "SOCK_PACKET");

    public static final List<Bit> SOCK_FLAGS = List.of(
            new Bit(SOCK_NONBLOCK, "SOCK_NONBLOCK"), new Bit(SOCK_CLOEXEC, "SOCK_CLOEXEC"));

    public static final Map<Integer, String> SHUTDOWN_HOW = Map.of(
            SHUT_RD, "SHUT_RD", SHUT_WR, "SHUT_WR", SHUT_RDWR, "SHUT_RDWR");

    public static final Map<Integer, String> LEVELS = Map.of(
            SOL_SOCKET, "SOL_SOCKET", IPPROTO_IP, "IPPROTO_IP", IPPROTO_TCP, "IPPROTO_TCP",
            IPPROTO_UDP, "IPPROTO_UDP", IPPROTO_IPV6, "IPPROTO_IPV6");

    public static final Map<Integer, String> SOCKET_OPTIONS = Map.ofEntries(
            Map.entry(SO_DEBUG, "SO_DEBUG"), Map.entry(SO_REUSEADDR, "SO_REUSEADDR"),
            Map.entry(SO_TYPE, "SO_TYPE"), Map.entry(SO_ERROR, "SO_ERROR"),
            Map.entry(SO_DONTROUTE, "SO_DONTROUTE"), Map.entry(SO_BROADCAST, "SO_BROADCAST"),
            Map.entry(SO_SNDBUF, "SO_SNDBUF"), Map.entry(SO_RCVBUF, "SO_RCVBUF"),
            Map.entry(SO_KEEPALIVE, "SO_KEEPALIVE"), Map.entry(SO_OOBINLINE, "SO_OOBINLINE"),
            Map.entry(SO_PRIORITY, "SO_PRIORITY"), Map.entry(SO_LINGER, "SO_LINGER"),
            Map.entry(SO_REUSEPORT, "SO_REUSEPORT"), Map.entry(SO_PASSCRED, "SO_PASSCRED"),
            Map.entry(SO_PEERCRED, "SO_PEERCRED"), Map.entry(SO_RCVLOWAT, "SO_RCVLOWAT"),
            Map.entry(SO_SNDLOWAT, "SO_SNDLOWAT"), Map.entry(SO_RCVTIMEO_OLD, "SO_RCVTIMEO"),
            Map.entry(SO_SNDTIMEO_OLD, "SO_SNDTIMEO"), Map.entry(SO_BINDTODEVICE, "SO_BINDTODEVICE"),
            Map.entry(SO_PEERNAME, "SO_PEERNAME"), Map.entry(SO_TIMESTAMP_OLD, "SO_TIMESTAMP"),
            Map.entry(SO_ACCEPTCONN, "SO_ACCEPTCONN"), Map.entry(SO_PEERSEC, "SO_PEERSEC"),
            Map.entry(SO_SNDBUFFORCE, "SO_SNDBUFFORCE"), Map.entry(SO_RCVBUFFORCE, "SO_RCVBUFFORCE"),
            Map.entry(SO_PASSSEC, "SO_PASSSEC"), Map.entry(SO_TIMESTAMPNS_OLD, "SO_TIMESTAMPNS"),
            Map.entry(SO_MARK, "SO_MARK"), Map.entry(SO_PROTOCOL, "SO_PROTOCOL"),
            Map.entry(SO_DOMAIN, "SO_DOMAIN"), Map.entry(SO_PEEK_OFF, "SO_PEEK_OFF"),
            Map.entry(SO_COOKIE, "SO_COOKIE"), Map.entry(SO_PEERGROUPS, "SO_PEERGROUPS"),
            Map.entry(SO_ZEROCOPY, "SO_ZEROCOPY"), Map.entry(SO_TIMESTAMP_NEW, "SO_TIMESTAMP_NEW"),
            Map.entry(SO_TIMESTAMPNS_NEW, "SO_TIMESTAMPNS_NEW"), Map.entry(SO_RCVTIMEO_NEW, "SO_RCVTIMEO_NEW"),
            Map.entry(SO_SNDTIMEO_NEW, "SO_SNDTIMEO_NEW"), Map.entry(SO_BUF_LOCK, "SO_BUF_LOCK"),
            Map.entry(SO_PASSPIDFD, "SO_PASSPIDFD"), Map.entry(SO_PEERPIDFD, "SO_PEERPIDFD"));

    public static final Map<Integer, String> CONTROL_TYPES = Map.of(
            SCM_RIGHTS, "SCM_RIGHTS", SCM_CREDENTIALS, "SCM_CREDENTIALS", SCM_SECURITY, "SCM_SECURITY",
            SCM_PIDFD, "SCM_PIDFD", SO_TIMESTAMP_OLD, "SCM_TIMESTAMP", SO_TIMESTAMPNS_OLD, "SCM_TIMESTAMPNS");

    public static final List<Bit> MSG_FLAGS = List.of(
            new Bit(MSG_OOB, "MSG_OOB"), new Bit(MSG_PEEK, "MSG_PEEK"), new Bit(MSG_DONTROUTE, "MSG_DONTROUTE"),
            new Bit(MSG_CTRUNC, "MSG_CTRUNC"), new Bit(MSG_PROBE, "MSG_PROBE"), new Bit(MSG_TRUNC, "MSG_TRUNC"),
            new Bit(MSG_DONTWAIT, "MSG_DONTWAIT"), new Bit(MSG_EOR, "MSG_EOR"), new Bit(MSG_WAITALL, "MSG_WAITALL"),
            new Bit(MSG_FIN, "MSG_FIN"), new Bit(MSG_SYN, "MSG_SYN"), new Bit(MSG_CONFIRM, "MSG_CONFIRM"),
            new Bit(MSG_RST, "MSG_RST"), new Bit(MSG_ERRQUEUE, "MSG_ERRQUEUE"), new Bit(MSG_NOSIGNAL, "MSG_NOSIGNAL"),
            new Bit(MSG_MORE, "MSG_MORE"), new Bit(MSG_WAITFORONE, "MSG_WAITFORONE"), new Bit(MSG_BATCH, "MSG_BATCH"),
            new Bit(MSG_ZEROCOPY, "MSG_ZEROCOPY"), new Bit(MSG_FASTOPEN, "MSG_FASTOPEN"),
            new Bit(MSG_CMSG_CLOEXEC, "MSG_CMSG_CLOEXEC"));

    /** One named bit of a flags word. */
    public record Bit(int value, String name) {}

    /** Known bits by name in table order, each removed once named; what is left in hex. */
    public static String flags(int value, List<Bit> bits) {
        if (value == 0) return "0";
        StringJoiner names = new StringJoiner("|");
        int left = value;
        for (Bit bit : bits) {
            if ((left & bit.value()) == bit.value()) {
                names.add(bit.name());
                left &= ~bit.value();
            }
        }
        if (left != 0) names.add("0x" + Integer.toHexString(left));
        return names.toString();
    }

    /** The name of {@code value} in {@code names}, or the number. */
    public static String name(Map<Integer, String> names, int value) {
        return names.getOrDefault(value, Integer.toString(value));
    }
}
