package dev.jvisor.sentry.report;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The IPC map is XML a browser opens: one box per process group, listener and the host, one
 * counted arrow per kind of exchange between two boxes, laid out without overlaps, and small
 * enough for a screen.
 */
class SvgMapTest {
    private static final String SVG_NAMESPACE = "http://www.w3.org/2000/svg";

    static Document parse(String svg) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        DocumentBuilder builder = factory.newDocumentBuilder();
        builder.setErrorHandler(null);
        return builder.parse(new InputSource(new StringReader(svg)));
    }

    private static Document twoClients() throws Exception {
        return parse(SvgMap.svg(LogFixture.twoClientsMap(), "two-clients.jsonl"));
    }

    /** The value of {@code key} (data-node or data-edge) to the class of every element that has one. */
    private static Map<String, String> classes(Document document, String key) {
        Map<String, String> found = new TreeMap<>();
        for (Element element : elements(document)) {
            if (element.hasAttribute(key)) found.put(element.getAttribute(key), element.getAttribute("class"));
        }
        return found;
    }

    private static List<Element> elements(Document document) {
        List<Element> elements = new ArrayList<>();
        NodeList all = document.getElementsByTagNameNS(SVG_NAMESPACE, "*");
        for (int i = 0; i < all.getLength(); i++) elements.add((Element) all.item(i));
        return elements;
    }

    private static Element by(Document document, String key, String value) {
        for (Element element : elements(document)) {
            if (element.getAttribute(key).equals(value)) return element;
        }
        throw new AssertionError("no element with " + key + "=" + value);
    }

    private static Element firstChildElement(Element parent) {
        for (Node child = parent.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof Element element) return element;
        }
        throw new AssertionError(parent.getAttribute("id") + " has no child element");
    }

    @Test
    void itIsAStandaloneSvgDocument() throws Exception {
        Element root = twoClients().getDocumentElement();
        assertEquals(SVG_NAMESPACE, root.getNamespaceURI());
        assertEquals("svg", root.getLocalName());
        assertTrue(root.getAttribute("viewBox").matches("0 0 \\d+ \\d+"), root.getAttribute("viewBox"));
        assertEquals("jvisor IPC map: two-clients.jsonl", firstChildElement(root).getTextContent());
    }

    @Test
    void processesAreGroupedAndTheIdleShellIsFoldedAway() throws Exception {
        Document svg = twoClients();
        assertEquals(Map.of("group-1", "node group", "group-2", "node group", "listener-1", "node listener",
                "host", "node host"), classes(svg, "data-node"));
        assertEquals("101", by(svg, "data-node", "group-1").getAttribute("data-pids"));
        assertEquals("102 103", by(svg, "data-node", "group-2").getAttribute("data-pids"));
        assertTrue(by(svg, "data-node", "group-2").getTextContent().contains("client ×2"));
        assertEquals("/tmp/demo.sock", by(svg, "data-node", "listener-1").getAttribute("data-name"));
        String text = svg.getDocumentElement().getTextContent();
        assertTrue(text.contains("3 processes with AF_UNIX activity in 2 groups; 1 process without it folded away"), text);
    }

    @Test
    void eachKindOfExchangeBetweenTwoBoxesIsOneCountedArrow() throws Exception {
        Document svg = twoClients();
        assertEquals(Map.of(
                "edge-connects-group-2-listener-1", "edge connects",
                "edge-accepts-listener-1-group-1", "edge accepts",
                "edge-rights-group-2-group-1", "edge rights",
                "edge-credentials-group-2-group-1", "edge credentials",
                "edge-peer-credentials-group-2-group-1", "edge peer-credentials",
                "edge-refused-group-2-host", "edge refused"), classes(svg, "data-edge"));
        Element connects = by(svg, "data-edge", "edge-connects-group-2-listener-1");
        assertEquals("2", connects.getAttribute("data-count"));
        assertEquals("0 1", connects.getAttribute("data-connections"));
        assertTrue(connects.getTextContent().contains("2 connections"), connects.getTextContent());
        assertTrue(by(svg, "data-edge", "edge-rights-group-2-group-1").getTextContent().contains("1 descriptor passed"));
        for (Element element : elements(svg)) {
            if (!element.hasAttribute("data-edge") && !element.hasAttribute("data-node")) continue;
            Element title = firstChildElement(element);
            assertEquals("title", title.getLocalName());
            assertFalse(title.getTextContent().isBlank());
            if (element.hasAttribute("data-edge")) {
                for (String end : List.of("data-from", "data-to")) by(svg, "data-node", element.getAttribute(end));
            }
        }
    }

    @Test
    void idsAreUniqueAndTheSameEveryTime() throws Exception {
        String svg = SvgMap.svg(LogFixture.twoClientsMap(), "two-clients.jsonl");
        assertEquals(svg, SvgMap.svg(LogFixture.twoClientsMap(), "two-clients.jsonl"));
        Set<String> ids = new HashSet<>();
        for (Element element : elements(parse(svg))) {
            String id = element.getAttribute("id");
            assertTrue(id.isEmpty() || ids.add(id), "id twice: " + id);
        }
    }

    @Test
    void namesAndArgumentsOfAnyBytesAreEscapedIntoWellFormedXml() throws Exception {
        String name = "@<a&b>\\u0000\\\"q'\\ud800\\u001b]0;x\\u0007";
        IpcMap map = LogFixture.map(
                "{\"event\":\"start\",\"pid\":10,\"exe\":\"/bin/<x>\",\"argv\":[\"</text>&amp;\",\"\\u0000\"]}",
                "{\"event\":\"socket\",\"pid\":10,\"inode\":1,\"type\":\"dgram\"}",
                "{\"event\":\"send-to\",\"pid\":10,\"inode\":1,\"kind\":\"abstract\",\"name\":\"" + name + "\",\"peer\":2}",
                "{\"event\":\"refused\",\"pid\":10,\"call\":\"sendto\",\"inode\":1,\"kind\":\"abstract\",\"name\":\""
                        + name + "\",\"errno\":\"ECONNREFUSED\",\"reason\":\"host-socket\"}");
        Document svg = parse(SvgMap.svg(map, "log <&> \u0000"));
        String shown = "@<a&b>\\u0000\"q'\\ud800\\u001b]0;x\\u0007";
        assertEquals(shown, by(svg, "data-node", "listener-1").getAttribute("data-name"));
        assertEquals("listener-1", by(svg, "data-edge", "edge-datagrams-group-1-listener-1").getAttribute("data-to"));
        assertEquals("host", by(svg, "data-edge", "edge-refused-group-1-host").getAttribute("data-to"));
        assertTrue(by(svg, "data-node", "group-1").getTextContent().contains("'</text>&amp;' '\\u0000' [/bin/<x>]"));
        assertEquals("jvisor IPC map: log <&> \\u0000", firstChildElement(svg.getDocumentElement()).getTextContent());
    }

    @Test
    void aLogWithNoProcessIsStillAPicture() throws Exception {
        Document svg = parse(SvgMap.svg(LogFixture.map(), "empty.jsonl"));
        assertEquals(Map.of(), classes(svg, "data-node"));
        assertEquals(Map.of(), classes(svg, "data-edge"));
    }

    /**
     * The program of issue 17 in small: a database server, its twelve backends, eight clients
     * and 42 processes that never touch a socket: 64 processes. The map fits a screen, and
     * no two boxes overlap.
     */
    @Test
    void aBusyProgramFitsAScreenWithoutOverlaps() throws Exception {
        IpcMap map = LogFixture.map(LogFixture.database(42, 12, 8));
        assertEquals(64, map.processes().size());
        Document svg = parse(SvgMap.svg(map, "database.jsonl"));
        Element root = svg.getDocumentElement();
        assertTrue(Double.parseDouble(root.getAttribute("width")) <= 1920, root.getAttribute("width"));
        assertTrue(Double.parseDouble(root.getAttribute("height")) <= 1600, root.getAttribute("height"));
        assertEquals(Map.of("group-1", "node group", "group-2", "node group", "listener-1", "node listener"),
                classes(svg, "data-node"));
        assertTrue(by(svg, "data-node", "group-1").getTextContent().contains("postgres ×9"), "the postmaster and the 8 backends that served a client; 4 idle ones folded");
        assertTrue(by(svg, "data-node", "group-2").getTextContent().contains("psql ×8"));
        assertEquals("8", by(svg, "data-edge", "edge-connects-group-2-listener-1").getAttribute("data-count"));

        MapLayout layout = MapLayout.of(MapGraph.of(map, ProcessGroups.of(map), Set.of("group-1")));
        List<MapLayout.Box> boxes = new ArrayList<>();
        for (MapNode node : layout.graph().nodes()) {
            if (node.kind() != MapNode.Kind.EXPANDED_GROUP) boxes.add(layout.boxes().get(node.id()));
        }
        assertEquals(9 + 1 + 1, boxes.size());
        for (int i = 0; i < boxes.size(); i++) {
            for (int j = i + 1; j < boxes.size(); j++) {
                assertFalse(overlap(boxes.get(i), boxes.get(j)), boxes.get(i) + " and " + boxes.get(j));
            }
        }
        MapLayout.Box frame = layout.boxes().get("group-1");
        for (MapNode node : layout.graph().nodes()) {
            if (!"group-1".equals(node.parent())) continue;
            MapLayout.Box member = layout.boxes().get(node.id());
            assertTrue(member.x() >= frame.x() && member.y() >= frame.y() && member.x() + member.width() <= frame.x()
                    + frame.width() && member.y() + member.height() <= frame.y() + frame.height(), node.id() + " in its frame");
        }
    }

    /**
     * A chain of proxies, each connecting to the next one's listener, is too long across and
     * too tall down: its layers are wrapped into rows.
     */
    @Test
    void aLongChainIsWrappedToFitAScreen() throws Exception {
        List<String> events = new ArrayList<>();
        events.add("{\"event\":\"start\",\"pid\":1,\"exe\":\"/bin/sh\",\"argv\":[\"sh\"]}");
        int hops = 8;
        for (int i = 0; i < hops; i++) {
            int pid = 10 + i;
            String name = "/run/a-rather-long-directory-name/proxy-" + i + ".sock";
            events.add("{\"event\":\"fork\",\"pid\":" + pid + ",\"ppid\":1,\"how\":\"fork\",\"exe\":\"/usr/bin/proxy-" + i
                    + "\",\"argv\":[\"proxy-" + i + "\"]}");
            events.add("{\"event\":\"socket\",\"pid\":" + pid + ",\"inode\":" + (100 + i) + ",\"type\":\"stream\"}");
            events.add("{\"event\":\"bind\",\"pid\":" + pid + ",\"inode\":" + (100 + i) + ",\"kind\":\"path\",\"name\":\""
                    + name + "\",\"result\":\"ok\"}");
            events.add("{\"event\":\"listen\",\"pid\":" + pid + ",\"inode\":" + (100 + i) + ",\"backlog\":4,\"result\":\"ok\"}");
            if (i == 0) continue;
            events.add("{\"event\":\"socket\",\"pid\":" + (pid - 1) + ",\"inode\":" + (200 + i) + ",\"type\":\"stream\"}");
            events.add("{\"event\":\"connect\",\"pid\":" + (pid - 1) + ",\"inode\":" + (200 + i) + ",\"type\":\"stream\","
                    + "\"kind\":\"path\",\"name\":\"" + name + "\",\"result\":\"ok\",\"peer\":" + (100 + i) + ",\"peer_pid\":" + pid + "}");
        }
        IpcMap map = LogFixture.map(events.toArray(String[]::new));
        MapGraph graph = MapGraph.of(map, ProcessGroups.of(map), Set.of());
        assertEquals(2 * hops, graph.nodes().size());
        Element root = parse(SvgMap.svg(map, "chain.jsonl")).getDocumentElement();
        double width = Double.parseDouble(root.getAttribute("width"));
        double height = Double.parseDouble(root.getAttribute("height"));
        assertTrue(width <= 1920 && height <= 1600, width + " x " + height);
    }

    private static boolean overlap(MapLayout.Box a, MapLayout.Box b) {
        return a.x() < b.x() + b.width() && b.x() < a.x() + a.width() && a.y() < b.y() + b.height() && b.y() < a.y() + a.height();
    }
}
