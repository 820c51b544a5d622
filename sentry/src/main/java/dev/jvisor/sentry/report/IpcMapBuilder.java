package dev.jvisor.sentry.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;

/**
 * Folds the events of an audit log into an {@link IpcMap}. One pass learns the processes and
 * sockets and keeps the events that join sockets; the joins are made at the end, when every
 * socket's totals and users are known and whatever order the tracer saw two sides of one
 * exchange in (an accept can be logged before the connect it took).
 */
final class IpcMapBuilder {
    private final List<AuditEvent> events;

    private final Map<Integer, ProcessFacts> processes = new LinkedHashMap<>();
    private final Map<Long, SocketFacts> sockets = new LinkedHashMap<>();
    private final List<AuditEvent> connects = new ArrayList<>();
    private final List<AuditEvent> accepts = new ArrayList<>();
    private final List<AuditEvent> sendTos = new ArrayList<>();
    private final List<AuditEvent> socketpairs = new ArrayList<>();
    private final List<Half<List<PassedDescriptor>>> rightsSent = new ArrayList<>();
    private final List<Half<List<PassedDescriptor>>> rightsReceived = new ArrayList<>();
    private final List<Half<Credentials>> credentialsSent = new ArrayList<>();
    private final List<Half<Credentials>> credentialsReceived = new ArrayList<>();
    private final List<CredentialPassing> peerCredentials = new ArrayList<>();
    private final List<Refusal> refusals = new ArrayList<>();
    private final List<FailedCall> failures = new ArrayList<>();

    IpcMapBuilder(List<AuditEvent> events) {
        this.events = events.stream().sorted(Comparator.comparingLong(AuditEvent::seq)).toList();
    }

    IpcMap build() throws AuditLogException {
        for (AuditEvent event : events) learn(event);
        List<Connection> connections = new ArrayList<>();
        connections.addAll(connected());
        connections.addAll(datagramRoutes());
        connections.addAll(pairs());
        connections.sort(Comparator.comparingLong(Connection::seq));

        List<DescriptorPassing> descriptors = new ArrayList<>();
        for (Pair<List<PassedDescriptor>> pair : match(rightsSent, rightsReceived, (s, r) -> s.size() == r.size())) {
            descriptors.add(new DescriptorPassing(pair.seq(), pair.from(), pair.to(),
                    pair.sent() == null ? List.of() : pair.sent().payload(),
                    pair.received() == null ? List.of() : pair.received().payload()));
        }
        descriptors.sort(Comparator.comparingLong(DescriptorPassing::seq));

        List<CredentialPassing> credentials = new ArrayList<>(peerCredentials);
        for (Pair<Credentials> pair : match(credentialsSent, credentialsReceived, (_, _) -> true)) {
            credentials.add(new CredentialPassing(CredentialPassing.Kind.MESSAGE, pair.seq(), pair.from(), pair.to(),
                    pair.sent() == null ? null : pair.sent().payload(),
                    pair.received() == null ? null : pair.received().payload()));
        }
        credentials.sort(Comparator.comparingLong(CredentialPassing::seq));

        return new IpcMap(processes.values().stream().map(ProcessFacts::done).toList(),
                sockets.values().stream().map(SocketFacts::done).toList(),
                connections, descriptors, credentials, refusals, failures);
    }

