package dev.jvisor.sentry.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * What the IPC map draws, before layout: the process groups ({@link ProcessGroups}), with the
 * groups named in {@code expanded} opened to show their members; the names that connect them
 * (listeners, bound datagram sockets); the host; and one counted arrow per kind of exchange
 * between two boxes. An exchange inside one box is a note in the box, not an arrow.
 *
 * @param folded the processes without AF_UNIX activity, which no box shows
 */
public record MapGraph(List<MapNode> nodes, List<MapEdge> edges, List<SandboxProcess> folded) {
    public MapGraph {
        nodes = List.copyOf(nodes);
        edges = List.copyOf(edges);
        folded = List.copyOf(folded);
    }

    public static MapGraph of(IpcMap map, ProcessGroups groups, Set<String> expanded) {
        return new Builder(map, groups, expanded).build();
    }

    /** The box, or null. */
    public MapNode node(String id) {
        for (MapNode node : nodes) {
            if (node.id().equals(id)) return node;
        }
        return null;
    }

    private static final class Builder {
        private static final String HOST = "host";

        private final IpcMap map;
        private final ProcessGroups groups;
        private final Set<String> expanded;
        private final Map<String, MapNode> nodes = new LinkedHashMap<>();
        private final Map<String, Map<MapEdge.Kind, Integer>> withinCounts = new LinkedHashMap<>();
        private final Map<String, EdgeFacts> edges = new LinkedHashMap<>();
        private final Map<String, Integer> failures = new LinkedHashMap<>();
        /** Listener boxes by the name's description ("path /run/x"). */
        private final Map<String, String> listenerIds = new LinkedHashMap<>();

        Builder(IpcMap map, ProcessGroups groups, Set<String> expanded) {
            this.map = map;
            this.groups = groups;
            this.expanded = Set.copyOf(expanded);
        }

        MapGraph build() {
            for (ProcessGroup group : groups.groups()) addGroup(group);
            List<Connection> connections = map.connections();
            for (int i = 0; i < connections.size(); i++) connection(i, connections.get(i));
            for (SandboxSocket socket : map.sockets()) {
                if (socket.backlog() == null || socket.name() == null || socket.name().name() == null) continue;
                String listener = listener(socket.name(), socket);
                String owner = node(socket.boundBy() != 0 ? socket.boundBy() : socket.maker());
                if (!edges.containsKey(key(MapEdge.Kind.ACCEPTS, listener, owner))) {
                    add(MapEdge.Kind.BOUND, listener, owner, 1, -1);
                }
            }
            for (DescriptorPassing d : map.descriptors()) {
                add(MapEdge.Kind.RIGHTS, node(d.from().pid()), node(d.to().pid()), d.descriptors().size(),
                        index(map.connectionBetween(d.from().inode(), d.to().inode())));
            }
            for (CredentialPassing c : map.credentials()) {
                MapEdge.Kind kind = c.kind() == CredentialPassing.Kind.PEER ? MapEdge.Kind.PEER_CREDENTIALS
                        : MapEdge.Kind.CREDENTIALS;
                add(kind, node(c.from().pid()), node(c.to().pid()), 1,
                        index(map.connectionBetween(c.from().inode(), c.to().inode())));
            }
            for (Refusal r : map.refusals()) add(MapEdge.Kind.REFUSED, node(r.pid()), host(), 1, -1);
            for (FailedCall f : map.failures()) failures.merge(node(f.pid()), 1, Integer::sum);

            List<MapNode> done = new ArrayList<>();
            for (MapNode node : nodes.values()) done.add(withNotes(node));
            List<MapEdge> arrows = new ArrayList<>();
            for (EdgeFacts facts : edges.values()) arrows.add(facts.edge(nodes));
            return new MapGraph(done, arrows, groups.folded());
        }

        private void addGroup(ProcessGroup group) {
            String pids = pidsText(group.pids());
            StringJoiner title = new StringJoiner("\n");
            title.add(group.label() + ": " + pids);
            for (SandboxProcess member : group.members()) title.add(describe(member));
            if (!expanded.contains(group.id())) {
                nodes.put(group.id(), new MapNode(group.id(), MapNode.Kind.GROUP, null, List.of(group.label(), pids),
                        title.toString(), group.pids(), null));
                return;
            }
            nodes.put(group.id(), new MapNode(group.id(), MapNode.Kind.EXPANDED_GROUP, null, List.of(group.label()),
                    title.toString(), group.pids(), null));
            for (SandboxProcess member : group.members()) {
                String id = "process-" + member.pid();
                nodes.put(id, new MapNode(id, MapNode.Kind.PROCESS, group.id(),
                        List.of("pid " + member.pid(), member.shortName()), describe(member), List.of(member.pid()), null));
            }
        }

        private void connection(int index, Connection c) {
            String client = node(c.client().pid());
            switch (c.kind()) {
                case CONNECT -> {
                    SocketName name = boundName(c.listener() == null ? 0 : c.listener().inode(), c.name());
                    if (name == null) {
                        if (c.server() != null) add(MapEdge.Kind.CONNECTS, client, node(c.server().pid()), 1, index);
                        return;
                    }
                    String listener = listener(name, map.socket(c.listener().inode()));
                    add(MapEdge.Kind.CONNECTS, client, listener, 1, index);
                    if (c.server() != null) add(MapEdge.Kind.ACCEPTS, listener, node(c.server().pid()), 1, index);
                }
                case DATAGRAM, SEND_TO -> {
                    long target = c.server() == null ? 0 : c.server().inode();
                    SocketName name = boundName(target, c.name());
                    int receiver = receiver(c);
                    if (name == null) {
                        add(MapEdge.Kind.DATAGRAMS, client, node(receiver), 1, index);
                        return;
                    }
                    String listener = listener(name, map.socket(target));
                    add(MapEdge.Kind.DATAGRAMS, client, listener, 1, index);
                    add(MapEdge.Kind.BOUND, listener, node(receiver), 1, index);
                }
                case SOCKETPAIR -> add(MapEdge.Kind.SOCKETPAIRS, client, node(c.server().pid()), 1, index);
            }
        }

