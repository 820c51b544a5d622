package dev.jvisor.sentry.report;

import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * An {@link IpcMap} as a person reads it: the processes, the sockets, who connected to whom
 * and what crossed each connection, then the refusals and failed calls. Plain text, each
 * part in the log's order, so that two reports of one log are the same.
 */
public final class TextReport {
    private TextReport() {}

    /** The report; {@code title} names the log. */
    public static String text(IpcMap map, String title) {
        StringBuilder out = new StringBuilder();
        out.append("jvisor report: ").append(Visible.text(title)).append('\n');
        out.append(summary(map)).append('\n');
        processes(out, map);
        sockets(out, map);
        connections(out, map);
        elsewhere(out, map);
        refusals(out, map);
        failures(out, map);
        return out.toString();
    }

    private static String summary(IpcMap map) {
        return count(map.processes().size(), "process", "processes") + ", "
                + count(map.sockets().size(), "socket", "sockets") + ", "
                + count(map.connections().size(), "connection", "connections") + ", "
                + count(map.descriptors().size(), "message passing descriptors", "messages passing descriptors") + ", "
                + count(map.credentials().size(), "credential exchange", "credential exchanges") + ", "
                + count(map.refusals().size(), "refusal", "refusals") + ", "
                + count(map.failures().size(), "failed call", "failed calls");
    }

    private static void processes(StringBuilder out, IpcMap map) {
        out.append("\nProcesses\n");
        if (map.processes().isEmpty()) out.append("  (none)\n");
        for (SandboxProcess process : map.processes()) {
            out.append("  pid ").append(process.pid()).append(": ").append(origin(process));
            Program last = process.program();
            if (last != null && last.uid() != null) out.append(", uid ").append(last.uid()).append(" gid ").append(last.gid());
            out.append("; ").append(process.exitSeq() == null ? "running when the log ended"
                    : "exited (seq " + process.exitSeq() + ")").append('\n');
            boolean first = true;
            for (Program program : process.programs()) {
                out.append("      ").append(first ? "" : "exec (seq " + program.seq() + "): ")
                        .append(Visible.words(program.argv()));
                if (program.exe() != null) out.append("  [").append(Visible.text(program.exe())).append(']');
                out.append('\n');
                first = false;
            }
        }
    }

    /** How the process came to be: also under its box in the SVG. */
    static String origin(SandboxProcess process) {
        if (process.how() == null) return "not seen starting";
        if (process.how().equals("start")) return "the first process";
        return "child of " + process.parent() + " (" + process.how() + ")";
    }

    private static void sockets(StringBuilder out, IpcMap map) {
        out.append("\nSockets\n");
        if (map.sockets().isEmpty()) out.append("  (none)\n");
        for (SandboxSocket socket : map.sockets()) {
            out.append("  socket ").append(socket.inode()).append(": ").append(socket.type() == null ? "type unknown" : socket.type());
            if (socket.origin() == null) {
                out.append(", not seen made");
            } else {
                out.append(", made by pid ").append(socket.maker()).append(" with ").append(socket.origin()).append(" (");
                if (socket.fd() != null) out.append("fd ").append(socket.fd()).append(", ");
                out.append("seq ").append(socket.seq());
                for (String flag : socket.flags()) out.append(", ").append(Visible.text(flag));
                out.append(')');
            }
            List<Integer> others = socket.users().stream().filter(pid -> pid != socket.maker()).toList();
            if (!others.isEmpty()) out.append("; also used by ").append(pids(others));
            out.append('\n');
            if (socket.name() != null) {
                out.append("      name: ").append(socket.name().described()).append(", bound by pid ").append(socket.boundBy());
                if (socket.backlog() != null) out.append("; listening (backlog ").append(socket.backlog()).append(')');
                out.append('\n');
            } else if (socket.backlog() != null) {
                out.append("      listening (backlog ").append(socket.backlog()).append(")\n");
            }
            if (!socket.shutdowns().isEmpty()) {
                out.append("      shut down: ").append(String.join(", ", socket.shutdowns().stream().map(Visible::text).toList()))
                        .append('\n');
            }
            Traffic traffic = socket.traffic();
            if (traffic == null) {
                out.append("      open when the log ended\n");
            } else {
                out.append("      closed (seq ").append(socket.closedSeq()).append("): sent ").append(traffic.sent().counted())
                        .append(", received ").append(traffic.received().counted()).append(" by sendmsg/sendto and recvmsg/recvfrom (")
                        .append(Flow.NOT_OBSERVED).append(')')
                        .append("; descriptors sent ").append(traffic.rightsSent())
                        .append(", received ").append(traffic.rightsReceived()).append('\n');
            }
        }
    }

