package dev.jvisor.it;

import dev.jvisor.it.support.LiveProcess;
import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import dev.jvisor.sentry.audit.AuditSchema;
import dev.jvisor.sentry.report.AuditEvent;
import dev.jvisor.sentry.report.AuditLogReader;
import dev.jvisor.sentry.report.AuditLogException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jvisor run --audit}: the audit log of the audit-scenario probe (a path listener, two
 * clients, a file passed with SCM_RIGHTS, credentials with SCM_CREDENTIALS) holds every event
 * the scenario makes, with the right peers, and nothing else; also when the program is killed
 * in the middle; every line of every log validates against docs/audit.schema.json. Its map
 * (jvisor report --svg, --html) has the processes and the edges between them.
 */
class AuditTest {
    private static final String PROBE = Runner.probe("audit-scenario");
    private static final String TRANSCRIPT = """
            server: listening
            client 1: sendmsg 1
            client 1: answer 1
            server: from client 1 1, file says passed
            client 2 (go): answer 1
            client 2: sendmsg 1
            client 2: answer 1
            server: from client 2 1, credentials of the sender yes
            server: done
            """;

    @Test
    void everyEventOfTheScenarioIsLoggedWithItsPeers(@TempDir Path directory) throws Exception {
        List<AuditEvent> events = scenario(directory);

        assertEquals(Map.ofEntries(Map.entry("start", 1L), Map.entry("fork", 2L), Map.entry("socket", 3L),
                        Map.entry("bind", 1L), Map.entry("listen", 1L), Map.entry("connect", 2L),
                        Map.entry("accept", 2L), Map.entry("rights-sent", 1L), Map.entry("rights-received", 1L),
                        Map.entry("credentials-sent", 1L), Map.entry("credentials-received", 1L),
                        Map.entry("close", 5L), Map.entry("exit", 3L)),
                counts(events), "the events of the scenario, and no others");
        for (int i = 0; i < events.size(); i++) assertEquals(i + 1, events.get(i).seq(), "seq of line " + (i + 1));

        int server = only(events, "start").pid();
        List<AuditEvent> forks = all(events, "fork");
        int client1 = forks.get(0).pid();
        int client2 = forks.get(1).pid();
        assertEquals(server, forks.get(0).number("ppid"));
        assertEquals(server, forks.get(1).number("ppid"));

        AuditEvent bind = only(events, "bind");
        long listener = bind.number("inode");
        assertEquals(List.of(server, "path", "audit.sock", "ok"),
                List.of(bind.pid(), bind.text("kind"), bind.text("name"), bind.text("result")));
        assertEquals(listener, only(events, "listen").number("inode"));
        assertEquals(4, only(events, "listen").number("backlog"));

        long socket1 = socketOf(events, client1);
        long socket2 = socketOf(events, client2);
        long accepted1 = connection(events, client1, socket1, server, listener);
        long accepted2 = connection(events, client2, socket2, server, listener);

        AuditEvent sent = only(events, "rights-sent");
        assertEquals(List.of(client1, socket1, accepted1, (long) server),
                List.of(sent.pid(), sent.number("inode"), sent.number("peer"), sent.number("peer_pid")));
        AuditEvent received = only(events, "rights-received");
        assertEquals(List.of(server, accepted1, socket1, (long) client1),
                List.of(received.pid(), received.number("inode"), received.number("peer"), received.number("peer_pid")));
        for (AuditEvent passing : List.of(sent, received)) {
            List<AuditEvent> descriptors = passing.objects("descriptors");
            assertEquals(1, descriptors.size());
            assertEquals("file", descriptors.get(0).text("what"));
            assertEquals(directory.resolve("run/passed.txt").toString(), descriptors.get(0).text("path"));
        }

        AuditEvent stated = only(events, "credentials-sent");
        assertEquals(List.of(client2, socket2, accepted2, (long) client2),
                List.of(stated.pid(), stated.number("inode"), stated.number("peer"), stated.number("cred_pid")));
        AuditEvent got = only(events, "credentials-received");
        assertEquals(List.of(server, accepted2, socket2, (long) client2, (long) client2),
                List.of(got.pid(), got.number("inode"), got.number("peer"), got.number("peer_pid"),
                        got.number("cred_pid")));

        Map<Long, String> totals = new TreeMap<>();
        for (AuditEvent close : all(events, "close")) totals.put(close.number("inode"), totals(close));
        assertEquals(new TreeMap<>(Map.of(listener, "0/0 0/0 0/0", socket1, "1/1 0/0 1/0", socket2, "1/1 0/0 0/0",
                accepted1, "0/0 1/1 0/1", accepted2, "0/0 1/1 0/0")), totals, "closes with their totals");
        assertEquals(Set.of(server, client1, client2),
                all(events, "exit").stream().map(AuditEvent::pid).collect(Collectors.toSet()));
    }

