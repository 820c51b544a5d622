package dev.jvisor.platform;

import dev.jvisor.platform.linux.Libc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The sentry can take a duplicate of a tracee's descriptor (pidfd_getfd): the same open
 * file, not a copy of its name, and EBADF for a descriptor the tracee does not have.
 */
class DescriptorCopyTest {
    @TempDir
    Path directory;

    @Test
    void aCopiedDescriptorIsTheTraceesOpenFile() throws IOException {
        Path file = Files.writeString(directory.resolve("data"), "secret");
        AtomicReference<String> seen = new AtomicReference<>();
        AtomicReference<Errno> missing = new AtomicReference<>();
        SyscallHandler handler = stop -> {
            if (stop.call().number() != Sysno.GETSOCKOPT) return Action.passthrough();
            int copy = stop.copyDescriptor(5);
            try {
                seen.set(Files.readString(Path.of("/proc/self/fd/" + copy)));
                Files.delete(file);
                // Still open after the name is gone: the copy holds the file, not its name.
                Path link = Files.readSymbolicLink(Path.of("/proc/self/fd/" + copy));
                seen.set(seen.get() + "|" + link.toString().endsWith("data (deleted)"));
            } catch (IOException e) {
                throw new AssertionError(e);
            } finally {
                Libc.close(copy);
            }
            try {
                stop.copyDescriptor(99);
            } catch (ErrnoException e) {
                missing.set(e.errno());
            }
            return Action.passthrough();
        };

        String output = ProbeRun.start(directory,
                "exec 5< '" + file + "'; " + ProbeRun.probe("handler-targets") + " rewrite > OUT; cat <&5 >> OUT",
                handler).awaitOutput();

        assertEquals("secret|true", seen.get());
        assertEquals(Errno.EBADF, missing.get());
        assertEquals("getsockopt: 0\nvalue: 1\nsecret", output);
    }
}
