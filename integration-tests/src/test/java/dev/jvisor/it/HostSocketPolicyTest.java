package dev.jvisor.it;

import dev.jvisor.it.support.LiveProcess;
import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code jvisor run --allow-host-socket PATH}: the sandbox reaches exactly the host socket
 * at PATH, by whatever name resolves to its file, over a real connection (descriptors and
 * credentials both ways); every other host socket still refuses. {@code --expose PATH}: a
 * host client reaches the sandbox listener bound at PATH, the same way; without it, no host
 * client reaches a sandbox listener.
 */
class HostSocketPolicyTest {
    private static final String PEER = Runner.resource("host-socket-peer.py");

    /**
     * Also from a process with another thread, whose descriptor table is shared: the sentry
     * then opens and checks the socket file's descriptor in a helper thread with a table of
     * its own, which no thread of the program can change (HostSockets).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"client", "threaded-client"})
    void anAllowedHostSocketIsReallyConnected(String mode, @TempDir Path directory) {
        Path socket = directory.resolve("host.sock");
        try (LiveProcess server = LiveProcess.startNative("python3", PEER, "server", socket.toString())) {
            server.awaitLine("^ready$");
            RunResult client = client(List.of("--allow-host-socket", socket.toString()), mode, socket);
            assertEquals(new RunResult(0, "connect: OK\npeer name: " + socket + "\n"
                    + "client: got pipe saying: through the host's pipe\n", ""), client);
            assertEquals(new RunResult(0, "ready\nserver: peer credentials name the client: True uid True\n"
                    + "server: the passed file says: written in the sandbox\n", ""), server.finish());
        }
    }

    /** The decision is on the file the name resolves to, not on the name's text. */
    @Test
    void aSymlinkToTheAllowedSocketReachesIt(@TempDir Path directory) throws IOException {
        Path socket = directory.resolve("host.sock");
        Path link = Files.createSymbolicLink(directory.resolve("link.sock"), socket);
        try (LiveProcess server = LiveProcess.startNative("python3", PEER, "server", socket.toString())) {
            server.awaitLine("^ready$");
            RunResult client = client(List.of("--allow-host-socket", socket.toString()), "client", link);
            assertEquals("connect: OK", client.stdout().lines().findFirst().orElse(""), client.toString());
            assertEquals(0, server.finish().exitCode());
        }
    }

    /**
     * A sandboxed process that changed to another uid than jvisor's reaches the allowed
     * socket with its own permissions, and the server's SO_PEERCRED names it (pid and uid).
     */
    @Test
    void aSandboxedProcessOfAnotherUidReachesTheAllowedSocket(@TempDir Path directory) throws IOException {
        assumeTrue("0".equals(Runner.run(List.of("id", "-u"), "", Runner.DEFAULT_TIMEOUT).stdout().strip()),
                "the client changes its uid: jvisor must run as root");
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path socket = directory.resolve("host.sock");
        try (LiveProcess server = LiveProcess.startNative("python3", PEER, "creds-server", socket.toString())) {
            server.awaitLine("^ready$");
            RunResult client = client(List.of("--allow-host-socket", socket.toString()), "nobody-client", socket);
            assertEquals(new RunResult(0, "connect: OK as uid 65534\n", ""), client);
            assertEquals(new RunResult(0, "ready\nserver: peer pid is the client's: True uid 65534 gid 65534\n", ""),
                    server.finish());
        }
    }

    /**
     * The helper thread under load: the program's other threads make threads (whose first
     * stops may come while a helper is being made) and take signals meanwhile; every connect
     * and datagram reaches the allowed sockets, as natively.
     */
    @Test
    void aBusyMultithreadedProcessReachesTheAllowedSockets(@TempDir Path directory) {
        Path sockets = directory.resolve("allowed");
        String server = Runner.nativeDir().resolve("redteam/allowed").toString();
        String probe = Runner.probe("host-socket-threads");
        String stream = sockets.resolve("s").toString();
        String dgram = sockets.resolve("d").toString();
        try (LiveProcess host = LiveProcess.startNative(server, "serve", sockets.toString())) {
            host.awaitLine("^ready$");
            RunResult nativeRun = Runner.runNative(probe, stream, dgram, "300");
            assertEquals(new RunResult(0, """
                    connects: 300 of 300 (last error OK)
                    datagrams: 300 of 300 (last error OK)
                    threads made meanwhile: yes
                    signals handled meanwhile: yes
                    """, ""), nativeRun);
            RunResult sandboxed = Runner.run(Runner.sandboxed(List.of("--allow-host-socket", stream,
                    "--allow-host-socket", dgram), List.of(probe, stream, dgram, "300")), "", Runner.DEFAULT_TIMEOUT);
            assertEquals(nativeRun, sandboxed);
        }
    }

