package dev.jvisor.sentry.report;

import org.eclipse.elk.alg.layered.options.LayeredMetaDataProvider;
import org.eclipse.elk.alg.layered.options.LayeredOptions;
import org.eclipse.elk.alg.layered.options.WrappingStrategy;
import org.eclipse.elk.core.RecursiveGraphLayoutEngine;
import org.eclipse.elk.core.data.LayoutMetaDataService;
import org.eclipse.elk.core.math.ElkPadding;
import org.eclipse.elk.core.math.KVector;
import org.eclipse.elk.core.options.CoreOptions;
import org.eclipse.elk.core.options.Direction;
import org.eclipse.elk.core.options.EdgeLabelPlacement;
import org.eclipse.elk.core.options.EdgeRouting;
import org.eclipse.elk.core.options.HierarchyHandling;
import org.eclipse.elk.core.options.SizeConstraint;
import org.eclipse.elk.core.util.BasicProgressMonitor;
import org.eclipse.elk.graph.ElkEdge;
import org.eclipse.elk.graph.ElkEdgeSection;
import org.eclipse.elk.graph.ElkLabel;
import org.eclipse.elk.graph.ElkNode;
import org.eclipse.elk.graph.ElkBendPoint;
import org.eclipse.elk.graph.util.ElkGraphUtil;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link MapGraph} laid out by Eclipse ELK's layered algorithm (Sugiyama-style: boxes in
 * layers left to right, arrows routed orthogonally, labels placed on their arrows). An expanded
 * group is a box that holds its members' boxes, laid out with the rest in one pass. Sizes are
 * in SVG pixels; text is measured by an average glyph width, as the map's font is the
 * viewer's sans-serif.
 *
 * @param boxes  each node's box, in the map's coordinates, by node id
 * @param routes each edge's path and label box, by edge id
 */
public record MapLayout(MapGraph graph, double width, double height, Map<String, Box> boxes, Map<String, Route> routes) {
    /** The characters of a box's line or a label; the whole text is in its title. */
    static final int LINE_CHARS = 34;
    static final double LINE_HEIGHT = 16;
    static final double PADDING = 10;
    /** An expanded group's heading, above its members. */
    static final double HEADING = 26;
    private static final double CHAR_WIDTH = 7;
    private static final double MIN_BOX_WIDTH = 110;
    /** The room a 1920 x 1600 screen leaves for the graph once the picture's heading and legend are drawn. */
    private static final double SCREEN_WIDTH = 1880;
    private static final double SCREEN_HEIGHT = 1350;

    public MapLayout {
        boxes = Map.copyOf(boxes);
        routes = Map.copyOf(routes);
    }

    public record Box(double x, double y, double width, double height) {}

    public record Point(double x, double y) {}

    /** An arrow's points from its source to its target, and where its label goes. */
    public record Route(List<Point> points, Box label) {
        public Route {
            points = List.copyOf(points);
        }
    }

    static {
        LayoutMetaDataService.getInstance().registerLayoutMetaDataProviders(new LayeredMetaDataProvider());
    }

    /**
     * Laid out left to right, unless that is too wide for a screen and top to bottom fits it
     * better: a chain of clients, names and servers (nginx in front of a backend) is long.
     */
    public static MapLayout of(MapGraph graph) {
        MapLayout across = of(graph, Direction.RIGHT, false);
        if (across.width() <= SCREEN_WIDTH) return across;
        MapLayout down = of(graph, Direction.DOWN, false);
        if (down.overflow() <= 1) return down;
        // Neither fits: the layers left to right, wrapped into rows (ELK's graph wrapping).
        MapLayout wrapped = of(graph, Direction.RIGHT, true);
        MapLayout best = down.overflow() < across.overflow() ? down : across;
        return wrapped.overflow() < best.overflow() ? wrapped : best;
    }

    /** How far beyond the room a screen leaves for the graph, as a ratio: at most 1 when it fits. */
    private double overflow() {
        return Math.max(width / SCREEN_WIDTH, height / SCREEN_HEIGHT);
    }

