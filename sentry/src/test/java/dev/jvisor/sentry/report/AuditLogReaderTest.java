package dev.jvisor.sentry.report;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Reading a log: every line an event of version 1, and a bad line named by its number. */
class AuditLogTest {
    private static final String START = "{\"v\":1,\"seq\":1,\"event\":\"start\",\"pid\":100,\"argv\":[\"sh\"]}";

    private static List<AuditEvent> read(String text) throws IOException, AuditLogException {
        return AuditLogReader.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static String problem(byte[] log) {
        return assertThrows(AuditLogException.class, () -> AuditLogReader.read(new ByteArrayInputStream(log))).getMessage();
    }

    private static String problem(String log) {
        return problem(log.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void eachLineIsAnEventAndBlankLinesAndCrlfAreFine() throws Exception {
        List<AuditEvent> events = read(START + "\r\n\n  \n{\"v\":1,\"seq\":2,\"event\":\"exit\",\"pid\":100}");
        assertEquals(2, events.size());
        assertEquals(new AuditEvent(1, 1, "start", 100, events.get(0).fields()), events.get(0));
        assertEquals(List.of("sh"), events.get(0).texts("argv"));
        assertEquals(4, events.get(1).line());
        assertEquals("exit", events.get(1).event());
    }

    @Test
    void aLongLogIsReadAcrossBufferBoundaries() throws Exception {
        StringBuilder log = new StringBuilder();
        String padding = "x".repeat(1000);
        for (int i = 1; i <= 300; i++) {
            log.append("{\"v\":1,\"seq\":").append(i).append(",\"event\":\"note\",\"pid\":7,\"pad\":\"").append(padding)
                    .append("\"}\n");
        }
        List<AuditEvent> events = read(log.toString());
        assertEquals(300, events.size());
        assertEquals(300, events.getLast().seq());
        assertEquals(padding, events.get(150).text("pad"));
    }

    @Test
    void anInvalidLineIsNamedByItsNumber() {
        assertEquals("line 2: not valid JSON: '}' expected, end of text found at column 30",
                problem(START + "\n{\"v\":1,\"seq\":2,\"event\":\"exit\"\n"));
        assertEquals("line 3: not a JSON object", problem(START + "\n\n[1]\n"));
    }

    @Test
    void aVersionThisReaderDoesNotKnowIsRefused() {
        assertEquals("line 1: schema version 2 is unknown (this jvisor reads version 1)",
                problem("{\"v\":2,\"seq\":1,\"event\":\"start\",\"pid\":1}"));
        assertEquals("line 2: no schema version ('v')", problem(START + "\n{\"seq\":2,\"event\":\"exit\",\"pid\":1}"));
        assertEquals("line 1: the schema version ('v') is not a number",
                problem("{\"v\":\"1\",\"seq\":1,\"event\":\"start\",\"pid\":1}"));
    }

    @Test
    void theFieldsEveryEventHasAreRequired() {
        assertEquals("line 1: no 'pid'", problem("{\"v\":1,\"seq\":1,\"event\":\"start\"}"));
        assertEquals("line 1: 'seq' is not a number", problem("{\"v\":1,\"seq\":\"1\",\"event\":\"start\",\"pid\":1}"));
        assertEquals("line 1: 'pid' is not a process id: -4", problem("{\"v\":1,\"seq\":1,\"event\":\"exit\",\"pid\":-4}"));
    }

    @Test
    void textThatIsNotUtf8IsNamedByItsLine() {
        byte[] log = (START + "\n" + START.replace("\"sh\"", "\"s?\"") + "\n").getBytes(StandardCharsets.UTF_8);
        log[START.length() + 1 + START.indexOf("s?") + 1] = (byte) 0xff;
        assertEquals("line 2: not UTF-8 text", problem(log));
    }

    @Test
    void aMissingOrMistypedFieldNamesTheEventAndTheField() throws Exception {
        AuditEvent event = read("{\"v\":1,\"seq\":5,\"event\":\"bind\",\"pid\":9,\"inode\":\"x\",\"fd\":99999999999}").getFirst();
        assertEquals("line 1: bind: 'inode' is not a number",
                assertThrows(AuditLogException.class, () -> event.number("inode")).getMessage());
        assertEquals("line 1: bind: no 'kind'", assertThrows(AuditLogException.class, () -> event.text("kind")).getMessage());
        assertEquals("line 1: bind: 'fd' is out of range: 99999999999",
                assertThrows(AuditLogException.class, () -> event.smallNumber("fd")).getMessage());
    }
}