    @Test
    void everyOtherHostSocketStillRefuses(@TempDir Path directory) {
        Path allowed = directory.resolve("allowed.sock");
        Path other = directory.resolve("other.sock");
        String reach = Runner.resource("unix-reach.py");
        try (LiveProcess first = LiveProcess.startNative("python3", reach, "listen", allowed.toString());
             LiveProcess second = LiveProcess.startNative("python3", reach, "listen", other.toString())) {
            first.awaitLine("^ready$");
            second.awaitLine("^ready$");
            List<String> allowFirst = List.of("--allow-host-socket", allowed.toString());
            assertEquals("connect: ECONNREFUSED\n", Runner.run(Runner.sandboxed(allowFirst,
                    List.of("python3", reach, "connect", other.toString())), "", Runner.DEFAULT_TIMEOUT).stdout());
            assertEquals("connect: ECONNREFUSED\n", Runner.run(Runner.sandboxed(List.of(),
                    List.of("python3", reach, "connect", allowed.toString())), "", Runner.DEFAULT_TIMEOUT).stdout());
            assertEquals("connect: OK\n", Runner.run(Runner.sandboxed(allowFirst,
                    List.of("python3", reach, "connect", allowed.toString())), "", Runner.DEFAULT_TIMEOUT).stdout());
            assertEquals("other connections: 1", first.finish().stdout().lines().reduce((a, b) -> b).orElse(""));
            assertEquals("other connections: 0", second.finish().stdout().lines().reduce((a, b) -> b).orElse(""));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dgram-client", "threaded-dgram-client"})
    void aDatagramReachesAnAllowedHostSocketAndItsAnswerComesBack(String mode, @TempDir Path directory) {
        Path socket = directory.resolve("host-dgram.sock");
        try (LiveProcess server = LiveProcess.startNative("python3", PEER, "dgram-server", socket.toString())) {
            server.awaitLine("^ready$");
            RunResult client = client(List.of("--allow-host-socket", socket.toString()), mode, socket);
            assertEquals(new RunResult(0, "client: answer to hello\n", ""), client);
            assertEquals(new RunResult(0, "ready\nserver: datagram hello from a named sender: True\n", ""),
                    server.finish());
        }
        // Another host datagram socket, while the first is allowed, still refuses.
        Path other = directory.resolve("other-dgram.sock");
        String reach = Runner.resource("unix-dgram-reach.py");
        try (LiveProcess host = LiveProcess.startNative("python3", reach, "receive", other.toString())) {
            host.awaitLine("^ready$");
            RunResult sent = Runner.run(Runner.sandboxed(List.of("--allow-host-socket", socket.toString()),
                    List.of("python3", reach, "send", other.toString(), "from the sandbox")), "", Runner.DEFAULT_TIMEOUT);
            assertEquals(new RunResult(0, "sendto: ECONNREFUSED\nconnect: ECONNREFUSED\n", ""), sent);
        }
    }

    @Test
    void aHostClientReachesAnExposedSandboxListener(@TempDir Path directory) throws IOException {
        Path socket = directory.resolve("exposed.sock");
        List<String> server = Runner.sandboxed(List.of("--expose", socket.toString()),
                List.of("python3", PEER, "server", socket.toString()));
        try (LiveProcess sandbox = LiveProcess.start(server, directory)) {
            sandbox.awaitLine("^ready$");
            String mode = Files.getPosixFilePermissions(socket).toString();
            RunResult client = Runner.run(List.of("python3", PEER, "client", socket.toString()), "",
                    Runner.DEFAULT_TIMEOUT);
            assertEquals(new RunResult(0, "connect: OK\npeer name: " + socket + "\n"
                    + "client: got pipe saying: through the host's pipe\n", ""), client);
            assertEquals(new RunResult(0, "ready\nserver: peer credentials name the client: True uid True\n"
                    + "server: the passed file says: written in the sandbox\n", ""), sandbox.finish());
            // The socket file the sandbox's bind made keeps its mode: the program's umask applied.
            assertEquals(Files.getPosixFilePermissions(nativeSocketFile(directory)).toString(), mode);
        }
    }

    @Test
    void withoutExposeNoHostClientReachesASandboxListener(@TempDir Path directory) {
        Path socket = directory.resolve("private.sock");
        String reach = Runner.resource("unix-reach.py");
        List<String> listener = Runner.sandboxed(List.of(), List.of("python3", reach, "listen", socket.toString()));
        try (LiveProcess sandbox = LiveProcess.start(listener, directory)) {
            sandbox.awaitLine("^ready$");
            assertEquals("connect: ECONNREFUSED\n", Runner.run(List.of("python3", reach, "connect", socket.toString()),
                    "", Runner.DEFAULT_TIMEOUT).stdout());
            assertEquals("other connections: 0", sandbox.finish().stdout().lines().reduce((a, b) -> b).orElse(""));
        }
    }

    /** The socket file python's bind makes natively, for its mode. */
    private static Path nativeSocketFile(Path directory) throws IOException {
        Path file = directory.resolve("native.sock");
        Runner.run(List.of("python3", "-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])",
                file.toString()), "", Runner.DEFAULT_TIMEOUT);
        return file;
    }

    private static RunResult client(List<String> options, String mode, Path address) {
        return Runner.run(Runner.sandboxed(options, List.of("python3", PEER, mode, address.toString())), "",
                Runner.DEFAULT_TIMEOUT);
    }
}
