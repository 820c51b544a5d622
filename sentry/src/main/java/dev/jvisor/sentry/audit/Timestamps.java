package dev.jvisor.sentry.audit;

import java.time.Instant;

/**
 * The log's times: ISO-8601 UTC instants with milliseconds, also when they are 000
 * (docs/audit.md, and the schema's pattern), with the date and time of day formatted once a
 * second. DateTimeFormatter took about a sixth of the tracer's time in the
 * tmux matrix case's audit, most of it cold code. One per log, under its lock.
 */
final class Timestamps {
    private long second = Long.MIN_VALUE;
    /** The instant {@link #second} as Instant.toString writes it, without the closing "Z". */
    private String head;

    String format(Instant instant) {
        long now = instant.getEpochSecond();
        if (now != second) {
            String whole = Instant.ofEpochSecond(now).toString();
            head = whole.substring(0, whole.length() - 1);
            second = now;
        }
        int millis = instant.getNano() / 1_000_000;
        return head + "." + (char) ('0' + millis / 100) + (char) ('0' + millis / 10 % 10) + (char) ('0' + millis % 10) + "Z";
    }
}
