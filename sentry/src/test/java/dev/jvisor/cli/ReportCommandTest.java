package dev.jvisor.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `jvisor report`: what it prints, what it writes, and how it exits. */
class ReportCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int report(String... args) {
        String[] command = new String[args.length + 1];
        command[0] = "report";
        System.arraycopy(args, 0, command, 1, args.length);
        return Main.run(command, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private static String fixture() throws URISyntaxException {
        return Path.of(ReportCommandTest.class.getResource("/report/two-clients.jsonl").toURI()).toString();
    }

    @Test
    void aLogIsSummarisedOnStandardOutput() throws Exception {
        assertEquals(0, report(fixture()));
        assertTrue(out().contains("accepted by pid 101 as socket 5003"), out());
        assertEquals("", err());
    }

    @Test
    void withSvgTheMapIsWrittenAndNothingPrinted(@TempDir Path dir) throws Exception {
        Path svg = dir.resolve("map.svg");
        assertEquals(0, report("--svg", svg.toString(), fixture()));
        assertEquals("", out());
        assertEquals("", err());
        String written = Files.readString(svg);
        assertTrue(written.startsWith("<?xml"), written);
        assertTrue(written.contains("data-edge=\"edge-connects-group-2-listener-1\""), written);
    }

    @Test
    void withHtmlThePageIsWrittenAndNothingPrinted(@TempDir Path dir) throws Exception {
        Path html = dir.resolve("report.html");
        Path svg = dir.resolve("map.svg");
        assertEquals(0, report("--html", html.toString(), "--svg", svg.toString(), fixture()));
        assertEquals("", out());
        assertEquals("", err());
        String written = Files.readString(html);
        assertTrue(written.startsWith("<!DOCTYPE html>"), written);
        assertTrue(written.contains("id=\"view-group-2\""), written);
        assertTrue(Files.readString(svg).startsWith("<?xml"));
    }

    @Test
    void anUnwritablePageExitsTwo(@TempDir Path dir) throws Exception {
        Path html = dir.resolve("missing-directory/report.html");
        assertEquals(2, report("--html", html.toString(), fixture()));
        assertTrue(err().startsWith("jvisor report: cannot write " + html + ": "), err());
    }

    @Test
    void anUnreadableLogExitsTwoWithOneLine(@TempDir Path dir) {
        Path missing = dir.resolve("missing.jsonl");
        assertEquals(2, report(missing.toString()));
        assertEquals("jvisor report: cannot read " + missing + ": no such file\n", err());
        assertEquals("", out());
    }

    @Test
    void anInvalidLineExitsTwoNamingTheLine(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("bad.jsonl");
        Files.writeString(log, "{\"v\":1,\"seq\":1,\"event\":\"start\",\"pid\":1}\n{\"v\":1,\"seq\":2,\n");
        assertEquals(2, report(log.toString()));
        assertEquals("jvisor report: " + log + ": line 2: not valid JSON: "
                + "Unexpected end-of-input within/between Object entries at column 16\n", err());
        assertEquals("", out());
    }

    @Test
    void anUnknownVersionExitsTwo(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("v2.jsonl");
        Files.writeString(log, "{\"v\":2,\"seq\":1,\"event\":\"start\",\"pid\":1}\n");
        Path svg = dir.resolve("map.svg");
        assertEquals(2, report("--svg", svg.toString(), log.toString()));
        assertEquals("jvisor report: " + log + ": line 1: schema version 2 is unknown (this jvisor reads version 1)\n", err());
        assertTrue(Files.notExists(svg));
    }

    @Test
    void anSvgThatCannotBeWrittenExitsTwo(@TempDir Path dir) throws Exception {
        assertEquals(2, report("--svg", dir.toString(), fixture()));
        assertTrue(err().startsWith("jvisor report: cannot write " + dir + ": "), err());
    }

    @Test
    void badUsageExitsAsJvisorsOwnFailure() {
        assertEquals(Main.EXIT_FAILURE, report());
        assertEquals("jvisor report: no audit log to read\nTry 'jvisor --help'.\n", err());
        assertEquals(Main.EXIT_FAILURE, report("--svg"));
        assertEquals(Main.EXIT_FAILURE, report("--png", "x"));
        assertEquals(Main.EXIT_FAILURE, report("a.jsonl", "b.jsonl"));
    }

    @Test
    void optionsAreParsed() {
        assertEquals(new ReportOptions(Path.of("-log"), Path.of("m.svg"), null),
                ReportOptions.parse(new String[] {"--svg", "m.svg", "--", "-log"}));
        assertEquals(new ReportOptions(Path.of("a.jsonl"), Path.of("m.svg"), Path.of("r.html")),
                ReportOptions.parse(new String[] {"--html", "r.html", "--svg", "m.svg", "a.jsonl"}));
        assertEquals(new ReportOptions(Path.of("a.jsonl"), null, null), ReportOptions.parse(new String[] {"a.jsonl"}));
        assertEquals("--svg needs a value",
                assertThrows(IllegalArgumentException.class, () -> ReportOptions.parse(new String[] {"--svg"})).getMessage());
        assertEquals("one audit log at a time: unexpected 'b'",
                assertThrows(IllegalArgumentException.class, () -> ReportOptions.parse(new String[] {"a", "b"})).getMessage());
    }

    @Test
    void theUsageTellsOfReport() {
        assertEquals(0, Main.run(new String[] {"--help"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertTrue(out().contains("jvisor report [--svg OUT.svg] [--html OUT.html] FILE"), out());
    }
}
