package dev.jvisor.it;

import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debian-packaged programs using AF_UNIX as they do in real life, server and clients inside
 * one sandbox: socat forking servers on a filesystem and an abstract name, and Python's socket
 * module (an echo server with forked clients, descriptors passed with send_fds/recv_fds).
 * Each runs natively and under {@code jvisor run} in a fresh working directory; both runs must
 * print the expected output.
 */
class RealProgramsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(180);

    /**
     * A forking socat server whose per-connection program answers one line; it is polled by
     * connecting until it accepts; then three clients connect at once, each sending its own
     * line; every reply is checked, the server is killed and the directory listed (socat
     * removes its socket file when it stops). Arguments: the listen and connect addresses.
     */
    private static final String SOCAT_SCRIPT = """
            set -u
            listen=$1 connect=$2
            socat "$listen,fork" 'SYSTEM:read -r line && echo "reply: $line" || true' &
            server=$!
            ready=no
            for attempt in $(seq 1 3000); do
              if socat -u /dev/null "$connect" 2>/dev/null; then ready=yes; break; fi
              kill -0 "$server" 2>/dev/null || break
              sleep 0.01
            done
            echo "server ready: $ready"
            names=(one two three)
            clients=()
            for name in "${names[@]}"; do
              echo "line from client $name" | socat -t 30 - "$connect" > "reply-$name" &
              clients+=($!)
            done
            for i in 0 1 2; do
              wait "${clients[i]}"
              echo "client ${names[i]}: exit $?, got: $(cat "reply-${names[i]}")"
              rm "reply-${names[i]}"
            done
            kill "$server"
            wait "$server"
            echo "server: status $?"
            echo "files left:"
            ls -A
            """;

    private static final String SOCAT_OUTPUT = """
            server ready: yes
            client one: exit 0, got: reply: line from client one
            client two: exit 0, got: reply: line from client two
            client three: exit 0, got: reply: line from client three
            server: status 143
            files left:
            """;

    @ParameterizedTest(name = "socat {0}-LISTEN,fork and {0}-CONNECT")
    @ValueSource(strings = {"UNIX", "ABSTRACT"})
    void socatForkingServerAnswersConcurrentClients(String kind, @TempDir Path directory) throws IOException {
        assertSocatInstalled();
        String unique = "jvisor-it-socat-" + UUID.randomUUID();
        RunResult nativeRun = Runner.runIn(directory, "native", false, socat(kind, unique + "-native"), TIMEOUT);
        RunResult sandboxed = Runner.runIn(directory, "sandboxed", true, socat(kind, unique + "-sandboxed"), TIMEOUT);

        assertEquals(new RunResult(0, SOCAT_OUTPUT, ""), nativeRun);
        assertEquals(nativeRun, sandboxed, () -> "native:\n" + nativeRun + "\nsandboxed:\n" + sandboxed);
    }

    @Test
    void pythonEchoServerAnswersForkedClientsOverAPathSocket(@TempDir Path directory) throws IOException {
        List<String> command = List.of("python3", Runner.resource("unix-echo-server.py"));
        RunResult nativeRun = Runner.runIn(directory, "native", false, command, TIMEOUT);
        RunResult sandboxed = Runner.runIn(directory, "sandboxed", true, command, TIMEOUT);

        String expected = "server: bound 'echo.sock' socket file True\n"
                + Stream.of("one", "three", "two").map(name -> "server: hello from client " + name
                        + " | accepted from '' | peer is that client True | uid True | then client " + name
                        + " peer 'echo.sock' reply ok True | then 0 bytes and eof\n").reduce("", String::concat)
                + "clients: [('one', 0), ('three', 0), ('two', 0)]\n";
        assertEquals(new RunResult(0, expected, ""), nativeRun);
        assertEquals(nativeRun, sandboxed, () -> "native:\n" + nativeRun + "\nsandboxed:\n" + sandboxed);
    }

    @Test
    void pythonPassesAnOpenFileAndAPipeWithSendFds(@TempDir Path directory) throws IOException {
        List<String> command = List.of("python3", Runner.resource("unix-pass-file.py"));
        RunResult nativeRun = Runner.runIn(directory, "native", false, command, TIMEOUT);
        RunResult sandboxed = Runner.runIn(directory, "sandboxed", true, command, TIMEOUT);

        assertEquals(new RunResult(0, """
                server: read b'first line, read by the server\\n'
                client: message b'a file and a pipe' descriptors 2 flags 0
                client: file is regular True links 0 size 63 offset 31
                client: file says b'second line, read by the client\\n'
                client: pipe is a fifo True
                client: pipe says b'through the pipe\\n'
                server: sent 17 bytes; client answered b'done'
                server: offset after the client read 63
                client: exit 0
                """, ""), nativeRun);
        assertEquals(nativeRun, sandboxed, () -> "native:\n" + nativeRun + "\nsandboxed:\n" + sandboxed);
    }

    private static List<String> socat(String kind, String abstractName) {
        List<String> addresses = kind.equals("UNIX")
                ? List.of("UNIX-LISTEN:server.sock", "UNIX-CONNECT:server.sock")
                : List.of("ABSTRACT-LISTEN:" + abstractName, "ABSTRACT-CONNECT:" + abstractName);
        return Runner.bash(SOCAT_SCRIPT, addresses);
    }

    /** socat is a test requirement (CI installs it), never a reason to skip. */
    static void assertSocatInstalled() {
        boolean found = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(entry -> !entry.isEmpty())
                .anyMatch(entry -> Files.isExecutable(Path.of(entry, "socat")));
        assertTrue(found, "socat is not installed (not found in PATH): the real-program tests need it;"
                + " .ci/run installs it on CI, elsewhere install it (Debian: apt-get install socat)");
    }
}
