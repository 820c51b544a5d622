package dev.jvisor.sentry.report;

import java.util.List;

/**
 * Processes of the sandbox drawn as one node of the map: a program and the children it forked
 * without exec (a postmaster and its backends), or the runs of one program under one parent
 * group (the clients a script started).
 *
 * @param id      {@code group-N}, N from 1 in the order of the members' first events
 * @param name    what the members ran: the first member's program name
 * @param members the processes, the first one first; never empty
 */
public record ProcessGroup(String id, String name, List<SandboxProcess> members) {
    public ProcessGroup {
        members = List.copyOf(members);
        if (members.isEmpty()) throw new IllegalArgumentException("a group has members");
    }

    /** The name and, for more than one member, how many: "postgres ×13". */
    public String label() {
        return members.size() == 1 ? name : name + " ×" + members.size();
    }

    public List<Integer> pids() {
        return members.stream().map(SandboxProcess::pid).toList();
    }
}
