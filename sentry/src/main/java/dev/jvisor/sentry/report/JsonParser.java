package dev.jvisor.sentry.report;

import dev.jvisor.sentry.report.JsonValue.JsonArray;
import dev.jvisor.sentry.report.JsonValue.JsonBoolean;
import dev.jvisor.sentry.report.JsonValue.JsonNull;
import dev.jvisor.sentry.report.JsonValue.JsonNumber;
import dev.jvisor.sentry.report.JsonValue.JsonObject;
import dev.jvisor.sentry.report.JsonValue.JsonString;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one JSON text (RFC 8259), such as a line of a JSON Lines file. Strict: no comments,
 * no trailing commas, no leading zeros, no raw control characters in strings, no name twice
 * in an object.
 */
public final class JsonParser {
    /** Deeper nesting than any audit event has; the limit keeps a hostile line from exhausting the stack. */
    static final int MAX_DEPTH = 256;

    private final String text;
    private int at;
    private int depth;

    private JsonParser(String text) {
        this.text = text;
    }

    public static JsonValue parse(String text) throws JsonSyntaxException {
        JsonParser parser = new JsonParser(text);
        parser.skipWhitespace();
        JsonValue value = parser.value();
        parser.skipWhitespace();
        if (parser.at < text.length()) throw parser.error(parser.found() + " after the value");
        return value;
    }

    private JsonValue value() throws JsonSyntaxException {
        if (at >= text.length()) throw error("a value expected, end of text found");
        char c = text.charAt(at);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> new JsonString(string());
            case 't' -> literal("true", new JsonBoolean(true));
            case 'f' -> literal("false", new JsonBoolean(false));
            case 'n' -> literal("null", new JsonNull());
            default -> {
                if (c == '-' || isDigit(c)) yield number();
                throw error("a value expected, " + found() + " found");
            }
        };
    }

    private JsonObject object() throws JsonSyntaxException {
        enter();
        at++;
        Map<String, JsonValue> members = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            at++;
            depth--;
            return new JsonObject(members);
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') throw error("a member name (a string) expected, " + found() + " found");
            int nameAt = at;
            String name = string();
            if (members.containsKey(name)) throw new JsonSyntaxException("the name " + Visible.quoted(name) + " twice", nameAt);
            skipWhitespace();
            expect(':');
            skipWhitespace();
            members.put(name, value());
            skipWhitespace();
            if (peek() == ',') {
                at++;
                continue;
            }
            expect('}');
            depth--;
            return new JsonObject(members);
        }
    }

    private JsonArray array() throws JsonSyntaxException {
        enter();
        at++;
        List<JsonValue> elements = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            at++;
            depth--;
            return new JsonArray(elements);
        }
        while (true) {
            skipWhitespace();
            elements.add(value());
            skipWhitespace();
            if (peek() == ',') {
                at++;
                continue;
            }
            expect(']');
            depth--;
            return new JsonArray(elements);
        }
    }

    private void enter() throws JsonSyntaxException {
        if (++depth > MAX_DEPTH) throw error("nested deeper than " + MAX_DEPTH + " levels");
    }

    private String string() throws JsonSyntaxException {
        int start = at;
        at++;
        StringBuilder out = new StringBuilder();
        while (true) {
            if (at >= text.length()) throw new JsonSyntaxException("unterminated string", start);
            char c = text.charAt(at);
            if (c == '"') {
                at++;
                return out.toString();
            }
            if (c < 0x20) throw error("control character " + Visible.codeUnit(c) + " in a string (it must be escaped)");
            if (c != '\\') {
                out.append(c);
                at++;
                continue;
            }
            if (at + 1 >= text.length()) throw new JsonSyntaxException("unterminated string", start);
            char escaped = text.charAt(at + 1);
            switch (escaped) {
                case '"', '\\', '/' -> out.append(escaped);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> {
                    // A surrogate pair is two escapes in a row; each is one UTF-16 code unit, so
                    // appending them in order makes the pair (and keeps a lone one as it is).
                    out.append(hex4(at + 2));
                    at += 6;
                    continue;
                }
                default -> throw error("unknown escape \\" + Visible.text(String.valueOf(escaped)));
            }
            at += 2;
        }
    }

    private char hex4(int from) throws JsonSyntaxException {
        if (from + 4 > text.length()) throw new JsonSyntaxException("\\u needs four hex digits", from - 2);
        int value = 0;
        for (int i = from; i < from + 4; i++) {
            char c = text.charAt(i);
            int digit = c >= '0' && c <= '9' ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (digit < 0) throw new JsonSyntaxException("\\u needs four hex digits", from - 2);
            value = value * 16 + digit;
        }
        return (char) value;
    }

    private JsonNumber number() throws JsonSyntaxException {
        int start = at;
        if (peek() == '-') at++;
        if (peek() == '0') {
            at++;
            if (isDigit(peek())) throw error("a number with a leading zero");
        } else if (isDigit(peek())) {
            digits();
        } else {
            throw error("a digit expected, " + found() + " found");
        }
        if (peek() == '.') {
            at++;
            if (!isDigit(peek())) throw error("a digit expected after the decimal point, " + found() + " found");
            digits();
        }
        if (peek() == 'e' || peek() == 'E') {
            at++;
            if (peek() == '+' || peek() == '-') at++;
            if (!isDigit(peek())) throw error("a digit expected in the exponent, " + found() + " found");
            digits();
        }
        return new JsonNumber(text.substring(start, at));
    }

    private void digits() {
        while (isDigit(peek())) at++;
    }

    private JsonValue literal(String word, JsonValue value) throws JsonSyntaxException {
        if (!text.startsWith(word, at)) throw error("a value expected, " + found() + " found");
        at += word.length();
        return value;
    }

    private void expect(char c) throws JsonSyntaxException {
        if (peek() != c) throw error("'" + c + "' expected, " + found() + " found");
        at++;
    }

    /** RFC 8259 whitespace: space, tab, line feed, carriage return; nothing else. */
    private void skipWhitespace() {
        while (at < text.length()) {
            char c = text.charAt(at);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
            at++;
        }
    }

    /** The character at the cursor, or NUL past the end (NUL cannot stand raw in JSON). */
    private char peek() {
        return at < text.length() ? text.charAt(at) : '\0';
    }

    private String found() {
        if (at >= text.length()) return "end of text";
        char c = text.charAt(at);
        return c < 0x20 || c == 0x7f || Character.isSurrogate(c) ? Visible.codeUnit(c) : "'" + c + "'";
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private JsonSyntaxException error(String problem) {
        return new JsonSyntaxException(problem, at);
    }
}
