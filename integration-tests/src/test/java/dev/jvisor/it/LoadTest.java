package dev.jvisor.it;

import dev.jvisor.it.support.Runner;
import dev.jvisor.it.support.SentryWatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Load on one sandbox (the unix-load probe): a server, 200 client processes × 1000 round
 * trips, then 10,000 sockets made and closed. Every message arrives intact, nothing fails,
 * and jvisor's own descriptors, sentry tables and heap are back at their baseline afterwards:
 * the sentry keeps nothing of a socket, connection or process that is gone. {@code make stress} runs it
 * five times larger ({@code -Djvisor.stress=true}).
 */
class LoadTest {
    private static final boolean STRESS = Boolean.getBoolean("jvisor.stress");
    private static final int CLIENTS = STRESS ? 400 : 200;
    private static final int MESSAGES = STRESS ? 5000 : 1000;
    private static final int SOCKETS = STRESS ? 50_000 : 10_000;

    @Test
    void everyMessageArrivesAndTheSentryKeepsNothing(@TempDir Path directory) {
        List<String> program = List.of(Runner.probe("unix-load"),
                Integer.toString(CLIENTS), Integer.toString(MESSAGES), Integer.toString(SOCKETS));
        SentryWatch watch = SentryWatch.run(program, directory);
        assertEquals(String.format("""
                ready
                clients: %d of %d exchanged %d messages each intact; server echoed %d bytes
                sockets: %d made and closed, 0 failures
                done
                """, CLIENTS, CLIENTS, MESSAGES, 64L * CLIENTS * MESSAGES, SOCKETS), watch.result().stdout());
        assertEquals(0, watch.result().exitCode());
        assertEquals("", watch.programStderr());
        assertEquals(List.of(), watch.growth(), () -> "before: " + watch.before() + "\nafter: " + watch.after());
    }
}
