package dev.jvisor.sentry.unix;

import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.linux.Libc;
import dev.jvisor.platform.linux.Socket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;

/**
 * The kernel names that sandbox listeners and named datagram sockets are bound to, which
 * only the sentry hands out: a connect or a datagram's destination is resolved in the
 * sandbox's namespaces and then reaches the socket through its hidden name, so the kernel's
 * backlog, queues, blocking and signals apply.
 *
 * <p>Every hidden name is a socket file in a directory that nobody outside the sandbox can
 * find: a fresh directory under the temporary directory (mode 0711, its name visible to
 * all) holds one subdirectory with a random 128-bit name (0711), and the socket files are
 * in that one (0777: sandbox permissions were checked on the sandbox's own file). Sandbox
 * processes of any uid can traverse both and connect; a host process that cannot list the
 * first (another uid than jvisor's, not root) cannot learn the second's name.
 *
 * <p>The kernel never records that path. /proc/net/unix, sock_diag (UNIX_DIAG_NAME),
 * getsockname, getpeername and the senders of datagrams report the sun_path a socket was
 * bound with, as given (net/unix/af_unix.c: unix_bind_bsd keeps the caller's sockaddr): the
 * sentry binds each socket through {@code /proc/JVISOR/fd/DIRFD/N}, DIRFD a descriptor of
 * the directory that jvisor holds. Only a process that may ptrace-read jvisor (proc(5),
 * /proc/PID/fd: jvisor's own uid, or root) can follow that magic link; to anyone else the
 * name leads nowhere (EACCES), and it does not give the directory's name away. An allowed
 * host socket ({@code --allow-host-socket}) served by such a process can still answer a
 * sandbox datagram socket at the name it reports. So a hidden name has two forms
 * ({@link Name}): the bound one, which the kernel reports and the sentry maps back to the
 * sandbox name; and the real path, which the sentry writes into a program's call to reach
 * the socket, and which only sandbox processes see, in their own memory. Neither goes to
 * the audit log (it logs the program's own names).
 *
 * <p>Abstract sandbox names get path hidden names too: an abstract hidden name would be
 * reachable by any process of the network namespace, which needs no permission at all.
 * Linux answers a client of another socket type differently for the two kinds (abstract
 * names are per type, unix_find_abstract: ECONNREFUSED; a path of another type is
 * EPROTOTYPE, unix_find_bsd): the sentry therefore looks at the caller's type when the
 * sandbox name is abstract, and sends a mismatch {@link #nowhere()}.
 */
final class HiddenNames {
    private static final Logger log = LoggerFactory.getLogger(HiddenNames.class);
    /**
     * The longest temporary directory used as the base: with "/jvisor-" and its random part
     * (at most 28 bytes), "/" and the secret directory (23), "/" and a counter (at most 19
     * digits), a real path stays within sun_path's 107 bytes.
     */
    private static final int MAX_BASE_LENGTH = 36;
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;

    /**
     * A hidden name: {@code bound}, the name the kernel records and reports (the sentry's
     * own view of the directory); {@code connect}, the sockaddr of the real path by which a
     * program's call reaches the socket.
     */
    record Name(UnixAddress.Pathname bound, byte[] connect) {}

    private long count;
    /** The directory's real path; null until first used. */
    private Path directory;
    /** "/proc/JVISOR/fd/DIRFD/", DIRFD the sentry's O_PATH descriptor of {@link #directory}. */
    private String boundPrefix;
    private byte[] nowhere;
    private byte[] wrongType;
    /** The socket behind {@link #wrongType()}: held, never read. */
    @SuppressWarnings("unused")
    private int wrongTypeSocket = -1;

    HiddenNames() {}

