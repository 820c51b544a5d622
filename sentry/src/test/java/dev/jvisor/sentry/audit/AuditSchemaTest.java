package dev.jvisor.sentry.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/audit.schema.json against docs/audit.md: it names every event the document does,
 * accepts a log of every kind and what the writer writes, and refuses a line that breaks the
 * document.
 */
class AuditSchemaTest {
    /** An event's row in docs/audit.md's tables: "| `name` | ...". */
    private static final Pattern EVENT_ROW = Pattern.compile("(?m)^\\| `([a-z-]+)` \\|");
    private static final String CONNECT = "{\"v\":1,\"seq\":3,\"time\":\"2026-03-02T10:15:00.150Z\",\"event\":\"connect\","
            + "\"pid\":101,\"tid\":101,\"inode\":7005,\"type\":\"stream\",\"kind\":\"path\",\"name\":\"/run/a.sock\","
            + "\"result\":\"ok\",\"peer\":7004,\"peer_pid\":100}";

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(AuditSchemaTest.class.getResource(name).toURI());
    }

    private static Set<String> documentedEvents() throws Exception {
        String doc = Files.readString(AuditSchema.FILE.resolveSibling("audit.md"), StandardCharsets.UTF_8);
        String events = doc.substring(doc.indexOf("## Events"), doc.indexOf("## Messages and bytes"));
        Set<String> names = new TreeSet<>();
        Matcher row = EVENT_ROW.matcher(events);
        while (row.find()) names.add(row.group(1));
        return names;
    }

    @Test
    void theSchemaNamesEveryEventTheDocumentDoes() throws Exception {
        JsonNode schema = new ObjectMapper().readTree(AuditSchema.FILE.toFile());
        Set<String> named = new TreeSet<>();
        schema.at("/properties/event/enum").forEach(name -> named.add(name.textValue()));
        assertEquals(19, documentedEvents().size(), "the events docs/audit.md lists");
        assertEquals(documentedEvents(), named);
    }

    @Test
    void aLogOfEveryEventKindValidates() throws Exception {
        Path log = resource("/audit/every-event.jsonl");
        Set<String> kinds = Files.readAllLines(log).stream()
                .map(line -> line.replaceFirst(".*\"event\":\"([a-z-]+)\".*", "$1")).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(documentedEvents(), kinds, "the fixture has every kind");
        assertEquals(List.of(), AuditSchema.failures(log, 10));
        assertEquals(List.of(), AuditSchema.failures(resource("/report/two-clients.jsonl"), 10));
    }

    @Test
    void whatTheWriterWritesValidates() {
        StringWriter out = new StringWriter();
        AuditLog log = new AuditLog(out, Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC));
        ObjectNode socket = AuditLog.fields().put("tid", 42).put("fd", 3).put("inode", 7).put("type", "stream");
        socket.putArray("flags").add("cloexec").add("nonblock");
        log.write("socket", 41, socket);
        log.write("bind", 41, SocketNames.intoFromSockaddr(AuditLog.fields().put("tid", 42).put("inode", 7),
                new byte[] {1, 0, 0, 'n', 0, 'm'}, true).put("result", "ok"));
        log.close();
        for (String line : out.toString().split("\n")) assertEquals(List.of(), AuditSchema.problems(line), line);
    }

    /** Each line breaks docs/audit.md in one way, which the schema must see. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "a field missing              | ,\"result\":\"ok\"                     | ''                             | required property 'result' not found",
            "a field of the wrong type    | \"inode\":7005                         | \"inode\":\"7005\"             | /inode: string found, integer expected",
            "an event of no known kind    | \"event\":\"connect\"                  | \"event\":\"teleport\"         | /event: does not have a value in the enumeration",
            "a field the event has not    | \"tid\":101,                           | \"tid\":101,\"color\":\"red\", | property 'color' is not evaluated",
            "no time                      | \"time\":\"2026-03-02T10:15:00.150Z\", | ''                             | required property 'time' not found",
            "a time without milliseconds  | 10:15:00.150Z                          | 10:15:00Z                      | /time: does not match the regex pattern",
            "another schema version       | \"v\":1                                | \"v\":2                        | /v: must be the constant value '1'",
            "a peer_pid without a peer    | \"peer\":7004,                         | ''                             | missing property 'peer' which is dependent required",
            "a name on an unnamed socket  | \"kind\":\"path\"                      | \"kind\":\"unnamed\"           | must not be valid to the schema {\"required\":[\"name\"]}",
            "a path without a name        | ,\"name\":\"/run/a.sock\"              | ''                             | required property 'name' not found",
            "a socket type not documented | \"type\":\"stream\"                    | \"type\":\"raw\"               | /type: does not have a value in the enumeration",
            "a result that is no errno    | \"result\":\"ok\"                      | \"result\":\"refused\"         | /result: does not match the regex pattern",
            "a pid of 0                   | \"pid\":101                            | \"pid\":0                      | /pid: must have a minimum value of 1",
    })
    void aLineThatBreaksTheDocumentIsRefused(String what, String from, String to, String problem) {
        assertEquals(List.of(), AuditSchema.problems(CONNECT), "the line before it is broken");
        String broken = CONNECT.replace(from.strip(), to.strip());
        assertFalse(broken.equals(CONNECT), what + ": the test changes the line");
        List<String> problems = AuditSchema.problems(broken);
        assertTrue(!problems.isEmpty() && problems.getFirst().contains(problem.strip()), what + ": " + problems);
    }

    @Test
    void aDescriptorIsCheckedByWhatItIs() {
        String rights = "{\"v\":1,\"seq\":3,\"time\":\"2026-03-02T10:15:00.150Z\",\"event\":\"rights-sent\",\"pid\":101,"
                + "\"tid\":101,\"inode\":7005,\"descriptors\":[%s]}";
        assertEquals(List.of(), AuditSchema.problems(rights.formatted("{\"fd\":4,\"what\":\"pipe\",\"inode\":8001}")));
        for (String descriptor : List.of("{\"fd\":4,\"what\":\"pipe\"}", "{\"fd\":4,\"what\":\"pipe\",\"inode\":8001,\"path\":\"/x\"}",
                "{\"fd\":4,\"what\":\"fifo\",\"inode\":8001}", "{\"fd\":4,\"what\":\"file\"}", "")) {
            assertFalse(AuditSchema.problems(rights.formatted(descriptor)).isEmpty(), descriptor);
        }
    }
}
