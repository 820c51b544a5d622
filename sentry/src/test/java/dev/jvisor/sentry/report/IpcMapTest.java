package dev.jvisor.sentry.report;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Events folded into processes, sockets and the exchanges between them. */
class IpcMapTest {
    @Test
    void processesKeepTheirParentsAndWhatTheyRan() throws Exception {
        IpcMap map = LogFixture.twoClientsMap();
        assertEquals(List.of(100, 101, 102, 103), map.processes().stream().map(SandboxProcess::pid).toList());
        SandboxProcess server = map.process(101);
        assertEquals(100, server.parent());
        assertEquals("fork", server.how());
        assertEquals(33L, server.exitSeq());
        assertEquals(List.of("/bin/sh", "/opt/demo/server"), server.programs().stream().map(Program::exe).toList());
        assertEquals("server /tmp/demo.sock", server.shortName());
        assertEquals("vfork", map.process(103).how());
        assertEquals("start", map.process(100).how());
    }

    @Test
    void socketsKeepTheirNameMakerAndTotals() throws Exception {
        IpcMap map = LogFixture.twoClientsMap();
        assertEquals(List.of(5001L, 5002L, 5003L, 5004L, 5005L, 5006L),
                map.sockets().stream().map(SandboxSocket::inode).toList());
        SandboxSocket listener = map.socket(5001);
        assertEquals(new SocketName("path", "/tmp/demo.sock"), listener.name());
        assertEquals(101, listener.boundBy());
        assertEquals(8L, listener.backlog());
        assertEquals(List.of("cloexec"), listener.flags());
        SandboxSocket accepted = map.socket(5003);
        assertEquals("accept", accepted.origin());
        assertEquals("stream", accepted.type());
        assertEquals(4, accepted.fd());
        assertEquals(new Traffic(1, 2, 3, 120, 0, 1), accepted.traffic());
    }

    /** A client that closed before the accept leaves the accept without a peer (docs/audit.md, accept). */
    @Test
    void anAcceptWithoutPeerTakesTheEarliestConnectNoAcceptNames() throws Exception {
        IpcMap map = LogFixture.map(
                "{\"event\":\"start\",\"pid\":1,\"exe\":\"/bin/server\",\"argv\":[\"server\"]}",
                "{\"event\":\"socket\",\"pid\":1,\"inode\":10,\"type\":\"stream\"}",
                "{\"event\":\"bind\",\"pid\":1,\"inode\":10,\"kind\":\"path\",\"name\":\"/s\",\"result\":\"ok\"}",
                "{\"event\":\"listen\",\"pid\":1,\"inode\":10,\"backlog\":4,\"result\":\"ok\"}",
                "{\"event\":\"connect\",\"pid\":2,\"inode\":20,\"type\":\"stream\",\"kind\":\"path\",\"name\":\"/s\",\"result\":\"ok\",\"peer\":10,\"peer_pid\":1}",
                "{\"event\":\"connect\",\"pid\":3,\"inode\":30,\"type\":\"stream\",\"kind\":\"path\",\"name\":\"/s\",\"result\":\"ok\",\"peer\":10,\"peer_pid\":1}",
                "{\"event\":\"connect\",\"pid\":4,\"inode\":40,\"type\":\"stream\",\"kind\":\"path\",\"name\":\"/s\",\"result\":\"ok\",\"peer\":10,\"peer_pid\":1}",
                "{\"event\":\"accept\",\"pid\":1,\"listener\":10,\"inode\":31,\"fd\":5,\"peer\":30,\"peer_pid\":3}",
                "{\"event\":\"accept\",\"pid\":1,\"listener\":10,\"inode\":21,\"fd\":6}");
        assertEquals(List.of("20>21", "30>31", "40>-"), map.connections().stream()
                .map(c -> c.client().inode() + ">" + (c.server() == null ? "-" : String.valueOf(c.server().inode()))).toList());
    }

    @Test
    void aConnectAndItsAcceptAreJoinedByTheClientsInodeInEitherOrder() throws Exception {
        IpcMap map = LogFixture.twoClientsMap();
        assertEquals(2, map.connections().size());
        Connection first = map.connections().get(0);
        assertEquals(Connection.Kind.CONNECT, first.kind());
        assertEquals(new SocketEnd(5002, 102), first.client());
        assertEquals(new SocketEnd(5003, 101), first.server());
        assertEquals(new SocketEnd(5001, 101), first.listener());
        assertEquals(new SocketName("path", "/tmp/demo.sock"), first.name());
        assertEquals(new Flow(3, 120), first.forward());
        assertEquals(new Flow(1, 2), first.backward());

        // 103's accept (seq 15) was logged before its connect (seq 16).
        Connection second = map.connections().get(1);
        assertEquals(15, second.seq());
        assertEquals(new SocketEnd(5004, 103), second.client());
        assertEquals(new SocketEnd(5005, 101), second.server());
        assertEquals(new Flow(1, 5), second.forward());
    }

