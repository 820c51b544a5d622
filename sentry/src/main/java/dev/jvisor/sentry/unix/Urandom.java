package dev.jvisor.sentry.unix;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Secret bytes from the kernel's random source, read from /dev/urandom as SecureRandom's
 * NativePRNG does, but without SecureRandom's start: loading the security providers takes
 * about 25 ms of a cold JVM, a tenth of jvisor's start-up. random(4): /dev/urandom never
 * blocks once the kernel's pool is initialized, which it is long before a program runs.
 */
final class Urandom {
    private static final Path SOURCE = Path.of("/dev/urandom");

    private Urandom() {}

    static byte[] bytes(int count) {
        try (InputStream in = Files.newInputStream(SOURCE)) {
            byte[] bytes = in.readNBytes(count);
            if (bytes.length != count) throw new IOException("short read of " + SOURCE);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + SOURCE, e);
        }
    }
}
