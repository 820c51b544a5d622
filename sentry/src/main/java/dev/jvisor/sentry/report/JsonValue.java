package dev.jvisor.sentry.report;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A JSON value (RFC 8259) as {@link JsonParser} reads it. */
public sealed interface JsonValue {

    /** Members in the order written; no name twice (the parser refuses a repeated name). */
    record JsonObject(Map<String, JsonValue> members) implements JsonValue {
        public JsonObject {
            members = Collections.unmodifiableMap(new LinkedHashMap<>(members));
        }

        /** The member's value, or null when there is none. */
        public JsonValue get(String name) {
            return members.get(name);
        }
    }

    record JsonArray(List<JsonValue> elements) implements JsonValue {
        public JsonArray {
            elements = List.copyOf(elements);
        }
    }

    /** May hold lone surrogates: RFC 8259 lets an escaped one through, and so does the parser. */
    record JsonString(String value) implements JsonValue {}

    /** The number as written, so that an integer of any size stays exact. */
    record JsonNumber(String text) implements JsonValue {
        public BigDecimal value() {
            return new BigDecimal(text);
        }

        /** The number as a long, or null when it is not a whole number within 64 bits. */
        public Long exactLong() {
            try {
                return value().longValueExact();
            } catch (ArithmeticException | NumberFormatException e) {
                // NumberFormatException: an exponent beyond BigDecimal's int scale, as in 1e9999999999.
                return null;
            }
        }
    }

    record JsonBoolean(boolean value) implements JsonValue {}

    record JsonNull() implements JsonValue {}
}
