package dev.jvisor.sentry.report;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Reads an audit log (docs/audit.md): JSON Lines, one event a line, every line schema version 1. */
public final class AuditLogReader {
    /** The schema version this reader knows; docs/audit.md: "A reader refuses a version it does not know." */
    public static final int VERSION = 1;
    /**
     * RFC 8259 and nothing more (Jackson's defaults refuse comments, trailing commas, leading
     * zeros, raw control characters), a name twice in an object refused, nothing after the
     * value, and numbers kept exact: a number with a fraction or an exponent is a BigDecimal,
     * never a rounded double. Immutable, so shared by every reading thread.
     */
    private static final ObjectReader JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build()
            .reader();

    private static final Pattern START_MARKER = Pattern.compile(" \\(start marker at \\[Source: [^]]*]\\)");

    private AuditLogReader() {}

    public static List<AuditEvent> read(Path file) throws IOException, AuditLogException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in);
        }
    }

    /**
     * The events in the order of the log. Lines are split on bytes and each decoded alone, so
     * that text that is not UTF-8 is reported on its own line. Blank lines are skipped.
     */
    public static List<AuditEvent> read(InputStream in) throws IOException, AuditLogException {
        List<AuditEvent> events = new ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buffer = new byte[1 << 16];
        int number = 0;
        int count;
        while ((count = in.read(buffer)) >= 0) {
            int start = 0;
            for (int i = 0; i < count; i++) {
                if (buffer[i] != '\n') continue;
                line.write(buffer, start, i - start);
                start = i + 1;
                number = addLine(events, number, line);
            }
            line.write(buffer, start, count - start);
        }
        if (line.size() > 0) addLine(events, number, line);
        return events;
    }

    private static int addLine(List<AuditEvent> events, int previous, ByteArrayOutputStream line) throws AuditLogException {
        int number = previous + 1;
        String text = decode(number, line.toByteArray());
        line.reset();
        if (!blank(text)) events.add(event(number, text));
        return number;
    }

    /** Nothing but JSON whitespace (a CRLF line ends in a carriage return). */
    private static boolean blank(String text) {
        return text.chars().allMatch(c -> c == ' ' || c == '\t' || c == '\r');
    }

    /** One line of the log as an event; {@code number} counts from 1. */
    public static AuditEvent event(int number, String text) throws AuditLogException {
        JsonNode value;
        try {
            value = JSON.readTree(text);
        } catch (JacksonException e) {
            throw new AuditLogException(number, "not valid JSON: " + withoutSource(e.getOriginalMessage()) + at(e.getLocation()));
        }
        if (!(value instanceof ObjectNode object)) throw new AuditLogException(number, "not a JSON object");
        JsonNode version = object.get("v");
        if (version == null) throw new AuditLogException(number, "no schema version ('v')");
        if (!version.isNumber()) throw new AuditLogException(number, "the schema version ('v') is not a number");
        Long known = AuditEvent.exactLong(version);
        if (known == null || known != VERSION) {
            throw new AuditLogException(number, "schema version " + version.asText() + " is unknown (this jvisor reads version "
                    + VERSION + ")");
        }
        return AuditEvent.of(number, object);
    }

    /**
     * Jackson's message less the where of a start marker, which names the source ("REDACTED"
     * here, where the source is not kept) and a line and column: the column given is the one to read.
     */
    private static String withoutSource(String message) {
        return START_MARKER.matcher(message).replaceAll("");
    }

    /** Where in the line, as a 1-based column (a line is one line of JSON text). */
    private static String at(JsonLocation location) {
        return location == null || location.getColumnNr() < 1 ? "" : " at column " + location.getColumnNr();
    }

    private static String decode(int number, byte[] bytes) throws AuditLogException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new AuditLogException(number, "not UTF-8 text");
        }
    }
}
