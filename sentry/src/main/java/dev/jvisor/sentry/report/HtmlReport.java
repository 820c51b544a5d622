package dev.jvisor.sentry.report;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;

/**
 * {@code jvisor report --html}: one self-contained page (its style, script and pictures inline,
 * nothing fetched) with the IPC map, whose groups expand on a click; a timeline of every event,
 * filtered by process, socket and kind; and the detail of each connection, which a click on an
 * arrow narrows to the arrow's connections. Each expanded view is laid out when the page is
 * written, so the page needs no layout code of its own.
 */
public final class HtmlReport {
    /** Fields every event has, or that the timeline shows in columns of their own. */
    private static final Set<String> COLUMNS = Set.of("v", "seq", "time", "event", "pid");
    /** Fields that name sockets, by inode: what the socket filter matches. */
    private static final Set<String> SOCKET_FIELDS = Set.of("inode", "peer", "listener", "inodes");

    private HtmlReport() {}

    /** The page; {@code events} are the log's, {@code title} names it. */
    public static String html(IpcMap map, List<AuditEvent> events, String title) {
        ProcessGroups groups = ProcessGroups.of(map);
        StringBuilder out = new StringBuilder();
        out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .append(SvgMap.xml("jvisor IPC report: " + title)).append("</title>\n<style>\n")
                .append(resource("report.css")).append("</style>\n</head>\n<body>\n");
        out.append("<h1>jvisor IPC report</h1>\n<p class=\"summary\">").append(SvgMap.xml(title)).append(": ")
                .append(events.size()).append(" events, ").append(map.processes().size()).append(" processes, ")
                .append(map.sockets().size()).append(" sockets, ").append(map.connections().size())
                .append(" connections</p>\n");
        maps(out, map, groups, title);
        connections(out, map);
        timeline(out, map, groups, events);
        out.append("<script>\n").append(resource("report.js")).append("</script>\n</body>\n</html>\n");
        return out.toString();
    }

    private static void maps(StringBuilder out, IpcMap map, ProcessGroups groups, String title) {
        out.append("<h2>Map</h2>\n<p class=\"hint\">Click a group to expand it and to show only its events in the"
                + " timeline; click its frame to fold it again. Click an arrow for its connections.</p>\n");
        out.append("<div id=\"maps\">\n");
        view(out, MapLayout.of(MapGraph.of(map, groups, Set.of())), title, "");
        for (ProcessGroup group : groups.groups()) {
            if (group.members().size() < 2) continue;
            view(out, MapLayout.of(MapGraph.of(map, groups, Set.of(group.id()))), title, group.id());
        }
        out.append("</div>\n");
    }

    private static void view(StringBuilder out, MapLayout layout, String title, String expanded) {
        String view = expanded.isEmpty() ? "folded" : expanded;
        out.append("<div class=\"map-view\" id=\"view-").append(view).append("\" data-expanded=\"").append(expanded)
                .append("\">\n").append(SvgMap.element(layout, title, view + "-")).append("</div>\n");
    }

    private static void connections(StringBuilder out, IpcMap map) {
        out.append("<h2>Connections</h2>\n<p class=\"hint\" id=\"detail-hint\">Click an arrow to see only its"
                + " connections.</p>\n<p class=\"hint not-observed\">Messages and bytes are counted for sendmsg, recvmsg,"
                + " sendto and recvfrom with an address; what went by read, write, send and recv was not observed.</p>\n");
        List<Connection> connections = map.connections();
        if (connections.isEmpty()) out.append("<p>(none)</p>\n");
        for (int i = 0; i < connections.size(); i++) {
            Connection c = connections.get(i);
            out.append("<details class=\"connection\" id=\"connection-").append(i).append("\" data-index=\"").append(i)
                    .append("\"><summary>seq ").append(c.seq()).append(": ").append(SvgMap.xml(TextReport.described(c)))
                    .append("</summary>\n<ul>\n");
            for (String line : TextReport.exchanges(map, c)) out.append("<li>").append(SvgMap.xml(line)).append("</li>\n");
            out.append("</ul></details>\n");
        }
    }

