package dev.jvisor.platform;

import dev.jvisor.platform.linux.Libc;
import dev.jvisor.platform.linux.WaitStatus;

/**
 * The tracer's wait for the next stop of any tracee: polls {@code waitpid(-1, WNOHANG)} for a
 * short while before it sleeps in {@code waitpid(-1)}.
 *
 * <p>Why: a tracer that sleeps between stops pays a wake-up of an idle CPU at every stop, and
 * on a virtual machine that wake-up is most of a trapped call's cost. A C tracer answering a
 * trapped getppid took 16 us per call when it slept and 8 us when it polled; jvisor's trapped
 * getsockopt went from 13 to 8.5 us (native-stubs/bench, DESIGN notes in docs/design-notes.md).
 *
 * <p>Polling burns the tracer's CPU, so it is bounded: it polls only after a syscall stop
 * (the next one is often microseconds away: an injected call's exit, the program's next
 * trapped call), never after a fork, exec, exit or signal, whose successors are a process's
 * lifetime away; at most {@link #SPIN_NANOS} per wait; and after {@link #MAX_MISSES} polls in a row that saw no stop
 * the tracer only sleeps, until a sleep ends within the polling window again (the program
 * traps densely once more). A machine with one CPU never polls: there the tracee cannot run
 * while the tracer polls.
 */
final class StopWaiter {
    /** How long one wait polls: longer than the native stretch between most programs' trapped calls. */
    static final long SPIN_NANOS = 100_000;
    static final int MAX_MISSES = 4;

    private final boolean polls;
    private int misses;

    StopWaiter() {
        this(Runtime.getRuntime().availableProcessors() > 1);
    }

    StopWaiter(boolean polls) {
        this.polls = polls;
    }

    /**
     * The next stop, exit or other change of any tracee; {@code afterSyscallStop} says whether
     * the last one answered was a syscall stop (only then is the next one likely to be near).
     */
    WaitStatus next(boolean afterSyscallStop) {
        long start = System.nanoTime();
        if (polls && afterSyscallStop && misses < MAX_MISSES) {
            do {
                WaitStatus status = Libc.waitpid(-1, Libc.WALL | Libc.WNOHANG);
                if (status != null) {
                    misses = 0;
                    return status;
                }
            } while (System.nanoTime() - start < SPIN_NANOS);
            misses++;
            return Libc.waitpid(-1, Libc.WALL);
        }
        WaitStatus status = Libc.waitpid(-1, Libc.WALL);
        if (System.nanoTime() - start < SPIN_NANOS) misses = 0;
        return status;
    }
}
