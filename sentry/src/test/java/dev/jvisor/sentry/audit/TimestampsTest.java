package dev.jvisor.sentry.audit;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The log's times are what a DateTimeFormatter of uuuu-MM-dd'T'HH:mm:ss.SSS'Z' writes in UTC:
 * milliseconds always, also across seconds and with a fraction of zero.
 */
class TimestampsTest {
    private static final DateTimeFormatter MILLISECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    @Test
    void writesMillisecondsAlways() {
        Timestamps timestamps = new Timestamps();
        Instant start = Instant.parse("2026-11-23T10:00:59.998765Z");
        for (long nanos : new long[] {0, 1_000, 1_235_000, 2_000_000, 50_000_000, 234_000_000, 1_000_000_000,
                1_001_000_000, 1_999_999_999, 3_600_000_000_000L, 86_400_007_000_000L}) {
            Instant instant = start.plusNanos(nanos);
            assertEquals(MILLISECONDS.format(instant), timestamps.format(instant), instant::toString);
        }
        assertEquals("2026-11-23T10:01:00.000Z", timestamps.format(Instant.parse("2026-11-23T10:01:00.000999Z")));
        assertEquals("1970-01-01T00:00:00.007Z", timestamps.format(Instant.ofEpochMilli(7)));
    }
}