    /**
     * A sockaddr that no socket holds: a socket file whose socket is gone. A call rewritten
     * to it is refused by the kernel (ECONNREFUSED: unix_find_bsd finds the inode, and no
     * socket by it) at the point where Linux looks the name up, after the checks Linux makes
     * first (the descriptor, the message's size and control data, autobind).
     */
    byte[] nowhere() {
        if (nowhere == null) {
            Name name = name("nowhere");
            int socket = Socket.socket(AF_UNIX, SOCK_STREAM | Socket.SOCK_CLOEXEC, 0);
            try {
                bind(socket, name);
            } finally {
                Libc.close(socket);
            }
            nowhere = name.connect();
        }
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
            Name name = name("stream");
            bind(socket, name);
            wrongTypeSocket = socket;
            wrongType = name.connect();
        }
        return wrongType;
    }

    /** A fresh hidden name for a listener or a datagram socket. */
    Name next() {
        return name(Long.toString(count++));
    }

    private Name name(String file) {
        directory();
        byte[] real = directory.resolve(file).toString().getBytes(StandardCharsets.UTF_8);
        byte[] bound = (boundPrefix + file).getBytes(StandardCharsets.US_ASCII);
        return new Name(new UnixAddress.Pathname(bound), new UnixAddress.Pathname(real).encode());
    }

    /** Binds {@code socket} (a descriptor of the sentry's own) to {@code hidden}, by its bound form. */
    void bind(int socket, Name hidden) {
        Socket.bind(socket, hidden.bound().encode());
        try {
            Files.setPosixFilePermissions(file(hidden.bound()), PosixFilePermissions.fromString("rwxrwxrwx"));
        } catch (IOException e) {
            throw new ErrnoException(Errno.EIO, "hidden socket file: " + e.getMessage());
        }
    }

    /** Removes the socket file of a hidden name (its bound form) whose socket is gone. */
    void release(UnixAddress kernelName) {
        // An exposed listener's kernel name is the program's own file, which Linux leaves.
        if (!(kernelName instanceof UnixAddress.Pathname path) || file(path) == null) return;
        try {
            Files.deleteIfExists(file(path));
        } catch (IOException e) {
            log.debug("hidden socket file {}: {}", path, e.toString());
        }
    }

    /** The real path of a bound form, or null when {@code path} is no hidden name of this sentry's. */
    private Path file(UnixAddress.Pathname path) {
        if (boundPrefix == null) return null;
        String name = new String(path.path(), StandardCharsets.UTF_8);
        if (!name.startsWith(boundPrefix)) return null;
        String file = name.substring(boundPrefix.length());
        return file.isEmpty() || file.contains("/") ? null : directory.resolve(file);
    }

    /**
     * The directory that holds the hidden names' directory: the sandbox must not change
     * either (a program that could would replace a hidden socket file, or the secret
     * directory, with a link to a host socket, and its connect would follow it).
     */
    Path enclosingDirectory() {
        directory();
        return directory.getParent();
    }

    private void directory() {
        if (directory != null) return;
        Path base = Path.of(System.getProperty("java.io.tmpdir"));
        if (base.toString().getBytes(StandardCharsets.UTF_8).length > MAX_BASE_LENGTH) base = Path.of("/tmp");
        byte[] secret = Urandom.bytes(16);
        try {
            // The outer directory is made 0700 and opened to 0711 only once the inner one is
            // there: nobody but jvisor's uid can ever list it.
            Path outer = temporaryDirectory(base);
            Path inner = Files.createDirectory(
                    outer.resolve(Base64.getUrlEncoder().withoutPadding().encodeToString(secret)));
            Files.setPosixFilePermissions(inner, PosixFilePermissions.fromString("rwx--x--x"));
            Files.setPosixFilePermissions(outer, PosixFilePermissions.fromString("rwx--x--x"));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> removeAll(outer, inner), "jvisor-hidden-names"));
            // Held until the JVM exits: the bound forms name the directory through it.
            int held = Libc.open(inner.toString().getBytes(StandardCharsets.UTF_8), Libc.O_PATH | Libc.O_CLOEXEC);
            boundPrefix = "/proc/" + Libc.getpid() + "/fd/" + held + "/";
            directory = inner;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the directory of hidden socket names", e);
        }
    }

    /**
     * A new directory "jvisor-N" in {@code base}, 0700, as Files.createTempDirectory makes
     * one, but without its SecureRandom ({@link Urandom}).
     */
    private static Path temporaryDirectory(Path base) throws IOException {
        while (true) {
            long number = ByteBuffer.wrap(Urandom.bytes(Long.BYTES)).getLong();
            try {
                return Files.createDirectory(base.resolve("jvisor-" + Long.toUnsignedString(number)),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException taken) {
                // Another directory has this name: draw again.
            }
        }
    }

    private static void removeAll(Path outer, Path inner) {
        try (var files = Files.list(inner)) {
            for (Path file : (Iterable<Path>) files::iterator) Files.deleteIfExists(file);
        } catch (IOException e) {
            // Leftovers in the temporary directory; nothing else can be done at exit.
        }
        try {
            Files.deleteIfExists(inner);
            Files.deleteIfExists(outer);
        } catch (IOException e) {
            // As above.
        }
    }
}
