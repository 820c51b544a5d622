package dev.jvisor.sentry.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
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
        log.write("bind", 41, AuditLog.fields().put("inode", 7).put("name", "odd \"name\"\n\u0001"));
        ObjectNode pair = AuditLog.fields();
        pair.putArray("inodes").add(8).add(9);
        pair.putArray("flags").add("cloexec");
        pair.putArray("descriptors").addObject().put("fd", 3).put("what", "pipe");
        log.write("socketpair", 41, pair);
        log.close();
        log.write("exit", 41, AuditLog.fields());

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
    void theTimeHasMillisecondsAlsoOnAWholeSecond() {
        StringWriter out = new StringWriter();
        AuditLog log = new AuditLog(out, Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC));
        log.write("exit", 41, AuditLog.fields());
        log.close();
        assertEquals("{\"v\":1,\"seq\":1,\"time\":\"2026-11-23T10:00:00.000Z\",\"event\":\"exit\",\"pid\":41}\n", out.toString());
    }

    @Test
    void socketNamesAreWrittenAsTheSandboxGaveThem() {
        byte[] path = {1, 0, 'a', '.', 's', 'o', 'c', 'k', 0, 'x'};
        byte[] abstractName = {1, 0, 0, 'n', 0, 'm'};
        byte[] autobind = {1, 0};
        assertEquals("{\"kind\":\"path\",\"name\":\"a.sock\"}",
                SocketNames.intoFromSockaddr(AuditLog.fields(), path, false).toString());
        assertEquals("{\"kind\":\"abstract\",\"name\":\"@n\\u0000m\"}",
                SocketNames.intoFromSockaddr(AuditLog.fields(), abstractName, false).toString());
        assertEquals("{\"kind\":\"autobind\"}", SocketNames.intoFromSockaddr(AuditLog.fields(), autobind, true).toString());
        assertEquals("{\"kind\":\"unnamed\"}", SocketNames.intoFromSockaddr(AuditLog.fields(), autobind, false).toString());
        assertEquals("{\"kind\":\"family 2\"}",
                SocketNames.intoFromSockaddr(AuditLog.fields(), new byte[] {2, 0, 1, 2}, false).toString());
    }
}
