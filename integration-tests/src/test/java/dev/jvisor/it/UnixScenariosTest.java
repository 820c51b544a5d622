package dev.jvisor.it;

import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The three everyday AF_UNIX scenarios of the probe {@code unix-scenarios}: a server and a
 * client process over a filesystem socket, a socketpair across fork, and an open file passed
 * with SCM_RIGHTS. Each runs natively and under {@code jvisor run}, each in a fresh working
 * directory; both runs must print the expected transcript, exit 0 and leave no file behind.
 */
class UnixScenariosTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @Test
    void serverAndClientProcessesTalkOverAFilesystemSocket(@TempDir Path directory) throws IOException {
        assertScenario("path", directory, """
                server: bind: 0
                server: listen: 0
                server: scenario.sock is a socket: yes
                client: connect: 0
                client: peer "scenario.sock\\x00" len 16
                server: received "hello from the client\\x0a"
                client: received "hello from the server\\x0a"
                server: received "goodbye from the client\\x0a"
                server: eof
                child: exit 0
                path: done
                """);
    }

    @Test
    void parentAndChildTalkOverASocketpairAfterFork(@TempDir Path directory) throws IOException {
        assertScenario("pair", directory, """
                socketpair: 0
                parent: received "ping from the child\\x0a"
                child: received "pong from the parent\\x0a"
                parent: received "thanks from the child\\x0a"
                parent: eof
                child: exit 0
                pair: done
                """);
    }

    @Test
    void childReadsAFileThroughADescriptorPassedWithScmRights(@TempDir Path directory) throws IOException {
        assertScenario("rights", directory, """
                parent: read the first line, offset 11
                parent: unlink: 0
                socketpair: 0
                child: recvmsg 4 "file" flags 0
                child: cmsg SOL_SOCKET SCM_RIGHTS with 1 descriptor(s)
                child: received a regular file: yes, links 0, size 42
                child: offset before reading 11
                child: received "second line, read by the child\\x0a"
                child: eof
                parent: received "done\\x0a"
                parent: offset after the child read 42
                child: exit 0
                rights: done
                """);
    }

    private static void assertScenario(String scenario, Path directory, String transcript) throws IOException {
        List<String> command = List.of(Runner.probe("unix-scenarios"), scenario);
        Path nativeDirectory = Files.createDirectory(directory.resolve("native"));
        Path sandboxedDirectory = Files.createDirectory(directory.resolve("sandboxed"));

        RunResult nativeRun = Runner.run(command, "", TIMEOUT, nativeDirectory);
        RunResult sandboxed = Runner.run(Runner.sandboxed(List.of(), command), "", TIMEOUT, sandboxedDirectory);

        assertEquals(new RunResult(0, transcript, ""), nativeRun);
        assertEquals(nativeRun, sandboxed, () -> "native:\n" + nativeRun + "\nsandboxed:\n" + sandboxed);
        assertEquals(List.of(), list(nativeDirectory));
        assertEquals(List.of(), list(sandboxedDirectory), "the sandboxed run left files behind");
    }

    private static List<String> list(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.map(path -> path.getFileName().toString()).sorted().toList();
        }
    }
}
