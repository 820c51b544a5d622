package dev.jvisor.sentry.conform;

import dev.jvisor.sentry.trace.CallRecord;
import dev.jvisor.sentry.trace.Json;

import java.util.List;
import java.util.StringJoiner;

/** A {@link Comparison} as a person reads it, or as JSON for machines. */
public final class ConformReport {
    private ConformReport() {}

    public static String text(Comparison comparison) {
        StringBuilder out = new StringBuilder();
        out.append("jvisor conform: ").append(verdict(comparison)).append('\n');
        if (comparison.failed()) {
            out.append("  jvisor could not decode ").append(comparison.jvisor().decodingFailures()
                    + comparison.linux().decodingFailures()).append(" call(s); see the log\n");
        }
        RunOutcome jvisor = comparison.jvisor();
        RunOutcome linux = comparison.linux();
        out.append(comparison.exitSame()
                ? "  exit status: same (" + linux.exitText() + ")\n"
                : "  exit status: Linux " + linux.exitText() + ", jvisor " + jvisor.exitText() + "\n");
        stream(out, "stdout", comparison.stdoutSame(), linux.stdout(), jvisor.stdout());
        stream(out, "stderr", comparison.stderrSame(), linux.stderr(), jvisor.stderr());
        int calls = comparison.threads().stream().mapToInt(t -> t.linux().size()).sum();
        out.append("  trapped calls: ").append(calls).append(" on Linux, ")
                .append(comparison.threads().stream().mapToInt(t -> t.jvisor().size()).sum()).append(" under jvisor, in ")
                .append(comparison.threads().size()).append(" thread(s)\n");
        for (Comparison.ThreadComparison thread : comparison.threads()) {
            if (thread.same()) {
                out.append("    ").append(thread.thread()).append(": ").append(thread.linux().size()).append(" calls, same\n");
                continue;
            }
            int at = thread.firstDifference();
            out.append("    ").append(thread.thread()).append(": differs at call #").append(at + 1).append('\n');
            for (int i = Math.max(0, at - Comparison.CONTEXT); i < at; i++) {
                out.append("        #").append(i + 1).append(' ').append(thread.linux().get(i).describe()).append('\n');
            }
            out.append("      first difference, call #").append(at + 1).append(":\n");
            out.append("        Linux:  ").append(describe(thread.linux(), at)).append('\n');
            out.append("        jvisor: ").append(describe(thread.jvisor(), at)).append('\n');
        }
        return out.toString();
    }

    /** SAME, DIFFERENT, or ERROR when the recording itself failed. */
    public static String verdict(Comparison comparison) {
        if (comparison.failed()) return "ERROR";
        return comparison.equal() ? "SAME" : "DIFFERENT";
    }

    private static void stream(StringBuilder out, String name, boolean same, String linux, String jvisor) {
        if (same) {
            out.append("  ").append(name).append(": same (").append(linux.lines().count()).append(" lines)\n");
            return;
        }
        out.append("  ").append(name).append(": different\n");
        List<String> a = linux.lines().toList();
        List<String> b = jvisor.lines().toList();
        int line = 0;
        while (line < a.size() && line < b.size() && a.get(line).equals(b.get(line))) line++;
        out.append("      first different line, ").append(line + 1).append(":\n");
        out.append("        Linux:  ").append(line < a.size() ? a.get(line) : "(end of output)").append('\n');
        out.append("        jvisor: ").append(line < b.size() ? b.get(line) : "(end of output)").append('\n');
    }

    private static String describe(List<CallRecord> calls, int index) {
        return index < calls.size() ? calls.get(index).describe() : "(no more calls)";
    }

    public static String json(Comparison comparison) {
        StringJoiner threads = new StringJoiner(",", "[", "]");
        for (Comparison.ThreadComparison thread : comparison.threads()) {
            StringBuilder t = new StringBuilder("{\"thread\":").append(Json.quote(thread.thread()))
                    .append(",\"same\":").append(thread.same())
                    .append(",\"linuxCalls\":").append(thread.linux().size())
                    .append(",\"jvisorCalls\":").append(thread.jvisor().size());
            if (!thread.same()) {
                int at = thread.firstDifference();
                t.append(",\"firstDifference\":{\"index\":").append(at)
                        .append(",\"linux\":").append(call(thread.linux(), at))
                        .append(",\"jvisor\":").append(call(thread.jvisor(), at)).append('}');
            }
            threads.add(t.append('}'));
        }
        return "{\"equal\":" + comparison.equal() + ",\"verdict\":" + Json.quote(verdict(comparison))
                + ",\"exit\":{\"linux\":" + Json.quote(comparison.linux().exitText())
                + ",\"jvisor\":" + Json.quote(comparison.jvisor().exitText()) + ",\"same\":" + comparison.exitSame() + "}"
                + ",\"stdout\":{\"same\":" + comparison.stdoutSame() + "}"
                + ",\"stderr\":{\"same\":" + comparison.stderrSame() + "}"
                + ",\"threads\":" + threads + "}";
    }

    private static String call(List<CallRecord> calls, int index) {
        if (index >= calls.size()) return "null";
        CallRecord call = calls.get(index);
        return "{\"call\":" + Json.quote(call.call()) + ",\"arguments\":" + Json.fields(call.arguments())
                + ",\"result\":" + Json.quote(call.result()) + ",\"outputs\":" + Json.fields(call.outputs()) + "}";
    }
}
