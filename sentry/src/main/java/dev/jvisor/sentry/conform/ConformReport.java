package dev.jvisor.sentry.conform;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvisor.sentry.trace.CallRecord;
import dev.jvisor.sentry.trace.TraceWriter;

import java.util.List;

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
        out.append(firstDifference(linux, jvisor));
    }

    /**
     * Where two outputs first differ: the first line that differs, or, when every line is the
     * same (String.lines() drops line terminators), how their ends differ: a final newline,
     * a carriage return.
     */
    static String firstDifference(String linux, String jvisor) {
        List<String> a = linux.lines().toList();
        List<String> b = jvisor.lines().toList();
        int line = 0;
        while (line < a.size() && line < b.size() && a.get(line).equals(b.get(line))) line++;
        if (line == a.size() && line == b.size()) {
            return "      every line the same (" + line + "), told apart by their ends:\n"
                    + "        Linux:  " + ending(linux) + "\n"
                    + "        jvisor: " + ending(jvisor) + "\n";
        }
        return "      first different line, " + (line + 1) + ":\n"
                + "        Linux:  " + (line < a.size() ? a.get(line) : "(end of output)") + "\n"
                + "        jvisor: " + (line < b.size() ? b.get(line) : "(end of output)") + "\n";
    }

    private static String ending(String output) {
        long carriageReturns = output.chars().filter(c -> c == '\r').count();
        return output.length() + " characters, " + (output.endsWith("\n") ? "a final newline" : "no final newline")
                + (carriageReturns > 0 ? ", " + carriageReturns + " carriage returns" : "");
    }

    private static String describe(List<CallRecord> calls, int index) {
        return index < calls.size() ? calls.get(index).describe() : "(no more calls)";
    }

    public static String json(Comparison comparison) {
        ObjectNode json = JsonNodeFactory.instance.objectNode().put("equal", comparison.equal())
                .put("verdict", verdict(comparison));
        json.putObject("exit").put("linux", comparison.linux().exitText()).put("jvisor", comparison.jvisor().exitText())
                .put("same", comparison.exitSame());
        json.putObject("stdout").put("same", comparison.stdoutSame());
        json.putObject("stderr").put("same", comparison.stderrSame());
        ArrayNode threads = json.putArray("threads");
        for (Comparison.ThreadComparison thread : comparison.threads()) {
            ObjectNode t = threads.addObject().put("thread", thread.thread()).put("same", thread.same())
                    .put("linuxCalls", thread.linux().size()).put("jvisorCalls", thread.jvisor().size());
            if (thread.same()) continue;
            int at = thread.firstDifference();
            ObjectNode difference = t.putObject("firstDifference").put("index", at);
            difference.set("linux", call(thread.linux(), at));
            difference.set("jvisor", call(thread.jvisor(), at));
        }
        // JsonNode.toString is the tree as JSON text with databind's default settings.
        return json.toString();
    }

    /** The call as a trace line has it, without who made it (the thread is named above); null past the end. */
    private static JsonNode call(List<CallRecord> calls, int index) {
        if (index >= calls.size()) return NullNode.getInstance();
        return TraceWriter.json(calls.get(index)).without(List.of("thread", "pid", "tid"));
    }
}
