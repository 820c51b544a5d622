package dev.jvisor.sentry.unix;

import dev.jvisor.platform.linux.FileStatus;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which opens the sentry looks at more closely for /proc/net/unix, by their text alone, and
 * the path by which it then stats what the program's thread would open.
 */
class ProcNetUnixPathsTest {
    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void theTableByAnyOfItsNamesIsLookedAt() {
        for (String path : new String[] {"/proc/net/unix", "/proc/self/net/unix", "/proc/42/task/43/net/unix",
                "unix", "net/unix", "/proc/self/fd/3", "/dev/fd/7", "fd/3", "/dev/stdin", "/proc/self/fd/4/unix"}) {
            assertTrue(ProcNetUnix.mayNameTable(bytes(path)), path);
        }
    }

    @Test
    void everyOtherPathRunsAtOnce() {
        for (String path : new String[] {"/lib/x86_64-linux-gnu/libc.so.6", "/usr/share/locale/C/LC_MESSAGES/gcc.mo",
                "Makefile", "/proc/net/unix/", "/proc/net/unixx", "/proc/net/tcp", "myfd/3", "/tmp/fd", "xunix"}) {
            assertFalse(ProcNetUnix.mayNameTable(bytes(path)), path);
        }
    }

    @Test
    void pathsAreResolvedAsTheThreadWould() {
        assertEquals("/proc/43/root/proc/net/unix",
                new String(ProcNetUnix.hostPath(43, 42, FileStatus.AT_FDCWD, bytes("/proc/net/unix")), StandardCharsets.ISO_8859_1));
        assertEquals("/proc/42/net/unix",
                new String(ProcNetUnix.hostPath(43, 42, FileStatus.AT_FDCWD, bytes("/proc/self/net/unix")), StandardCharsets.ISO_8859_1));
        assertEquals("/proc/42/task/43/fd/5/unix",
                new String(ProcNetUnix.hostPath(43, 42, 9, bytes("/proc/thread-self/fd/5/unix")), StandardCharsets.ISO_8859_1));
        assertEquals("/proc/43/root/proc/selfish/unix",
                new String(ProcNetUnix.hostPath(43, 42, 9, bytes("/proc/selfish/unix")), StandardCharsets.ISO_8859_1));
        assertEquals("/proc/43/cwd/unix",
                new String(ProcNetUnix.hostPath(43, 42, FileStatus.AT_FDCWD, bytes("unix")), StandardCharsets.ISO_8859_1));
        assertEquals("/proc/43/fd/9/unix",
                new String(ProcNetUnix.hostPath(43, 42, 9, bytes("unix")), StandardCharsets.ISO_8859_1));
    }
}
