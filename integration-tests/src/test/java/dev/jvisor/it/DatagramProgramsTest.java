package dev.jvisor.it;

import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Debian-packaged programs using AF_UNIX datagrams as they do in real life, both ends inside
 * one sandbox: systemd-notify telling a service manager (a Python receiver) that it is ready,
 * with credentials and a descriptor; logger writing to a syslog socket; socat sending to a
 * socat receiver on a path and an abstract name; request and reply with Python's asyncio.
 * Each runs natively and under {@code jvisor run} in a fresh working directory; both runs must
 * print the expected output. Every run has a short time limit, and the scripts give up on a
 * lost datagram by themselves, so that a hang fails the case instead of wedging the build.
 */
class DatagramProgramsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(40);
    private static final int CAP_SYS_ADMIN = 21;

    /**
     * systemd-notify (systemd 252) needs no systemd: it sends to whatever NOTIFY_SOCKET names,
     * an absolute path or "@" and an abstract name (a relative path is EINVAL). It sends from
     * an unbound socket with sendmsg and the address, no connect. The first datagram carries
     * SCM_CREDENTIALS with the pid of its parent, so that the shell script calling it is the
     * sender, when the kernel allows that (CAP_SYS_ADMIN); otherwise it sends again with its
     * own. Then, from a second socket, the "barrier": BARRIER=1 with the write end of a pipe
     * (SCM_RIGHTS); it waits, up to 5 s, for the receiver to close that end, and fails if the
     * barrier is lost, so a descriptor that does not arrive shows as its failure.
     */
    @ParameterizedTest(name = "systemd-notify --ready --status to a receiver on {0}")
    @ValueSource(strings = {"path", "abstract"})
    void systemdNotifySendsReadinessWithCredentialsThenABarrierPipe(String kind, @TempDir Path directory)
            throws IOException {
        assumeInstalled("systemd-notify", "systemd");
        List<String> notify = List.of("systemd-notify", "--ready", "--status=waiting for jobs");
        String name = "@jvisor-it-notify-" + UUID.randomUUID();
        RunResult nativeRun = Runner.runIn(directory, "native", false,
                notifyReceiver(kind.equals("path") ? directory.resolve("native/notify.sock") : name + "-n", notify), TIMEOUT);
        RunResult sandboxed = Runner.runIn(directory, "sandboxed", true,
                notifyReceiver(kind.equals("path") ? directory.resolve("sandboxed/notify.sock") : name + "-s", notify), TIMEOUT);

        String sender = mayClaimAnotherPid() ? "the command's parent's (this receiver's)" : "the command's";
        assertEquals(new RunResult(0, """
                receiver: bound, SO_PASSCRED on
                message 1: 'READY=1\\nSTATUS=waiting for jobs', flags 0, from no address
                  credentials: pid %s, uid and gid ours True
                  descriptors: none
                message 2: 'BARRIER=1', flags 0, from no address
                  credentials: pid the command's, uid and gid ours True
                  descriptors: 1: a pipe (write end)
                systemd-notify: exit 0
                """.formatted(sender), ""), nativeRun);
        assertEquals(nativeRun, sandboxed, () -> "native:\n" + nativeRun + "\nsandboxed:\n" + sandboxed);
    }

    /** With --pid=self the message names systemd-notify as the main pid and it sends as itself. */
    @Test
    void systemdNotifyWithPidSelfSendsItsOwnPid(@TempDir Path directory) throws IOException {
        assumeInstalled("systemd-notify", "systemd");
        List<String> notify = List.of("systemd-notify", "--pid=self", "--status=started", "--ready");
        RunResult nativeRun = Runner.runIn(directory, "native", false,
                notifyReceiver(directory.resolve("native/notify.sock"), notify), TIMEOUT);
        RunResult sandboxed = Runner.runIn(directory, "sandboxed", true,
                notifyReceiver(directory.resolve("sandboxed/notify.sock"), notify), TIMEOUT);

        assertEquals(new RunResult(0, """
                receiver: bound, SO_PASSCRED on
                message 1: 'READY=1\\nSTATUS=started\\nMAINPID=<command pid>', flags 0, from no address
                  credentials: pid the command's, uid and gid ours True
                  descriptors: none
                message 2: 'BARRIER=1', flags 0, from no address
                  credentials: pid the command's, uid and gid ours True
                  descriptors: 1: a pipe (write end)
                systemd-notify: exit 0
                """, ""), nativeRun);
        assertEquals(nativeRun, sandboxed, () -> "native:\n" + nativeRun + "\nsandboxed:\n" + sandboxed);
    }

    /**
     * logger -u (util-linux) sends to a path only: a socket, a connect to the path, then one
     * sendmsg without an address per message (no credentials). Without -d it tries SOCK_DGRAM
     * first and falls back to SOCK_STREAM on EPROTOTYPE; with -d it keeps to datagrams. Each
     * line of its input is a datagram of its own. The receiver, a Python script bound to the
     * path, prints every datagram; the timestamp logger puts in is replaced, the rest compared.
     */
    private static final String LOGGER_SCRIPT = """
            set -u
            receive=$1
            python3 "$receive" log.sock 3 > received &
            receiver=$!
            for attempt in $(seq 1 1000); do
              [ -S log.sock ] && break
              kill -0 "$receiver" 2>/dev/null || break
              sleep 0.01
            done
            logger -u log.sock --socket-errors=on -t jvisor-it 'one message, any socket type' 2>&1
            echo "logger: exit $?"
            printf 'first line\\nsecond line\\n' | logger -d -u log.sock --socket-errors=on -t jvisor-it -p user.warning 2>&1
            echo "logger -d: exit $?"
            wait "$receiver"
            echo "receiver: exit $?"
            sed -E 's/: <([0-9]+)>[A-Z][a-z]{2} [ 1-3][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} /: <\\1>DATE /' received
            rm received
            echo "files left:"
            ls -A
            """;

    @Test
    void loggerSendsEachMessageAsADatagramToASyslogSocket(@TempDir Path directory) throws IOException {
        assumeInstalled("logger", "bsdutils");
        List<String> command = Runner.bash(LOGGER_SCRIPT, List.of(Runner.resource("unix-dgram-receive.py")));
        RunResult nativeRun = Runner.runIn(directory, "native", false, command, TIMEOUT);
        RunResult sandboxed = Runner.runIn(directory, "sandboxed", true, command, TIMEOUT);

        assertEquals(new RunResult(0, """
                logger: exit 0
                logger -d: exit 0
                receiver: exit 0
                datagram 1 (59 bytes, from no address): <13>DATE jvisor-it: one message, any socket type
                datagram 2 (41 bytes, from no address): <12>DATE jvisor-it: first line
                datagram 3 (42 bytes, from no address): <12>DATE jvisor-it: second line
                files left:
                log.sock
                """, ""), nativeRun);
        assertEquals(nativeRun, sandboxed, () -> "native:\n" + nativeRun + "\nsandboxed:\n" + sandboxed);
    }

    /**
     * What logger --socket-errors=on reports, each from its datagram connect: no such file;
     * a socket file whose socket is closed (ECONNREFUSED); a stream listener, EPROTOTYPE with
     * -d, and without -d the fallback to a stream connection, which delivers the message
     * (socat, the listener, prints it and exits, removing its socket file).
     */
    private static final String LOGGER_ERRORS_SCRIPT = """
            set -u
            logger -d -u missing.sock --socket-errors=on -t jvisor-it 'to nobody' 2>&1
            echo "logger -d, no such file: exit $?"
            python3 -c 'import socket; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind("stale.sock")'
            logger -d -u stale.sock --socket-errors=on -t jvisor-it 'to a closed socket' 2>&1
            echo "logger -d, socket closed: exit $?"
            socat -u UNIX-LISTEN:stream.sock STDOUT > streamed &
            listener=$!
            for attempt in $(seq 1 1000); do
              [ -S stream.sock ] && break
              kill -0 "$listener" 2>/dev/null || break
              sleep 0.01
            done
            logger -d -u stream.sock --socket-errors=on -t jvisor-it 'datagram to a stream listener' 2>&1
            echo "logger -d, stream listener: exit $?"
            logger -u stream.sock --socket-errors=on -t jvisor-it 'any type to a stream listener' 2>&1
            echo "logger, stream listener: exit $?"
            wait "$listener"
            echo "stream listener: exit $?"
            sed -E 's/^<([0-9]+)>[A-Z][a-z]{2} [ 1-3][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} /<\\1>DATE /' streamed
            rm streamed
            echo "files left:"
            ls -A
            """;

    @Test
    void loggerReportsWhySocketsCannotTakeItsDatagrams(@TempDir Path directory) throws IOException {
        assumeInstalled("logger", "bsdutils");
        RealProgramsTest.assertSocatInstalled();
        List<String> command = Runner.bash(LOGGER_ERRORS_SCRIPT, List.of());
        RunResult nativeRun = Runner.runIn(directory, "native", false, command, TIMEOUT);
        RunResult sandboxed = Runner.runIn(directory, "sandboxed", true, command, TIMEOUT);

        assertEquals(new RunResult(0, """
                logger: socket missing.sock: No such file or directory
                logger -d, no such file: exit 1
                logger: socket stale.sock: Connection refused
                logger -d, socket closed: exit 1
                logger: socket stream.sock: Protocol wrong type for socket
                logger -d, stream listener: exit 1
                logger, stream listener: exit 0
                stream listener: exit 0
                <13>DATE jvisor-it: any type to a stream listener
                files left:
                stale.sock
                """, ""), nativeRun);
        assertEquals(nativeRun, sandboxed, () -> "native:\n" + nativeRun + "\nsandboxed:\n" + sandboxed);
    }

    /**
     * A socat receiver printing what arrives, and one socat per datagram sending to it (from
     * an unbound socket, with sendto; it also shuts the socket down, which a datagram socket
     * allows). The receiver is waited for until its socket file exists, or, for an abstract
     * name, by sending probes until one is accepted: exactly one probe then arrives. The
     * receiver is killed once it has printed everything (socat removes its socket file).
     * Arguments: the receive and send addresses, and how to wait ("file" or "send").
     */
    private static final String SOCAT_SCRIPT = """
            set -u
            receive=$1 send=$2 wait_by=$3
            socat -u "$receive" STDOUT > received &
            receiver=$!
            ready=no
            for attempt in $(seq 1 1000); do
              if [ "$wait_by" = file ]; then
                [ -S receiver.sock ] && { ready=yes; break; }
              elif echo "probe" | socat -u - "$send" 2>/dev/null; then
                ready=yes; break
              fi
              kill -0 "$receiver" 2>/dev/null || break
              sleep 0.01
            done
            echo "receiver ready: $ready"
            words=(one two three)
            for word in "${words[@]}"; do
              echo "datagram $word" | socat -u - "$send"
              echo "sender $word: exit $?"
            done
            lines=${#words[@]}
            [ "$wait_by" = file ] || lines=$((lines + 1))
            for attempt in $(seq 1 1000); do
              [ "$(wc -l < received)" -ge "$lines" ] && break
              sleep 0.01
            done
            kill "$receiver"
            wait "$receiver"
            echo "receiver: status $?"
            echo "received:"
            cat received
            rm received
            echo "files left:"
            ls -A
            """;

    @ParameterizedTest(name = "socat {0}-SENDTO to {0}-RECV")
    @ValueSource(strings = {"UNIX", "ABSTRACT"})
    void socatSendsDatagramsToASocatReceiver(String kind, @TempDir Path directory) throws IOException {
        RealProgramsTest.assertSocatInstalled();
        String unique = "jvisor-it-socat-dgram-" + UUID.randomUUID();
        RunResult nativeRun = Runner.runIn(directory, "native", false, socat(kind, unique + "-native"), TIMEOUT);
        RunResult sandboxed = Runner.runIn(directory, "sandboxed", true, socat(kind, unique + "-sandboxed"), TIMEOUT);

        assertEquals(new RunResult(0, """
                receiver ready: yes
                sender one: exit 0
                sender two: exit 0
                sender three: exit 0
                receiver: status 143
                received:
                %sdatagram one
                datagram two
                datagram three
                files left:
                """.formatted(kind.equals("UNIX") ? "" : "probe\n"), ""), nativeRun);
        assertEquals(nativeRun, sandboxed, () -> "native:\n" + nativeRun + "\nsandboxed:\n" + sandboxed);
    }

    /**
     * asyncio's create_datagram_endpoint on both ends, in two processes: a server bound to a
     * path or an abstract name replies to each request at the address it came from, so a reply
     * arrives only if the server saw the client's address right: a path the client bound (and
     * connected from), or a name the kernel autobound.
     */
    @ParameterizedTest(name = "asyncio server on {0}, client {1}")
    @CsvSource({"path, path", "path, autobind", "abstract, path", "abstract, autobind"})
    void asyncioDatagramEndpointsRequestAndReply(String server, String client, @TempDir Path directory)
            throws IOException {
        String name = "@jvisor-it-asyncio-" + UUID.randomUUID();
        String clientAddress = client.equals("path") ? "client.sock" : "autobind";
        RunResult nativeRun = Runner.runIn(directory, "native", false, asyncio(
                server.equals("path") ? "server.sock" : name + "-native", clientAddress), TIMEOUT);
        RunResult sandboxed = Runner.runIn(directory, "sandboxed", true, asyncio(
                server.equals("path") ? "server.sock" : name + "-sandboxed", clientAddress), TIMEOUT);

        String serverName = server.equals("path") ? "'server.sock'" : "the server's abstract name";
        String clientName = client.equals("path") ? "'client.sock'" : "an autobound abstract name";
        StringBuilder expected = new StringBuilder()
                .append("server: bound to ").append(serverName).append('\n')
                .append("client: bound to ").append(clientName).append('\n');
        for (int number = 1; number <= 5; number++) {
            expected.append("client: b'reply to request ").append(number).append("' from ").append(serverName)
                    .append(", answers b'request ").append(number).append("': True\n");
        }
        List<String> files = new ArrayList<>();
        if (client.equals("path")) files.add("'client.sock'");
        if (server.equals("path")) files.add("'server.sock'");
        expected.append("client: exit 0\n")
                .append("server: 5 requests, from ").append(clientName).append('\n')
                .append("files left: [").append(String.join(", ", files)).append("]\n");
        assertEquals(new RunResult(0, expected.toString(), ""), nativeRun);
        assertEquals(nativeRun, sandboxed, () -> "native:\n" + nativeRun + "\nsandboxed:\n" + sandboxed);
    }

    private static List<String> notifyReceiver(Object address, List<String> command) {
        List<String> full = new ArrayList<>(List.of("python3", Runner.resource("unix-dgram-notify.py"), address.toString()));
        full.addAll(command);
        return full;
    }

    private static List<String> socat(String kind, String abstractName) {
        List<String> arguments = kind.equals("UNIX")
                ? List.of("UNIX-RECV:receiver.sock", "UNIX-SENDTO:receiver.sock", "file")
                : List.of("ABSTRACT-RECV:" + abstractName, "ABSTRACT-SENDTO:" + abstractName, "send");
        return Runner.bash(SOCAT_SCRIPT, arguments);
    }

    private static List<String> asyncio(String server, String client) {
        return List.of("python3", Runner.resource("unix-dgram-asyncio.py"), server, client, "5");
    }

    /**
     * Whether the kernel lets this process put another process's pid in SCM_CREDENTIALS
     * (CAP_SYS_ADMIN), which decides whose pid systemd-notify sends; a sandboxed program has
     * the same capabilities as the test.
     */
    private static boolean mayClaimAnotherPid() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("CapEff:")) {
                return (Long.parseUnsignedLong(line.substring(7).trim(), 16) >>> CAP_SYS_ADMIN & 1) == 1;
            }
        }
        throw new IllegalStateException("no CapEff in /proc/self/status");
    }

    /** A program CI installs; elsewhere its absence skips the case rather than failing it. */
    static void assumeInstalled(String program, String debianPackage) {
        boolean found = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(entry -> !entry.isEmpty())
                .anyMatch(entry -> Files.isExecutable(Path.of(entry, program)));
        assumeTrue(found, program + " is not installed (not found in PATH); .ci/run installs it on CI,"
                + " elsewhere install it (Debian: apt-get install " + debianPackage + ")");
    }
}
