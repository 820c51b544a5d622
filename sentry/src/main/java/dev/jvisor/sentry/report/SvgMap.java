package dev.jvisor.sentry.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * An {@link IpcMap} as a standalone SVG picture, laid out like a sequence diagram: the
 * processes are boxes side by side in fork-tree order, each with a lifeline below it, and
 * every exchange is one arrow between two lifelines, one row each in the log's order (time
 * runs down). Names that are no process's (refused host sockets, peers outside the log) go
 * to a "host" box at the right.
 *
 * <p>The ids, classes and data attributes are a contract (docs/audit.md): every process box is
 * {@code <g class="process" id="process-PID">}, every arrow a {@code <g>} of class
 * {@code connection}, {@code rights}, {@code credentials} or {@code refusal} with a stable id,
 * {@code data-from} and {@code data-to} (pids, or {@code host}), and each has a {@code <title>}.
 */
public final class SvgMap {
    static final String HOST = "host";

    private static final int MARGIN = 20;
    private static final int COLUMN = 220;
    private static final int BOX_WIDTH = 190;
    private static final int BOX_HEIGHT = 58;
    private static final int BOX_TOP = 50;
    private static final int ROW = 46;
    private static final int ROWS_TOP = BOX_TOP + BOX_HEIGHT + 24;
    private static final int LEGEND_LINE = 18;
    private static final int MIN_WIDTH = 560;
    private static final int LABEL_CHARS = 44;
    private static final int BOX_CHARS = 28;

    private static final String REFUSAL_COLOUR = "#c62828";

    /** How an arrow is drawn: its colour, its dashes (null: solid), the marker at its end, and whether at its start too. */
    private record Style(String colour, String dashes, String marker, boolean bothEnds) {}

    private static final Style CONNECTION = new Style("#1f5fbf", null, "arrow-connection", false);
    /** A socketpair has no client: an arrowhead at each end. */
    private static final Style PAIR = new Style("#1f5fbf", null, "arrow-connection", true);
    private static final Style RIGHTS = new Style("#c25e00", "7,4", "arrow-rights", false);
    private static final Style CREDENTIALS = new Style("#2e7d32", "2,3", "arrow-credentials", false);
    private static final Style REFUSAL = new Style(REFUSAL_COLOUR, null, "refused", false);

    private SvgMap() {}

    /** The picture; {@code title} names the log. */
    public static String svg(IpcMap map, String title) {
        List<SandboxProcess> columns = map.forkTreeOrder();
        Map<Integer, Integer> columnOf = new HashMap<>();
        for (int i = 0; i < columns.size(); i++) columnOf.put(columns.get(i).pid(), i);
        List<Edge> edges = edges(map, columnOf, columns.size());
        boolean host = edges.stream().anyMatch(e -> e.from() == columns.size() || e.to() == columns.size());

        int columnCount = columns.size() + (host ? 1 : 0);
        int width = Math.max(MIN_WIDTH, 2 * MARGIN + columnCount * COLUMN);
        int rowsBottom = ROWS_TOP + Math.max(1, edges.size()) * ROW;
        int legendTop = rowsBottom + 30;
        int height = legendTop + 7 * LEGEND_LINE + MARGIN;

        StringBuilder out = new StringBuilder();
        out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" font-family=\"sans-serif\" font-size=\"12\">\n");
        out.append("  <title>").append(xml("jvisor IPC map: " + title)).append("</title>\n");
        markers(out);
        out.append("  <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        out.append("  <text x=\"").append(MARGIN).append("\" y=\"28\" font-size=\"16\" font-weight=\"bold\">")
                .append(xml("jvisor IPC map: " + title)).append("</text>\n");

        out.append("  <g id=\"processes\">\n");
        for (int i = 0; i < columns.size(); i++) process(out, columns.get(i), i, rowsBottom);
        if (host) hostBox(out, columns.size(), rowsBottom);
        if (columns.isEmpty()) {
            out.append("    <text x=\"").append(MARGIN).append("\" y=\"").append(ROWS_TOP)
                    .append("\">No process in the log.</text>\n");
        }
        out.append("  </g>\n");

