package dev.jvisor.sentry.report;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The processes of an {@link IpcMap} as the map draws them. A process that never made, used or
 * was an end of a socket exchange (a shell, {@code mkdir}, {@code sort}) is folded away. The
 * others are grouped by program and parent:
 * <ul>
 *   <li>a process running the program of its nearest active ancestor, which it forked without
 *       exec, joins that ancestor's group (a postmaster and its backends, nginx and its workers);
 *   <li>otherwise the processes running one program under one ancestor group (or under none)
 *       are one group (eight {@code psql} clients of one script).
 * </ul>
 * A program is known by its executable, else by argv[0]; a process the log never showed
 * running anything is a program of its own.
 */
public final class ProcessGroups {
    private final List<ProcessGroup> groups;
    private final Map<Integer, ProcessGroup> groupOf;
    private final List<SandboxProcess> folded;

    private ProcessGroups(List<ProcessGroup> groups, Map<Integer, ProcessGroup> groupOf, List<SandboxProcess> folded) {
        this.groups = List.copyOf(groups);
        this.groupOf = Map.copyOf(groupOf);
        this.folded = List.copyOf(folded);
    }

    public static ProcessGroups of(IpcMap map) {
        Set<Integer> active = active(map);
        Map<Integer, SandboxProcess> byPid = new HashMap<>();
        for (SandboxProcess process : map.processes()) byPid.put(process.pid(), process);

        // Keyed by the group a member joined through (its ancestor's) or by program and ancestor group.
        Map<Integer, String> keyOf = new HashMap<>();
        Map<String, List<SandboxProcess>> members = new LinkedHashMap<>();
        List<SandboxProcess> folded = new ArrayList<>();
        for (SandboxProcess process : map.forkTreeOrder()) {
            if (!active.contains(process.pid())) {
                folded.add(process);
                continue;
            }
            SandboxProcess ancestor = activeAncestor(process, byPid, active);
            String key;
            if (ancestor != null && program(ancestor).equals(program(process))) {
                key = keyOf.get(ancestor.pid());
            } else {
                key = program(process) + "\u0000" + (ancestor == null ? "" : keyOf.get(ancestor.pid()));
            }
            keyOf.put(process.pid(), key);
            members.computeIfAbsent(key, _ -> new ArrayList<>()).add(process);
        }

        List<List<SandboxProcess>> ordered = new ArrayList<>(members.values());
        ordered.sort((a, b) -> Long.compare(a.getFirst().seq(), b.getFirst().seq()));
        List<ProcessGroup> groups = new ArrayList<>();
        Map<Integer, ProcessGroup> groupOf = new HashMap<>();
        for (List<SandboxProcess> list : ordered) {
            ProcessGroup group = new ProcessGroup("group-" + (groups.size() + 1), name(list.getFirst()), list);
            groups.add(group);
            for (SandboxProcess process : list) groupOf.put(process.pid(), group);
        }
        return new ProcessGroups(groups, groupOf, folded);
    }

    /** The groups, in the order of their first member's first event. */
    public List<ProcessGroup> groups() {
        return groups;
    }

    /** The group of the process, or null when it is folded away or not in the log. */
    public ProcessGroup groupOf(int pid) {
        return groupOf.get(pid);
    }

    /** The processes without AF_UNIX activity, in fork-tree order. */
    public List<SandboxProcess> folded() {
        return folded;
    }

    /** The processes the map shows: each end of an exchange, and each maker, binder or user of a socket. */
    private static Set<Integer> active(IpcMap map) {
        Set<Integer> active = new LinkedHashSet<>();
        for (SandboxSocket socket : map.sockets()) {
            active.addAll(socket.users());
            active.add(socket.maker());
            active.add(socket.boundBy());
        }
        for (Connection c : map.connections()) {
            active.add(c.client().pid());
            if (c.server() != null) active.add(c.server().pid());
            if (c.listener() != null) active.add(c.listener().pid());
        }
        for (DescriptorPassing d : map.descriptors()) {
            active.add(d.from().pid());
            active.add(d.to().pid());
        }
        for (CredentialPassing c : map.credentials()) {
            active.add(c.from().pid());
            active.add(c.to().pid());
        }
        for (Refusal r : map.refusals()) active.add(r.pid());
        for (FailedCall f : map.failures()) active.add(f.pid());
        active.remove(0);
        return active;
    }

    private static SandboxProcess activeAncestor(SandboxProcess process, Map<Integer, SandboxProcess> byPid,
                                                 Set<Integer> active) {
        Set<Integer> seen = new LinkedHashSet<>();
        SandboxProcess at = byPid.get(process.parent());
        // A log naming two processes by one pid could make a cycle of parents.
        while (at != null && at.pid() != process.pid() && seen.add(at.pid())) {
            if (active.contains(at.pid())) return at;
            at = byPid.get(at.parent());
        }
        return null;
    }

    private static String program(SandboxProcess process) {
        Program program = process.program();
        if (program == null) return "pid " + process.pid();
        if (program.exe() != null) return program.exe();
        return program.argv().isEmpty() ? "pid " + process.pid() : program.argv().getFirst();
    }

    /** The command's own name: argv[0]'s last path part, else the executable's. */
    private static String name(SandboxProcess process) {
        Program program = process.program();
        if (program == null) return "pid " + process.pid();
        String command = !program.argv().isEmpty() && !program.argv().getFirst().isEmpty() ? program.argv().getFirst()
                : program.exe() == null ? "pid " + process.pid() : program.exe();
        return Visible.text(command.substring(command.lastIndexOf('/') + 1));
    }
}
