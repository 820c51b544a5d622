package dev.jvisor.sentry.trace;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Writes call records as JSON Lines ({@code jvisor run --trace FILE}): one object per call,
 * each record's tree copied through one generator (jackson-core alone: no ObjectMapper, whose
 * making would cost every traced run's start-up).
 */
public final class TraceWriter implements Consumer<CallRecord>, AutoCloseable {
    private final JsonGenerator out;

    public TraceWriter(Path file) throws IOException {
        out = new JsonFactory().createGenerator(Files.newBufferedWriter(file, StandardCharsets.UTF_8));
        // Each line ends in its own newline: none of Jackson's separators between root values.
        out.setRootValueSeparator(null);
    }

    @Override
    public synchronized void accept(CallRecord record) {
        try {
            try (JsonParser tree = json(record).traverse()) {
                tree.nextToken();
                out.copyCurrentStructure(tree);
            }
            out.writeRaw('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One record as a JSON object: thread, pid, tid, call, arguments, result, outputs. */
    public static ObjectNode json(CallRecord record) {
        ObjectNode json = JsonNodeFactory.instance.objectNode().put("thread", record.thread()).put("pid", record.pid())
                .put("tid", record.tid()).put("call", record.call());
        json.set("arguments", fields(record.arguments()));
        json.put("result", record.result());
        json.set("outputs", fields(record.outputs()));
        return json;
    }

    /** Decoded fields as one object: names as keys, values as strings. */
    private static ObjectNode fields(List<Field> fields) {
        ObjectNode object = JsonNodeFactory.instance.objectNode();
        for (Field field : fields) object.put(field.name(), field.value());
        return object;
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
