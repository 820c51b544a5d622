package dev.jvisor.sentry.unix;

import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ErrnoException;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * An AF_UNIX socket address as unix(7) defines it: unnamed, a pathname, or an abstract name.
 * {@link #encode()} gives the exact bytes (and so the length) that getsockname(2),
 * getpeername(2) and accept(2) report for it.
 */
public sealed interface UnixAddress {
    /** offsetof(struct sockaddr_un, sun_path): the family field. */
    int FAMILY_LENGTH = 2;
    /** sizeof(struct sockaddr_un). */
    int MAX_LENGTH = 110;
    /** sizeof(struct sockaddr_storage): the most move_addr_to_kernel accepts. */
    int STORAGE_LENGTH = 128;
    int AF_UNIX = 1;

    /** The sockaddr_un bytes as Linux reports them. */
    byte[] encode();

    /** No name: reported as the family alone. */
    record Unnamed() implements UnixAddress {
        @Override
        public byte[] encode() {
            return new byte[] {AF_UNIX, 0};
        }

        @Override
        public String toString() {
            return "unnamed";
        }
    }

    /**
     * A filesystem name. {@code path} excludes the terminating NUL, which Linux stores and
     * reports (net/unix/af_unix.c: unix_mkname_bsd): the reported length is 2 + length + 1.
     */
    record Pathname(byte[] path) implements UnixAddress {
        @Override
        public byte[] encode() {
            byte[] bytes = new byte[FAMILY_LENGTH + path.length + 1];
            bytes[0] = AF_UNIX;
            System.arraycopy(path, 0, bytes, FAMILY_LENGTH, path.length);
            return bytes;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Pathname other && Arrays.equals(path, other.path);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(path);
        }

        @Override
        public String toString() {
            return "path " + new String(path, java.nio.charset.StandardCharsets.ISO_8859_1);
        }

        /** The directory the name is made in, as the kernel's path walk sees it ("." for a bare name). */
        byte[] directory() {
            int slash = lastSlash();
            return slash < 0 ? new byte[] {'.'} : slash == 0 ? new byte[] {'/'} : Arrays.copyOf(path, slash);
        }

        /** The name's last component, the entry made in {@link #directory()}. */
        byte[] lastComponent() {
            return Arrays.copyOfRange(path, lastSlash() + 1, path.length);
        }

        private int lastSlash() {
            for (int i = path.length - 1; i >= 0; i--) if (path[i] == '/') return i;
            return -1;
        }
    }

    /**
     * An abstract name: {@code name} is all of sun_path that addrlen covers, its leading NUL
     * included; NULs inside are part of the name (unix(7)).
     */
    record Abstract(byte[] name) implements UnixAddress {
        @Override
        public byte[] encode() {
            byte[] bytes = new byte[FAMILY_LENGTH + name.length];
            bytes[0] = AF_UNIX;
            System.arraycopy(name, 0, bytes, FAMILY_LENGTH, name.length);
            return bytes;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Abstract other && Arrays.equals(name, other.name);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(name);
        }

        @Override
        public String toString() {
            return "abstract " + HexFormat.of().formatHex(name);
        }
    }

    UnixAddress UNNAMED = new Unnamed();

    /** True when {@code raw} (addrlen bytes) asks for autobind: exactly a family of AF_UNIX. */
    static boolean isAutobind(byte[] raw) {
        return raw.length == FAMILY_LENGTH && family(raw) == AF_UNIX;
    }

    /**
     * The name that bind(2) or connect(2) is given, following
     * net/unix/af_unix.c: unix_validate_addr (EINVAL for a length of at most the family or
     * above sizeof(struct sockaddr_un), or another family) and unix_mkname_bsd (a pathname
     * ends at its first NUL, or at addrlen: a full 108-byte sun_path needs no NUL).
     */
    static UnixAddress parse(byte[] raw) {
        if (raw.length <= FAMILY_LENGTH || raw.length > MAX_LENGTH || family(raw) != AF_UNIX) {
            throw new ErrnoException(Errno.EINVAL, "sockaddr_un");
        }
        if (raw[FAMILY_LENGTH] == 0) return new Abstract(Arrays.copyOfRange(raw, FAMILY_LENGTH, raw.length));
        int end = FAMILY_LENGTH;
        while (end < raw.length && raw[end] != 0) end++;
        return new Pathname(Arrays.copyOfRange(raw, FAMILY_LENGTH, end));
    }

    /**
     * A socket's name as the kernel keeps it (sock_diag's UNIX_DIAG_NAME, sun_path bytes): a
     * pathname with its terminating NUL (unix_bind_bsd), an abstract name as bound.
     */
    static UnixAddress fromKernelName(byte[] sunPath) {
        if (sunPath.length > 0 && sunPath[0] == 0) return new Abstract(sunPath);
        int end = 0;
        while (end < sunPath.length && sunPath[end] != 0) end++;
        return new Pathname(Arrays.copyOf(sunPath, end));
    }

    /** A sockaddr_un the kernel wrote (getpeername, recvfrom): the family alone is unnamed. */
    static UnixAddress fromKernelSockaddr(byte[] raw) {
        if (raw.length <= FAMILY_LENGTH) return UNNAMED;
        return fromKernelName(Arrays.copyOfRange(raw, FAMILY_LENGTH, raw.length));
    }

    private static int family(byte[] raw) {
        return (raw[0] & 0xff) | (raw[1] & 0xff) << 8;
    }
}