    private void learn(AuditEvent e) throws AuditLogException {
        ProcessFacts process = process(e.pid(), e.seq());
        process(e.pid("peer_pid"), e.seq());
        switch (e.event()) {
            case "start", "fork" -> {
                process.parent = e.pid("ppid");
                process.how = e.event().equals("start") ? "start" : orElse(e.optionalText("how"), "fork");
                process.programs.add(program(e));
            }
            case "exec" -> process.programs.add(program(e));
            case "exit" -> process.exitSeq = e.seq();
            case "socket" -> made(e, e.number("inode"), "socket", e.has("fd") ? e.smallNumber("fd") : null);
            case "socketpair" -> {
                List<Long> inodes = e.numbers("inodes");
                if (inodes.size() != 2) throw e.problem("'inodes' does not hold two inodes");
                List<Long> fds = e.numbers("fds");
                for (int i = 0; i < 2; i++) {
                    made(e, inodes.get(i), "socketpair", fds.size() == 2 ? fds.get(i).intValue() : null);
                }
                socketpairs.add(e);
            }
            case "bind" -> {
                SocketFacts socket = used(e, e.number("inode"));
                if (succeeded(e)) {
                    socket.name = name(e);
                    socket.boundBy = e.pid();
                }
            }
            case "listen" -> {
                SocketFacts socket = used(e, e.number("inode"));
                if (succeeded(e)) socket.backlog = e.number("backlog");
            }
            case "connect" -> {
                SocketFacts socket = used(e, e.number("inode"));
                if (socket.type == null) socket.type = e.optionalText("type");
                if (succeeded(e)) {
                    e.number("peer");
                    connects.add(e);
                }
            }
            case "accept" -> {
                used(e, e.number("listener"));
                SocketFacts socket = made(e, e.number("inode"), "accept", e.has("fd") ? e.smallNumber("fd") : null);
                if (socket.type == null) socket.type = sockets.get(e.number("listener")).type;
                accepts.add(e);
            }
            case "send-to" -> {
                used(e, e.number("inode"));
                e.number("peer");
                sendTos.add(e);
            }
            case "shutdown" -> {
                SocketFacts socket = used(e, e.number("inode"));
                if (succeeded(e)) socket.shutdowns.add(e.textOrNumber("how"));
            }
            case "close" -> {
                SocketFacts socket = used(e, e.number("inode"));
                socket.closedSeq = e.seq();
                socket.traffic = new Traffic(count(e, "messages_sent"), count(e, "bytes_sent"),
                        count(e, "messages_received"), count(e, "bytes_received"),
                        count(e, "rights_sent"), count(e, "rights_received"));
            }
            case "rights-sent" -> rightsSent.add(half(e, descriptors(e)));
            case "rights-received" -> {
                List<PassedDescriptor> received = descriptors(e);
                // The receiver now holds each socket it got: it is one of that socket's users.
                for (PassedDescriptor d : received) {
                    if (d.what().equals("socket") && d.inode() != null) used(e, d.inode());
                }
                rightsReceived.add(half(e, received));
            }
            case "credentials-sent" -> credentialsSent.add(half(e, credentials(e)));
            case "credentials-received" -> credentialsReceived.add(half(e, credentials(e)));
            case "peer-credentials" -> {
                Half<Credentials> asked = half(e, credentials(e));
                peerCredentials.add(new CredentialPassing(CredentialPassing.Kind.PEER, e.seq(), asked.peer(), asked.at(),
                        null, asked.payload()));
            }
            case "refused" -> {
                used(e, e.number("inode"));
                refusals.add(new Refusal(e.seq(), e.pid(), e.text("call"), e.number("inode"), name(e), e.text("errno"),
                        orElse(e.optionalText("reason"), "")));
            }
            // A version-1 reader skips an event it does not know: a later writer may add some.
            default -> {}
        }
    }

    /** A failed call is kept to be reported; an ok one goes on. */
    private boolean succeeded(AuditEvent e) throws AuditLogException {
        String result = e.text("result");
        if (result.equals("ok")) return true;
        SocketName name = e.has("kind") ? name(e) : null;
        failures.add(new FailedCall(e.seq(), e.pid(), e.event(), e.number("inode"), name, result));
        return false;
    }

    private ProcessFacts process(int pid, long seq) {
        if (pid == 0) return null;
        return processes.computeIfAbsent(pid, _ -> new ProcessFacts(pid, seq));
    }

    private SocketFacts used(AuditEvent e, long inode) {
        SocketFacts socket = sockets.computeIfAbsent(inode, _ -> new SocketFacts(inode, e.seq()));
        socket.users.add(e.pid());
        return socket;
    }

