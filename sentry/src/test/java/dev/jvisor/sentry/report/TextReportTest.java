package dev.jvisor.sentry.report;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The text summary names the right peers and says what crossed each connection. */
class TextReportTest {
    private static String report() throws Exception {
        return TextReport.text(LogFixture.twoClientsMap(), "two-clients.jsonl");
    }

    private static void assertContains(String text, String expected) {
        assertTrue(text.contains(expected), () -> "expected\n  " + expected + "\nin\n" + text);
    }

    @Test
    void theSummaryCountsEachPart() throws Exception {
        String report = report();
        assertTrue(report.startsWith("jvisor report: two-clients.jsonl\n4 processes, 6 sockets, 2 connections, "
                + "1 message passing descriptors, 2 credential exchanges, 1 refusal, 1 failed call\n"), report);
    }

    @Test
    void processesSayWhatTheyRanAndWhoTheirParentIs() throws Exception {
        String report = report();
        assertContains(report, "  pid 101: child of 100 (fork), uid 1000 gid 1000; exited (seq 33)\n");
        assertContains(report, "      exec (seq 3): ./server /tmp/demo.sock  [/opt/demo/server]\n");
        assertContains(report, "  pid 100: the first process, uid 1000 gid 1000; exited (seq 34)\n"
                + "      sh -c './server /tmp/demo.sock & ./client");
    }

    @Test
    void socketsSayTheirNameWhoMadeAndBoundThemAndTheirTotals() throws Exception {
        String report = report();
        assertContains(report, "  socket 5001: stream, made by pid 101 with socket (fd 3, seq 4, cloexec)\n"
                + "      name: path /tmp/demo.sock, bound by pid 101; listening (backlog 8)\n");
        assertContains(report, "  socket 5003: stream, made by pid 101 with accept (fd 4, seq 13)\n"
                + "      closed (seq 30): sent 1 message, 2 bytes, received 3 messages, 120 bytes by sendmsg/sendto and"
                + " recvmsg/recvfrom (by read/write/send/recv: not observed); descriptors sent 0, received 1\n");
    }

    @Test
    void eachConnectionNamesClientListenerAndAcceptorAndWhatCrossedIt() throws Exception {
        String report = report();
        assertContains(report, "Connections\n  (messages and bytes: sendmsg, recvmsg, sendto and recvfrom with an"
                + " address, and their mmsg forms, are counted; read, write, send and recv are not observed)\n  seq 12 ");
        assertContains(report, "  seq 12  connect (stream): socket 5002 of pid 102 -> path /tmp/demo.sock "
                + "(listener socket 5001 of pid 101), accepted by pid 101 as socket 5003\n"
                + "      102 -> 101: 3 messages, 120 bytes by sendmsg/sendto; by read/write/send/recv: not observed\n"
                + "      101 -> 102: 1 message, 2 bytes by sendmsg/sendto; by read/write/send/recv: not observed\n"
                + "      seq 17  descriptors from pid 102 to pid 101: file /tmp/notes.txt (fd 4, received as fd 6)\n"
                + "      seq 21  SO_PEERCRED: pid 101 asked about its peer, pid 102: pid 102 uid 1000 gid 1000\n"
                + "  seq 15  connect (stream): socket 5004 of pid 103 -> path /tmp/demo.sock "
                + "(listener socket 5001 of pid 101), accepted by pid 101 as socket 5005\n"
                + "      103 -> 101: 1 message, 5 bytes by sendmsg/sendto; by read/write/send/recv: not observed\n"
                + "      101 -> 103: 1 message, 2 bytes by sendmsg/sendto; by read/write/send/recv: not observed\n"
                + "      seq 19  credentials from pid 103 to pid 101: stated pid 103 uid 1000 gid 1000, "
                + "received pid 103 uid 1000 gid 1000\n\n");
    }

    @Test
    void refusalsAndFailedCallsAreListed() throws Exception {
        String report = report();
        assertContains(report, "Refusals\n  seq 23  pid 103 connect to path /run/host-only.sock on socket 5006: "
                + "ECONNREFUSED (host-socket)\n");
        assertContains(report, "Failed calls\n  seq 24  pid 103 connect to path /run/host-only.sock on socket 5006: "
                + "ECONNREFUSED\n");
    }

    @Test
    void theReportIsTheSameEveryTime() throws Exception {
        assertEquals(report(), report());
    }

    @Test
    void namesWithNulsAndControlCharactersStayOnOneLine() throws Exception {
        IpcMap map = LogFixture.map(
                "{\"event\":\"socket\",\"pid\":10,\"inode\":1,\"type\":\"dgram\"}",
                "{\"event\":\"bind\",\"pid\":10,\"inode\":1,\"kind\":\"abstract\",\"name\":\"@a\\u0000b\\nc\",\"result\":\"ok\"}",
                "{\"event\":\"send-to\",\"pid\":11,\"inode\":2,\"kind\":\"abstract\",\"name\":\"@a\\u0000b\\nc\",\"peer\":1,"
                        + "\"peer_pid\":10}");
        String report = TextReport.text(map, "log");
        assertContains(report, "      name: abstract @a\\u0000b\\u000ac, bound by pid 10\n");
        assertContains(report, "  seq 3  send-to (dgram): socket 2 of pid 11 -> abstract @a\\u0000b\\u000ac (socket 1 of pid 10)\n"
                + "      11 -> 10: not told apart");
    }

    @Test
    void anEmptyLogSaysSo() throws Exception {
        String report = TextReport.text(LogFixture.map(), "empty.jsonl");
        assertContains(report, "0 processes, 0 sockets, 0 connections");
        assertContains(report, "Connections\n  (none)\n");
    }
}
