package dev.jvisor.sentry.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reading a log: every line an event of version 1 in strict JSON (RFC 8259, no name twice,
 * numbers exact), and a bad line named by its number.
 */
class AuditLogReaderTest {
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
        assertEquals("line 2: not valid JSON: Unexpected end-of-input: expected close marker for Object at column 30",
                problem(START + "\n{\"v\":1,\"seq\":2,\"event\":\"exit\"\n"));
        assertEquals("line 3: not a JSON object", problem(START + "\n\n[1]\n"));
    }

    /** The event of one line with {@code fields} after the common ones. */
    private static AuditEvent line(String fields) throws Exception {
        return read("{\"v\":1,\"seq\":1,\"event\":\"note\",\"pid\":7," + fields + "}").getFirst();
    }

    private static String lineProblem(String fields) {
        return problem("{\"v\":1,\"seq\":1,\"event\":\"note\",\"pid\":7," + fields + "}");
    }

    @Test
    void aNameTwiceInAnObjectIsRefused() {
        assertEquals("line 1: not valid JSON: Duplicate field 'pid' at column 44", lineProblem("\"pid\":8"));
        assertEquals("line 1: not valid JSON: Duplicate field 'fd' at column 66",
                lineProblem("\"descriptors\":[{\"fd\":3,\"fd\":4}]"));
    }

    @Test
    void numbersAreReadExactly() throws Exception {
        AuditEvent event = line("\"max\":9223372036854775807,\"min\":-9223372036854775808,\"over\":9223372036854775808,"
                + "\"e\":1E3,\"half\":1.5,\"near\":9007199254740993.0,\"zero\":-0,\"huge\":1e400,\"list\":[1,2.0]");
        assertEquals(Long.MAX_VALUE, event.number("max"));
        assertEquals(Long.MIN_VALUE, event.number("min"));
        assertEquals(1000, event.number("e"));
        assertEquals(9007199254740993L, event.number("near"), "not rounded through a double");
        assertEquals(0, event.number("zero"));
        assertEquals(List.of(1L, 2L), event.numbers("list"));
        assertEquals("line 1: note: 'over' is not a whole number that fits 64 bits: 9223372036854775808",
                assertThrows(AuditLogException.class, () -> event.number("over")).getMessage());
        assertEquals("line 1: note: 'half' is not a whole number that fits 64 bits: 1.5",
                assertThrows(AuditLogException.class, () -> event.number("half")).getMessage());
        assertThrows(AuditLogException.class, () -> event.number("huge"));
    }

    @Test
    void stringsAreReadWithEveryEscape() throws Exception {
        AuditEvent event = line("\"name\":\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t u\\u00e9\\u0000 pair\\ud83d\\ude00 raw\u00e9\"");
        assertEquals("q\" b\\ s/ \b\f\n\r\t u\u00e9\u0000 pair\uD83D\uDE00 raw\u00e9", event.text("name"));
    }

    /** RFC 8259 and nothing more: each of these is refused, with the line and the column. */
    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
            "{\"v\":1,}",
            "{\"v\":1 \"seq\":2}",
            "{\"v\":01}",
            "{\"v\":1,\"pad\":[1,]}",
            "{\"v\":1} x",
            "{\"v\":1}{}",
            "{\"v\":1,\"name\":\"a\tb\"}",
            "{\"v\":1,\"name\":\"a\\x\"}",
            "{\"v\":1,\"name\":\"\\u12g4\"}",
            "{\"v\":1,\"name\":\"abc}",
            "{\"v\":1,'name':1}",
            "{\"v\":1,\"n\":NaN}",
            "{\"v\":1,\"n\":+1}",
            "{\"v\":1,\"n\":.5}",
            "{\"v\":1,\"n\":tru}",
            "{\"v\":1, /* note */ \"seq\":1}",
            "{\"v\":1,\u00a0\"seq\":1}",
    })
    void textThatIsNotStrictJsonIsRefused(String text) {
        String message = problem(START + "\n" + text + "\n");
        assertTrue(message.matches("line 2: not valid JSON: .+ at column \\d+"), message);
    }

    @Test
    void nestingIsBoundedInsteadOfOverflowingTheStack() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        String message = problem("{\"v\":1,\"seq\":1,\"event\":\"note\",\"pid\":7,\"deep\":" + deep + "}");
        assertTrue(message.startsWith("line 1: not valid JSON: "), message);
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
