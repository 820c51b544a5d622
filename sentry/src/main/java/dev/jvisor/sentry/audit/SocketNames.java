package dev.jvisor.sentry.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvisor.sentry.abi.SocketAbi;
import dev.jvisor.sentry.unix.UnixAddress;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Socket names and types as the log writes them (docs/audit.md): {@code kind} path,
 * abstract, autobind or unnamed, and {@code name}, an abstract name as "@" and the bytes
 * after its leading NUL.
 */
final class SocketNames {
    /** struct sockaddr_un: sun_family, then sun_path. */
    private static final int SUN_PATH = 2;

    private SocketNames() {}

    static String type(int type) {
        return switch (type) {
            case SocketAbi.SOCK_STREAM -> "stream";
            case SocketAbi.SOCK_SEQPACKET -> "seqpacket";
            case SocketAbi.SOCK_DGRAM, SocketAbi.SOCK_RAW -> "dgram";
            default -> Integer.toString(type);
        };
    }

    /** Puts {@code kind} and {@code name} for {@code address}; an abstract name the kernel chose is autobind. */
    static ObjectNode into(ObjectNode fields, UnixAddress address, boolean autobound) {
        return switch (address) {
            case UnixAddress.Pathname path -> fields.put("kind", "path").put("name", text(path.path(), 0));
            case UnixAddress.Abstract name ->
                    fields.put("kind", autobound ? "autobind" : "abstract").put("name", "@" + text(name.name(), 1));
            case UnixAddress.Unnamed unnamed -> fields.put("kind", "unnamed");
        };
    }

    /**
     * Puts {@code kind} and {@code name} for the sockaddr bytes a program passed, as unix(7)
     * reads them: just the family is autobind (for bind) or unnamed; a leading NUL makes an
     * abstract name of the rest; a path ends at its first NUL. Another family is its number.
     */
    static ObjectNode intoFromSockaddr(ObjectNode fields, byte[] raw, boolean bind) {
        if (raw.length < SUN_PATH) return fields.put("kind", "invalid");
        int family = (raw[0] & 0xff) | (raw[1] & 0xff) << 8;
        if (family != SocketAbi.AF_UNIX) return fields.put("kind", "family " + family);
        if (raw.length == SUN_PATH) return fields.put("kind", bind ? "autobind" : "unnamed");
        if (raw[SUN_PATH] == 0) return fields.put("kind", "abstract").put("name", "@" + text(raw, SUN_PATH + 1));
        int end = SUN_PATH;
        while (end < raw.length && raw[end] != 0) end++;
        return fields.put("kind", "path").put("name", text(Arrays.copyOfRange(raw, SUN_PATH, end), 0));
    }

    private static String text(byte[] bytes, int from) {
        return new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8);
    }
}