    private SocketFacts made(AuditEvent e, long inode, String origin, Integer fd) throws AuditLogException {
        SocketFacts socket = used(e, inode);
        socket.origin = origin;
        socket.maker = e.pid();
        socket.fd = fd;
        if (e.has("type")) socket.type = e.text("type");
        socket.flags = e.texts("flags");
        return socket;
    }

    private static Program program(AuditEvent e) throws AuditLogException {
        return new Program(e.seq(), e.optionalText("exe"), e.texts("argv"), e.optionalNumber("uid"), e.optionalNumber("gid"));
    }

    private static SocketName name(AuditEvent e) throws AuditLogException {
        return new SocketName(e.text("kind"), e.optionalText("name"));
    }

    private static long count(AuditEvent e, String name) throws AuditLogException {
        Long count = e.optionalNumber(name);
        return count == null ? 0 : count;
    }

    private static Credentials credentials(AuditEvent e) throws AuditLogException {
        return new Credentials(e.number("cred_pid"), e.number("cred_uid"), e.number("cred_gid"));
    }

    private static List<PassedDescriptor> descriptors(AuditEvent e) throws AuditLogException {
        List<PassedDescriptor> descriptors = new ArrayList<>();
        for (AuditEvent d : e.objects("descriptors")) {
            descriptors.add(new PassedDescriptor(d.smallNumber("fd"), d.text("what"), d.optionalText("path"),
                    d.optionalNumber("inode"), d.optionalText("type"), d.has("kind") ? name(d) : null));
        }
        return descriptors;
    }

    private <T> Half<T> half(AuditEvent e, T payload) throws AuditLogException {
        long inode = e.number("inode");
        used(e, inode);
        Long peer = e.optionalNumber("peer");
        return new Half<>(e.seq(), new SocketEnd(inode, e.pid()),
                new SocketEnd(peer == null ? 0 : peer, e.pid("peer_pid")), payload);
    }

    /** Stream and seqpacket connections: a connect and its accept, joined by the client's inode. */
    private List<Connection> connected() throws AuditLogException {
        Map<Long, AuditEvent> acceptByClient = new HashMap<>();
        for (AuditEvent accept : accepts) {
            if (accept.has("peer")) acceptByClient.putIfAbsent(accept.number("peer"), accept);
        }
        Set<AuditEvent> taken = Collections.newSetFromMap(new IdentityHashMap<>());
        Map<AuditEvent, AuditEvent> acceptOf = new IdentityHashMap<>();
        List<AuditEvent> streamConnects = new ArrayList<>();
        for (AuditEvent connect : connects) {
            if ("dgram".equals(orElse(connect.optionalText("type"), sockets.get(connect.number("inode")).type))) continue;
            streamConnects.add(connect);
            AuditEvent accept = acceptByClient.get(connect.number("inode"));
            if (accept != null && accept.number("listener") != connect.number("peer")) accept = null;
            if (accept != null && taken.add(accept)) acceptOf.put(connect, accept);
        }
        // An accept without a peer took a client that had closed already (docs/audit.md): a
        // listener's queue is first in, first out, so it took the earliest connect to that
        // listener that no accept names.
        for (AuditEvent accept : accepts) {
            if (accept.has("peer")) continue;
            for (AuditEvent connect : streamConnects) {
                if (!acceptOf.containsKey(connect) && connect.number("peer") == accept.number("listener")) {
                    acceptOf.put(connect, accept);
                    taken.add(accept);
                    break;
                }
            }
        }
        List<Connection> connections = new ArrayList<>();
        for (AuditEvent connect : streamConnects) {
            String type = orElse(connect.optionalText("type"), sockets.get(connect.number("inode")).type);
            long clientInode = connect.number("inode");
            SocketEnd listener = new SocketEnd(connect.number("peer"), connect.pid("peer_pid"));
            AuditEvent accept = acceptOf.get(connect);
            SocketEnd client = new SocketEnd(clientInode, connect.pid());
            SocketEnd server = accept == null ? null : new SocketEnd(accept.number("inode"), accept.pid());
            long seq = accept == null ? connect.seq() : Math.min(connect.seq(), accept.seq());
            connections.add(new Connection(Connection.Kind.CONNECT, seq, type, client, server,
                    listener.pid() != 0 ? listener : new SocketEnd(listener.inode(), makerOf(listener.inode())),
                    name(connect), flow(client, server), server == null ? null : flow(server, client)));
        }
        // An accept whose connect the log lacks: the client was made outside jvisor's sight.
        for (AuditEvent accept : accepts) {
            if (taken.contains(accept)) continue;
            long listenerInode = accept.number("listener");
            SocketFacts listenerSocket = sockets.get(listenerInode);
            SocketEnd client = new SocketEnd(accept.has("peer") ? accept.number("peer") : 0, accept.pid("peer_pid"));
            SocketEnd server = new SocketEnd(accept.number("inode"), accept.pid());
            connections.add(new Connection(Connection.Kind.CONNECT, accept.seq(), listenerSocket.type, client, server,
                    new SocketEnd(listenerInode, listenerSocket.maker), listenerSocket.name,
                    flow(client, server), flow(server, client)));
        }
        return connections;
    }