        /** The process that holds a datagram route's receiving socket: its binder when known. */
        private int receiver(Connection c) {
            SandboxSocket socket = c.server() == null ? null : map.socket(c.server().inode());
            if (socket != null && socket.boundBy() != 0) return socket.boundBy();
            return c.server() == null ? 0 : c.server().pid();
        }

        /** The name the socket was bound to, else the name the peer gave; null for none or an unnamed one. */
        private SocketName boundName(long inode, SocketName given) {
            SandboxSocket socket = map.socket(inode);
            SocketName name = socket != null && socket.name() != null ? socket.name() : given;
            return name == null || name.name() == null ? null : name;
        }

        private String listener(SocketName name, SandboxSocket socket) {
            String key = name.described();
            String id = listenerIds.get(key);
            if (id != null) return id;
            id = "listener-" + (listenerIds.size() + 1);
            listenerIds.put(key, id);
            String what = socket != null && "dgram".equals(socket.type()) ? "datagram socket"
                    : socket != null && socket.type() != null ? socket.type() + " listener" : "listener";
            String shownName = tail(name.kind().equals("path") ? name.shown() : name.described());
            nodes.put(id, new MapNode(id, MapNode.Kind.LISTENER, null, List.of(what, shownName),
                    what + " " + name.described(), List.of(), name.name()));
            return id;
        }

        private String host() {
            nodes.computeIfAbsent(HOST, _ -> new MapNode(HOST, MapNode.Kind.HOST, null,
                    List.of("host", "outside, or not in the log"),
                    "outside the sandbox: names only host sockets hold, and peers the log does not show", List.of(), null));
            return HOST;
        }

        /** The box a process is drawn in; the host for a peer the log does not show. */
        private String node(int pid) {
            ProcessGroup group = pid == 0 ? null : groups.groupOf(pid);
            if (group == null) return host();
            return expanded.contains(group.id()) ? "process-" + pid : group.id();
        }

        private void add(MapEdge.Kind kind, String from, String to, int count, int connection) {
            if (from.equals(to)) {
                withinCounts.computeIfAbsent(from, _ -> new LinkedHashMap<>()).merge(kind, count, Integer::sum);
                return;
            }
            EdgeFacts facts = edges.computeIfAbsent(key(kind, from, to), _ -> new EdgeFacts(kind, from, to));
            facts.count += count;
            if (connection >= 0) facts.connections.add(connection);
        }

        private int index(Connection connection) {
            return connection == null ? -1 : map.connections().indexOf(connection);
        }

        /** The box with a last line for what stayed inside it, and for the calls that failed in it. */
        private MapNode withNotes(MapNode node) {
            Map<MapEdge.Kind, Integer> counts = withinCounts.get(node.id());
            Integer failed = failures.get(node.id());
            if (counts == null && failed == null) return node;
            StringJoiner note = new StringJoiner(", ");
            if (counts != null) counts.forEach((kind, count) -> note.add(kind.counted(count)));
            String text = (counts == null ? "" : "within: " + note) + (counts != null && failed != null ? "; " : "")
                    + (failed == null ? "" : failed + (failed == 1 ? " failed call" : " failed calls"));
            List<String> lines = new ArrayList<>(node.lines());
            lines.add(text);
            return new MapNode(node.id(), node.kind(), node.parent(), lines, node.title() + "\n" + text, node.pids(), node.name());
        }

        /** A long name cut at its start: a socket's own file name says more than its directories. */
        private static String tail(String name) {
            int length = name.codePointCount(0, name.length());
            if (length <= MapLayout.LINE_CHARS) return name;
            return "…" + name.substring(name.offsetByCodePoints(0, length - MapLayout.LINE_CHARS + 1));
        }

        private static String describe(SandboxProcess process) {
            Program program = process.program();
            return "pid " + process.pid() + ": " + (program == null ? "(program not seen)" : Visible.words(program.argv())
                    + (program.exe() == null ? "" : " [" + Visible.text(program.exe()) + "]"))
                    + ", " + TextReport.origin(process);
        }

        /** "pid 101", "pids 101, 102, 103", at most five named. */
        private static String pidsText(List<Integer> pids) {
            if (pids.size() == 1) return "pid " + pids.getFirst();
            StringJoiner text = new StringJoiner(", ", "pids ", "");
            for (int i = 0; i < Math.min(5, pids.size()); i++) text.add(String.valueOf(pids.get(i)));
            return text + (pids.size() > 5 ? ", …" : "");
        }
    }

    /** An arrow's id: one arrow per kind between two boxes. */
    private static String key(MapEdge.Kind kind, String from, String to) {
        return "edge-" + kind.cssClass() + "-" + from + "-" + to;
    }

    private static final class EdgeFacts {
        final MapEdge.Kind kind;
        final String from;
        final String to;
        int count;
        final Set<Integer> connections = new LinkedHashSet<>();

        EdgeFacts(MapEdge.Kind kind, String from, String to) {
            this.kind = kind;
            this.from = from;
            this.to = to;
        }

        MapEdge edge(Map<String, MapNode> nodes) {
            String id = key(kind, from, to);
            String title = kind.counted(count) + ": " + nodes.get(from).lines().getFirst() + " → "
                    + nodes.get(to).lines().getFirst();
            return new MapEdge(id, kind, from, to, count, title, List.copyOf(connections));
        }
    }
}
