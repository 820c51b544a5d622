package dev.jvisor.sentry.report;

import java.util.List;

/**
 * A process of the sandbox.
 *
 * @param pid      the host pid the log names it by
 * @param parent   its parent's pid, 0 when the log does not say
 * @param how      {@code start} for the first process, else the fork event's {@code how}
 *                 ({@code fork}, {@code vfork}, {@code clone}); null when the log never
 *                 showed it begin (it appears only in other processes' events)
 * @param seq      the first event that names it
 * @param programs what it ran, in order; empty when the log never said
 * @param exitSeq  its {@code exit} event, or null when it was still there when the log ended
 */
public record SandboxProcess(int pid, int parent, String how, long seq, List<Program> programs, Long exitSeq) {
    public SandboxProcess {
        programs = List.copyOf(programs);
    }

    /** What it ran last, or null when the log never said. */
    public Program program() {
        return programs.isEmpty() ? null : programs.getLast();
    }

    public String shortName() {
        return programs.isEmpty() ? "?" : program().shortName();
    }
}
