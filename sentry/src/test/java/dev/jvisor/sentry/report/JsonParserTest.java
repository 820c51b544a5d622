package dev.jvisor.sentry.report;

import dev.jvisor.sentry.report.JsonValue.JsonArray;
import dev.jvisor.sentry.report.JsonValue.JsonBoolean;
import dev.jvisor.sentry.report.JsonValue.JsonNull;
import dev.jvisor.sentry.report.JsonValue.JsonNumber;
import dev.jvisor.sentry.report.JsonValue.JsonObject;
import dev.jvisor.sentry.report.JsonValue.JsonString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** RFC 8259, strictly: what an audit line may hold, and where a broken one breaks. */
class JsonParserTest {
    @Test
    void everyEscapeOfAStringIsRead() throws JsonSyntaxException {
        JsonValue value = JsonParser.parse("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t u\\u00e9\\u0000 pair\\ud83d\\ude00 raw\u00e9\"");
        assertEquals(new JsonString("q\" b\\ s/ \b\f\n\r\t u\u00e9\u0000 pair\uD83D\uDE00 raw\u00e9"), value);
    }

    @Test
    void aLoneSurrogateEscapeIsKeptAsOneCodeUnit() throws JsonSyntaxException {
        assertEquals(new JsonString("a\uD800b"), JsonParser.parse("\"a\\ud800b\""));
        assertEquals(new JsonString("\uDC00"), JsonParser.parse("\"\\uDC00\""));
    }

    @Test
    void objectsAndArraysNestAndKeepTheirOrder() throws JsonSyntaxException {
        JsonValue value = JsonParser.parse(" {\"b\": [1, [true, false, null], {}], \"a\": {\"x\": [] } } ");
        JsonObject object = assertInstanceOf(JsonObject.class, value);
        assertEquals(List.of("b", "a"), List.copyOf(object.members().keySet()));
        JsonArray b = assertInstanceOf(JsonArray.class, object.get("b"));
        assertEquals(new JsonNumber("1"), b.elements().get(0));
        assertEquals(new JsonArray(List.of(new JsonBoolean(true), new JsonBoolean(false), new JsonNull())), b.elements().get(1));
        assertEquals(new JsonObject(Map.of()), b.elements().get(2));
        JsonObject a = assertInstanceOf(JsonObject.class, object.get("a"));
        assertEquals(new JsonArray(List.of()), a.get("x"));
        assertNull(object.get("c"));
    }

    @Test
    void numbersAreKeptAsWrittenAndReadExactly() throws JsonSyntaxException {
        assertEquals(new JsonNumber("-0"), JsonParser.parse("-0"));
        assertEquals(new BigDecimal("12.5e-3"), ((JsonNumber) JsonParser.parse("12.5e-3")).value());
        assertEquals(9223372036854775807L, ((JsonNumber) JsonParser.parse("9223372036854775807")).exactLong());
        assertNull(((JsonNumber) JsonParser.parse("9223372036854775808")).exactLong());
        assertEquals(1000L, ((JsonNumber) JsonParser.parse("1E3")).exactLong());
        assertNull(((JsonNumber) JsonParser.parse("1.5")).exactLong());
        assertNull(((JsonNumber) JsonParser.parse("1e9999999999")).exactLong());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "``                         | 1  | a value expected, end of text found",
            "`{\"a\" 1}`                | 6  | ':' expected, '1' found",
            "`{\"a\":1,}`               | 8  | a member name (a string) expected, '}' found",
            "`{\"a\":1 \"b\":2}`        | 8  | '}' expected, '\"' found",
            "`[1 2]`                    | 4  | ']' expected, '2' found",
            "`[1,]`                     | 4  | a value expected, ']' found",
            "`{\"a\":1}x`               | 8  | 'x' after the value",
            "`\"abc`                    | 1  | unterminated string",
            "`\"a\\x\"`                 | 3  | unknown escape \\x",
            "`\"\\u12g4\"`              | 2  | \\u needs four hex digits",
            "`\"\\u12\"`                | 2  | \\u needs four hex digits",
            "`01`                       | 2  | a number with a leading zero",
            "`-`                        | 2  | a digit expected, end of text found",
            "`1.`                       | 3  | a digit expected after the decimal point, end of text found",
            "`1e+`                      | 4  | a digit expected in the exponent, end of text found",
            "`+1`                       | 1  | a value expected, '+' found",
            "`.5`                       | 1  | a value expected, '.' found",
            "`tru`                      | 1  | a value expected, 't' found",
            "`{\"a\":1,\"a\":2}`        | 8  | the name \"a\" twice",
            "`[nul]`                    | 2  | a value expected, 'n' found",
    })
    void brokenTextIsRefusedWithWhatAndWhere(String text, int column, String problem) {
        JsonSyntaxException e = assertThrows(JsonSyntaxException.class, () -> JsonParser.parse(text));
        assertEquals(problem + " at column " + column, e.getMessage());
        assertEquals(column - 1, e.offset());
    }

    @Test
    void aRawControlCharacterInAStringIsRefusedAndShownEscaped() {
        JsonSyntaxException e = assertThrows(JsonSyntaxException.class, () -> JsonParser.parse("[\"a\tb\"]"));
        assertEquals("control character \\u0009 in a string (it must be escaped) at column 4", e.getMessage());
    }

    @Test
    void onlyJsonWhitespaceSeparates() {
        JsonSyntaxException e = assertThrows(JsonSyntaxException.class, () -> JsonParser.parse("[1,\u00a02]"));
        assertEquals("a value expected, '\u00a0' found at column 4", e.getMessage());
    }

    @Test
    void nestingIsBoundedInsteadOfOverflowingTheStack() throws JsonSyntaxException {
        int deepest = JsonParser.MAX_DEPTH;
        JsonParser.parse("[".repeat(deepest) + "]".repeat(deepest));
        JsonSyntaxException e = assertThrows(JsonSyntaxException.class,
                () -> JsonParser.parse("[".repeat(100_000) + "]".repeat(100_000)));
        assertEquals("nested deeper than " + deepest + " levels at column " + (deepest + 1), e.getMessage());
    }
}