        out.append("  <g id=\"edges\">\n");
        for (int i = 0; i < edges.size(); i++) edge(out, edges.get(i), ROWS_TOP + i * ROW + ROW / 2);
        out.append("  </g>\n");
        legend(out, legendTop);
        out.append("</svg>\n");
        return out.toString();
    }

    /** One arrow: its group's id, class and data attributes, where it runs, and what it says. */
    private record Edge(String id, String cssClass, long seq, int from, int to, Map<String, String> data, String title,
                        String label, String detail, Style style) {}

    private static List<Edge> edges(IpcMap map, Map<Integer, Integer> columnOf, int hostColumn) {
        Set<String> ids = new HashSet<>();
        List<Edge> edges = new ArrayList<>();
        for (Connection c : map.connections()) {
            SocketEnd to = c.target();
            Map<String, String> data = ends(c.client(), to);
            data.put("data-kind", c.kind().label());
            if (c.type() != null) data.put("data-type", c.type());
            data.put("data-seq", String.valueOf(c.seq()));
            if (c.name() != null) {
                data.put("data-name", c.name().shown());
                data.put("data-name-kind", c.name().kind());
            }
            if (c.listener() != null) {
                data.put("data-listener", String.valueOf(c.listener().inode()));
                data.put("data-listener-pid", pid(c.listener().pid()));
            }
            flowData(data, "", c.forward());
            flowData(data, "back-", c.backward());
            String label = c.name() != null ? c.name().shown()
                    : c.kind() == Connection.Kind.SOCKETPAIR ? "socketpair " + c.client().inode() + "/" + to.inode()
                    : c.listener() != null ? "listener " + c.listener().inode()
                    : "socket " + to.inode();
            StringJoiner detail = new StringJoiner(" · ");
            if (c.kind() == Connection.Kind.CONNECT && c.server() == null) detail.add("not accepted");
            if (c.forward() != null) detail.add(direction(c.client(), to) + c.forward().brief());
            if (c.backward() != null) detail.add(direction(to, c.client()) + c.backward().brief());
            boolean pair = c.kind() == Connection.Kind.SOCKETPAIR;
            edges.add(new Edge(unique(ids, "connection-" + c.client().inode() + "-" + to.inode()), "connection", c.seq(),
                    column(columnOf, hostColumn, c.client().pid()), column(columnOf, hostColumn, to.pid()), data,
                    TextReport.described(c), label, detail.toString(), pair ? PAIR : CONNECTION));
        }
        for (DescriptorPassing d : map.descriptors()) {
            Map<String, String> data = ends(d.from(), d.to());
            data.put("data-kind", "rights");
            data.put("data-seq", String.valueOf(d.seq()));
            connectionName(map, data, d.from(), d.to());
            StringJoiner what = new StringJoiner("; ");
            for (PassedDescriptor descriptor : d.descriptors()) what.add(descriptor.described());
            data.put("data-what", what.toString());
            data.put("data-count", String.valueOf(d.descriptors().size()));
            String label = (d.descriptors().size() == 1 ? "fd: " : "fds: ") + what;
            edges.add(new Edge(unique(ids, "rights-" + d.seq()), "rights", d.seq(),
                    column(columnOf, hostColumn, d.from().pid()), column(columnOf, hostColumn, d.to().pid()), data,
                    TextReport.described(d, true), label, "", RIGHTS));
        }
        for (CredentialPassing c : map.credentials()) {
            Map<String, String> data = ends(c.from(), c.to());
            data.put("data-kind", c.kind().label());
            data.put("data-seq", String.valueOf(c.seq()));
            connectionName(map, data, c.from(), c.to());
            Credentials credentials = c.credentials();
            if (credentials != null) {
                data.put("data-cred-pid", String.valueOf(credentials.pid()));
                data.put("data-cred-uid", String.valueOf(credentials.uid()));
                data.put("data-cred-gid", String.valueOf(credentials.gid()));
            }
            String label = (c.kind() == CredentialPassing.Kind.PEER ? "SO_PEERCRED: " : "credentials: ")
                    + (credentials == null ? "?" : credentials.described());
            edges.add(new Edge(unique(ids, "credentials-" + c.seq()), "credentials", c.seq(),
                    column(columnOf, hostColumn, c.from().pid()), column(columnOf, hostColumn, c.to().pid()), data,
                    TextReport.described(c, true), label, "", CREDENTIALS));
        }
        for (Refusal r : map.refusals()) {
            Map<String, String> data = new LinkedHashMap<>();
            data.put("data-from", pid(r.pid()));
            data.put("data-to", HOST);
            data.put("data-from-socket", String.valueOf(r.inode()));
            data.put("data-kind", "refused");
            data.put("data-seq", String.valueOf(r.seq()));
            if (r.name().name() != null) data.put("data-name", r.name().shown());
            data.put("data-name-kind", r.name().kind());
            data.put("data-call", r.call());
            data.put("data-errno", r.errno());
            data.put("data-reason", r.reason());
            String title = "seq " + r.seq() + "  pid " + r.pid() + " " + r.call() + " to " + r.name().described()
                    + " on socket " + r.inode() + ": " + r.errno() + (r.reason().isEmpty() ? "" : " (" + r.reason() + ")");
            edges.add(new Edge(unique(ids, "refusal-" + r.seq()), "refusal", r.seq(),
                    column(columnOf, hostColumn, r.pid()), hostColumn, data, title,
                    r.call() + " " + r.name().shown(), "refused: " + r.errno(), REFUSAL));
        }
        edges.sort(Comparator.comparingLong(Edge::seq));
        return edges;
    }

    private static Map<String, String> ends(SocketEnd from, SocketEnd to) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("data-from", pid(from.pid()));
        data.put("data-to", pid(to.pid()));
        if (from.inode() != 0) data.put("data-from-socket", String.valueOf(from.inode()));
        if (to.inode() != 0) data.put("data-to-socket", String.valueOf(to.inode()));
        return data;
    }

    private static String direction(SocketEnd from, SocketEnd to) {
        return (from.pid() == to.pid() ? from.inode() + "→" + to.inode() : pid(from.pid()) + "→" + pid(to.pid())) + ": ";
    }

    private static void flowData(Map<String, String> data, String prefix, Flow flow) {
        if (flow == null) return;
        data.put("data-" + prefix + "messages", String.valueOf(flow.messages()));
        data.put("data-" + prefix + "bytes", String.valueOf(flow.bytes()));
    }

    /** The name of the connection something crossed, so that its arrow can be found by name too. */
    private static void connectionName(IpcMap map, Map<String, String> data, SocketEnd from, SocketEnd to) {
        Connection connection = map.connectionBetween(from.inode(), to.inode());
        if (connection != null && connection.name() != null) data.put("data-name", connection.name().shown());
    }

    private static String pid(int pid) {
        return pid == 0 ? HOST : String.valueOf(pid);
    }

    private static int column(Map<Integer, Integer> columnOf, int hostColumn, int pid) {
        return columnOf.getOrDefault(pid, hostColumn);
    }

    /** The id, or the id and a count when a strange log makes it twice: ids must be unique in a document. */
    private static String unique(Set<String> ids, String id) {
        String candidate = id;
        for (int n = 2; !ids.add(candidate); n++) candidate = id + "-" + n;
        return candidate;
    }

    private static int centre(int column) {
        return MARGIN + column * COLUMN + COLUMN / 2;
    }

    private static void process(StringBuilder out, SandboxProcess process, int column, int rowsBottom) {
        Program program = process.program();
        out.append("    <g id=\"process-").append(process.pid()).append("\" class=\"process\" data-pid=\"")
                .append(process.pid()).append('"');
        if (process.parent() != 0) out.append(" data-parent=\"").append(process.parent()).append('"');
        if (program != null && program.exe() != null) out.append(" data-exe=\"").append(xml(program.exe())).append('"');
        out.append(">\n");
        String title = "pid " + process.pid() + ": "
                + (program == null ? "" : Visible.words(program.argv()) + (program.exe() == null ? "" : " [" + program.exe() + "]") + ", ")
                + TextReport.origin(process)
                + (process.exitSeq() == null ? ", running when the log ended" : ", exited at seq " + process.exitSeq());
        out.append("      <title>").append(xml(title)).append("</title>\n");
        String under = process.how() == null || process.how().equals("start") ? TextReport.origin(process)
                : "child of " + process.parent();
        box(out, column, rowsBottom, "#f4f7fc", "#44546a", "pid " + process.pid(), process.shortName(), under);
        out.append("    </g>\n");
    }

    private static void hostBox(StringBuilder out, int column, int rowsBottom) {
        out.append("    <g id=\"").append(HOST).append("\" class=\"").append(HOST).append("\">\n");
        out.append("      <title>outside the sandbox: sockets only the host holds, and peers the log does not show</title>\n");
        box(out, column, rowsBottom, "#fbeeee", REFUSAL_COLOUR, "host", "outside the sandbox", "");
        out.append("    </g>\n");
    }

    private static void box(StringBuilder out, int column, int rowsBottom, String fill, String stroke, String heading,
                            String name, String under) {
        int x = centre(column) - BOX_WIDTH / 2;
        int cx = centre(column);
        out.append("      <line x1=\"").append(cx).append("\" y1=\"").append(BOX_TOP + BOX_HEIGHT).append("\" x2=\"").append(cx)
                .append("\" y2=\"").append(rowsBottom).append("\" stroke=\"#9aa5b1\" stroke-dasharray=\"3,4\"/>\n");
        out.append("      <rect x=\"").append(x).append("\" y=\"").append(BOX_TOP).append("\" width=\"").append(BOX_WIDTH)
                .append("\" height=\"").append(BOX_HEIGHT).append("\" rx=\"6\" fill=\"").append(fill)
                .append("\" stroke=\"").append(stroke).append("\" stroke-width=\"1.5\"/>\n");
        text(out, cx, BOX_TOP + 18, "middle", " font-weight=\"bold\"", heading);
        text(out, cx, BOX_TOP + 35, "middle", "", shortened(name, BOX_CHARS));
        if (!under.isEmpty()) text(out, cx, BOX_TOP + 50, "middle", " font-size=\"10\" fill=\"#5f6b7a\"", shortened(under, BOX_CHARS));
    }

    private static void edge(StringBuilder out, Edge e, int y) {
        out.append("    <g id=\"").append(xml(e.id())).append("\" class=\"").append(e.cssClass()).append('"');
        for (Map.Entry<String, String> attribute : e.data().entrySet()) {
            out.append(' ').append(attribute.getKey()).append("=\"").append(xml(attribute.getValue())).append('"');
        }
        out.append(">\n");
        out.append("      <title>").append(xml(e.title())).append("</title>\n");
        Style style = e.style();
        String stroke = " stroke=\"" + style.colour() + "\" stroke-width=\"2\" fill=\"none\""
                + (style.dashes() == null ? "" : " stroke-dasharray=\"" + style.dashes() + "\"")
                + (style.bothEnds() ? " marker-start=\"url(#" + style.marker() + ")\"" : "")
                + " marker-end=\"url(#" + style.marker() + ")\"";
        int x1 = centre(e.from());
        int x2 = centre(e.to());
        int labelX;
        String anchor;
        if (x1 == x2) {
            // To itself (a socketpair kept in one process): a loop off the lifeline.
            out.append("      <path d=\"M ").append(x1).append(' ').append(y - 8).append(" C ").append(x1 + 56).append(' ')
                    .append(y - 8).append(", ").append(x1 + 56).append(' ').append(y + 8).append(", ").append(x1 + 2)
                    .append(' ').append(y + 8).append('"').append(stroke).append("/>\n");
            labelX = x1 + 62;
            anchor = "start";
        } else {
            out.append("      <line x1=\"").append(x1).append("\" y1=\"").append(y).append("\" x2=\"").append(x2)
                    .append("\" y2=\"").append(y).append('"').append(stroke).append("/>\n");
            labelX = (x1 + x2) / 2;
            anchor = "middle";
        }
        // A white outline under the letters keeps a label readable where it crosses a lifeline.
        String halo = " stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\"";
        text(out, labelX, x1 == x2 ? y - 2 : y - 6, anchor, " fill=\"" + style.colour() + "\"" + halo,
                shortened(e.label(), LABEL_CHARS));
        if (!e.detail().isEmpty()) {
            text(out, labelX, x1 == x2 ? y + 12 : y + 15, anchor, " font-size=\"11\" fill=\"#333333\"" + halo,
                    shortened(e.detail(), LABEL_CHARS));
        }
        out.append("    </g>\n");
    }

    private static void text(StringBuilder out, int x, int y, String anchor, String attributes, String text) {
        out.append("      <text x=\"").append(x).append("\" y=\"").append(y).append("\" text-anchor=\"").append(anchor)
                .append('"').append(attributes).append('>').append(xml(text)).append("</text>\n");
    }

    private static void markers(StringBuilder out) {
        out.append("  <defs>\n");
        for (Style arrow : List.of(CONNECTION, RIGHTS, CREDENTIALS)) {
            out.append("    <marker id=\"").append(arrow.marker()).append("\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\"")
                    .append(" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\">")
                    .append("<path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"").append(arrow.colour()).append("\"/></marker>\n");
        }
        out.append("    <marker id=\"").append(REFUSAL.marker()).append("\" viewBox=\"0 0 10 10\" refX=\"5\" refY=\"5\" markerWidth=\"10\" markerHeight=\"10\">")
                .append("<path d=\"M 1 1 L 9 9 M 9 1 L 1 9\" stroke=\"").append(REFUSAL_COLOUR)
                .append("\" stroke-width=\"2\"/></marker>\n");
        out.append("  </defs>\n");
    }

    private static void legend(StringBuilder out, int top) {
        out.append("  <g id=\"legend\" class=\"legend\">\n");
        text(out, MARGIN, top, "start", " font-weight=\"bold\"", "Legend");
        record Line(Style style, String text) {}
        List<Line> lines = List.of(
                new Line(CONNECTION, "connection: from the client to the process that accepted it; what went each way"),
                new Line(RIGHTS, "descriptors passed (SCM_RIGHTS)"),
                new Line(CREDENTIALS, "credentials (SCM_CREDENTIALS; SO_PEERCRED: from the peer to the asker)"),
                new Line(REFUSAL, "refused: a name only a host socket holds"),
                new Line(new Style("#9aa5b1", "3,4", null, false),
                        "a process's lifeline: one row per exchange, in the log's order, time running down"));
        for (int i = 0; i < lines.size(); i++) {
            Style style = lines.get(i).style();
            int y = top + (i + 1) * LEGEND_LINE;
            out.append("    <line x1=\"").append(MARGIN).append("\" y1=\"").append(y - 4).append("\" x2=\"").append(MARGIN + 40)
                    .append("\" y2=\"").append(y - 4).append("\" stroke=\"").append(style.colour()).append("\" stroke-width=\"2\"")
                    .append(style.dashes() == null ? "" : " stroke-dasharray=\"" + style.dashes() + "\"").append("/>\n");
            text(out, MARGIN + 50, y, "start", "", lines.get(i).text());
        }
        out.append("  </g>\n");
    }

    /** At most {@code max} characters, cut with an ellipsis; the whole text is in the title. */
    private static String shortened(String text, int max) {
        String shown = Visible.text(text);
        if (shown.codePointCount(0, shown.length()) <= max) return shown;
        return shown.substring(0, shown.offsetByCodePoints(0, max - 1)) + "…";
    }

    /** Text for XML character data or a double-quoted attribute; {@link Visible} first drops what XML 1.0 forbids. */
    static String xml(String text) {
        String shown = Visible.text(text);
        StringBuilder out = new StringBuilder(shown.length());
        for (int i = 0; i < shown.length(); i++) {
            char c = shown.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