    @Test
    void theLogIsCompleteWhenTheProgramIsKilledMidRun(@TempDir Path directory) throws Exception {
        Path log = directory.resolve("audit.jsonl");
        // The probe is started directly: a shell may look its user up, and glibc's lookup opens
        // sockets (nscd) that depend on the machine's environment, not on the scenario.
        List<String> command = Runner.sandboxed(List.of("--audit", log.toString()), List.of(PROBE, "hang"));
        try (LiveProcess sandbox = LiveProcess.start(command, directory)) {
            Matcher waiting = sandbox.awaitLine("^waiting (\\d+)$");
            LiveProcess.kill("KILL", Long.parseLong(waiting.group(1)));
            RunResult result = sandbox.finish();
            assertEquals(128 + 9, result.exitCode(), "jvisor exits with the program's death by SIGKILL");
        }
        List<AuditEvent> events = read(log);
        Map<String, Long> counts = new TreeMap<>(counts(events));
        // Client 2's connect completes in the kernel, but when the server dies jvisor ends the
        // sandbox, and client 2 may be killed before its connect returns: then it is not logged.
        assertTrue(counts.remove("connect") >= 1, "client 1's connect");
        // Client 1 done, client 2 connected and accepted, the server killed
        // in recvmsg; client 2 then reads EOF and exits. Every socket is closed and every process
        // exited in the log.
        assertEquals(Map.ofEntries(Map.entry("start", 1L), Map.entry("fork", 2L), Map.entry("socket", 3L),
                        Map.entry("bind", 1L), Map.entry("listen", 1L),
                        Map.entry("accept", 2L), Map.entry("rights-sent", 1L), Map.entry("rights-received", 1L),
                        Map.entry("close", 5L), Map.entry("exit", 3L)),
                counts, "the events up to the kill, then every close and exit");
        assertEquals(events.size(), events.get(events.size() - 1).seq());
        Set<Long> made = new java.util.HashSet<>();
        for (AuditEvent event : events) {
            if (event.event().equals("socket")) made.add(event.number("inode"));
            if (event.event().equals("accept")) made.add(event.number("inode"));
        }
        assertEquals(made, all(events, "close").stream().map(e -> number(e, "inode")).collect(Collectors.toSet()),
                "every socket made is closed in the log");
    }

    /**
     * close is not trapped: a socket whose last descriptor is closed while its process goes on
     * is logged by the next sweep (CloseSweeper, every 100 ms), before anything the process does
     * a second later, and under the process that made it.
     */
    @Test
    void aSocketClosedWhileItsProcessRunsIsLoggedByTheNextSweep(@TempDir Path directory) throws Exception {
        Path log = directory.resolve("audit.jsonl");
        RunResult result = Runner.run(Runner.sandboxed(List.of("--audit", log.toString()),
                List.of("python3", Runner.resource("unix-close-then-wait.py"), "1")), "", Runner.DEFAULT_TIMEOUT);
        assertEquals(0, result.exitCode(), result.toString());
        // libc may make sockets of its own (an nscd lookup when HOME is unset), so the script names its two.
        Matcher printed = Pattern.compile("^first (\\d+)\nsecond (\\d+)\ndone\n$").matcher(result.stdout());
        assertTrue(printed.matches(), "the script's output: " + result.stdout());
        long first = Long.parseLong(printed.group(1));
        long second = Long.parseLong(printed.group(2));
        List<AuditEvent> events = AuditLogReader.read(log);
        AuditEvent madeFirst = made(events, first);
        AuditEvent madeSecond = made(events, second);
        AuditEvent closed = all(events, "close").stream().filter(e -> number(e, "inode") == first).findFirst()
                .orElseThrow(() -> new AssertionError("no close of the first socket"));
        assertTrue(closed.seq() < madeSecond.seq(),
                "the first socket's close (seq " + closed.seq() + ") before the second socket (seq " + madeSecond.seq() + ")");
        assertEquals(madeFirst.pid(), closed.pid(), "the close names the process that made the socket");
        assertTrue(all(events, "close").stream().anyMatch(e -> number(e, "inode") == second), "the second socket closed in the log");
    }

