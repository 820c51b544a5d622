package dev.jvisor.it;

import dev.jvisor.it.support.Runner;
import dev.jvisor.it.support.SentryWatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sentry keeps nothing of what a sandbox's processes are done with: one sandbox runs
 * the probes that kill processes mid-call, pass descriptors, block, fork and exec, over every
 * socket kind, one after the other, and jvisor's own descriptors, sentry tables and heap
 * afterwards are what they were before them.
 */
class SentryLeakTest {
    private static final List<String> PROBES = List.of("unix-killed", "unix-inherit", "unix-rights", "unix-blocking",
            "unix-threads", "unix-connect", "unix-nofile");
    private static final List<String> KINDS = List.of("stream-pair", "seqpacket-pair", "stream-path", "seqpacket-path",
            "stream-abstract", "seqpacket-abstract");
    private static final List<String> DATAGRAM_PROBES = List.of("unix-dgram", "unix-dgram-passing");
    private static final List<String> DATAGRAM_KINDS = List.of("dgram-pair", "dgram-path", "dgram-abstract");

    private static final String SCRIPT = """
            probes=$1 kinds=$2 dgram_probes=$3 dgram_kinds=$4 bin=$5
            echo ready
            read -r _
            runs=0
            run() {
              "$bin/$1" "$2" < /dev/null > /dev/null 2>&1 || echo "$1 $2: exit $?"
              runs=$((runs + 1))
            }
            for probe in $probes; do for kind in $kinds; do run "$probe" "$kind"; done; done
            for probe in $dgram_probes; do for kind in $dgram_kinds; do run "$probe" "$kind"; done; done
            echo "runs: $runs"
            echo done
            read -r _
            """;

    @Test
    void jvisorComesBackToItsBaselineAfterEveryProbe(@TempDir Path directory) {
        Path probes = Path.of(Runner.probe("unix-killed")).getParent();
        List<String> program = Runner.bash(SCRIPT, List.of(String.join(" ", PROBES),
                String.join(" ", KINDS), String.join(" ", DATAGRAM_PROBES), String.join(" ", DATAGRAM_KINDS),
                probes.toString()));
        SentryWatch watch = SentryWatch.run(program, directory);
        int runs = PROBES.size() * KINDS.size() + DATAGRAM_PROBES.size() * DATAGRAM_KINDS.size();
        assertEquals("ready\nruns: " + runs + "\ndone\n", watch.result().stdout());
        assertEquals(0, watch.result().exitCode());
        assertEquals("", watch.programStderr());
        assertEquals(List.of(), watch.growth(), () -> "before: " + watch.before() + "\nafter: " + watch.after());
    }

    /** The check sees what is kept: a listener still open at "done" is in the sentry's tables. */
    @Test
    void aListenerStillOpenIsSeen(@TempDir Path directory) {
        String script = """
                echo ready
                read -r _
                name=jvisor-leak-check-$$
                socat "ABSTRACT-LISTEN:$name,fork" /dev/null &
                until socat -u /dev/null "ABSTRACT-CONNECT:$name" 2>/dev/null; do sleep 0.05; done
                echo done
                read -r _
                kill $!
                """;
        SentryWatch watch = SentryWatch.run(Runner.bash(script, List.of()), directory);
        assertEquals("ready\ndone\n", watch.result().stdout());
        List<String> grown = watch.growth().stream().map(line -> line.replaceFirst(":.*", "")).toList();
        assertTrue(grown.containsAll(List.of("sentry table 'sockets'", "sentry table 'abstract names'",
                "sentry table 'kernel names'")), watch.growth()::toString);
    }
}
