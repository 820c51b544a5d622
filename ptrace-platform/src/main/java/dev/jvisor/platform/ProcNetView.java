package dev.jvisor.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where the sandbox's /proc/net is made: an empty directory of jvisor's, which the launcher
 * covers, in the sandbox's mount namespace only, with a tmpfs that holds the view
 * (native-stubs/launcher/procnet.c), read-only once made:
 *
 * <pre>
 *   jvisor-net-N/            the tmpfs
 *     net/                   tcp -> /proc/self/net/tcp, ..., and the served file (a FUSE mount)
 *     net.link -> .../net    what the launcher mounts over /proc/net
 * </pre>
 *
 * On the host it stays empty; it is removed at the sandbox's end.
 */
final class ProcNetView {
    private static final int ATTEMPTS = 100;

    private final Path directory;
    private final Path served;

    private ProcNetView(Path directory, String name) {
        this.directory = directory;
        this.served = directory.resolve("net").resolve(name);
    }

    /** A new view in the temporary directory, with {@code name} as the served file. */
    static ProcNetView create(String name) throws IOException {
        return new ProcNetView(newDirectory(), name);
    }

    /** The empty file the launcher mounts the served file on, in the view it makes. */
    Path servedFile() {
        return served;
    }

    /** Removes the directory (once the sandbox, and its mount namespace, are gone). */
    void remove() {
        try {
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            // A leftover in the temporary directory; nothing else depends on it.
        }
    }

    /**
     * A new directory "jvisor-net-N" (mkdir fails on any existing name, a symlink included,
     * so another user's file cannot stand in for it). Its name need not be secret: the view
     * holds nothing but links to /proc.
     */
    private static Path newDirectory() throws IOException {
        Path base = Path.of(System.getProperty("java.io.tmpdir"));
        IOException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            long number = ThreadLocalRandom.current().nextLong() >>> 1;
            try {
                return Files.createDirectory(base.resolve("jvisor-net-" + number),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (java.nio.file.FileAlreadyExistsException taken) {
                last = taken;
            }
        }
        throw last;
    }
}