    private static void connections(StringBuilder out, IpcMap map) {
        out.append("\nConnections\n");
        if (map.connections().isEmpty()) out.append("  (none)\n");
        // docs/audit.md, Messages and bytes: a program that moves its data with read and
        // write shows 0 here, which must not read as an idle connection.
        else out.append("  (messages and bytes: sendmsg, recvmsg, sendto and recvfrom with an address, and their"
                + " mmsg forms, are counted; read, write, send and recv are not observed)\n");
        for (Connection connection : map.connections()) {
            out.append("  seq ").append(connection.seq()).append("  ").append(described(connection)).append('\n');
            for (String line : exchanges(map, connection)) out.append("      ").append(line).append('\n');
        }
    }

    /** What crossed a connection, a line each: the traffic each way, the descriptors and credentials passed. */
    static List<String> exchanges(IpcMap map, Connection connection) {
        List<String> lines = new ArrayList<>();
        SocketEnd target = connection.target();
        lines.add(flow(connection, connection.client(), target, connection.forward()));
        if (connection.kind() == Connection.Kind.CONNECT && connection.server() != null
                || connection.kind() == Connection.Kind.SOCKETPAIR) {
            lines.add(flow(connection, target, connection.client(), connection.backward()));
        }
        for (DescriptorPassing passing : map.descriptorsOver(connection)) lines.add(described(passing, false));
        for (CredentialPassing passing : map.credentialsOver(connection)) lines.add(described(passing, false));
        return lines;
    }

    /** One line for a connection: who connected to whom; also the SVG's hover text. */
    static String described(Connection c) {
        String type = " (" + (c.type() == null ? "type unknown" : c.type()) + "): ";
        return switch (c.kind()) {
            case CONNECT -> "connect" + type + socket(c.client()) + " -> " + name(c.name()) + " (listener "
                    + socket(c.listener()) + "), " + (c.server() == null ? "never accepted"
                    : "accepted by " + process(c.server().pid()) + " as socket " + c.server().inode());
            case DATAGRAM, SEND_TO -> c.kind().label() + type + socket(c.client()) + " -> " + name(c.name()) + " ("
                    + socket(c.server()) + ")";
            case SOCKETPAIR -> "socketpair" + type + socket(c.client()) + " <-> " + socket(c.server());
        };
    }

    /** "socket 5002 of pid 102". */
    private static String socket(SocketEnd end) {
        return (end.inode() == 0 ? "an unknown socket" : "socket " + end.inode()) + " of " + process(end.pid());
    }

    private static String flow(Connection connection, SocketEnd from, SocketEnd to, Flow flow) {
        String direction = direction(from, to) + ": ";
        if (flow != null) return direction + flow.described();
        if (connection.kind() == Connection.Kind.DATAGRAM || connection.kind() == Connection.Kind.SEND_TO) {
            return direction + "not told apart (socket " + from.inode()
                    + " sent to more than one socket, or was open when the log ended)";
        }
        return direction + "not observed (open when the log ended)";
    }

    /** Descriptors and credentials that crossed no connection the log shows. */
    private static void elsewhere(StringBuilder out, IpcMap map) {
        List<String> lines = new ArrayList<>();
        for (DescriptorPassing passing : map.descriptors()) {
            if (map.connectionBetween(passing.from().inode(), passing.to().inode()) == null) lines.add(described(passing, true));
        }
        for (CredentialPassing passing : map.credentials()) {
            if (map.connectionBetween(passing.from().inode(), passing.to().inode()) == null) lines.add(described(passing, true));
        }
        if (lines.isEmpty()) return;
        out.append("\nDescriptors and credentials on no connection in the log\n");
        for (String line : lines) out.append("  ").append(line).append('\n');
    }

