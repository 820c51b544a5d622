package dev.jvisor.sentry.report;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The IPC map as SVG: a {@link MapLayout}'s boxes and arrows under a heading, with a legend.
 * Processes without AF_UNIX activity are folded away and said so under the heading; the
 * others are grouped ({@link ProcessGroups}); names that connect groups are pill-shaped boxes.
 *
 * <p>The ids, classes and data attributes are a contract (docs/audit.md): every box is a
 * {@code <g class="node KIND">} with {@code data-node} (its {@link MapNode#id()}) and
 * {@code data-pids}, every arrow a {@code <g class="edge KIND">} with {@code data-edge},
 * {@code data-from}, {@code data-to}, {@code data-count} and {@code data-connections}; each has
 * a {@code <title>} first. Element ids are those names after a prefix, so that several maps
 * can share one page; a standalone map has none.
 */
public final class SvgMap {
    private static final double MARGIN = 20;
    private static final double HEADER = 64;
    private static final double LEGEND_LINE = 18;
    private static final double MIN_WIDTH = 560;

    private static final String REFUSAL_COLOUR = "#c62828";

    /** How an arrow is drawn: its colour, its dashes (null: solid), and whether it has a head at its start too. */
    private record Style(String colour, String dashes, boolean bothEnds, String meaning) {}

    private SvgMap() {}

    /** The standalone picture of the map with no group expanded; {@code title} names the log. */
    public static String svg(IpcMap map, String title) {
        ProcessGroups groups = ProcessGroups.of(map);
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + element(MapLayout.of(MapGraph.of(map, groups, Set.of())), title, "");
    }

    /** One {@code <svg>} element, for a file or a page; {@code prefix} begins each of its ids. */
    static String element(MapLayout layout, String title, String prefix) {
        MapGraph graph = layout.graph();
        Set<MapEdge.Kind> kinds = new LinkedHashSet<>();
        for (MapEdge edge : graph.edges()) kinds.add(edge.kind());
        List<String> legend = legendLines(graph, kinds);

        double width = Math.max(MIN_WIDTH, layout.width());
        double legendTop = HEADER + layout.height() + 10;
        double height = legendTop + (legend.size() + 1) * LEGEND_LINE + MARGIN;
        StringBuilder out = new StringBuilder();
        out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"").append(xml(prefix)).append("map\" width=\"")
                .append(number(width)).append("\" height=\"").append(number(height)).append("\" viewBox=\"0 0 ")
                .append(number(width)).append(' ').append(number(height))
                .append("\" font-family=\"sans-serif\" font-size=\"12\">\n");
        out.append("  <title>").append(xml("jvisor IPC map: " + title)).append("</title>\n");
        markers(out, prefix);
        out.append("  <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        text(out, MARGIN, 28, "start", " font-size=\"16\" font-weight=\"bold\"", "jvisor IPC map: " + Visible.text(title));
        text(out, MARGIN, 48, "start", " fill=\"#5f6b7a\"", summary(graph));

        out.append("  <g id=\"").append(xml(prefix)).append("graph\" transform=\"translate(0 ").append(number(HEADER)).append(")\">\n");
        // Frames first, so that the boxes inside an expanded group are drawn over it.
        for (MapNode node : graph.nodes()) {
            if (node.kind() == MapNode.Kind.EXPANDED_GROUP) node(out, node, layout.boxes().get(node.id()), prefix);
        }
        for (MapEdge edge : graph.edges()) edge(out, edge, layout.routes().get(edge.id()), prefix);
        for (MapNode node : graph.nodes()) {
            if (node.kind() != MapNode.Kind.EXPANDED_GROUP) node(out, node, layout.boxes().get(node.id()), prefix);
        }
        out.append("  </g>\n");
        legend(out, legendTop, kinds, legend, prefix);
        out.append("</svg>\n");
        return out.toString();
    }

    private static String summary(MapGraph graph) {
        long groups = graph.nodes().stream().filter(n -> n.kind() == MapNode.Kind.GROUP
                || n.kind() == MapNode.Kind.EXPANDED_GROUP).count();
        long shown = graph.nodes().stream().filter(n -> n.kind() == MapNode.Kind.GROUP
                || n.kind() == MapNode.Kind.EXPANDED_GROUP).mapToLong(n -> n.pids().size()).sum();
        int folded = graph.folded().size();
        return shown + (shown == 1 ? " process" : " processes") + " with AF_UNIX activity in " + groups
                + (groups == 1 ? " group" : " groups") + "; " + folded + (folded == 1 ? " process" : " processes")
                + " without it folded away";
    }

    private static void node(StringBuilder out, MapNode node, MapLayout.Box box, String prefix) {
        out.append("    <g id=\"").append(xml(prefix + node.id())).append("\" class=\"node ").append(node.kind().cssClass())
                .append("\" data-node=\"").append(xml(node.id())).append("\" data-pids=\"").append(join(node.pids())).append('"');
        if (node.parent() != null) out.append(" data-group=\"").append(xml(node.parent())).append('"');
        if (node.name() != null) out.append(" data-name=\"").append(xml(node.name())).append('"');
        out.append(">\n");
        out.append("      <title>").append(xmlLines(node.title())).append("</title>\n");
        String fill;
        String stroke;
        String extra = "";
        double rx = 6;
        switch (node.kind()) {
            case GROUP -> {
                fill = "#f4f7fc";
                stroke = "#44546a";
                // A stack of cards for a group of several processes.
                if (node.pids().size() > 1) rect(out, box.x() + 4, box.y() - 4, box.width(), box.height(), rx, fill, stroke, "");
            }
            case EXPANDED_GROUP -> {
                fill = "#fafbfd";
                stroke = "#44546a";
                extra = " stroke-dasharray=\"6,3\"";
            }
            case PROCESS -> {
                fill = "#ffffff";
                stroke = "#44546a";
            }
            case LISTENER -> {
                fill = "#fff8e1";
                stroke = "#9a7400";
                rx = box.height() / 2;
            }
            case HOST -> {
                fill = "#fbeeee";
                stroke = REFUSAL_COLOUR;
            }
            default -> throw new AssertionError(node.kind());
        }
        rect(out, box.x(), box.y(), box.width(), box.height(), rx, fill, stroke, extra);
        if (node.kind() == MapNode.Kind.EXPANDED_GROUP) {
            text(out, box.x() + MapLayout.PADDING, box.y() + 18, "start", " font-weight=\"bold\"",
                    shortened(node.lines().getFirst()) + "  (click to fold)");
        } else {
            double centre = box.x() + box.width() / 2;
            for (int i = 0; i < node.lines().size(); i++) {
                String attributes = i == 0 ? " font-weight=\"bold\"" : i == 2 ? " font-size=\"10\" fill=\"#5f6b7a\"" : "";
                text(out, centre, box.y() + MapLayout.PADDING / 2 + (i + 1) * MapLayout.LINE_HEIGHT - 4, "middle",
                        attributes, shortened(node.lines().get(i)));
            }
        }
        out.append("    </g>\n");
    }

    private static void rect(StringBuilder out, double x, double y, double width, double height, double rx, String fill,
                             String stroke, String extra) {
        out.append("      <rect x=\"").append(number(x)).append("\" y=\"").append(number(y)).append("\" width=\"")
                .append(number(width)).append("\" height=\"").append(number(height)).append("\" rx=\"").append(number(rx))
                .append("\" fill=\"").append(fill).append("\" stroke=\"").append(stroke).append("\" stroke-width=\"1.5\"")
                .append(extra).append("/>\n");
    }

    private static void edge(StringBuilder out, MapEdge edge, MapLayout.Route route, String prefix) {
        Style style = style(edge.kind());
        out.append("    <g id=\"").append(xml(prefix + edge.id())).append("\" class=\"edge ").append(edge.kind().cssClass())
                .append("\" data-edge=\"").append(xml(edge.id())).append("\" data-from=\"").append(xml(edge.from())).append("\" data-to=\"").append(xml(edge.to()))
                .append("\" data-count=\"").append(edge.count()).append("\" data-connections=\"")
                .append(join(edge.connections())).append("\">\n");
        out.append("      <title>").append(xmlLines(edge.title())).append("</title>\n");
        StringJoiner points = new StringJoiner(" ");
        for (MapLayout.Point point : route.points()) points.add(number(point.x()) + "," + number(point.y()));
        String marker = prefix + "arrow-" + edge.kind().cssClass();
        out.append("      <polyline points=\"").append(points).append("\" fill=\"none\" stroke=\"").append(style.colour())
                .append("\" stroke-width=\"2\"")
                .append(style.dashes() == null ? "" : " stroke-dasharray=\"" + style.dashes() + "\"")
                .append(style.bothEnds() ? " marker-start=\"url(#" + marker + ")\"" : "")
                .append(" marker-end=\"url(#").append(marker).append(")\"/>\n");
        MapLayout.Box label = route.label();
        // A white outline under the letters keeps a label readable where it crosses a line.
        text(out, label.x() + label.width() / 2, label.y() + 12, "middle",
                " fill=\"" + style.colour() + "\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\"",
                shortened(edge.label()));
        out.append("    </g>\n");
    }

    private static Style style(MapEdge.Kind kind) {
        return switch (kind) {
            case CONNECTS -> new Style("#1f5fbf", null, false, "connections: from the clients to the name they connected to");
            case ACCEPTS -> new Style("#1f5fbf", null, false, "accepted: from a name to the processes that accepted on it");
            case BOUND -> new Style("#7a8899", null, false, "bound: a name and the process that bound it");
            case DATAGRAMS -> new Style("#1f5fbf", "6,3", false, "datagram routes: senders to a name or a peer");
            case SOCKETPAIRS -> new Style("#1f5fbf", null, true, "socketpairs: the two ends' processes");
            case RIGHTS -> new Style("#c25e00", "7,4", false, "descriptors passed (SCM_RIGHTS), counted one by one");
            case CREDENTIALS -> new Style("#2e7d32", "2,3", false, "credentials in messages (SCM_CREDENTIALS)");
            case PEER_CREDENTIALS -> new Style("#2e7d32", "2,3", false,
                    "SO_PEERCRED: from the peer asked about to the process that asked");
            case REFUSED -> new Style(REFUSAL_COLOUR, null, false, "refused: names only a host socket holds");
        };
    }

    private static void markers(StringBuilder out, String prefix) {
        out.append("  <defs>\n");
        for (MapEdge.Kind kind : MapEdge.Kind.values()) {
            String colour = style(kind).colour();
            out.append("    <marker id=\"").append(xml(prefix)).append("arrow-").append(kind.cssClass())
                    .append("\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\"")
                    .append(" orient=\"auto-start-reverse\">");
            if (kind == MapEdge.Kind.REFUSED) {
                out.append("<path d=\"M 1 1 L 9 9 M 9 1 L 1 9\" stroke=\"").append(colour).append("\" stroke-width=\"2\"/>");
            } else {
                out.append("<path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"").append(colour).append("\"/>");
            }
            out.append("</marker>\n");
        }
        out.append("  </defs>\n");
    }

    private static List<String> legendLines(MapGraph graph, Set<MapEdge.Kind> kinds) {
        List<String> lines = new ArrayList<>();
        lines.add("a box: processes of one program and parent; a stack of cards: several, with their count");
        if (graph.nodes().stream().anyMatch(n -> n.kind() == MapNode.Kind.LISTENER)) {
            lines.add("a pill: a name that joins processes (a listener, a bound datagram socket)");
        }
        for (MapEdge.Kind kind : kinds) lines.add(style(kind).meaning());
        return lines;
    }

    private static void legend(StringBuilder out, double top, Set<MapEdge.Kind> kinds, List<String> lines, String prefix) {
        out.append("  <g id=\"").append(xml(prefix)).append("legend\" class=\"legend\">\n");
        text(out, MARGIN, top, "start", " font-weight=\"bold\"", "Legend");
        List<MapEdge.Kind> drawn = new ArrayList<>(kinds);
        int boxLines = lines.size() - drawn.size();
        for (int i = 0; i < lines.size(); i++) {
            double y = top + (i + 1) * LEGEND_LINE;
            if (i >= boxLines) {
                Style style = style(drawn.get(i - boxLines));
                out.append("    <line x1=\"").append(number(MARGIN)).append("\" y1=\"").append(number(y - 4))
                        .append("\" x2=\"").append(number(MARGIN + 40)).append("\" y2=\"").append(number(y - 4))
                        .append("\" stroke=\"").append(style.colour()).append("\" stroke-width=\"2\"")
                        .append(style.dashes() == null ? "" : " stroke-dasharray=\"" + style.dashes() + "\"").append("/>\n");
            }
            text(out, MARGIN + 50, y, "start", "", lines.get(i));
        }
        out.append("  </g>\n");
    }

    private static void text(StringBuilder out, double x, double y, String anchor, String attributes, String text) {
        out.append("      <text x=\"").append(number(x)).append("\" y=\"").append(number(y)).append("\" text-anchor=\"")
                .append(anchor).append('"').append(attributes).append('>').append(xml(text)).append("</text>\n");
    }

    /** At most {@link MapLayout#LINE_CHARS} characters, cut with an ellipsis; the whole text is in the title. */
    static String shortened(String text) {
        String shown = Visible.text(text);
        if (shown.codePointCount(0, shown.length()) <= MapLayout.LINE_CHARS) return shown;
        return shown.substring(0, shown.offsetByCodePoints(0, MapLayout.LINE_CHARS - 1)) + "…";
    }

    /** A coordinate with at most one decimal, the same in every locale. */
    static String number(double value) {
        double rounded = Math.round(value * 10) / 10.0;
        return rounded == Math.rint(rounded) ? String.valueOf((long) rounded) : String.format(Locale.ROOT, "%.1f", rounded);
    }

    private static String join(List<? extends Number> numbers) {
        StringJoiner joined = new StringJoiner(" ");
        for (Number n : numbers) joined.add(String.valueOf(n));
        return joined.toString();
    }

    /** A title's lines, each as {@link #xml} makes it: a hover text keeps its line breaks. */
    static String xmlLines(String text) {
        StringJoiner lines = new StringJoiner("\n");
        for (String line : text.split("\n", -1)) lines.add(xml(line));
        return lines.toString();
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
