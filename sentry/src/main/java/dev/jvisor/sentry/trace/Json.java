package dev.jvisor.sentry.trace;

import java.util.List;
import java.util.StringJoiner;

/** The little JSON that records and reports need: RFC 8259 strings and flat objects. */
public final class Json {
    private Json() {}

    /** Fields as one object, names as keys, values as strings. */
    public static String fields(List<Field> fields) {
        StringJoiner object = new StringJoiner(",", "{", "}");
        for (Field field : fields) object.add(quote(field.name()) + ":" + quote(field.value()));
        return object.toString();
    }

    /** A string literal: quote, backslash and control characters escaped. */
    public static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                default -> {
                    if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        return out.append('"').toString();
    }
}
