package dev.jvisor.sentry.report;

import java.io.ByteArrayInputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.StringJoiner;

/** The handwritten logs the report tests read. */
final class LogFixture {
    private LogFixture() {}

    /**
     * A server (pid 101) binds /tmp/demo.sock and listens; two clients (102, 103) connect and
     * are accepted (103's accept logged before its connect); 102 passes a file and its peer's
     * credentials are asked for; 103 sends credentials; 103's connect to a host socket is
     * refused. Every socket closes with its totals.
     */
    static Path twoClients() {
        try {
            return Path.of(LogFixture.class.getResource("/report/two-clients.jsonl").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static IpcMap twoClientsMap() throws Exception {
        return IpcMap.of(AuditLogReader.read(twoClients()));
    }

    /** A map of the given lines; each is an event without its {@code v} and {@code seq}, numbered in order. */
    static IpcMap map(String... events) throws Exception {
        StringJoiner log = new StringJoiner("\n");
        for (int i = 0; i < events.length; i++) log.add("{\"v\":1,\"seq\":" + (i + 1) + "," + events[i].substring(1));
        return IpcMap.of(AuditLogReader.read(new ByteArrayInputStream(log.toString().getBytes(StandardCharsets.UTF_8))));
    }
}
