package dev.jvisor.sentry.unix;

import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ErrnoException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Names and their lifetimes, with the kernel's liveness answered by the test. */
class NamespacesTest {
    private static final int STREAM = 1;
    private static final int SEQPACKET = 5;

    private final Set<Long> alive = new HashSet<>();
    private final Endpoints endpoints = new Endpoints(new Liveness() {
        @Override
        public boolean alive(long inode) {
            return alive.contains(inode);
        }

        @Override
        public Census live() {
            return new Census(Set.copyOf(alive), Set.of());
        }
    }, new HiddenNames());

    private Endpoint socket(long inode, int type) {
        alive.add(inode);
        return endpoints.register(inode, type);
    }

    private static UnixAddress.Abstract name(String text) {
        return new UnixAddress.Abstract(("\0" + text).getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void anAbstractNameIsHeldPerSocketType() {
        Endpoint stream = socket(10, STREAM);
        Endpoint seqpacket = socket(11, SEQPACKET);
        endpoints.abstractNames.bind(stream, name("n"));
        endpoints.abstractNames.bind(seqpacket, name("n"));
        assertSame(stream, endpoints.abstractNames.lookup(STREAM, name("n")));
        assertSame(seqpacket, endpoints.abstractNames.lookup(SEQPACKET, name("n")));
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> endpoints.abstractNames.bind(socket(12, STREAM), name("n")));
        assertEquals(Errno.EADDRINUSE, e.errno());
    }

    @Test
    void aNameIsFreeAgainOnceItsSocketIsGone() {
        endpoints.abstractNames.bind(socket(20, STREAM), name("again"));
        alive.remove(20L);
        Endpoint next = socket(21, STREAM);
        endpoints.abstractNames.bind(next, name("again"));
        assertSame(next, endpoints.abstractNames.lookup(STREAM, name("again")));
    }

    @Test
    void aSweepForgetsGoneSocketsAndTheirNames() {
        Endpoint gone = socket(30, STREAM);
        Endpoint kept = socket(31, STREAM);
        endpoints.abstractNames.bind(gone, name("gone"));
        FilesystemNames.FileId file = new FilesystemNames.FileId(1, 99);
        endpoints.files.bind(file, gone);
        alive.remove(30L);

        endpoints.sweep();

        assertNull(endpoints.get(30));
        assertSame(kept, endpoints.get(31));
        assertNull(endpoints.abstractNames.lookup(STREAM, name("gone")));
        assertNull(endpoints.files.lookup(file));
    }

    @Test
    void theTableSweepsItselfAsItGrows() {
        for (long inode = 1000; inode < 2024; inode++) endpoints.register(inode, STREAM);
        socket(5000, STREAM);
        assertEquals(1, endpoints.size());
    }
}