    private static MapLayout of(MapGraph graph, Direction direction, boolean wrapped) {
        ElkNode root = ElkGraphUtil.createGraph();
        root.setProperty(CoreOptions.ALGORITHM, LayeredOptions.ALGORITHM_ID);
        root.setProperty(CoreOptions.DIRECTION, direction);
        if (wrapped) {
            root.setProperty(LayeredOptions.WRAPPING_STRATEGY, WrappingStrategy.MULTI_EDGE);
            root.setProperty(CoreOptions.ASPECT_RATIO, SCREEN_WIDTH / SCREEN_HEIGHT);
        }
        root.setProperty(CoreOptions.EDGE_ROUTING, EdgeRouting.ORTHOGONAL);
        root.setProperty(CoreOptions.HIERARCHY_HANDLING, HierarchyHandling.INCLUDE_CHILDREN);
        root.setProperty(CoreOptions.SPACING_NODE_NODE, 28.0);
        root.setProperty(LayeredOptions.SPACING_NODE_NODE_BETWEEN_LAYERS, 48.0);
        root.setProperty(CoreOptions.SPACING_EDGE_LABEL, 4.0);
        root.setProperty(CoreOptions.PADDING, new ElkPadding(20));

        Map<String, ElkNode> elkNodes = new LinkedHashMap<>();
        for (MapNode node : graph.nodes()) {
            ElkNode parent = node.parent() == null ? root : elkNodes.get(node.parent());
            ElkNode elk = ElkGraphUtil.createNode(parent);
            elk.setIdentifier(node.id());
            double width = Math.max(MIN_BOX_WIDTH, textWidth(node.lines()) + 2 * PADDING);
            if (node.kind() == MapNode.Kind.EXPANDED_GROUP) {
                elk.setProperty(CoreOptions.PADDING, new ElkPadding(HEADING + PADDING, PADDING, PADDING, PADDING));
                elk.setProperty(CoreOptions.NODE_SIZE_CONSTRAINTS, EnumSet.of(SizeConstraint.MINIMUM_SIZE));
                elk.setProperty(CoreOptions.NODE_SIZE_MINIMUM, new KVector(width, HEADING + 2 * PADDING));
            } else {
                elk.setDimensions(width, node.lines().size() * LINE_HEIGHT + PADDING);
            }
            elkNodes.put(node.id(), elk);
        }
        Map<String, ElkEdge> elkEdges = new LinkedHashMap<>();
        for (MapEdge edge : graph.edges()) {
            ElkEdge elk = ElkGraphUtil.createSimpleEdge(elkNodes.get(edge.from()), elkNodes.get(edge.to()));
            ElkGraphUtil.updateContainment(elk);
            ElkLabel label = ElkGraphUtil.createLabel(edge.label(), elk);
            label.setProperty(CoreOptions.EDGE_LABELS_PLACEMENT, EdgeLabelPlacement.CENTER);
            label.setDimensions(textWidth(List.of(edge.label())), LINE_HEIGHT);
            elkEdges.put(edge.id(), elk);
        }

        new RecursiveGraphLayoutEngine().layout(root, new BasicProgressMonitor());

        Map<String, Box> boxes = new LinkedHashMap<>();
        for (Map.Entry<String, ElkNode> entry : elkNodes.entrySet()) {
            ElkNode elk = entry.getValue();
            Point at = absolute(elk.getParent(), elk.getX(), elk.getY());
            boxes.put(entry.getKey(), new Box(at.x(), at.y(), elk.getWidth(), elk.getHeight()));
        }
        Map<String, Route> routes = new LinkedHashMap<>();
        for (Map.Entry<String, ElkEdge> entry : elkEdges.entrySet()) {
            ElkEdge elk = entry.getValue();
            // ELK gives an edge's points relative to the node that contains it.
            ElkNode container = elk.getContainingNode();
            List<Point> points = new ArrayList<>();
            for (ElkEdgeSection section : elk.getSections()) {
                points.add(absolute(container, section.getStartX(), section.getStartY()));
                for (ElkBendPoint bend : section.getBendPoints()) points.add(absolute(container, bend.getX(), bend.getY()));
                points.add(absolute(container, section.getEndX(), section.getEndY()));
            }
            ElkLabel label = elk.getLabels().getFirst();
            Point labelAt = absolute(container, label.getX(), label.getY());
            routes.put(entry.getKey(), new Route(points, new Box(labelAt.x(), labelAt.y(), label.getWidth(), label.getHeight())));
        }
        return new MapLayout(graph, root.getWidth(), root.getHeight(), boxes, routes);
    }

    /** Where a point given relative to {@code node} lies in the map. */
    private static Point absolute(ElkNode node, double x, double y) {
        for (ElkNode at = node; at != null && at.getParent() != null; at = at.getParent()) {
            x += at.getX();
            y += at.getY();
        }
        return new Point(x, y);
    }

    private static double textWidth(List<String> lines) {
        int most = 0;
        for (String line : lines) most = Math.max(most, Math.min(LINE_CHARS, line.codePointCount(0, line.length())));
        return most * CHAR_WIDTH;
    }
}
