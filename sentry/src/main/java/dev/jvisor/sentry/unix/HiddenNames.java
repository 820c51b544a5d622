package dev.jvisor.sentry.unix;

import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.linux.Socket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The kernel names that sandbox listeners and named datagram sockets are bound to, which
 * only the sentry hands out: a connect or a datagram's destination is resolved in the
 * sandbox's namespaces and then reaches the socket through its hidden name, so the kernel's
 * backlog, queues, blocking and signals apply.
 *
 * <p>The kind of hidden name follows the kind of sandbox name, so that a client of another
 * socket type gets Linux's error from the kernel itself: a listener with a filesystem name
 * gets a socket file in a private directory (a path connect of another type is EPROTOTYPE,
 * net/unix/af_unix.c: unix_find_bsd), any other an abstract name (another type finds
 * nothing, ECONNREFUSED: abstract names are hashed with the type, unix_find_abstract).
 *
 * <p>The directory is made on first use, mode 0711: sandbox processes of any uid can reach a
 * socket file by its path (its mode is 0777; sandbox permissions were checked on the
 * sandbox's own file), nobody else can list the names. It is removed when the JVM exits.
 */
final class HiddenNames {
    private static final Logger log = LoggerFactory.getLogger(HiddenNames.class);
    /**
     * The longest temporary directory used as the base: with "/jvisor-" and its random part
     * (about 20 bytes), and "/l" and a counter, a name stays within sun_path's 108 bytes.
     */
    private static final int MAX_BASE_LENGTH = 60;

    private final String abstractPrefix;
    private final byte[] nowhere;
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;

    private long count;
    private Path directory;
    private byte[] wrongType;
    /** The socket behind {@link #wrongType()}: held, never read. */
    @SuppressWarnings("unused")
    private int wrongTypeSocket = -1;

    HiddenNames(SecureRandom random) {
        this.abstractPrefix = "\0jvisor-" + HexFormat.of().toHexDigits(random.nextLong()) + "-";
        this.nowhere = new UnixAddress.Abstract((abstractPrefix + "nowhere").getBytes(StandardCharsets.US_ASCII)).encode();
    }

    /**
     * A sockaddr that no socket holds: a call rewritten to it is refused by the kernel
     * (ECONNREFUSED) at the point where Linux looks the name up, after the checks Linux makes
     * first (the descriptor, the message's size and control data, autobind).
     */
    byte[] nowhere() {
        return nowhere;
    }

    /**
     * A path sockaddr that the kernel's lookup refuses with {@code errno} wherever it is
     * resolved and whoever resolves it (in procfs, where no program can make a file), or null
     * for an errno no such path gives: ENOENT (no such entry) and ENOTDIR (an entry below a
     * file).
     */
    byte[] refusing(Errno errno) {
        return switch (errno) {
            case ENOENT -> ABSENT;
            case ENOTDIR -> BELOW_A_FILE;
            default -> null;
        };
    }

    private static final byte[] ABSENT =
            new UnixAddress.Pathname("/proc/self/jvisor-absent".getBytes(StandardCharsets.US_ASCII)).encode();
    private static final byte[] BELOW_A_FILE =
            new UnixAddress.Pathname("/proc/self/stat/jvisor".getBytes(StandardCharsets.US_ASCII)).encode();

    /**
     * The sockaddr of a socket file whose socket is a stream socket of the sentry's own, bound
     * and never listening: a datagram, or a datagram socket's connect, addressed there is
     * refused by the kernel with EPROTOTYPE (net/unix/af_unix.c: unix_find_bsd) at the point
     * where Linux looks the name up, after the checks Linux makes first (control messages,
     * the iovec, the size, autobind). Made once, with the sentry (so that the sentry's own
     * descriptors do not grow while a sandbox runs), and kept until the JVM exits.
     */
    byte[] wrongType() {
        if (wrongType == null) {
            int socket = Socket.socket(AF_UNIX, SOCK_STREAM | Socket.SOCK_CLOEXEC, 0);
            UnixAddress.Pathname name = new UnixAddress.Pathname(
                    directory().resolve("stream").toString().getBytes(StandardCharsets.UTF_8));
            bind(socket, name);
            wrongTypeSocket = socket;
            wrongType = name.encode();
        }
        return wrongType;
    }

    /** A fresh hidden name for a listener or a datagram socket named {@code sandboxName}. */
    UnixAddress next(UnixAddress sandboxName) {
        long n = count++;
        if (sandboxName instanceof UnixAddress.Pathname) {
            return new UnixAddress.Pathname(directory().resolve("l" + n).toString().getBytes(StandardCharsets.UTF_8));
        }
        return new UnixAddress.Abstract((abstractPrefix + n).getBytes(StandardCharsets.US_ASCII));
    }

    /** Binds {@code socket} (a descriptor of the sentry's own) to {@code hidden}. */
    void bind(int socket, UnixAddress hidden) {
        Socket.bind(socket, hidden.encode());
        if (hidden instanceof UnixAddress.Pathname path) {
            try {
                Files.setPosixFilePermissions(file(path), PosixFilePermissions.fromString("rwxrwxrwx"));
            } catch (IOException e) {
                throw new ErrnoException(Errno.EIO, "hidden socket file: " + e.getMessage());
            }
        }
    }

    /** Removes the socket file of a hidden name whose listener is gone. */
    void release(UnixAddress hidden) {
        // An exposed listener's kernel name is the program's own file, which Linux leaves.
        if (!(hidden instanceof UnixAddress.Pathname path) || directory == null
                || !file(path).startsWith(directory)) return;
        try {
            Files.deleteIfExists(file(path));
        } catch (IOException e) {
            log.debug("hidden socket file {}: {}", path, e.toString());
        }
    }

    private static Path file(UnixAddress.Pathname path) {
        return Path.of(new String(path.path(), StandardCharsets.UTF_8));
    }

    private Path directory() {
        if (directory != null) return directory;
        Path base = Path.of(System.getProperty("java.io.tmpdir"));
        if (base.toString().getBytes(StandardCharsets.UTF_8).length > MAX_BASE_LENGTH) base = Path.of("/tmp");
        try {
            Path made = Files.createTempDirectory(base, "jvisor-");
            Files.setPosixFilePermissions(made, PosixFilePermissions.fromString("rwx--x--x"));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> removeAll(made), "jvisor-hidden-names"));
            directory = made;
            return made;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the directory of hidden socket names", e);
        }
    }

    private static void removeAll(Path directory) {
        try (var files = Files.list(directory)) {
            for (Path file : (Iterable<Path>) files::iterator) Files.deleteIfExists(file);
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            // Leftovers in the temporary directory; nothing else can be done at exit.
        }
    }
}
