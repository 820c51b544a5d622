package dev.jvisor.it;

import dev.jvisor.it.support.LiveProcess;
import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The sandbox's /proc/net/unix (issue 18): what Linux shows in a network namespace that
 * holds only the sandbox's sockets, served by default (a FUSE file the launcher mounts). The proc-net-unix probe's transcript (every kind of
 * socket's line) is compared with Linux's in the conformance suite; here, what a native run
 * cannot show: the table lists nothing else (natively it lists the host's sockets), no host
 * socket (a witness bound natively to a path and an abstract name) and no hidden name, read
 * by cat or by ss(8), which agree.
 */
class ProcNetUnixTest {
    private static final String PROBE = Runner.probe("proc-net-unix");

    /** {@code command} under {@code jvisor run}, in a new subdirectory {@code name}. */
    private static RunResult answered(Path directory, String name, List<String> command) throws IOException {
        Path workingDirectory = Files.createDirectory(directory.resolve(name));
        return Runner.run(Runner.sandboxed(List.of(), command), "", Runner.DEFAULT_TIMEOUT, workingDirectory);
    }

    /**
     * The table is served by a mount, not a trap: no open of any file is trapped, so a
     * program's opens cost what they cost natively; the served file is procfs-like (0444,
     * root's, size 0, EACCES to a writer, root included); and /proc/net's other files are
     * the kernel's.
     */
    @Test
    void theTableIsAMountAndNoOpenIsTrapped() {
        RunResult run = Runner.runSandboxedWithStats("sh", "-c", "head -1 /proc/net/unix; cat /etc/hostname > /dev/null; "
                + "stat -c '%a %u %g %s %F' /proc/net/unix; (echo x > /proc/net/unix) 2>&1 | grep -c 'Permission denied'; "
                + "head -1 /proc/net/dev | cut -c1-14; ls /proc/net | grep -cx unix");
        assertEquals(0, run.exitCode(), run::toString);
        assertEquals("Num       RefCount Protocol Flags    Type St Inode Path\n444 0 0 0 regular empty file\n1\n"
                + "Inter-|   Rece\n1\n", run.stdout(), run::toString);
        Map<String, Long> trapped = Runner.trappedCalls(run);
        assertFalse(trapped.containsKey("openat") || trapped.containsKey("open") || trapped.containsKey("openat2"),
                trapped::toString);
    }

    @Test
    void aFreshSandboxListsItsOwnSocketsAndNothingElse(@TempDir Path directory) throws IOException {
        RunResult run = answered(directory, "sandboxed", List.of(PROBE, "others"));
        assertEquals(0, run.exitCode(), run::toString);
        assertFalse(run.stdout().contains("not listed"), "a sandbox socket is missing: " + run);
        assertTrue(run.stdout().contains("stream path listener: type 0001 state 01 flags 00010000 refs 2 protocol 0 "
                + "path 'pnu-stream.sock'\n"), run::toString);
        assertTrue(run.stdout().contains("pending on '@pnu-seqpacket': 1 "), run::toString);
        assertTrue(run.stdout().endsWith("entries not its own: 0\n") || run.stdout().contains("\nentries not its own: 0\n"),
                "the sandbox's table lists sockets that are not the sandbox's: " + run);
    }

    /**
     * A program of another uid (65534) reads the same table as natively: the file's mode lets
     * every uid read it (the mount's allow_other), and its own sockets are listed.
     */
    @Test
    void aProgramOfAnotherUidReadsTheTableAsNatively(@TempDir Path directory) throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "the probe changes to uid 65534: needs root");
        Files.setPosixFilePermissions(directory, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        List<String> asNobody = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", PROBE);
        Path nativeDirectory = Files.createDirectory(directory.resolve("native"));
        Path sandboxDirectory = Files.createDirectory(directory.resolve("sandboxed"));
        for (Path d : List.of(nativeDirectory, sandboxDirectory)) {
            Files.setPosixFilePermissions(d, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        }
        RunResult nativeRun = Runner.run(asNobody, "", Runner.DEFAULT_TIMEOUT, nativeDirectory);
        RunResult sandboxed = Runner.run(Runner.sandboxed(List.of(), asNobody), "", Runner.DEFAULT_TIMEOUT,
                sandboxDirectory);
        assertEquals(0, nativeRun.exitCode(), nativeRun::toString);
        assertTrue(nativeRun.stdout().contains("stream path listener: type 0001 state 01 "), nativeRun::toString);
        assertEquals(nativeRun, sandboxed);
    }

    @Test
    void catShowsNoHostSocketAndNoHiddenName(@TempDir Path directory) throws IOException {
        String token = "pnu-witness-" + UUID.randomUUID();
        Path witnessPath = directory.resolve(token + ".sock");
        try (LiveProcess witness = LiveProcess.startNative(PROBE, "witness", witnessPath.toString(), token)) {
            witness.awaitLine("^ready$");
            // The control: the host's table lists the witness by both names.
            String host = Files.readString(Path.of("/proc/net/unix"));
            assertTrue(host.contains(" " + witnessPath + "\n") && host.contains(" @" + token + "\n"), host);

            RunResult run = answered(directory, "cat", List.of(PROBE, "hold", "cat", "/proc/net/unix"));
            assertEquals(0, run.exitCode(), run::toString);
            assertClean(run.stdout(), token);
            Set<String> names = pathColumn(run.stdout());
            assertTrue(names.contains("pnu-stream.sock") && names.contains("pnu-dgram.sock")
                    && names.stream().anyMatch(n -> n.equals("@pnu-seqpacket")), "sandbox names missing: " + names);
            witness.write("done\n");
            witness.finish();
        }
    }

    @Test
    void ssListsWhatTheTableLists(@TempDir Path directory) throws IOException {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/ss")) || Files.isExecutable(Path.of("/bin/ss")),
                "ss(8) is not installed (Debian: iproute2)");
        String token = "pnu-witness-" + UUID.randomUUID();
        Path witnessPath = directory.resolve(token + ".sock");
        try (LiveProcess witness = LiveProcess.startNative(PROBE, "witness", witnessPath.toString(), token)) {
            witness.awaitLine("^ready$");
            RunResult run = answered(directory, "ss",
                    List.of(PROBE, "hold", "sh", "-c", "cat /proc/net/unix; echo ---; ss -x -a -n"));
            assertEquals(0, run.exitCode(), run::toString);
            assertClean(run.stdout(), token);
            // ss asks sock_diag, which the sentry answers for the sandbox (SockDiagTest): the
            // same sockets, inodes and names as the table.
            assertFalse(run.stderr().contains("netlink"), "ss did not use sock_diag: " + run);
            String[] parts = run.stdout().split("---\n", 2);
            assertEquals(2, parts.length, run::toString);
            Set<String> tableInodes = new TreeSet<>();
            for (String line : parts[0].lines().skip(1).toList()) {
                String[] fields = line.trim().split("\\s+", 8);
                if (!fields[6].equals("0")) tableInodes.add(fields[6]);
            }
            Set<String> ssInodes = new TreeSet<>();
            Set<String> ssNames = new TreeSet<>();
            for (String line : parts[1].lines().skip(1).toList()) {
                // Netid State Recv-Q Send-Q Local-Address Port Peer-Address Port
                String[] fields = line.trim().split("\\s+");
                if (fields.length < 8) continue;
                if (!fields[5].equals("0")) ssInodes.add(fields[5]);
                if (!fields[4].equals("*")) ssNames.add(fields[4]);
            }
            assertEquals(tableInodes, ssInodes, run::toString);
            Set<String> tableNames = pathColumn(parts[0]);
            assertEquals(tableNames, ssNames, run::toString);
            witness.write("done\n");
            witness.finish();
        }
    }

    /** No line names the witness, a hidden name (bound as /proc/JVISOR/fd/N/COUNT) or jvisor's directory. */
    private static void assertClean(String output, String token) {
        assertFalse(output.contains(token), "a host socket is listed: " + output);
        assertFalse(output.contains("jvisor-"), "jvisor's directory is listed: " + output);
        for (String name : pathColumn(output.split("---\n", 2)[0])) {
            assertFalse(name.startsWith("/proc/"), "a hidden name is listed: " + name);
        }
    }

    /** The names in a table's Path column. */
    private static Set<String> pathColumn(String table) {
        Set<String> names = new TreeSet<>();
        for (String line : table.lines().skip(1).toList()) {
            String[] fields = line.trim().split("\\s+", 8);
            if (fields.length == 8) names.add(fields[7]);
        }
        return names;
    }
}