    private static void timeline(StringBuilder out, IpcMap map, ProcessGroups groups, List<AuditEvent> events) {
        out.append("<h2>Timeline</h2>\n<form id=\"filters\" onsubmit=\"return false\">\n");
        out.append("<label>process <select id=\"filter-process\"><option value=\"\">all</option>\n");
        for (ProcessGroup group : groups.groups()) {
            out.append("<option value=\"").append(group.id()).append("\">").append(SvgMap.xml(group.label()))
                    .append("</option>\n");
            if (group.members().size() < 2) continue;
            for (SandboxProcess member : group.members()) {
                out.append("<option value=\"pid-").append(member.pid()).append("\">&#160;&#160;pid ").append(member.pid())
                        .append(' ').append(SvgMap.xml(SvgMap.shortened(member.shortName()))).append("</option>\n");
            }
        }
        out.append("</select></label>\n<label>socket <input id=\"filter-socket\" size=\"24\""
                + " placeholder=\"inode or name\"></label>\n<label>kind <select id=\"filter-kind\"><option value=\"\">all</option>\n");
        Set<String> kinds = new TreeSet<>();
        for (AuditEvent e : events) kinds.add(e.event());
        for (String kind : kinds) {
            out.append("<option value=\"").append(SvgMap.xml(kind)).append("\">").append(SvgMap.xml(kind)).append("</option>\n");
        }
        out.append("</select></label>\n<button id=\"filter-clear\" type=\"button\">show all</button>\n"
                + "<span id=\"shown-count\"></span>\n</form>\n");
        out.append("<table id=\"events\">\n<thead><tr><th>seq</th><th>time</th><th>process</th><th>event</th>"
                + "<th>detail</th></tr></thead>\n<tbody>\n");
        List<AuditEvent> ordered = new ArrayList<>(events);
        ordered.sort((a, b) -> Long.compare(a.seq(), b.seq()));
        for (AuditEvent e : ordered) row(out, map, groups, e);
        out.append("</tbody>\n</table>\n");
    }

    private static void row(StringBuilder out, IpcMap map, ProcessGroups groups, AuditEvent e) {
        ProcessGroup group = groups.groupOf(e.pid());
        Set<String> sockets = new LinkedHashSet<>();
        Set<String> names = new LinkedHashSet<>();
        StringJoiner detail = new StringJoiner(" ");
        boolean failed = false;
        for (Map.Entry<String, JsonNode> field : e.fields().properties()) {
            String name = field.getKey();
            if (COLUMNS.contains(name)) continue;
            JsonNode value = field.getValue();
            if (SOCKET_FIELDS.contains(name)) collectNumbers(value, sockets);
            if (name.equals("name") && value.isTextual()) names.add(Visible.text(value.textValue()));
            if (name.equals("result") && value.isTextual() && !value.textValue().equals("ok")) failed = true;
            detail.add(name + "=" + shown(value));
        }
        SandboxProcess process = map.process(e.pid());
        out.append("<tr data-seq=\"").append(e.seq()).append("\" data-pid=\"").append(e.pid()).append("\" data-group=\"")
                .append(group == null ? "" : group.id()).append("\" data-kind=\"").append(SvgMap.xml(e.event()))
                .append("\" data-sockets=\"").append(String.join(" ", sockets)).append("\" data-names=\"")
                .append(SvgMap.xml(String.join(" ", names))).append('"').append(failed ? " class=\"failed\"" : "")
                .append("><td>").append(e.seq()).append("</td><td>").append(SvgMap.xml(time(e))).append("</td><td>pid ")
                .append(e.pid()).append(' ').append(SvgMap.xml(SvgMap.shortened(process == null ? "?" : process.shortName())))
                .append("</td><td>").append(SvgMap.xml(e.event())).append("</td><td class=\"detail\">")
                .append(SvgMap.xml(detail.toString())).append("</td></tr>\n");
    }

    private static void collectNumbers(JsonNode value, Set<String> into) {
        if (value.isNumber()) into.add(value.asText());
        if (value.isArray()) value.forEach(element -> collectNumbers(element, into));
    }

    /** A field's value as the log has it, JSON-like: a string quoted, an array in brackets. */
    private static String shown(JsonNode value) {
        if (value.isTextual()) return "\"" + Visible.text(value.textValue()) + "\"";
        if (value.isArray()) {
            StringJoiner elements = new StringJoiner(",", "[", "]");
            value.forEach(element -> elements.add(shown(element)));
            return elements.toString();
        }
        if (value.isObject()) {
            StringJoiner members = new StringJoiner(",", "{", "}");
            for (Map.Entry<String, JsonNode> member : value.properties()) members.add(member.getKey() + "=" + shown(member.getValue()));
            return members.toString();
        }
        return value.asText();
    }

    /** The time of day of an event ("05:08:49.359"), or "" when the log gives none. */
    private static String time(AuditEvent e) {
        try {
            String time = e.optionalText("time");
            if (time == null) return "";
            int t = time.indexOf('T');
            return t < 0 ? time : time.substring(t + 1).replace("Z", "");
        } catch (AuditLogException wrongType) {
            return "";
        }
    }

    private static String resource(String name) {
        try (InputStream in = HtmlReport.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
