package dev.jvisor.sentry.audit;

import dev.jvisor.sentry.trace.Json;

import java.util.List;
import java.util.StringJoiner;

/** One JSON object being written, its fields in the order they are put. */
final class JsonObject {
    private final StringJoiner fields = new StringJoiner(",", "{", "}");

    JsonObject put(String name, long value) {
        fields.add(Json.quote(name) + ":" + value);
        return this;
    }

    JsonObject put(String name, String value) {
        fields.add(Json.quote(name) + ":" + Json.quote(value));
        return this;
    }

    JsonObject putStrings(String name, List<String> values) {
        StringJoiner array = new StringJoiner(",", "[", "]");
        for (String value : values) array.add(Json.quote(value));
        fields.add(Json.quote(name) + ":" + array);
        return this;
    }

    JsonObject putNumbers(String name, long... values) {
        StringJoiner array = new StringJoiner(",", "[", "]");
        for (long value : values) array.add(Long.toString(value));
        fields.add(Json.quote(name) + ":" + array);
        return this;
    }

    JsonObject putObjects(String name, List<JsonObject> values) {
        StringJoiner array = new StringJoiner(",", "[", "]");
        for (JsonObject value : values) array.add(value.toString());
        fields.add(Json.quote(name) + ":" + array);
        return this;
    }

    /** The fields without the enclosing braces, to be continued by another writer. */
    String body() {
        String whole = toString();
        return whole.substring(1, whole.length() - 1);
    }

    @Override
    public String toString() {
        return fields.toString();
    }
}
