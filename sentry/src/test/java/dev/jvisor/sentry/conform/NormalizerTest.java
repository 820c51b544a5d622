package dev.jvisor.sentry.conform;

import dev.jvisor.sentry.trace.CallRecord;
import dev.jvisor.sentry.trace.Field;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What legitimately differs between two runs is made alike; nothing else is touched. */
class NormalizerTest {
    private final Normalizer normalizer = new Normalizer(Map.of(4242, "P1", 4250, "P1.1"), false);

    @Test
    void pidsInOutputBecomeProcessNames() {
        assertEquals("server <P1.1> started by <P1>, port 4243\n",
                normalizer.text("server 4250 started by 4242, port 4243\n"));
    }

    @Test
    void credentialsAndAutobindNamesAreNormalizedButOtherValuesAreNot() {
        CallRecord record = new CallRecord("P1", 4242, 4242, "recvmsg",
                List.of(new Field("fd", "3"), new Field("addr", "abstract \"@0001f\"")), "5",
                List.of(new Field("cmsg", "SCM_CREDENTIALS pid=4250 uid=0 gid=0")));

        CallRecord normalized = normalizer.call(record);

        assertEquals("recvmsg(fd=3, addr=abstract \"@<autobind>\") = 5 {cmsg=SCM_CREDENTIALS pid=<P1.1> uid=0 gid=0}",
                normalized.describe());
    }

    @Test
    void descriptorNumbersAreIgnoredOnlyWhenAsked() {
        CallRecord socket = new CallRecord("P1", 1, 1, "socket", List.of(new Field("domain", "AF_UNIX")), "7", List.of());
        CallRecord listen = new CallRecord("P1", 1, 1, "listen", List.of(new Field("fd", "7")), "0", List.of());
        Normalizer ignoring = new Normalizer(Map.of(), true);

        assertEquals("socket(domain=AF_UNIX) = 7", normalizer.call(socket).describe());
        assertEquals("socket(domain=AF_UNIX) = N", ignoring.call(socket).describe());
        assertEquals("listen(fd=N) = 0", ignoring.call(listen).describe());
        assertEquals("-1 EMFILE", ignoring.call(new CallRecord("P1", 1, 1, "socket", List.of(), "-1 EMFILE",
                List.of())).result());
    }
}
