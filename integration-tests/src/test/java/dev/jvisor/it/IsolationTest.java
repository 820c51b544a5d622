package dev.jvisor.it;

import dev.jvisor.it.support.LiveProcess;
import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sandbox's AF_UNIX world is its own: a sandboxed program cannot connect to a listener
 * on the host, by path or by abstract name, and a host process cannot connect to an abstract
 * name the sandbox listens on. Each case first shows that the listener is reachable where it
 * lives, so that a refusal means isolation and not a listener that was never there.
 */
class IsolationTest {
    private static final String REACH =
            Runner.home().resolve("integration-tests/src/test/resources/unix-reach.py").toString();
    private static final RunResult CONNECTED = new RunResult(0, "connect: OK\n", "");
    private static final RunResult REFUSED = new RunResult(0, "connect: ECONNREFUSED\n", "");

    @Test
    void sandboxCannotConnectToAHostListenerByPath(@TempDir Path directory) throws IOException {
        Path socket = directory.resolve("host.sock");
        try (ServerSocketChannel host = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            host.bind(UnixDomainSocketAddress.of(socket));
            host.configureBlocking(false);

            RunResult nativeRun = Runner.runNative("python3", REACH, "connect", socket.toString());
            assertEquals(CONNECTED, nativeRun, "the host listener is not reachable from the host");
            try (SocketChannel accepted = host.accept()) {
                assertNotNull(accepted, "the host listener did not get the host's connection");
            }

            RunResult sandboxed = Runner.runSandboxed("python3", REACH, "connect", socket.toString());
            assertEquals(REFUSED, sandboxed, "a sandboxed program connected to the host listener at " + socket);
            try (SocketChannel accepted = host.accept()) {
                assertNull(accepted, "the host listener got a connection from the sandbox");
            }
        }
    }

    @Test
    void sandboxCannotConnectToAHostListenerByAbstractName() {
        String name = "@jvisor-it-host-" + UUID.randomUUID();
        try (LiveProcess host = LiveProcess.startNative("python3", REACH, "listen", name)) {
            host.awaitLine("^ready$");

            assertEquals(CONNECTED, Runner.runNative("python3", REACH, "connect", name),
                    "the host listener is not reachable from the host");
            RunResult sandboxed = Runner.runSandboxed("python3", REACH, "connect", name);
            assertEquals(REFUSED, sandboxed, "a sandboxed program connected to the host's abstract name " + name);

            assertEquals(new RunResult(0, "listening: own connection accepted\nready\nother connections: 1\n", ""),
                    host.finish(), "only the host's own client may have reached the host listener");
        }
    }

    @Test
    void hostCannotConnectToAnAbstractNameTheSandboxListensOn() {
        String name = "@jvisor-it-sandbox-" + UUID.randomUUID();
        try (LiveProcess sandboxed = LiveProcess.startSandboxed("python3", REACH, "listen", name)) {
            // The sandboxed listener has accepted a connection of its own to the name: it is up.
            sandboxed.awaitLine("^listening: own connection accepted$");
            sandboxed.awaitLine("^ready$");

            RunResult host = Runner.runNative("python3", REACH, "connect", name);
            assertTrue(sandboxed.process().isAlive(), "the sandboxed listener stopped before the host connected");
            assertEquals(REFUSED, host, "a host process connected to the sandbox's abstract name " + name);

            assertEquals(new RunResult(0, "listening: own connection accepted\nready\nother connections: 0\n", ""),
                    sandboxed.finish(), "the sandboxed listener got a connection from the host");
        }
    }
}
