package dev.jvisor.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The directory that stands for /proc/net in the sandbox (the launcher covers /proc/net with
 * a symlink to it: native-stubs/launcher/procnet.c). It holds, for every entry of the
 * kernel's /proc/self/net, a symlink to that entry (resolved by whoever reads it, so each
 * process still sees its own network namespace's files), except the one file the handler
 * serves: an empty file that the launcher mounts the FUSE file on.
 *
 * <pre>
 *   jvisor-net-N/            0755, read-only for the sandbox (a --read-only directory)
 *     net/                   tcp -> /proc/self/net/tcp, ..., unix (the served file, 0444)
 *     net.link -> .../net    what the launcher mounts over /proc/net
 * </pre>
 */
final class ProcNetView {
    private static final Path KERNEL_NET = Path.of("/proc/self/net");
    private static final int ATTEMPTS = 100;

    private final Path directory;
    private final Path net;
    private final Path served;

    private ProcNetView(Path directory, String name) {
        this.directory = directory;
        this.net = directory.resolve("net");
        this.served = net.resolve(name);
    }

    /** A new view in the temporary directory, with {@code name} as the served file. */
    static ProcNetView create(String name) throws IOException {
        ProcNetView view = new ProcNetView(newDirectory(), name);
        try {
            view.fill();
        } catch (IOException e) {
            view.remove();
            throw e;
        }
        return view;
    }

    /** The directory the sandbox must not change. */
    Path directory() {
        return directory;
    }

    /** The empty file the launcher mounts the served file on. */
    Path servedFile() {
        return served;
    }

    private void fill() throws IOException {
        Files.createDirectory(net);
        String[] entries = KERNEL_NET.toFile().list();
        if (entries == null) throw new IOException("cannot list " + KERNEL_NET);
        for (String entry : entries) {
            if (entry.equals(served.getFileName().toString())) continue;
            Files.createSymbolicLink(net.resolve(entry), KERNEL_NET.resolve(entry));
        }
        Files.createFile(served);
        Files.setPosixFilePermissions(served, PosixFilePermissions.fromString("r--r--r--"));
        Files.setPosixFilePermissions(net, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(directory.resolve("net.link"), net);
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Removes the view (once the sandbox, and its mount namespace, are gone). */
    void remove() {
        try {
            Files.deleteIfExists(directory.resolve("net.link"));
            String[] entries = net.toFile().list();
            if (entries != null) for (String entry : entries) Files.deleteIfExists(net.resolve(entry));
            Files.deleteIfExists(net);
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            // A leftover in the temporary directory; nothing else depends on it.
        }
    }

    /**
     * A new directory "jvisor-net-N" (mkdir fails on any existing name, a symlink included,
     * so another user's file cannot stand in for it). Its name need not be secret: it holds
     * nothing but links to /proc.
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
