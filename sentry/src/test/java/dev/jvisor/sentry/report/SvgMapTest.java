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
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The IPC map is XML a browser opens, with one box per process and one arrow per exchange. */
class SvgMapTest {
    private static final String SVG_NAMESPACE = "http://www.w3.org/2000/svg";
    private static final List<String> EDGE_CLASSES = List.of("connection", "rights", "credentials", "refusal");

    private static Document parse(String svg) throws Exception {
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

    /** id to class of every element whose class is one of {@code classes}. */
    private static Map<String, String> withClass(Document document, List<String> classes) {
        Map<String, String> found = new TreeMap<>();
        NodeList all = document.getElementsByTagNameNS(SVG_NAMESPACE, "*");
        for (int i = 0; i < all.getLength(); i++) {
            Element element = (Element) all.item(i);
            if (classes.contains(element.getAttribute("class"))) found.put(element.getAttribute("id"), element.getAttribute("class"));
        }
        return found;
    }

    private static Element byId(Document document, String id) {
        NodeList all = document.getElementsByTagNameNS(SVG_NAMESPACE, "*");
        for (int i = 0; i < all.getLength(); i++) {
            Element element = (Element) all.item(i);
            if (element.getAttribute("id").equals(id)) return element;
        }
        throw new AssertionError("no element with id " + id);
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
    void everyProcessIsOneBoxAndTheHostOneMore() throws Exception {
        Document svg = twoClients();
        assertEquals(Map.of("process-100", "process", "process-101", "process", "process-102", "process",
                "process-103", "process"), withClass(svg, List.of("process")));
        assertEquals(Map.of("host", "host"), withClass(svg, List.of("host")));
        assertEquals("101", byId(svg, "process-101").getAttribute("data-pid"));
        assertEquals("100", byId(svg, "process-101").getAttribute("data-parent"));
        assertTrue(byId(svg, "process-101").getTextContent().contains("server /tmp/demo.sock"));
    }

    @Test
    void everyExchangeIsOneEdgeOfItsClass() throws Exception {
        assertEquals(Map.of(
                "connection-5002-5003", "connection",
                "connection-5004-5005", "connection",
                "rights-17", "rights",
                "credentials-19", "credentials",
                "credentials-21", "credentials",
                "refusal-23", "refusal"), withClass(twoClients(), EDGE_CLASSES));
    }

    @Test
    void edgesSayWhoToWhomOverWhichName() throws Exception {
        Document svg = twoClients();
        Element first = byId(svg, "connection-5002-5003");
        assertEquals(List.of("102", "101", "/tmp/demo.sock", "connect", "5001", "101", "3", "120", "1", "2"),
                attributes(first, "data-from", "data-to", "data-name", "data-kind", "data-listener", "data-listener-pid",
                        "data-messages", "data-bytes", "data-back-messages", "data-back-bytes"));
        assertTrue(first.getTextContent().contains("102→101: 3 msgs, 120 B"), first.getTextContent());
        assertEquals(List.of("103", "101", "/tmp/demo.sock"),
                attributes(byId(svg, "connection-5004-5005"), "data-from", "data-to", "data-name"));

        Element rights = byId(svg, "rights-17");
        assertEquals(List.of("102", "101", "5002", "5003", "file /tmp/notes.txt", "1",
                "/tmp/demo.sock"), attributes(rights, "data-from", "data-to", "data-from-socket", "data-to-socket",
                "data-what", "data-count", "data-name"));
        assertTrue(rights.getTextContent().contains("fd: file /tmp/notes.txt"), rights.getTextContent());
        assertFalse(shape(rights).getAttribute("stroke-dasharray").isEmpty(), "descriptors are drawn dashed");
        assertTrue(shape(first).getAttribute("stroke-dasharray").isEmpty(), "connections are drawn solid");

        assertEquals(List.of("103", "101", "message", "103", "1000", "1000"), attributes(byId(svg, "credentials-19"),
                "data-from", "data-to", "data-kind", "data-cred-pid", "data-cred-uid", "data-cred-gid"));
        assertEquals(List.of("102", "101", "peer", "102"),
                attributes(byId(svg, "credentials-21"), "data-from", "data-to", "data-kind", "data-cred-pid"));
        assertEquals(List.of("103", "host", "/run/host-only.sock", "connect", "ECONNREFUSED", "host-socket"),
                attributes(byId(svg, "refusal-23"), "data-from", "data-to", "data-name", "data-call", "data-errno",
                        "data-reason"));
    }

    @Test
    void everyBoxAndEdgeHasATitleAndEndsOnABox() throws Exception {
        Document svg = twoClients();
        Set<String> boxes = new HashSet<>(withClass(svg, List.of("process", "host")).keySet());
        for (String id : boxes) {
            Element title = firstChildElement(byId(svg, id));
            assertEquals("title", title.getLocalName(), id);
            assertFalse(title.getTextContent().isBlank(), id);
        }
        for (String id : withClass(svg, EDGE_CLASSES).keySet()) {
            Element edge = byId(svg, id);
            Element title = firstChildElement(edge);
            assertEquals("title", title.getLocalName(), id);
            assertFalse(title.getTextContent().isBlank(), id);
            for (String end : List.of("data-from", "data-to")) {
                String pid = edge.getAttribute(end);
                assertTrue(boxes.contains(pid.equals("host") ? "host" : "process-" + pid), id + " " + end + "=" + pid);
            }
        }
    }

    @Test
    void idsAreUniqueAndTheSameEveryTime() throws Exception {
        String svg = SvgMap.svg(LogFixture.twoClientsMap(), "two-clients.jsonl");
        assertEquals(svg, SvgMap.svg(LogFixture.twoClientsMap(), "two-clients.jsonl"));
        NodeList all = parse(svg).getElementsByTagNameNS(SVG_NAMESPACE, "*");
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < all.getLength(); i++) {
            String id = ((Element) all.item(i)).getAttribute("id");
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
        assertEquals(shown, byId(svg, "connection-1-2").getAttribute("data-name"));
        assertEquals("host", byId(svg, "connection-1-2").getAttribute("data-to"));
        assertEquals(shown, byId(svg, "refusal-4").getAttribute("data-name"));
        assertEquals("/bin/<x>", byId(svg, "process-10").getAttribute("data-exe"));
        assertTrue(byId(svg, "process-10").getTextContent().contains("'</text>&amp;' '\\u0000'"));
        assertEquals("jvisor IPC map: log <&> \\u0000", firstChildElement(svg.getDocumentElement()).getTextContent());
    }

    @Test
    void aLogWithNoProcessIsStillAPicture() throws Exception {
        Document svg = parse(SvgMap.svg(LogFixture.map(), "empty.jsonl"));
        assertEquals(Map.of(), withClass(svg, List.of("process", "host", "connection", "rights", "credentials", "refusal")));
    }

    private static List<String> attributes(Element element, String... names) {
        return Arrays.stream(names).map(element::getAttribute).toList();
    }

    /** The line or path that draws an edge. */
    private static Element shape(Element edge) {
        for (Node child = edge.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof Element e && (e.getLocalName().equals("line") || e.getLocalName().equals("path"))) return e;
        }
        throw new AssertionError(edge.getAttribute("id") + " draws nothing");
    }
}
