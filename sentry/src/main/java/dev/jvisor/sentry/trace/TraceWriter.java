package dev.jvisor.sentry.trace;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Writes call records as JSON Lines ({@code jvisor run --trace FILE}): one object per call. */
public final class TraceWriter implements Consumer<CallRecord>, AutoCloseable {
    private final BufferedWriter out;

    public TraceWriter(Path file) throws IOException {
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    }

    @Override
    public void accept(CallRecord record) {
        try {
            out.write(json(record));
            out.newLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One record as a JSON object. */
    public static String json(CallRecord record) {
        return "{\"thread\":" + Json.quote(record.thread()) + ",\"pid\":" + record.pid() + ",\"tid\":" + record.tid()
                + ",\"call\":" + Json.quote(record.call()) + ",\"arguments\":" + Json.fields(record.arguments())
                + ",\"result\":" + Json.quote(record.result()) + ",\"outputs\":" + Json.fields(record.outputs()) + "}";
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
