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
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * sock_diag under the sandbox (issue 18): what Linux answers in a network namespace that
 * holds only the sandbox's sockets. The sock-diag probe's transcript (every kind of socket,
 * every read call) is compared with Linux's in the conformance suite; here, what a native
 * run cannot show: a dump lists nothing but the sandbox's sockets (natively it lists the
 * host's), no host socket (a witness bound natively to a path and an abstract name) and no
 * hidden name, in the probe's dump and in ss(8); a request by inode for the witness finds
 * nothing. That ss lists what /proc/net/unix lists, inode for inode, ProcNetUnixTest shows.
 */
class SockDiagTest {
    private static final String PROBE = Runner.probe("sock-diag");
    /** Makes a set of sockets of every kind, holds them while a command runs, and serves as the witness. */
    private static final String HOLDER = Runner.probe("proc-net-unix");
    /** The sandbox names of the holder's sockets. */
    private static final Set<String> HOLDER_NAMES = Set.of("pnu-stream.sock", "pnu-seqpacket.sock", "pnu-dgram.sock",
            "pnu-stream-bound.sock", "pnu-seqpacket-bound.sock", "@pnu-stream", "@pnu-seqpacket", "@pnu-dgram");

    private static RunResult sandboxed(Path directory, String name, List<String> options, List<String> command)
            throws IOException {
        Path workingDirectory = Files.createDirectory(directory.resolve(name));
        return Runner.run(Runner.sandboxed(options, command), "", Runner.DEFAULT_TIMEOUT, workingDirectory);
    }

    @Test
    void aFreshSandboxsDumpListsItsOwnSocketsAndNothingElse(@TempDir Path directory) throws IOException {
        RunResult run = sandboxed(directory, "sandboxed", List.of(), List.of(PROBE, "others"));
        assertEquals(0, run.exitCode(), run::toString);
        assertFalse(run.stdout().contains("not listed"), "a sandbox socket is missing: " + run);
        assertTrue(run.stdout().contains("stream abstract listener: type 1 state 10 name @sdg-stream, no file, "),
                run::toString);
        assertTrue(run.stdout().contains("\nsockets not its own: 0\n"),
                "the dump lists sockets that are not the sandbox's: " + run);
    }

    @Test
    void noHostSocketNoHiddenNameAndNoSuchInode(@TempDir Path directory) throws IOException {
        String token = "sdg-witness-" + UUID.randomUUID();
        Path witnessPath = directory.resolve(token + ".sock");
        try (LiveProcess witness = LiveProcess.startNative(HOLDER, "witness", witnessPath.toString(), token)) {
            witness.awaitLine("^ready$");
            String inode = inodeOf(Files.readString(Path.of("/proc/net/unix")), witnessPath.toString());

            // The control: natively sock_diag finds the witness by its inode.
            RunResult host = Runner.runNative(PROBE, "ask", inode);
            assertEquals(0, host.exitCode(), host::toString);
            assertTrue(host.stdout().contains("SOCK_DIAG_BY_FAMILY not its own"), host::toString);

            RunResult asked = sandboxed(directory, "ask", List.of(), List.of(PROBE, "ask", inode));
            assertEquals(0, asked.exitCode(), asked::toString);
            // The error copies the request as sent, and no acknowledgement follows (netlink_rcv_skb).
            assertTrue(asked.stdout().contains("NLMSG_ERROR ENOENT, length 60, flags 0, echo: length 40 type 20 "
                    + "flags 0x5 seq this, inode not its own, show 0x3, states 0x5a\n"), asked::toString);
            assertTrue(asked.stdout().endsWith("then: EAGAIN\n"), asked::toString);

            assumeTrue(ssInstalled(), "ss(8) is not installed (Debian: iproute2)");
            RunResult run = sandboxed(directory, "ss", List.of(), List.of(HOLDER, "hold", "ss", "-x", "-a", "-n"));
            assertEquals(0, run.exitCode(), run::toString);
            assertFalse(run.stderr().contains("netlink"), "ss did not use sock_diag: " + run);
            assertFalse(run.stdout().contains(token), "a host socket is listed: " + run);
            assertFalse(run.stdout().contains("jvisor-"), "jvisor's directory is listed: " + run);
            Set<String> names = ssNames(run.stdout());
            for (String name : names) assertFalse(name.startsWith("/proc/"), "a hidden name is listed: " + name);
            assertEquals(HOLDER_NAMES, names, run::toString);
            witness.write("done\n");
            witness.finish();
        }
    }

    private static boolean ssInstalled() {
        return Files.isExecutable(Path.of("/usr/bin/ss")) || Files.isExecutable(Path.of("/bin/ss"));
    }

    /** The inode column of the /proc/net/unix line whose path is {@code path}. */
    private static String inodeOf(String table, String path) {
        for (String line : table.lines().skip(1).toList()) {
            String[] fields = line.trim().split("\\s+", 8);
            if (fields.length == 8 && fields[7].equals(path)) return fields[6];
        }
        throw new AssertionError("the witness is not in the host's table: " + table);
    }

    /** The local names ss -x -n shows (Netid State Recv-Q Send-Q Local-Address Port Peer-Address Port). */
    private static Set<String> ssNames(String output) {
        Set<String> names = new TreeSet<>();
        for (String line : output.lines().skip(1).toList()) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length >= 8 && !fields[4].equals("*")) names.add(fields[4]);
        }
        return names;
    }
}
