package dev.jvisor.sentry.audit;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The audit log's JSON Schema (docs/audit.schema.json, draft 2020-12), loaded once, and what a
 * log's lines break of it. For tests: the sentry's own, and the integration tests' runs.
 */
public final class AuditSchema {
    /** The schema in the source tree: the build sets {@code jvisor.home} to the project's directory. */
    public static final Path FILE = Path.of(System.getProperty("jvisor.home", ".."), "docs", "audit.schema.json")
            .toAbsolutePath().normalize();
    private static final Schema SCHEMA = load();
    private static final String UNEVALUATED = "unevaluatedProperties";

    private AuditSchema() {}

    private static Schema load() {
        try (InputStream in = Files.newInputStream(FILE)) {
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What one line breaks of the schema, each as "where: what" (just "what" for the line's own
     * object); empty when it validates. When
     * an event's own part fails, none of its fields count as evaluated, so every one is also
     * reported as unevaluated: those reports are left out then, as they say nothing more.
     */
    public static List<String> problems(String line) {
        List<Error> errors = SCHEMA.validate(line, InputFormat.JSON);
        boolean cause = errors.stream().anyMatch(error -> !UNEVALUATED.equals(error.getKeyword()));
        List<String> problems = new ArrayList<>();
        for (Error error : errors) {
            if (cause && UNEVALUATED.equals(error.getKeyword())) continue;
            String where = error.getInstanceLocation().toString();
            problems.add(where.isEmpty() ? error.getMessage() : where + ": " + error.getMessage());
        }
        return problems;
    }

    /**
     * The first {@code most} lines of {@code log} that do not validate, each as
     * "line N: problems"; empty when every line does. Blank lines are not lines of the log.
     */
    public static List<String> failures(Path log, int most) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < lines.size() && failures.size() < most; i++) {
            if (lines.get(i).isBlank()) continue;
            List<String> problems = problems(lines.get(i));
            if (!problems.isEmpty()) failures.add("line " + (i + 1) + ": " + String.join("; ", problems));
        }
        return failures;
    }
}
