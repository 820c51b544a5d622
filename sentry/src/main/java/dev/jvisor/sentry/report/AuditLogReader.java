package dev.jvisor.sentry.report;

import dev.jvisor.sentry.report.JsonValue.JsonNumber;
import dev.jvisor.sentry.report.JsonValue.JsonObject;

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

/** Reads an audit log (docs/audit.md): JSON Lines, one event a line, every line schema version 1. */
public final class AuditLogReader {
    /** The schema version this reader knows; docs/audit.md: "A reader refuses a version it does not know." */
    public static final int VERSION = 1;

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
        JsonValue value;
        try {
            value = JsonParser.parse(text);
        } catch (JsonSyntaxException e) {
            throw new AuditLogException(number, "not valid JSON: " + e.getMessage());
        }
        if (!(value instanceof JsonObject object)) throw new AuditLogException(number, "not a JSON object");
        JsonValue version = object.get("v");
        if (version == null) throw new AuditLogException(number, "no schema version ('v')");
        if (!(version instanceof JsonNumber n)) throw new AuditLogException(number, "the schema version ('v') is not a number");
        Long known = n.exactLong();
        if (known == null || known != VERSION) {
            throw new AuditLogException(number, "schema version " + n.text() + " is unknown (this jvisor reads version "
                    + VERSION + ")");
        }
        return AuditEvent.of(number, object);
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
