package dev.jvisor.sentry.report;

import java.io.ByteArrayInputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

    /**
     * The events of a database run without {@code v} and {@code seq} (for {@link #map}): a
     * script (pid 1000) starts {@code idle} processes that touch no socket, a postmaster that
     * listens on /run/db/.s.PGSQL.5432 and forks {@code backends} backends, and {@code clients}
     * psql clients, each connected, accepted by its own backend and asked its credentials.
     */
    static String[] database(int idle, int backends, int clients) {
        List<String> events = new ArrayList<>();
        events.add("{\"event\":\"start\",\"pid\":1000,\"ppid\":1,\"exe\":\"/usr/bin/bash\",\"argv\":[\"bash\",\"run.sh\"]}");
        for (int i = 0; i < idle; i++) {
            events.add("{\"event\":\"fork\",\"pid\":" + (1100 + i) + ",\"ppid\":1000,\"how\":\"fork\",\"exe\":\"/usr/bin/bash\","
                    + "\"argv\":[\"bash\",\"run.sh\"]}");
            events.add("{\"event\":\"exec\",\"pid\":" + (1100 + i) + ",\"exe\":\"/usr/bin/mkdir\",\"argv\":[\"mkdir\",\"-p\",\"d" + i + "\"]}");
        }
        events.add("{\"event\":\"fork\",\"pid\":2000,\"ppid\":1000,\"how\":\"fork\",\"exe\":\"/usr/lib/postgresql/bin/postgres\","
                + "\"argv\":[\"/usr/lib/postgresql/bin/postgres\",\"-D\",\"data\"]}");
        events.add("{\"event\":\"socket\",\"pid\":2000,\"inode\":1,\"type\":\"stream\",\"fd\":3}");
        events.add("{\"event\":\"bind\",\"pid\":2000,\"inode\":1,\"kind\":\"path\",\"name\":\"/run/db/.s.PGSQL.5432\",\"result\":\"ok\"}");
        events.add("{\"event\":\"listen\",\"pid\":2000,\"inode\":1,\"backlog\":128,\"result\":\"ok\"}");
        for (int i = 0; i < backends; i++) {
            int backend = 2001 + i;
            events.add("{\"event\":\"fork\",\"pid\":" + backend + ",\"ppid\":2000,\"how\":\"fork\","
                    + "\"exe\":\"/usr/lib/postgresql/bin/postgres\",\"argv\":[\"postgres: backend\"]}");
            if (i >= clients) continue;
            int client = 3000 + i;
            long socket = 100 + 2L * i;
            events.add("{\"event\":\"fork\",\"pid\":" + client + ",\"ppid\":1000,\"how\":\"fork\",\"exe\":\"/usr/bin/bash\","
                    + "\"argv\":[\"bash\",\"run.sh\"]}");
            events.add("{\"event\":\"exec\",\"pid\":" + client + ",\"exe\":\"/usr/lib/postgresql/bin/psql\","
                    + "\"argv\":[\"psql\",\"-c\",\"select " + i + "\"]}");
            events.add("{\"event\":\"socket\",\"pid\":" + client + ",\"inode\":" + socket + ",\"type\":\"stream\",\"fd\":3}");
            events.add("{\"event\":\"connect\",\"pid\":" + client + ",\"inode\":" + socket + ",\"type\":\"stream\","
                    + "\"kind\":\"path\",\"name\":\"/run/db/.s.PGSQL.5432\",\"result\":\"ok\",\"peer\":1,\"peer_pid\":2000}");
            events.add("{\"event\":\"accept\",\"pid\":2000,\"listener\":1,\"inode\":" + (socket + 1) + ",\"fd\":9,"
                    + "\"peer\":" + socket + ",\"peer_pid\":" + client + "}");
            events.add("{\"event\":\"peer-credentials\",\"pid\":" + backend + ",\"inode\":" + (socket + 1) + ",\"peer\":"
                    + socket + ",\"peer_pid\":" + client + ",\"cred_pid\":" + client + ",\"cred_uid\":70,\"cred_gid\":70}");
        }
        return events.toArray(String[]::new);
    }

    /** A map of the given lines; each is an event without its {@code v} and {@code seq}, numbered in order. */
    static IpcMap map(String... events) throws Exception {
        StringJoiner log = new StringJoiner("\n");
        for (int i = 0; i < events.length; i++) log.add("{\"v\":1,\"seq\":" + (i + 1) + "," + events[i].substring(1));
        return IpcMap.of(AuditLogReader.read(new ByteArrayInputStream(log.toString().getBytes(StandardCharsets.UTF_8))));
    }
}