    /**
     * Datagram connects and send-to routes, one per sender and receiver pair. A sender's
     * totals are the route's only when the socket has no other route: a receiver's are
     * shared by everyone who sends to it, so they say nothing of one route.
     */
    private List<Connection> datagramRoutes() throws AuditLogException {
        List<AuditEvent> established = new ArrayList<>(sendTos);
        for (AuditEvent connect : connects) {
            if ("dgram".equals(orElse(connect.optionalText("type"), sockets.get(connect.number("inode")).type))) {
                established.add(connect);
            }
        }
        established.sort(Comparator.comparingLong(AuditEvent::seq));
        Map<List<Long>, AuditEvent> routes = new LinkedHashMap<>();
        for (AuditEvent e : established) routes.putIfAbsent(List.of(e.number("inode"), e.number("peer")), e);
        Map<Long, Integer> routesPerSender = new HashMap<>();
        for (List<Long> route : routes.keySet()) routesPerSender.merge(route.getFirst(), 1, Integer::sum);
        List<Connection> connections = new ArrayList<>();
        for (AuditEvent e : routes.values()) {
            long inode = e.number("inode");
            SocketEnd sender = new SocketEnd(inode, e.pid());
            SocketEnd receiver = new SocketEnd(e.number("peer"), e.pid("peer_pid"));
            Traffic traffic = sockets.get(inode).traffic;
            Flow forward = routesPerSender.get(inode) == 1 && traffic != null ? traffic.sent() : null;
            Connection.Kind kind = e.event().equals("connect") ? Connection.Kind.DATAGRAM : Connection.Kind.SEND_TO;
            connections.add(new Connection(kind, e.seq(), "dgram", sender, receiver, null, name(e), forward, null));
        }
        return connections;
    }

    /** A socketpair's ends, each with the process that used it (docs/audit.md gives no more). */
    private List<Connection> pairs() throws AuditLogException {
        List<Connection> connections = new ArrayList<>();
        for (AuditEvent e : socketpairs) {
            List<Long> inodes = e.numbers("inodes");
            SocketEnd first = new SocketEnd(inodes.get(0), sockets.get(inodes.get(0)).done().holder());
            SocketEnd second = new SocketEnd(inodes.get(1), sockets.get(inodes.get(1)).done().holder());
            connections.add(new Connection(Connection.Kind.SOCKETPAIR, e.seq(), orElse(e.optionalText("type"), "stream"),
                    first, second, null, null, flow(first, second), flow(second, first)));
        }
        return connections;
    }