    private static AuditEvent made(List<AuditEvent> events, long inode) {
        return all(events, "socket").stream().filter(e -> number(e, "inode") == inode).findFirst()
                .orElseThrow(() -> new AssertionError("no socket event for inode " + inode));
    }

    /** A datagram to a host socket, by path and by abstract name, is refused by policy, and the log says so. */
    @Test
    void aRefusedHostSocketIsLogged(@TempDir Path directory) throws Exception {
        String reach = Runner.resource("unix-dgram-reach.py");
        for (String address : List.of(directory.resolve("host.sock").toString(),
                "@jvisor-it-audit-host-" + java.util.UUID.randomUUID())) {
            Path log = directory.resolve(address.startsWith("@") ? "refused-abstract.jsonl" : "refused-path.jsonl");
            try (LiveProcess host = LiveProcess.startNative("python3", reach, "receive", address)) {
                host.awaitLine("^ready$");
                RunResult sent = Runner.run(Runner.sandboxed(List.of("--audit", log.toString()),
                        List.of("python3", reach, "send", address, "from the sandbox")), "", Runner.DEFAULT_TIMEOUT);
                assertEquals(new RunResult(0, "sendto: ECONNREFUSED\nconnect: ECONNREFUSED\n", ""), sent);
            }
            List<String> refusals = new ArrayList<>();
            for (AuditEvent event : all(read(log), "refused")) {
                refusals.add(event.text("call") + " " + event.text("name") + " " + event.text("errno") + " "
                        + event.text("reason"));
            }
            assertEquals(List.of("sendto " + address + " ECONNREFUSED host-socket",
                    "connect " + address + " ECONNREFUSED host-socket"), refusals, "refusals of " + address);
        }
    }

    @Test
    void theMapDrawsTheProcessesAndWhatCrossedBetweenThem(@TempDir Path directory) throws Exception {
        List<AuditEvent> events = scenario(directory);
        int server = only(events, "start").pid();
        int client1 = all(events, "fork").get(0).pid();
        int client2 = all(events, "fork").get(1).pid();
        Path svg = directory.resolve("map.svg");
        Path html = directory.resolve("report.html");
        RunResult drawn = Runner.run(List.of(Runner.jvisor(), "report", "--svg", svg.toString(), "--html", html.toString(),
                directory.resolve("run/audit.jsonl").toString()), "", Runner.DEFAULT_TIMEOUT);
        assertEquals(0, drawn.exitCode(), drawn.stderr());

        // The clients are the server's forks, without exec: one group, whose exchanges are notes inside it.
        Document folded = parse(Files.readString(svg));
        assertEquals("svg", folded.getDocumentElement().getTagName());
        assertEquals(List.of(server + " " + client1 + " " + client2), nodes(folded, "group").stream()
                .map(e -> e.getAttribute("data-pids")).toList(), "one group of the three processes");
        assertEquals(List.of("group-1>listener-1 2", "listener-1>group-1 2"), edges(folded), "through the name");
        assertTrue(nodes(folded, "group").getFirst().getTextContent()
                .contains("within: 1 descriptor passed, 1 SCM_CREDENTIALS"), "the file and the credentials, inside");
        assertTrue(nodes(folded, "listener").getFirst().getAttribute("data-name").endsWith("audit.sock"));

        // The page's view of the group expanded: one box per process, and every exchange between them.
        String page = Files.readString(html);
        int view = page.indexOf("<div class=\"map-view\" id=\"view-group-1\"");
        assertTrue(view > 0, "the page has the expanded view");
        Document expanded = parse(page.substring(page.indexOf("<svg", view), page.indexOf("</svg>", view) + 6));
        assertEquals(Set.of("process-" + server, "process-" + client1, "process-" + client2),
                nodes(expanded, "process").stream().map(e -> e.getAttribute("data-node")).collect(Collectors.toSet()),
                "one box per process");
        assertEquals(Set.of("process-" + client1 + ">listener-1 1", "process-" + client2 + ">listener-1 1",
                "listener-1>process-" + server + " 2", "process-" + client1 + ">process-" + server + " 1",
                "process-" + client2 + ">process-" + server + " 1"), Set.copyOf(edges(expanded)),
                "a connection from each client to the name, both accepted by the server, the file and the credentials");
    }