    @Test
    void descriptorsAndCredentialsArePairedSentToReceived() throws Exception {
        IpcMap map = LogFixture.twoClientsMap();
        DescriptorPassing passing = map.descriptors().getFirst();
        assertEquals(1, map.descriptors().size());
        assertEquals(new SocketEnd(5002, 102), passing.from());
        assertEquals(new SocketEnd(5003, 101), passing.to());
        assertEquals(List.of(new PassedDescriptor(4, "file", "/tmp/notes.txt", null, null, null)), passing.sent());
        assertEquals(6, passing.received().getFirst().fd());
        assertEquals(List.of(passing), map.descriptorsOver(map.connections().get(0)));
        assertEquals(List.of(), map.descriptorsOver(map.connections().get(1)));

        assertEquals(2, map.credentials().size());
        CredentialPassing message = map.credentials().get(0);
        assertEquals(CredentialPassing.Kind.MESSAGE, message.kind());
        assertEquals(new SocketEnd(5004, 103), message.from());
        assertEquals(new SocketEnd(5005, 101), message.to());
        assertEquals(new Credentials(103, 1000, 1000), message.stated());
        assertEquals(new Credentials(103, 1000, 1000), message.received());
        CredentialPassing peer = map.credentials().get(1);
        assertEquals(CredentialPassing.Kind.PEER, peer.kind());
        assertEquals(new SocketEnd(5002, 102), peer.from());
        assertEquals(new SocketEnd(5003, 101), peer.to());
        assertEquals(List.of(peer), map.credentialsOver(map.connections().get(0)));
    }

    @Test
    void refusalsAndFailedCallsAreKept() throws Exception {
        IpcMap map = LogFixture.twoClientsMap();
        assertEquals(List.of(new Refusal(23, 103, "connect", 5006, new SocketName("path", "/run/host-only.sock"),
                "ECONNREFUSED", "host-socket")), map.refusals());
        assertEquals(List.of(new FailedCall(24, 103, "connect", 5006, new SocketName("path", "/run/host-only.sock"),
                "ECONNREFUSED")), map.failures());
    }

    @Test
    void aSocketpairEndBelongsToTheProcessThatUsedIt() throws Exception {
        IpcMap map = LogFixture.map(
                "{\"event\":\"start\",\"pid\":10,\"ppid\":1,\"argv\":[\"parent\"]}",
                "{\"event\":\"socketpair\",\"pid\":10,\"fds\":[3,4],\"inodes\":[900,901],\"type\":\"seqpacket\",\"flags\":[]}",
                "{\"event\":\"fork\",\"pid\":11,\"ppid\":10,\"how\":\"fork\",\"argv\":[\"child\"]}",
                "{\"event\":\"close\",\"pid\":10,\"inode\":901,\"messages_sent\":2,\"bytes_sent\":8,"
                        + "\"messages_received\":0,\"bytes_received\":0}",
                "{\"event\":\"close\",\"pid\":11,\"inode\":900,\"messages_sent\":0,\"bytes_sent\":0,"
                        + "\"messages_received\":2,\"bytes_received\":8}");
        Connection pair = map.connections().getFirst();
        assertEquals(Connection.Kind.SOCKETPAIR, pair.kind());
        assertEquals(new SocketEnd(900, 11), pair.client());
        assertEquals(new SocketEnd(901, 10), pair.server());
        assertEquals(new Flow(0, 0), pair.forward());
        assertEquals(new Flow(2, 8), pair.backward());
    }

    @Test
    void aDatagramRouteHasItsSendersTotalsOnlyWhenItIsTheSendersOnlyRoute() throws Exception {
        String close = "\"messages_sent\":4,\"bytes_sent\":40,\"messages_received\":0,\"bytes_received\":0}";
        IpcMap map = LogFixture.map(
                "{\"event\":\"socket\",\"pid\":10,\"inode\":1,\"type\":\"dgram\"}",
                "{\"event\":\"socket\",\"pid\":10,\"inode\":2,\"type\":\"dgram\"}",
                "{\"event\":\"send-to\",\"pid\":10,\"inode\":1,\"kind\":\"abstract\",\"name\":\"@a\",\"peer\":50,\"peer_pid\":20}",
                "{\"event\":\"send-to\",\"pid\":10,\"inode\":2,\"kind\":\"abstract\",\"name\":\"@a\",\"peer\":50,\"peer_pid\":20}",
                "{\"event\":\"send-to\",\"pid\":10,\"inode\":2,\"kind\":\"abstract\",\"name\":\"@b\",\"peer\":60,\"peer_pid\":30}",
                "{\"event\":\"connect\",\"pid\":10,\"inode\":2,\"type\":\"dgram\",\"kind\":\"abstract\",\"name\":\"@b\","
                        + "\"result\":\"ok\",\"peer\":60,\"peer_pid\":30}",
                "{\"event\":\"close\",\"pid\":10,\"inode\":1," + close,
                "{\"event\":\"close\",\"pid\":10,\"inode\":2," + close);
        assertEquals(3, map.connections().size());
        assertEquals(List.of(Connection.Kind.SEND_TO), map.connections().stream().map(Connection::kind).distinct().toList());
        assertEquals(new Flow(4, 40), map.connections().get(0).forward());
        assertNull(map.connections().get(1).forward());
        assertEquals(new SocketEnd(60, 30), map.connections().get(2).server());
        assertEquals(List.of(10, 20, 30), map.processes().stream().map(SandboxProcess::pid).toList());
        assertNull(map.process(20).how());
    }