    /** One line for a descriptor message; {@code withSockets} names the sockets too. */
    static String described(DescriptorPassing passing, boolean withSockets) {
        StringBuilder line = new StringBuilder("seq ").append(passing.seq()).append("  descriptors from ")
                .append(end(passing.from(), withSockets)).append(" to ").append(end(passing.to(), withSockets)).append(": ");
        StringJoiner descriptors = new StringJoiner("; ");
        List<PassedDescriptor> shown = passing.descriptors();
        for (int i = 0; i < shown.size(); i++) {
            PassedDescriptor d = shown.get(i);
            String fds = passing.sent().isEmpty() ? "received as fd " + d.fd()
                    : "fd " + d.fd() + (i < passing.received().size() ? ", received as fd " + passing.received().get(i).fd()
                    : ", not seen received");
            descriptors.add(d.described() + " (" + fds + ")");
        }
        return line.append(shown.isEmpty() ? "none" : descriptors.toString()).toString();
    }

    /** One line for credentials passed or asked for; {@code withSockets} names the sockets too. */
    static String described(CredentialPassing passing, boolean withSockets) {
        String seq = "seq " + passing.seq() + "  ";
        if (passing.kind() == CredentialPassing.Kind.PEER) {
            return seq + "SO_PEERCRED: " + end(passing.to(), withSockets) + " asked about its peer, "
                    + end(passing.from(), withSockets) + ": " + passing.received().described();
        }
        return seq + "credentials from " + end(passing.from(), withSockets) + " to " + end(passing.to(), withSockets)
                + ": stated " + (passing.stated() == null ? "(not seen sent)" : passing.stated().described())
                + ", received " + (passing.received() == null ? "(not seen received)" : passing.received().described());
    }

    private static void refusals(StringBuilder out, IpcMap map) {
        out.append("\nRefusals\n");
        if (map.refusals().isEmpty()) out.append("  (none)\n");
        for (Refusal refusal : map.refusals()) {
            out.append("  seq ").append(refusal.seq()).append("  pid ").append(refusal.pid()).append(' ')
                    .append(Visible.text(refusal.call())).append(" to ").append(name(refusal.name()))
                    .append(" on socket ").append(refusal.inode()).append(": ").append(Visible.text(refusal.errno()));
            if (!refusal.reason().isEmpty()) out.append(" (").append(Visible.text(refusal.reason())).append(')');
            out.append('\n');
        }
    }

    private static void failures(StringBuilder out, IpcMap map) {
        out.append("\nFailed calls\n");
        if (map.failures().isEmpty()) out.append("  (none)\n");
        for (FailedCall failure : map.failures()) {
            out.append("  seq ").append(failure.seq()).append("  pid ").append(failure.pid()).append(' ').append(failure.call());
            if (failure.name() != null) out.append(failure.call().equals("bind") ? " " : " to ").append(name(failure.name()));
            out.append(" on socket ").append(failure.inode()).append(": ").append(Visible.text(failure.result())).append('\n');
        }
    }

    private static String end(SocketEnd end, boolean withSocket) {
        String process = process(end.pid());
        if (!withSocket) return process;
        return process + " (socket " + (end.inode() == 0 ? "unknown" : String.valueOf(end.inode())) + ")";
    }

    private static String process(int pid) {
        return pid == 0 ? "a process outside the log" : "pid " + pid;
    }

    /** "102 -> 101", or by socket when both ends are in one process. */
    private static String direction(SocketEnd from, SocketEnd to) {
        if (from.pid() == to.pid()) return "socket " + from.inode() + " -> socket " + to.inode();
        return (from.pid() == 0 ? "?" : String.valueOf(from.pid())) + " -> " + (to.pid() == 0 ? "?" : String.valueOf(to.pid()));
    }

    private static String name(SocketName name) {
        return name == null ? "(no name)" : name.described();
    }

    private static String pids(List<Integer> pids) {
        return (pids.size() == 1 ? "pid " : "pids ") + String.join(", ", pids.stream().map(String::valueOf).toList());
    }

    private static String count(int n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }
}
