package dev.jvisor.sentry.audit;

import dev.jvisor.sentry.trace.Json;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;

/**
 * The audit log (docs/audit.md): one JSON object per line, each with the schema version, a
 * sequence number and the time first. Lines are buffered, so that writing one costs the
 * tracer thread a string copy; the buffer goes out when it fills, at a write when the last flush is
 * a while old (someone may be following the file), and at close. Safe to close from another
 * thread (a shutdown hook) while the tracer writes.
 */
public final class AuditLog implements AutoCloseable {
    public static final int VERSION = 1;
    private static final int BUFFER = 1 << 16;
    private static final long FLUSH_AFTER_NANOS = 200_000_000L;

    private final Writer out;
    private final Clock clock;
    private final Timestamps timestamps = new Timestamps();
    private long sequence;
    private long lastFlush = System.nanoTime();
    private boolean closed;

    public AuditLog(Path file) throws IOException {
        this(new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8), BUFFER), Clock.systemUTC());
    }

    AuditLog(Writer out, Clock clock) {
        this.out = out;
        this.clock = clock;
    }

    /** Writes the event {@code event} of process {@code pid} with {@code fields}. */
    synchronized void write(String event, int pid, JsonObject fields) {
        if (closed) return;
        String time = timestamps.format(Instant.now(clock));
        String body = fields.body();
        try {
            out.write("{\"v\":" + VERSION + ",\"seq\":" + ++sequence + ",\"time\":" + Json.quote(time)
                    + ",\"event\":" + Json.quote(event) + ",\"pid\":" + pid + (body.isEmpty() ? "" : "," + body)
                    + "}\n");
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
