package dev.jvisor.sentry.report;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The page of {@code jvisor report --html} in a real browser (headless chromium): what a user
 * sees after each click. The log is the handwritten two-clients one: a server (group-1) and
 * two clients of one program (group-2, "client ×2"), a listener, a refusal.
 */
class HtmlReportBrowserTest {
    private static HeadlessChromium browser;
    @TempDir
    static Path directory;
    private static Path page;
    private static List<AuditEvent> events;

    @BeforeAll
    static void writePage() throws Exception {
        Assumptions.assumeTrue(HeadlessChromium.missing().isEmpty(),
                () -> "not checked: " + HeadlessChromium.missing().orElseThrow());
        events = AuditLogReader.read(LogFixture.twoClients());
        page = directory.resolve("report.html");
        Files.writeString(page, HtmlReport.html(IpcMap.of(events), events, "two-clients.jsonl"), StandardCharsets.UTF_8);
        browser = HeadlessChromium.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) browser.close();
    }

    @BeforeEach
    void load() throws Exception {
        browser.open(page);
    }

    @Test
    void thePageFetchesNothing() throws Exception {
        assertEquals(List.of(), browser.strings("return Array.from(document.querySelectorAll("
                + "'script[src], link[href], img[src], iframe, object, embed, [href^=\"http\"]')).map(e => e.outerHTML);"));
        assertEquals("34 of 34 events", text("#shown-count"));
        assertEquals(List.of("view-folded"), visibleViews());
    }

    @Test
    void clickingAGroupExpandsItAndFiltersTheTimeline() throws Exception {
        browser.click("#view-folded [data-node='group-2']");
        assertEquals(List.of("view-group-2"), visibleViews());
        assertEquals(List.of("process-102", "process-103"), browser.strings("return Array.from(document.querySelectorAll("
                + "'#view-group-2 .node.process')).map(n => n.dataset.node);"));
        long clientEvents = events.stream().filter(e -> e.pid() == 102 || e.pid() == 103).count();
        assertEquals(clientEvents + " of 34 events", text("#shown-count"));
        assertEquals(List.of("102", "103"), browser.strings("return Array.from(new Set(Array.from("
                + "document.querySelectorAll('#events tbody tr')).filter(r => !r.hidden).map(r => r.dataset.pid)));"));

        // One member alone, then the frame folds the group again and shows every event.
        browser.click("#view-group-2 [data-node='process-103']");
        assertEquals(events.stream().filter(e -> e.pid() == 103).count() + " of 34 events", text("#shown-count"));
        browser.click("#view-group-2 [data-node='group-2'] > text");
        assertEquals(List.of("view-folded"), visibleViews());
        assertEquals("34 of 34 events", text("#shown-count"));
    }

    @Test
    void clickingAnArrowShowsItsConnections() throws Exception {
        assertEquals(2, browser.run("return document.querySelectorAll('details.connection:not([hidden])').length;").asInt());
        browser.click("#view-folded [data-edge='edge-connects-group-2-listener-1'] > text");
        List<String> shown = browser.strings("return Array.from(document.querySelectorAll("
                + "'details.connection')).filter(d => !d.hidden && d.open).map(d => d.querySelector('summary').textContent);");
        assertEquals(2, shown.size(), shown::toString);
        assertTrue(shown.getFirst().contains("/tmp/demo.sock"), shown::toString);
        String detail = browser.run("return document.querySelector('#connection-0').textContent;").asText();
        assertTrue(detail.contains("by read/write/send/recv: not observed"), detail);
    }

    @Test
    void theTimelineFiltersBySocketAndKind() throws Exception {
        browser.run("const k = document.getElementById('filter-kind'); k.value = 'connect';"
                + " k.dispatchEvent(new Event('change')); return null;");
        long connects = events.stream().filter(e -> e.event().equals("connect")).count();
        assertEquals(connects + " of 34 events", text("#shown-count"));
        browser.click("#filter-clear");
        browser.click("#view-folded .node.listener");
        long named = events.stream().filter(e -> e.has("name") && text(e).equals("/tmp/demo.sock")).count();
        assertEquals(named + " of 34 events", text("#shown-count"));
    }

    private static String text(AuditEvent e) {
        try {
            return e.text("name");
        } catch (AuditLogException ex) {
            throw new AssertionError(ex);
        }
    }

    private static String text(String selector) throws Exception {
        return browser.run("return document.querySelector(\"" + selector + "\").textContent;").asText();
    }

    private static List<String> visibleViews() throws Exception {
        return browser.strings("return Array.from(document.querySelectorAll('.map-view')).filter(v => !v.hidden)"
                + ".map(v => v.id);");
    }
}
