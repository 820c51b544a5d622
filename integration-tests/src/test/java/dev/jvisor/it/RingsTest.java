package dev.jvisor.it;

import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * io_uring under jvisor (issue 18): rings work, and their socket operations cannot reach the
 * kernel past the sentry. The file operations' transcript is compared with Linux's in the
 * conformance suite (uring-io in probes.list); here, the socket operations, and fio.
 */
class RingsTest {
    /** The operations the ring's restrictions refuse: each completes with EACCES under jvisor. */
    private static final List<String> REFUSED = List.of("socket", "connect", "bind", "listen", "accept",
            "sendmsg with a name", "sendmsg with a name, IOSQE_ASYNC", "sendmsg_zc with a name",
            "send with a destination", "send_zc with a destination",
            "recvmsg", "uring_cmd SIOCINQ", "shutdown");

    @Test
    void socketOperationsAreRefusedAndTheDataPathRuns() {
        String probe = Runner.probe("uring-sockets");
        RunResult nativeRun = Runner.runNative(probe);
        RunResult sandboxed = Runner.runSandboxed(probe);
        assertEquals(0, nativeRun.exitCode(), nativeRun::toString);
        // The control: natively the ring reaches the sockets (connect and send with a name
        // succeed), so that EACCES under jvisor is jvisor's doing.
        assertTrue(nativeRun.stdout().contains("connect: cqe ok\n") && nativeRun.stdout().contains(
                "send with a destination: cqe ok\n"), nativeRun::toString);
        StringBuilder expected = new StringBuilder();
        for (String operation : REFUSED) expected.append(operation).append(": cqe EACCES\n");
        // The data path on a connected pair: as natively.
        String nativeOut = nativeRun.stdout();
        expected.append(nativeOut, nativeOut.indexOf("write on a pair:"), nativeOut.length());
        assertEquals(new RunResult(0, expected.toString(), ""), sandboxed, () -> "natively:\n" + nativeRun);
    }

    /**
     * fio's io_uring engine writes a file at random offsets and verifies it (crc32c): the
     * same outcome natively and under jvisor, with and without an SQPOLL thread, and jvisor
     * made the rings (io_uring_setup was trapped).
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void fioIoUringEngineRunsAsNatively(boolean sqpoll, @TempDir Path directory) {
        Assumptions.assumeTrue(CompatibilityMatrixTest.onPath("fio"), "fio is not installed (Debian: fio)");
        List<String> fio = new ArrayList<>(List.of("fio", "--name=ring", "--ioengine=io_uring",
                "--directory=" + directory, "--size=4m", "--bs=4k", "--rw=randwrite", "--iodepth=8",
                "--verify=crc32c", "--do_verify=1", "--verify_state_save=0", "--output-format=terse",
                "--terse-version=3"));
        if (sqpoll) fio.add("--sqthread_poll=1");
        RunResult nativeRun = Runner.runNative(fio.toArray(String[]::new));
        RunResult sandboxed = Runner.runSandboxedWithStats(fio.toArray(String[]::new));
        // Terse version 3: the job's name, its error, the KiB read (the verification) and written.
        assertEquals("ring;0;4096;4096", summary(nativeRun), nativeRun::toString);
        assertEquals(summary(nativeRun), summary(sandboxed), sandboxed::toString);
        Map<String, Long> trapped = Runner.trappedCalls(sandboxed);
        assertTrue(trapped.getOrDefault("io_uring_setup", 0L) >= 1, trapped::toString);
    }

    private static String summary(RunResult run) {
        for (String line : run.stdout().split("\n")) {
            String[] fields = line.split(";");
            if (fields.length > 47 && fields[0].equals("3")) {
                return fields[2] + ";" + fields[4] + ";" + fields[5] + ";" + fields[46];
            }
        }
        return "no terse line (exit " + run.exitCode() + ")";
    }
}
