package dev.jvisor.sentry.unix;

import java.util.function.ObjIntConsumer;

/**
 * A handler that can say how many entries each of its tables holds ({@code jvisor run
 * --stats}). Counted at rest (between two stops), after dropping whatever belongs to sockets
 * and threads that are gone: the counts are what the program's current sockets and threads
 * need, and they come back to their earlier values when the program closes what it opened.
 * A count that keeps growing is a leak.
 */
public interface TableSizes {
    /** Reports each table's name and entry count, in a fixed order. */
    void reportSizes(ObjIntConsumer<String> size);
}