    /** What went from {@code from} to {@code to}, as both ends' totals tell it; null when neither closed. */
    private Flow flow(SocketEnd from, SocketEnd to) {
        if (to == null) {
            Traffic sender = traffic(from);
            return sender == null ? null : sender.sent();
        }
        Traffic sender = traffic(from);
        Traffic receiver = traffic(to);
        return Flow.seenBy(sender == null ? null : sender.sent(), receiver == null ? null : receiver.received());
    }

    private Traffic traffic(SocketEnd end) {
        SocketFacts socket = sockets.get(end.inode());
        return socket == null ? null : socket.traffic;
    }

    private int makerOf(long inode) {
        SocketFacts socket = sockets.get(inode);
        return socket == null ? 0 : socket.maker;
    }

    /**
     * Pairs each received half with the first sent half it can be: sent on the receiver's
     * peer, to the receiver (or to no peer: an unconnected datagram), with a payload that
     * fits. Either half may be alone (the other side outside the log).
     */
    private static <T> List<Pair<T>> match(List<Half<T>> sent, List<Half<T>> received, BiPredicate<T, T> fits) {
        Map<Long, List<Half<T>>> sentOn = new HashMap<>();
        for (Half<T> half : sent) sentOn.computeIfAbsent(half.at().inode(), _ -> new ArrayList<>()).add(half);
        Set<Half<T>> taken = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Pair<T>> pairs = new ArrayList<>();
        for (Half<T> r : received) {
            Half<T> match = null;
            for (Half<T> s : sentOn.getOrDefault(r.peer().inode(), List.of())) {
                boolean toReceiver = s.peer().inode() == 0 || s.peer().inode() == r.at().inode();
                if (!taken.contains(s) && toReceiver && fits.test(s.payload(), r.payload())) {
                    match = s;
                    break;
                }
            }
            if (match != null) taken.add(match);
            pairs.add(new Pair<>(match, r));
        }
        for (Half<T> s : sent) {
            if (!taken.contains(s)) pairs.add(new Pair<>(s, null));
        }
        return pairs;
    }

    private static <T> T orElse(T value, T otherwise) {
        return value != null ? value : otherwise;
    }

    /** One side of a message: the socket it was sent or received on, its peer, and what it carried. */
    private record Half<T>(long seq, SocketEnd at, SocketEnd peer, T payload) {}

    /** A sent half and the received half that took it; either null when the log has one side only. */
    private record Pair<T>(Half<T> sent, Half<T> received) {
        long seq() {
            if (sent == null) return received.seq();
            return received == null ? sent.seq() : Math.min(sent.seq(), received.seq());
        }

        SocketEnd from() {
            return sent != null ? sent.at() : received.peer();
        }

        SocketEnd to() {
            return received != null ? received.at() : sent.peer();
        }
    }

    private static final class ProcessFacts {
        final int pid;
        final long seq;
        int parent;
        String how;
        final List<Program> programs = new ArrayList<>();
        Long exitSeq;

        ProcessFacts(int pid, long seq) {
            this.pid = pid;
            this.seq = seq;
        }

        SandboxProcess done() {
            return new SandboxProcess(pid, parent, how, seq, programs, exitSeq);
        }
    }

    private static final class SocketFacts {
        final long inode;
        final long seq;
        String type;
        String origin;
        int maker;
        Integer fd;
        List<String> flags = List.of();
        SocketName name;
        int boundBy;
        Long backlog;
        final List<String> shutdowns = new ArrayList<>();
        Traffic traffic;
        Long closedSeq;
        final Set<Integer> users = new LinkedHashSet<>();

        SocketFacts(long inode, long seq) {
            this.inode = inode;
            this.seq = seq;
        }

        SandboxSocket done() {
            return new SandboxSocket(inode, type, origin, maker, seq, fd, flags, name, boundBy, backlog, shutdowns,
                    traffic, closedSeq, List.copyOf(users));
        }
    }
}
