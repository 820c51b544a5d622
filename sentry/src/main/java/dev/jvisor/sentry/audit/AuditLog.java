package dev.jvisor.sentry.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The audit log (docs/audit.md): one JSON object per line, each with the schema version, a
 * sequence number and the time first, then the event's fields in the order they were put.
 * One Jackson generator writes every line into a buffer, so that a line costs the tracer
 * thread no more than encoding it; the buffer goes out when it fills, at a write when the
 * last flush is a while old (someone may be following the file), and at close. The fields
 * are copied from their tree by jackson-core's streaming copy: no ObjectMapper, whose
 * serializers would cost an audited run's start-up four times the classes. Safe to close
 * from another thread (a shutdown hook) while the tracer writes.
 */
public final class AuditLog implements AutoCloseable {
    public static final int VERSION = 1;
    private static final int BUFFER = 1 << 16;
    private static final long FLUSH_AFTER_NANOS = 200_000_000L;

    private final JsonGenerator out;
    private final Clock clock;
    private final Timestamps timestamps = new Timestamps();
    private long sequence;
    private long lastFlush = System.nanoTime();
    private boolean closed;

    public AuditLog(Path file) throws IOException {
        this(new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8), BUFFER), Clock.systemUTC());
    }

    AuditLog(Writer out, Clock clock) {
        try {
            this.out = new JsonFactory().createGenerator(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Each line ends in its own newline: none of Jackson's separators between root values.
        this.out.setRootValueSeparator(null);
        this.clock = clock;
    }

    /** A new object of an event's fields, to be written in the order they are put. */
    static ObjectNode fields() {
        return JsonNodeFactory.instance.objectNode();
    }

    /** Writes the event {@code event} of process {@code pid} with {@code fields}. */
    synchronized void write(String event, int pid, ObjectNode fields) {
        if (closed) return;
        try {
            out.writeStartObject();
            out.writeNumberField("v", VERSION);
            out.writeNumberField("seq", ++sequence);
            out.writeStringField("time", timestamps.format(clock.instant()));
            out.writeStringField("event", event);
            out.writeNumberField("pid", pid);
            // Past the fields' START_OBJECT, each FIELD_NAME is copied with its value, up to END_OBJECT.
            try (JsonParser tree = fields.traverse()) {
                tree.nextToken();
                while (tree.nextToken() == JsonToken.FIELD_NAME) out.copyCurrentStructure(tree);
            }
            out.writeEndObject();
            out.writeRaw('\n');
            long now = System.nanoTime();
            if (now - lastFlush > FLUSH_AFTER_NANOS) {
                out.flush();
                lastFlush = now;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How many events were written. */
    public synchronized long events() {
        return sequence;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
