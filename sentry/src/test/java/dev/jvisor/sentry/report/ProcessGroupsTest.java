package dev.jvisor.sentry.report;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which processes the map folds away, and how it groups the others (by program and parent). */
class ProcessGroupsTest {

    private static String fork(int pid, int parent, String exe, String argv0) {
        return "{\"event\":\"fork\",\"pid\":" + pid + ",\"ppid\":" + parent + ",\"how\":\"fork\",\"exe\":\"" + exe
                + "\",\"argv\":[\"" + argv0 + "\"]}";
    }

    private static String exec(int pid, String exe, String argv0) {
        return "{\"event\":\"exec\",\"pid\":" + pid + ",\"exe\":\"" + exe + "\",\"argv\":[\"" + argv0 + "\"]}";
    }

    private static String socket(int pid, long inode) {
        return "{\"event\":\"socket\",\"pid\":" + pid + ",\"inode\":" + inode + ",\"type\":\"stream\"}";
    }

    @Test
    void aProcessWithoutSocketsIsFoldedAway() throws Exception {
        IpcMap map = LogFixture.map(
                "{\"event\":\"start\",\"pid\":1,\"exe\":\"/bin/sh\",\"argv\":[\"sh\"]}",
                fork(2, 1, "/bin/sh", "sh"), exec(2, "/bin/mkdir", "mkdir"),
                fork(3, 1, "/bin/sh", "sh"), exec(3, "/usr/bin/server", "server"), socket(3, 30));
        ProcessGroups groups = ProcessGroups.of(map);
        assertEquals(List.of(1, 2), groups.folded().stream().map(SandboxProcess::pid).toList());
        assertNull(groups.groupOf(1));
        assertNull(groups.groupOf(2));
        assertEquals(List.of(3), groups.groupOf(3).pids());
        assertEquals("server", groups.groupOf(3).label());
    }

    @Test
    void childrenForkedWithoutExecJoinTheirParentsGroup() throws Exception {
        IpcMap map = LogFixture.map(LogFixture.database(2, 5, 5));
        ProcessGroups groups = ProcessGroups.of(map);
        ProcessGroup server = groups.groupOf(2000);
        assertEquals(List.of(2000, 2001, 2002, 2003, 2004, 2005), server.pids());
        assertEquals("postgres ×6", server.label());
        ProcessGroup clients = groups.groupOf(3000);
        assertEquals(List.of(3000, 3001, 3002, 3003, 3004), clients.pids(), "one program under no active ancestor");
        assertEquals("psql ×5", clients.label());
        assertEquals(List.of("group-1", "group-2"), groups.groups().stream().map(ProcessGroup::id).toList());
    }

    @Test
    void oneProgramUnderTwoActiveParentsIsTwoGroups() throws Exception {
        IpcMap map = LogFixture.map(
                "{\"event\":\"start\",\"pid\":1,\"exe\":\"/usr/bin/a\",\"argv\":[\"a\"]}", socket(1, 10),
                fork(2, 1, "/usr/bin/a", "a"), exec(2, "/usr/bin/helper", "helper"), socket(2, 20),
                fork(3, 1, "/usr/bin/a", "a"), exec(3, "/usr/bin/b", "b"), socket(3, 30),
                fork(4, 3, "/usr/bin/b", "b"), exec(4, "/usr/bin/helper", "helper"), socket(4, 40),
                fork(5, 3, "/usr/bin/b", "b"), exec(5, "/usr/bin/helper", "helper"), socket(5, 50));
        ProcessGroups groups = ProcessGroups.of(map);
        assertEquals(List.of(List.of(1), List.of(2), List.of(3), List.of(4, 5)),
                groups.groups().stream().map(ProcessGroup::pids).toList());
        assertEquals("helper ×2", groups.groupOf(5).label());
    }

    @Test
    void anExchangeInsideOneGroupIsANoteAndFailedCallsAreCounted() throws Exception {
        IpcMap map = LogFixture.map(
                "{\"event\":\"start\",\"pid\":1,\"exe\":\"/usr/bin/a\",\"argv\":[\"a\"]}",
                "{\"event\":\"socketpair\",\"pid\":1,\"inodes\":[10,11],\"fds\":[3,4],\"type\":\"stream\"}",
                fork(2, 1, "/usr/bin/a", "a"),
                "{\"event\":\"rights-sent\",\"pid\":1,\"inode\":10,\"peer\":11,\"peer_pid\":2,\"descriptors\":[{\"fd\":5,\"what\":\"pipe\",\"inode\":99}]}",
                "{\"event\":\"rights-received\",\"pid\":2,\"inode\":11,\"peer\":10,\"peer_pid\":1,\"descriptors\":[{\"fd\":6,\"what\":\"pipe\",\"inode\":99}]}",
                socket(2, 12),
                "{\"event\":\"connect\",\"pid\":2,\"inode\":12,\"type\":\"stream\",\"kind\":\"path\",\"name\":\"/nowhere\",\"result\":\"ENOENT\"}");
        ProcessGroups groups = ProcessGroups.of(map);
        MapGraph folded = MapGraph.of(map, groups, Set.of());
        assertEquals(List.of(), folded.edges());
        assertEquals(List.of("a ×2", "pids 1, 2", "within: 1 socketpair, 1 descriptor passed; 1 failed call"),
                folded.node("group-1").lines());

        MapGraph expanded = MapGraph.of(map, groups, Set.of("group-1"));
        assertEquals(MapNode.Kind.EXPANDED_GROUP, expanded.node("group-1").kind());
        assertEquals("group-1", expanded.node("process-2").parent());
        assertEquals(List.of("edge-socketpairs-process-1-process-2", "edge-rights-process-1-process-2"),
                expanded.edges().stream().map(MapEdge::id).toList());
        assertTrue(expanded.node("process-2").lines().contains("1 failed call"), expanded.node("process-2").lines()::toString);
    }
}
