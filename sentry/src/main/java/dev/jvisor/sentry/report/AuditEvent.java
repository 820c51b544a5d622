package dev.jvisor.sentry.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * One event of an audit log (docs/audit.md): the fields every event has, and its line for
 * messages. The other fields are asked for by name; a field the report needs and the event
 * lacks, or of the wrong type, is an {@link AuditLogException} naming the line.
 *
 * @param line   where it is in the log, from 1
 * @param seq    jvisor's order of events
 * @param event  what happened: {@code start}, {@code connect}, ...
 * @param pid    the process it happened in
 * @param fields the whole object, as {@link AuditLogReader} read it (no name twice, numbers exact)
 */
public record AuditEvent(int line, long seq, String event, int pid, ObjectNode fields) {

    /** Reads the common fields of one parsed line. */
    static AuditEvent of(int line, ObjectNode fields) throws AuditLogException {
        AuditEvent partial = new AuditEvent(line, 0, "", 0, fields);
        if (!partial.has("pid")) throw partial.problem("no 'pid'");
        int pid = partial.pid("pid");
        if (pid == 0) throw partial.problem("'pid' is not a process id: 0");
        return new AuditEvent(line, partial.number("seq"), partial.text("event"), pid, fields);
    }

    public boolean has(String name) {
        JsonNode value = fields.get(name);
        return value != null && !value.isNull();
    }

    public String text(String name) throws AuditLogException {
        JsonNode value = required(name);
        if (!value.isTextual()) throw wrongType(name, "a string");
        return value.textValue();
    }

    /** A field that is a string or a number, as text: {@code shutdown}'s {@code how}. */
    public String textOrNumber(String name) throws AuditLogException {
        JsonNode value = required(name);
        if (value.isTextual()) return value.textValue();
        if (value.isNumber()) return value.asText();
        throw wrongType(name, "a string or a number");
    }

    /** The string, or null when the event has none. */
    public String optionalText(String name) throws AuditLogException {
        return has(name) ? text(name) : null;
    }

    public long number(String name) throws AuditLogException {
        return integer(name, required(name));
    }

    /** The number, or null when the event has none. */
    public Long optionalNumber(String name) throws AuditLogException {
        return has(name) ? number(name) : null;
    }

    /** A number that fits an int, such as a descriptor. */
    public int smallNumber(String name) throws AuditLogException {
        long number = number(name);
        if (number != (int) number) throw problem("'" + name + "' is out of range: " + number);
        return (int) number;
    }

    /**
     * A process id; 0 when the event has none, or names none (a {@code ppid} of 0: a parent
     * outside the pid namespace). No process of a sandbox has pid 0.
     */
    public int pid(String name) throws AuditLogException {
        if (!has(name)) return 0;
        long pid = number(name);
        if (pid < 0 || pid > Integer.MAX_VALUE) throw problem("'" + name + "' is not a process id: " + pid);
        return (int) pid;
    }

    /** The strings of an array; empty when the event has none. */
    public List<String> texts(String name) throws AuditLogException {
        List<String> texts = new ArrayList<>();
        for (JsonNode element : array(name)) {
            if (!element.isTextual()) throw wrongType(name, "an array of strings");
            texts.add(element.textValue());
        }
        return texts;
    }

    public List<Long> numbers(String name) throws AuditLogException {
        List<Long> numbers = new ArrayList<>();
        for (JsonNode element : array(name)) numbers.add(integer(name, element));
        return numbers;
    }

    /** The objects of an array, each as an event of this line so that its fields read alike. */
    public List<AuditEvent> objects(String name) throws AuditLogException {
        List<AuditEvent> objects = new ArrayList<>();
        for (JsonNode element : array(name)) {
            if (!(element instanceof ObjectNode o)) throw wrongType(name, "an array of objects");
            objects.add(new AuditEvent(line, seq, event, pid, o));
        }
        return objects;
    }

    public AuditLogException problem(String problem) {
        return new AuditLogException(line, event.isEmpty() ? problem : event + ": " + problem);
    }

    private JsonNode array(String name) throws AuditLogException {
        if (!has(name)) return fields.arrayNode();
        JsonNode value = fields.get(name);
        if (!value.isArray()) throw wrongType(name, "an array");
        return value;
    }

    private JsonNode required(String name) throws AuditLogException {
        if (!has(name)) throw problem("no '" + name + "'");
        return fields.get(name);
    }

    /**
     * The number as a long, or null when it is not a whole number within 64 bits. The reader
     * keeps integers as integers and other numbers as exact decimals, so that 1E3 is 1000 and
     * 9223372036854775808 is refused, never rounded.
     */
    static Long exactLong(JsonNode number) {
        if (number.isIntegralNumber()) return number.canConvertToLong() ? number.longValue() : null;
        try {
            return number.decimalValue().longValueExact();
        } catch (ArithmeticException e) {
            return null;
        }
    }

    private long integer(String name, JsonNode value) throws AuditLogException {
        if (!value.isNumber()) throw wrongType(name, "a number");
        Long exact = exactLong(value);
        if (exact == null) throw problem("'" + name + "' is not a whole number that fits 64 bits: " + value.asText());
        return exact;
    }

    private AuditLogException wrongType(String name, String expected) {
        return problem("'" + name + "' is not " + expected);
    }
}
