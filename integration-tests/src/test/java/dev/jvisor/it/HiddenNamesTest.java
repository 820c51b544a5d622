package dev.jvisor.it;

import dev.jvisor.it.support.LiveProcess;
import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * No way in (issue 15, route 6): /proc/net/unix and sock_diag list every socket of the
 * network namespace with its kernel name, the sandbox's hidden names included. A host process
 * of another uid (nobody) reads them and tries each of the sandbox's, and every socket file it can find
 * under jvisor's directories in /tmp, and the sandbox's own names, by connect (stream,
 * seqpacket) and sendto (dgram); the sandboxed program, with a listener or a datagram socket
 * of every kind (stream, seqpacket, dgram; path, abstract), counts 0 arrivals.
 */
class HiddenNamesTest {
    private static final String PROBE = Runner.probe("hidden-names");
    private static final String NOBODY = "65534";
    private static final String[] KINDS = {
        "stream-path", "seqpacket-path", "dgram-path", "stream-abstract", "seqpacket-abstract", "dgram-abstract"};

    @Test
    void aHostProcessOfAnotherUidReachesNoSandboxSocket(@TempDir Path directory) throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "the intruder changes to uid 65534: needs root");
        // The intruder may try the sandbox's own socket files: it can reach the directory.
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        String prefix = "hidden-names-it-" + UUID.randomUUID();
        try (LiveProcess sandboxed = LiveProcess.startSandboxed(PROBE, "serve", directory.toString(), prefix)) {
            Map<String, String> inodes = new HashMap<>();
            for (int i = 0; i < KINDS.length; i++) {
                Matcher line = sandboxed.awaitLine("^inode (\\S+) (\\d+)$");
                inodes.put(line.group(1), line.group(2));
            }
            sandboxed.awaitLine("^ready$");

            Map<String, String> kernelNames = kernelNames();
            List<Path> hiddenDirectories = hiddenDirectories();
            assertFalse(hiddenDirectories.isEmpty(), "no directory of hidden names found under /tmp/jvisor-*");
            for (String kind : KINDS) {
                String name = kernelNames.get(inodes.get(kind));
                assertTrue(name != null && !name.isEmpty(), kind + ": the socket has no kernel name: " + name);
                assertFalse(name.startsWith("@"), kind + ": an abstract kernel name, which anyone can reach: " + name);
                for (Path hidden : hiddenDirectories) {
                    assertFalse(name.startsWith(hidden + "/"),
                            kind + ": /proc/net/unix shows the path under the hidden directory: " + name);
                }
            }

            // Only the sandbox's sockets' names: other programs' on this host (another test's) are left alone.
            List<String> command = new ArrayList<>(List.of(PROBE, "intrude", NOBODY, String.join(",", inodes.values())));
            for (String kind : new String[] {"stream", "seqpacket", "dgram"}) {
                command.add(directory.resolve(kind + ".sock").toString());
                command.add("@" + prefix + "-" + kind);
            }
            RunResult intruder = Runner.runNative(command.toArray(String[]::new));
            assertEquals(0, intruder.exitCode(), intruder::toString);
            assertTrue(intruder.stdout().matches("(?s)attempts: \\d+ reached: 0\n"),
                    "the intruder reached sandbox or jvisor sockets: " + intruder);
            assertTrue(sandboxed.process().isAlive(), "the sandboxed program ended before the intruder's attempts");
            sandboxed.write("count\n");
            RunResult served = sandboxed.finish();
            assertEquals(0, served.exitCode(), served::toString);
            assertTrue(served.stdout().endsWith("ready\narrivals: 0\n"), "something arrived from the host: " + served);
        }
    }

    /** The name /proc/net/unix gives each socket, by inode ("" for none). */
    private static Map<String, String> kernelNames() throws IOException {
        Map<String, String> names = new HashMap<>();
        List<String> lines = Files.readAllLines(Path.of("/proc/net/unix"));
        for (String line : lines.subList(1, lines.size())) {
            String[] fields = line.trim().split("\\s+", 8);
            if (fields.length >= 7) names.put(fields[6], fields.length == 8 ? fields[7] : "");
        }
        return names;
    }

    /** The directories inside jvisor's temporary directories: where hidden socket files live. */
    private static List<Path> hiddenDirectories() throws IOException {
        List<Path> found = new ArrayList<>();
        for (Path base : List.of(Path.of("/tmp"), Path.of(System.getProperty("java.io.tmpdir")))) {
            try (Stream<Path> outer = Files.list(base)) {
                for (Path jvisor : outer.filter(p -> p.getFileName().toString().startsWith("jvisor-")
                        && Files.isDirectory(p)).toList()) {
                    try (Stream<Path> inner = Files.list(jvisor)) {
                        inner.filter(Files::isDirectory).forEach(found::add);
                    } catch (IOException gone) {
                        // Another sandbox's directory, removed meanwhile.
                    }
                }
            }
        }
        return found;
    }
}
