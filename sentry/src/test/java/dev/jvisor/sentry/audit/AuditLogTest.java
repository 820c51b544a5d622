package dev.jvisor.sentry.audit;

import dev.jvisor.sentry.report.AuditEvent;
import dev.jvisor.sentry.report.AuditLogReader;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The lines the audit writes: version, sequence and time first, then the event's fields, as the report reads them. */
class AuditLogTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-23T10:00:00.123456Z"), ZoneOffset.UTC);

    @Test
    void linesCarryVersionSequenceAndTimeAndReadBack() throws Exception {
        StringWriter out = new StringWriter();
        AuditLog log = new AuditLog(out, CLOCK);
        log.write("bind", 41, new JsonObject().put("inode", 7).put("name", "odd \"name\"\n\u0001"));
        log.write("socketpair", 41, new JsonObject().putNumbers("inodes", 8, 9).putStrings("flags", List.of("cloexec"))
                .putObjects("descriptors", List.of(new JsonObject().put("fd", 3).put("what", "pipe"))));
        log.close();
        log.write("exit", 41, new JsonObject());

        String text = out.toString();
        assertEquals("""
                {"v":1,"seq":1,"time":"2026-11-23T10:00:00.123Z","event":"bind","pid":41,"inode":7,"name":"odd \\"name\\"\\n\\u0001"}
                {"v":1,"seq":2,"time":"2026-11-23T10:00:00.123Z","event":"socketpair","pid":41,"inodes":[8,9],"flags":["cloexec"],"descriptors":[{"fd":3,"what":"pipe"}]}
                """, text, "nothing is written after close");
        List<AuditEvent> events = AuditLogReader.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        assertEquals("odd \"name\"\n\u0001", events.get(0).text("name"));
        assertEquals(List.of(8L, 9L), events.get(1).numbers("inodes"));
        assertEquals(2, log.events());
    }

    @Test
    void socketNamesAreWrittenAsTheSandboxGaveThem() {
        byte[] path = {1, 0, 'a', '.', 's', 'o', 'c', 'k', 0, 'x'};
        byte[] abstractName = {1, 0, 0, 'n', 0, 'm'};
        byte[] autobind = {1, 0};
        assertEquals("{\"kind\":\"path\",\"name\":\"a.sock\"}",
                SocketNames.intoFromSockaddr(new JsonObject(), path, false).toString());
        assertEquals("{\"kind\":\"abstract\",\"name\":\"@n\\u0000m\"}",
                SocketNames.intoFromSockaddr(new JsonObject(), abstractName, false).toString());
        assertEquals("{\"kind\":\"autobind\"}", SocketNames.intoFromSockaddr(new JsonObject(), autobind, true).toString());
        assertEquals("{\"kind\":\"unnamed\"}", SocketNames.intoFromSockaddr(new JsonObject(), autobind, false).toString());
        assertEquals("{\"kind\":\"family 2\"}",
                SocketNames.intoFromSockaddr(new JsonObject(), new byte[] {2, 0, 1, 2}, false).toString());
    }
}