    @Test
    void anAcceptWithoutItsConnectStillMakesAConnection() throws Exception {
        IpcMap map = LogFixture.map(
                "{\"event\":\"socket\",\"pid\":10,\"inode\":1,\"type\":\"stream\"}",
                "{\"event\":\"bind\",\"pid\":10,\"inode\":1,\"kind\":\"abstract\",\"name\":\"@srv\",\"result\":\"ok\"}",
                "{\"event\":\"accept\",\"pid\":10,\"listener\":1,\"inode\":2,\"fd\":5,\"peer\":77}");
        Connection connection = map.connections().getFirst();
        assertEquals(new SocketEnd(77, 0), connection.client());
        assertEquals(new SocketEnd(2, 10), connection.server());
        assertEquals(new SocketName("abstract", "@srv"), connection.name());
        assertEquals("stream", connection.type());
    }

    @Test
    void aMessageReceivedBeforeItWasLoggedSentIsStillPaired() throws Exception {
        IpcMap map = LogFixture.map(
                "{\"event\":\"credentials-received\",\"pid\":11,\"inode\":2,\"peer\":1,\"peer_pid\":10,"
                        + "\"cred_pid\":10,\"cred_uid\":0,\"cred_gid\":0}",
                "{\"event\":\"credentials-sent\",\"pid\":10,\"inode\":1,\"peer\":2,\"peer_pid\":11,"
                        + "\"cred_pid\":10,\"cred_uid\":0,\"cred_gid\":0}",
                "{\"event\":\"credentials-sent\",\"pid\":10,\"inode\":1,\"peer\":2,\"peer_pid\":11,"
                        + "\"cred_pid\":10,\"cred_uid\":5,\"cred_gid\":5}");
        assertEquals(2, map.credentials().size());
        assertEquals(new Credentials(10, 0, 0), map.credentials().get(0).received());
        assertEquals(new Credentials(10, 0, 0), map.credentials().get(0).stated());
        assertNull(map.credentials().get(1).received());
        assertEquals(new SocketEnd(2, 11), map.credentials().get(1).to());
    }

    @Test
    void forkTreeOrderKeepsFamiliesTogether() throws Exception {
        IpcMap map = LogFixture.map(
                "{\"event\":\"start\",\"pid\":1,\"ppid\":0}",
                "{\"event\":\"fork\",\"pid\":2,\"ppid\":1}",
                "{\"event\":\"fork\",\"pid\":3,\"ppid\":1}",
                "{\"event\":\"fork\",\"pid\":4,\"ppid\":2}",
                "{\"event\":\"fork\",\"pid\":5,\"ppid\":3}",
                "{\"event\":\"fork\",\"pid\":6,\"ppid\":2}");
        assertEquals(List.of(1, 2, 4, 6, 3, 5), map.forkTreeOrder().stream().map(SandboxProcess::pid).toList());
    }

    @Test
    void anEventMissingWhatTheMapNeedsIsNamedByItsLine() {
        AuditLogException e = assertThrows(AuditLogException.class, () -> LogFixture.map(
                "{\"event\":\"start\",\"pid\":1}",
                "{\"event\":\"socketpair\",\"pid\":1,\"inodes\":[5]}"));
        assertEquals("line 2: socketpair: 'inodes' does not hold two inodes", e.getMessage());
        e = assertThrows(AuditLogException.class, () -> LogFixture.map("{\"event\":\"connect\",\"pid\":1,\"inode\":3}"));
        assertEquals("line 1: connect: no 'result'", e.getMessage());
    }

    @Test
    void anEventOfAKindThisReaderDoesNotKnowIsSkipped() throws Exception {
        IpcMap map = LogFixture.map("{\"event\":\"teleport\",\"pid\":1,\"inode\":3}");
        assertEquals(List.of(), map.sockets());
        assertEquals(1, map.processes().size());
    }
}
