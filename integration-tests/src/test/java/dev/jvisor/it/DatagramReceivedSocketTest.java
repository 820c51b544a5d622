package dev.jvisor.it;

import dev.jvisor.it.support.LiveProcess;
import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A process that never makes a datagram socket but gets one another process made (by
 * SCM_RIGHTS while it waits in recvmsg, by pidfd_getfd, or by sharing its parent's
 * descriptor table) and sends with sendmsg and a msg_name: the host's datagram sockets, by
 * path and by abstract name, count what arrives. Natively the probe reaches both (the
 * witnesses are up); under the sandbox it gets ECONNREFUSED, as for names nobody holds, and
 * they count 0; its own receivers get their datagrams on both sides.
 */
class DatagramReceivedSocketTest {
    private static final String REACH = Runner.resource("unix-dgram-reach.py");
    private static final String PROBE = Runner.probe("unix-dgram-received");
    private static final String RECEIVER_UP = "receiving: own datagram arrived True\nready\n";
    private static final String OWN = "own path: 1\nown abstract name: 1\nown path received 1\nown abstract name received 1\n";

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"rights", "pidfd", "files"})
    void aReceivedDatagramSocketReachesNoHostName(String route, @TempDir Path directory) {
        String path = directory.resolve("host.sock").toString();
        String abstractName = "jvisor-it-dgram-received-" + UUID.randomUUID();
        try (LiveProcess byPath = LiveProcess.startNative("python3", REACH, "receive", path);
             LiveProcess byName = LiveProcess.startNative("python3", REACH, "receive", "@" + abstractName)) {
            byPath.awaitLine("^ready$");
            byName.awaitLine("^ready$");

            assertEquals(new RunResult(0, "host path: 1\nhost abstract name: 1\n" + OWN, ""),
                    Runner.runNative(PROBE, route, path, abstractName), "natively");
            RunResult sandboxed = Runner.runSandboxed(PROBE, route, path, abstractName);
            assertEquals(new RunResult(0, "host path: ECONNREFUSED\nhost abstract name: ECONNREFUSED\n" + OWN, ""),
                    sandboxed, "under the sandbox");

            // One arrival each, the native run's: none from the sandbox.
            assertEquals(new RunResult(0, RECEIVER_UP + "other datagrams: ['d']\n", ""), byPath.finish(),
                    "the host socket by path");
            assertEquals(new RunResult(0, RECEIVER_UP + "other datagrams: ['d']\n", ""), byName.finish(),
                    "the host socket by abstract name");
        }
    }

    /**
     * Once a datagram socket exists in the sandbox (a child made one), a stream program that
     * receives with recvmsg traps its sends from then on (any SCM_RIGHTS may carry a datagram
     * socket, and the room a msghdr offers could change after the sentry looked), also when
     * its msghdr shows no control room; one that receives with recv (which discards
     * descriptors) traps none. While no datagram socket exists, as in the SCM_RIGHTS benchmark,
     * receiving descriptors traps no send.
     */
    @ParameterizedTest(name = "a datagram socket made: {0}")
    @ValueSource(booleans = {true, false})
    void sendsAreTrappedFromTheFirstRecvmsg(boolean datagramSocketMade) {
        String script = """
                import os, socket, sys
                if sys.argv[1] == "yes":
                    child = os.fork()
                    if child == 0:
                        socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).close()
                        os._exit(0)
                    os.waitpid(child, 0)
                a, b = socket.socketpair()
                for _ in range(2): a.sendmsg([b"x"])
                b.recv(1); b.recvmsg(1)
                for _ in range(3): a.sendmsg([b"y"])
                b.recvmsg(10, socket.CMSG_SPACE(4))
                for _ in range(4): a.sendmsg([b"z"])
                print("done")
                """;
        RunResult sandboxed = Runner.runSandboxedWithStats("python3", "-c", script, datagramSocketMade ? "yes" : "no");
        assertEquals(0, sandboxed.exitCode(), sandboxed::toString);
        Map<String, Long> trapped = Runner.trappedCalls(sandboxed);
        // The 3 sends after the first recvmsg (no control room) and the 4 after the second.
        assertEquals(datagramSocketMade ? 7L : 0L, trapped.getOrDefault("sendmsg", 0L), trapped::toString);
    }
}
