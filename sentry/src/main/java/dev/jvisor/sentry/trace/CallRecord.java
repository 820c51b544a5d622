package dev.jvisor.sentry.trace;

import java.util.List;

/**
 * One trapped call as recorded: which thread made it, what it asked and what it got.
 *
 * @param thread    the thread's name by lineage ({@link ProcessNames}), the same in every run
 * @param pid       the process id in this run
 * @param tid       the thread id in this run
 * @param call      the syscall's name
 * @param arguments decoded arguments, read at the trap
 * @param result    the return value, "-1 ERRNO", or "interrupted"
 * @param outputs   what the call wrote back, decoded after it returned
 */
public record CallRecord(String thread, int pid, int tid, String call, List<Field> arguments,
                         String result, List<Field> outputs) {
    /** The result of a call a signal interrupted in the kernel. */
    public static final String INTERRUPTED = "interrupted";

    public CallRecord {
        arguments = List.copyOf(arguments);
        outputs = List.copyOf(outputs);
    }

    /** The call as one line: {@code bind(fd=3, addr=path "x") = 0 {addrlen=...}}. */
    public String describe() {
        StringBuilder line = new StringBuilder(call).append('(');
        for (int i = 0; i < arguments.size(); i++) {
            if (i > 0) line.append(", ");
            line.append(arguments.get(i));
        }
        line.append(") = ").append(result);
        if (!outputs.isEmpty()) {
            line.append(" {");
            for (int i = 0; i < outputs.size(); i++) {
                if (i > 0) line.append(", ");
                line.append(outputs.get(i));
            }
            line.append('}');
        }
        return line.toString();
    }
}
