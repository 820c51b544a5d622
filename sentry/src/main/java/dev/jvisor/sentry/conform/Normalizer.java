package dev.jvisor.sentry.conform;

import dev.jvisor.sentry.trace.CallRecord;
import dev.jvisor.sentry.trace.Field;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites what legitimately differs between two runs of one program: pids (in output and
 * credentials) become the process's name by lineage, autobind names (unix(7): five hex
 * digits in the abstract namespace) become {@code @<autobind>}, and, when asked, descriptor
 * numbers become {@code N}.
 */
final class Normalizer {
    private static final Pattern NUMBER = Pattern.compile("\\b\\d+\\b");
    private static final Pattern PID_FIELD = Pattern.compile("\\bpid=(\\d+)");
    private static final Pattern AUTOBIND = Pattern.compile("@[0-9a-f]{5}\\b");
    private static final Pattern FD_FIELD = Pattern.compile("\\b(fd\\d?|sv\\[\\d\\])=\\d+");
    private static final Set<String> RETURNS_FD = Set.of("socket", "accept", "accept4");

    private final Map<Integer, String> processes;
    private final boolean ignoreFds;

    Normalizer(Map<Integer, String> processes, boolean ignoreFds) {
        this.processes = processes;
        this.ignoreFds = ignoreFds;
    }

    /** Program output with the run's pids replaced by process names. */
    String text(String output) {
        Matcher matcher = NUMBER.matcher(output);
        StringBuilder result = new StringBuilder();
        while (matcher.find()) {
            String name = pidName(matcher.group());
            matcher.appendReplacement(result, Matcher.quoteReplacement(name != null ? "<" + name + ">" : matcher.group()));
        }
        matcher.appendTail(result);
        return result.toString();
    }

    CallRecord call(CallRecord record) {
        String result = record.result();
        if (ignoreFds && RETURNS_FD.contains(record.call()) && !result.startsWith("-1") && !result.equals(CallRecord.INTERRUPTED)) {
            result = "N";
        }
        return new CallRecord(record.thread(), 0, 0, record.call(), fields(record.arguments()), result,
                fields(record.outputs()));
    }

    private List<Field> fields(List<Field> fields) {
        List<Field> normalized = new ArrayList<>(fields.size());
        for (Field field : fields) normalized.add(new Field(field.name(), value(field.name(), field.value())));
        return normalized;
    }

    private String value(String name, String value) {
        String result = AUTOBIND.matcher(value).replaceAll("@<autobind>");
        Matcher pid = PID_FIELD.matcher(result);
        StringBuilder withNames = new StringBuilder();
        while (pid.find()) {
            String process = pidName(pid.group(1));
            pid.appendReplacement(withNames, Matcher.quoteReplacement(process != null ? "pid=<" + process + ">" : pid.group()));
        }
        pid.appendTail(withNames);
        result = withNames.toString();
        if (ignoreFds) {
            if (name.equals("fd") || name.startsWith("fd") && name.length() <= 3) {
                result = result.matches("-?\\d+") ? "N" : result;
            }
            result = FD_FIELD.matcher(result).replaceAll("$1=N");
        }
        return result;
    }

    private String pidName(String digits) {
        try {
            return processes.get(Integer.parseInt(digits));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
