package dev.jvisor.it;

import dev.jvisor.it.support.LiveProcess;
import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Host datagram sockets (a syslog socket such as /dev/log, a service manager's notify socket)
 * are not reachable from the sandbox, by path or by abstract name, and a datagram socket the
 * sandbox binds is not reachable from the host. Here the same program runs on both sides of
 * the boundary: natively it reaches the other socket, which shows the receiver is there and
 * takes datagrams; across the boundary it must get ECONNREFUSED, as for a socket file nobody
 * is bound to or an abstract name nobody holds, and the receiver must get nothing. Every
 * sender tries both ways programs send: sendto on an unconnected socket (systemd-notify) and
 * connect, then send (logger).
 */
class DatagramIsolationTest {
    private static final String REACH =
            Runner.home().resolve("integration-tests/src/test/resources/unix-dgram-reach.py").toString();
    private static final RunResult DELIVERED = new RunResult(0, "sendto: OK\nconnect: OK\nsend: OK\n", "");
    private static final RunResult REFUSED = new RunResult(0, "sendto: ECONNREFUSED\nconnect: ECONNREFUSED\n", "");
    private static final String RECEIVER_UP = "receiving: own datagram arrived True\nready\n";

    @Test
    void sandboxCannotSendToAHostReceiverByPath(@TempDir Path directory) {
        sandboxCannotSendToAHostReceiver(directory.resolve("host.sock").toString());
    }

    @Test
    void sandboxCannotSendToAHostReceiverByAbstractName() {
        sandboxCannotSendToAHostReceiver("@jvisor-it-dgram-host-" + UUID.randomUUID());
    }

    private static void sandboxCannotSendToAHostReceiver(String address) {
        try (LiveProcess host = LiveProcess.startNative("python3", REACH, "receive", address)) {
            host.awaitLine("^ready$");

            assertEquals(DELIVERED, Runner.runNative("python3", REACH, "send", address, "from the host"),
                    "the host receiver is not reachable from the host");
            RunResult sandboxed = Runner.runSandboxed("python3", REACH, "send", address, "from the sandbox");
            assertEquals(REFUSED, sandboxed, "a sandboxed program reached the host's datagram socket " + address);

            assertEquals(new RunResult(0, RECEIVER_UP
                            + "other datagrams: ['from the host (sendto)', 'from the host (send)']\n", ""),
                    host.finish(), "only the host's own datagrams may have reached the host receiver");
        }
    }

    /**
     * The /dev/log case with the program that writes there: logger -d -u to a host syslog
     * socket delivers natively and is refused in the sandbox, which it reports (exit 1).
     */
    @Test
    void sandboxedLoggerCannotWriteToAHostSyslogSocket(@TempDir Path directory) {
        DatagramProgramsTest.assumeInstalled("logger", "bsdutils");
        String socket = directory.resolve("log.sock").toString();
        List<String> logger = List.of("logger", "-d", "-u", socket, "--socket-errors=on", "-t", "jvisor-it");
        try (LiveProcess host = LiveProcess.startNative("python3", REACH, "receive", socket)) {
            host.awaitLine("^ready$");

            assertEquals(new RunResult(0, "", ""), Runner.run(with(logger, "from the host"), "", Runner.DEFAULT_TIMEOUT),
                    "logger on the host could not write to the host receiver");
            RunResult sandboxed = Runner.run(Runner.sandboxed(List.of(), with(logger, "from the sandbox")), "",
                    Runner.DEFAULT_TIMEOUT);
            assertEquals(new RunResult(1, "", "logger: socket " + socket + ": Connection refused\n"), sandboxed,
                    "sandboxed logger reached the host's syslog socket");

            RunResult received = host.finish();
            assertTrue(received.stdout().matches(
                            "(?s)" + RECEIVER_UP + "other datagrams: \\['<13>[^']* jvisor-it: from the host'\\]\n")
                            && received.exitCode() == 0 && received.stderr().isEmpty(),
                    () -> "only the host's logger may have reached the host receiver:\n" + received);
        }
    }

    @Test
    void hostCannotSendToAnAbstractNameTheSandboxReceivesOn() {
        String name = "@jvisor-it-dgram-sandbox-" + UUID.randomUUID();
        hostCannotSendToASandboxedReceiver(name + "-native", name + "-sandboxed");
    }

    /**
     * The sandboxed receiver's path has a socket file the host can see; sending to it must be
     * like sending to a socket file whose socket is closed.
     */
    @Test
    void hostCannotSendToTheSocketFileOfASandboxedReceiver(@TempDir Path directory) {
        hostCannotSendToASandboxedReceiver(directory.resolve("native.sock").toString(),
                directory.resolve("sandboxed.sock").toString());
    }

    private static void hostCannotSendToASandboxedReceiver(String nativeAddress, String sandboxedAddress) {
        try (LiveProcess receiver = LiveProcess.startNative("python3", REACH, "receive", nativeAddress)) {
            receiver.awaitLine("^ready$");
            assertEquals(DELIVERED, Runner.runNative("python3", REACH, "send", nativeAddress, "from the host"),
                    "the receiver, run natively, is not reachable from the host");
            assertEquals(new RunResult(0, RECEIVER_UP
                            + "other datagrams: ['from the host (sendto)', 'from the host (send)']\n", ""),
                    receiver.finish(), "the receiver, run natively, did not get the host's datagrams");
        }

        try (LiveProcess sandboxed = LiveProcess.startSandboxed("python3", REACH, "receive", sandboxedAddress)) {
            // The sandboxed receiver has received a datagram of its own at the name: it is up.
            sandboxed.awaitLine("^receiving: own datagram arrived True$");
            sandboxed.awaitLine("^ready$");

            RunResult host = Runner.runNative("python3", REACH, "send", sandboxedAddress, "from the host");
            assertTrue(sandboxed.process().isAlive(), "the sandboxed receiver stopped before the host sent");
            assertEquals(REFUSED, host, "a host process reached the sandbox's datagram socket " + sandboxedAddress);

            assertEquals(new RunResult(0, RECEIVER_UP + "other datagrams: []\n", ""),
                    sandboxed.finish(), "the sandboxed receiver got a datagram from the host");
        }
    }

    private static List<String> with(List<String> command, String argument) {
        List<String> full = new ArrayList<>(command);
        full.add(argument);
        return full;
    }
}
