package dev.jvisor.sentry.report;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What an audit log says about the sandbox's IPC: its processes and sockets, who connected
 * to whom, what crossed, and what was refused. Each list is in the order of the log (by
 * {@code seq}). The renderers ({@link TextReport}, {@link SvgMap}) read it; it knows nothing
 * of them.
 */
public record IpcMap(List<SandboxProcess> processes, List<SandboxSocket> sockets, List<Connection> connections,
                     List<DescriptorPassing> descriptors, List<CredentialPassing> credentials, List<Refusal> refusals,
                     List<FailedCall> failures) {
    public IpcMap {
        processes = List.copyOf(processes);
        sockets = List.copyOf(sockets);
        connections = List.copyOf(connections);
        descriptors = List.copyOf(descriptors);
        credentials = List.copyOf(credentials);
        refusals = List.copyOf(refusals);
        failures = List.copyOf(failures);
    }

    public static IpcMap of(List<AuditEvent> events) throws AuditLogException {
        return new IpcMapBuilder(events).build();
    }

    /** The process, or null when the log never names it. */
    public SandboxProcess process(int pid) {
        for (SandboxProcess process : processes) {
            if (process.pid() == pid) return process;
        }
        return null;
    }

    /** The socket, or null when the log never names it. */
    public SandboxSocket socket(long inode) {
        for (SandboxSocket socket : sockets) {
            if (socket.inode() == inode) return socket;
        }
        return null;
    }

    /** The connection whose ends are {@code a} and {@code b}, or null. */
    public Connection connectionBetween(long a, long b) {
        for (Connection connection : connections) {
            if (connection.joins(a, b)) return connection;
        }
        return null;
    }

    /** The descriptors passed over the connection, in order. */
    public List<DescriptorPassing> descriptorsOver(Connection connection) {
        return descriptors.stream().filter(d -> connection.joins(d.from().inode(), d.to().inode())).toList();
    }

    /** The credentials sent over the connection or asked about its peer, in order. */
    public List<CredentialPassing> credentialsOver(Connection connection) {
        return credentials.stream().filter(c -> connection.joins(c.from().inode(), c.to().inode())).toList();
    }

    /**
     * The processes parent first, each followed by its children in the order they began: a
     * drawing in this order keeps a family together. A process whose parent is not in the log
     * starts a tree of its own.
     */
    public List<SandboxProcess> forkTreeOrder() {
        Set<Integer> pids = new HashSet<>();
        for (SandboxProcess process : processes) pids.add(process.pid());
        Map<Integer, List<SandboxProcess>> children = new HashMap<>();
        for (SandboxProcess process : processes) {
            if (pids.contains(process.parent()) && process.parent() != process.pid()) {
                children.computeIfAbsent(process.parent(), _ -> new ArrayList<>()).add(process);
            }
        }
        List<SandboxProcess> ordered = new ArrayList<>();
        Set<Integer> placed = new HashSet<>();
        for (SandboxProcess process : processes) {
            if (!pids.contains(process.parent()) || process.parent() == process.pid()) addTree(process, children, placed, ordered);
        }
        // Parents in a cycle (possible only in a log that names two processes by one pid) have no root.
        for (SandboxProcess process : processes) addTree(process, children, placed, ordered);
        return ordered;
    }

    private static void addTree(SandboxProcess root, Map<Integer, List<SandboxProcess>> children, Set<Integer> placed,
                                List<SandboxProcess> ordered) {
        Deque<SandboxProcess> stack = new ArrayDeque<>();
        stack.push(root);
        while (!stack.isEmpty()) {
            SandboxProcess process = stack.pop();
            if (!placed.add(process.pid())) continue;
            ordered.add(process);
            List<SandboxProcess> family = children.getOrDefault(process.pid(), List.of());
            for (int i = family.size() - 1; i >= 0; i--) stack.push(family.get(i));
        }
    }
}
