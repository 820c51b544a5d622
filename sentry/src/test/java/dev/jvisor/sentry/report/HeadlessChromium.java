package dev.jvisor.sentry.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Debian's chromium, headless, driven by its chromedriver over the W3C WebDriver protocol:
 * opens a page, clicks elements and runs scripts in it. Started with no network use of its
 * own (the flags a closed machine needs), in a fresh profile.
 */
final class HeadlessChromium implements AutoCloseable {
    /** The key under which WebDriver names an element (W3C WebDriver, "Elements"). */
    private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process driver;
    private final Path profile;
    private final HttpClient http = HttpClient.newHttpClient();
    private final String base;
    private final String session;

    private HeadlessChromium(Process driver, Path profile, String base) throws IOException, InterruptedException {
        this.driver = driver;
        this.profile = profile;
        this.base = base;
        ObjectNode options = JSON.createObjectNode();
        options.put("binary", find("chromium").orElseThrow().toString());
        options.putArray("args").add("--headless").add("--no-sandbox").add("--disable-gpu").add("--disable-quic")
                .add("--no-first-run").add("--disable-background-networking").add("--disable-component-update")
                .add("--disable-sync").add("--user-data-dir=" + profile).add("--window-size=1600,1200");
        ObjectNode capabilities = JSON.createObjectNode();
        capabilities.putObject("capabilities").putObject("alwaysMatch").put("browserName", "chrome")
                .set("goog:chromeOptions", options);
        this.session = post("/session", capabilities).get("sessionId").asText();
    }

    /** Why the browser cannot run here, or empty when it can. */
    static Optional<String> missing() {
        if (find("chromium").isEmpty()) return Optional.of("chromium is not installed (Debian package chromium)");
        if (find("chromedriver").isEmpty()) return Optional.of("chromedriver is not installed (Debian package chromium-driver)");
        return Optional.empty();
    }

    static HeadlessChromium start() throws IOException, InterruptedException {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Path profile = Files.createTempDirectory("jvisor-chromium-");
        Process driver = new ProcessBuilder(find("chromedriver").orElseThrow().toString(), "--port=" + port)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String base = "http://127.0.0.1:" + port;
        HttpClient probe = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try {
                HttpResponse<String> status = probe.send(HttpRequest.newBuilder(URI.create(base + "/status")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (JSON.readTree(status.body()).path("value").path("ready").asBoolean()) break;
            } catch (IOException notYet) {
                // chromedriver is not listening yet.
            }
            if (System.nanoTime() > deadline || !driver.isAlive()) {
                driver.destroyForcibly();
                throw new IOException("chromedriver did not become ready");
            }
            Thread.sleep(50);
        }
        return new HeadlessChromium(driver, profile, base);
    }

    void open(Path file) throws IOException, InterruptedException {
        post("/session/" + session + "/url", JSON.createObjectNode().put("url", file.toUri().toString()));
    }

    /** Clicks the first element the CSS selector finds, as a user's mouse would (WebDriver "Element Click"). */
    void click(String selector) throws IOException, InterruptedException {
        ObjectNode find = JSON.createObjectNode().put("using", "css selector").put("value", selector);
        JsonNode found = post("/session/" + session + "/element", find);
        if (!found.has(ELEMENT)) throw new IOException("no element " + selector + ": " + found);
        String element = found.get(ELEMENT).asText();
        post("/session/" + session + "/element/" + element + "/click", JSON.createObjectNode());
    }

    /** Runs {@code script} (a function body that returns a value) in the page; its value as JSON. */
    JsonNode run(String script) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode().put("script", script);
        body.putArray("args");
        return post("/session/" + session + "/execute/sync", body);
    }

    List<String> strings(String script) throws IOException, InterruptedException {
        return Stream.of(JSON.treeToValue(run(script), String[].class)).toList();
    }

    private JsonNode post(String path, JsonNode body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        JsonNode value = JSON.readTree(response.body()).path("value");
        if (response.statusCode() != 200) throw new IOException("WebDriver " + path + ": " + value);
        return value;
    }

    @Override
    public void close() throws IOException {
        try {
            http.send(HttpRequest.newBuilder(URI.create(base + "/session/" + session)).DELETE().build(),
                    HttpResponse.BodyHandlers.discarding());
        } catch (IOException | InterruptedException e) {
            // The driver is ended below either way.
        } finally {
            driver.destroy();
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    private static Optional<Path> find(String command) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(entry -> Path.of(entry, command)).filter(Files::isExecutable).findFirst();
    }
}