    private static Document parse(String xml) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    /** Runs the scenario natively and under --audit (in DIRECTORY/run), checks both transcripts, reads the log. */
    private static List<AuditEvent> scenario(Path directory) throws Exception {
        assertEquals(new RunResult(0, TRANSCRIPT, ""), Runner.runIn(directory, "native", false, List.of(PROBE),
                Runner.DEFAULT_TIMEOUT), "the scenario natively");
        Path work = Files.createDirectory(directory.resolve("run"));
        Path log = work.resolve("audit.jsonl");
        RunResult sandboxed = Runner.run(Runner.sandboxed(List.of("--audit", log.toString()), List.of(PROBE)), "",
                Runner.DEFAULT_TIMEOUT, work);
        assertEquals(new RunResult(0, TRANSCRIPT, ""), sandboxed, "the scenario under jvisor run --audit");
        List<AuditEvent> events = read(log);
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            assertTrue(line.startsWith("{\"v\":1,"), "every line is a version 1 object: " + line);
        }
        return events;
    }

    /** The events of a log whose every line validates against docs/audit.schema.json. */
    private static List<AuditEvent> read(Path log) throws Exception {
        assertEquals(List.of(), AuditSchema.failures(log, 5), "lines of " + log + " that break the schema");
        return AuditLogReader.read(log);
    }

    /** The client's connect and the server's accept of it; returns the accepted socket's inode. */
    private static long connection(List<AuditEvent> events, int client, long socket, int server, long listener)
            throws AuditLogException {
        AuditEvent connect = all(events, "connect").stream().filter(e -> e.pid() == client).findFirst().orElseThrow();
        assertEquals(List.of(socket, "audit.sock", "ok", listener, (long) server),
                List.of(connect.number("inode"), connect.text("name"), connect.text("result"), connect.number("peer"),
                        connect.number("peer_pid")), "connect of " + client);
        AuditEvent accept = all(events, "accept").stream().filter(e -> number(e, "peer") == socket).findFirst()
                .orElseThrow();
        assertEquals(List.of(server, listener, (long) client),
                List.of(accept.pid(), accept.number("listener"), accept.number("peer_pid")), "accept of " + client);
        return accept.number("inode");
    }

    private static long socketOf(List<AuditEvent> events, int pid) throws AuditLogException {
        AuditEvent socket = all(events, "socket").stream().filter(e -> e.pid() == pid).findFirst().orElseThrow();
        assertEquals("stream", socket.text("type"));
        return socket.number("inode");
    }

    private static String totals(AuditEvent close) throws AuditLogException {
        return close.number("messages_sent") + "/" + close.number("bytes_sent") + " "
                + close.number("messages_received") + "/" + close.number("bytes_received") + " "
                + close.number("rights_sent") + "/" + close.number("rights_received");
    }

    private static long number(AuditEvent event, String name) {
        try {
            return event.number(name);
        } catch (AuditLogException e) {
            throw new AssertionError(e);
        }
    }

    private static Map<String, Long> counts(List<AuditEvent> events) {
        return events.stream().collect(Collectors.groupingBy(AuditEvent::event, Collectors.counting()));
    }

    private static List<AuditEvent> all(List<AuditEvent> events, String name) {
        return events.stream().filter(e -> e.event().equals(name)).toList();
    }

    private static AuditEvent only(List<AuditEvent> events, String name) {
        List<AuditEvent> found = all(events, name);
        assertEquals(1, found.size(), "one " + name + " event");
        return found.get(0);
    }

    private static List<Element> nodes(Document document, String kind) {
        return elements(document, "node").stream().filter(e -> List.of(e.getAttribute("class").split(" ")).contains(kind))
                .toList();
    }

    /** Arrows as "FROM>TO COUNT", in document order. */
    private static List<String> edges(Document document) {
        return elements(document, "edge").stream()
                .map(e -> e.getAttribute("data-from") + ">" + e.getAttribute("data-to") + " " + e.getAttribute("data-count"))
                .toList();
    }

    private static List<Element> elements(Document document, String className) {
        List<Element> found = new ArrayList<>();
        NodeList all = document.getElementsByTagName("*");
        for (int i = 0; i < all.getLength(); i++) {
            Element element = (Element) all.item(i);
            if (List.of(element.getAttribute("class").split(" ")).contains(className)) found.add(element);
        }
        return found;
    }
}
