package dev.jvisor.it;

import dev.jvisor.it.support.DescriptorWatch;
import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The sentry keeps nothing of what a sandbox's processes are done with: one sandbox runs
 * the probes that kill processes mid-call, pass descriptors, block, fork and exec, over every
 * socket kind, one after the other, and jvisor's own descriptor count afterwards is what it
 * was before them.
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
    void descriptorsComeBackToTheirBaselineAfterEveryProbe(@TempDir Path directory) {
        Path probes = Path.of(Runner.probe("unix-killed")).getParent();
        List<String> command = Runner.sandboxed(List.of(), Runner.bash(SCRIPT, List.of(String.join(" ", PROBES),
                String.join(" ", KINDS), String.join(" ", DATAGRAM_PROBES), String.join(" ", DATAGRAM_KINDS),
                probes.toString())));
        DescriptorWatch watch = DescriptorWatch.run(command, directory);
        int runs = PROBES.size() * KINDS.size() + DATAGRAM_PROBES.size() * DATAGRAM_KINDS.size();
        assertEquals(new RunResult(0, "ready\nruns: " + runs + "\ndone\n", ""), watch.result());
        assertEquals(watch.before(), watch.after(), "jvisor's descriptors before and after the probes");
    }
}
