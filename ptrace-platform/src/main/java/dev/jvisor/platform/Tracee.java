package dev.jvisor.platform;

import dev.jvisor.platform.linux.UserRegs;

import java.lang.foreign.Arena;
import java.util.function.Supplier;

/**
 * The tracer's state for one tracee thread. Owned by the tracer thread.
 *
 * <p>Invariant: {@code injecting} ⇔ the thread is running an injected call, and then
 * {@code saved} holds its registers at the trapped call, {@code stop} is that call.
 */
final class Tracee {
    final int tid;
    /** Thread group id; 0 until known. */
    private int pid;
    /** True for the first process until its first stop after PTRACE_SEIZE. */
    boolean awaitingHandshake;

    TrappedCall stop;
    /** Allocated once: a thread runs at most one injected sequence at a time. */
    final UserRegs saved = UserRegs.allocate(Arena.ofAuto());
    private boolean injecting;
    final RewrittenCalls rewrites = new RewrittenCalls();
    /** True when the next syscall stop is the entry of an injected call, false for its exit. */
    boolean expectEntry;
    Action.Continuation pending;
    /** The answer to the program's call when a signal comes before the pending injected call runs, or null. */
    Supplier<Action> ifSignalled;
    InjectionResult last;

    /**
     * Set while the rest of a call that an ignored signal cut short runs in its place
     * (CutShortCall.Carry): what it had done, and the registers to give back with the sum.
     */
    CutShortCall.Carry carrying;
    /** True once the carried call's syscall-entry stop has passed. */
    boolean carryEntered;
    /**
     * Set when a carried call made no progress (it failed, or found the end): the call is
     * over, and the signal it raised (SIGPIPE, say) must not carry it on again. Cleared at the
     * next signal stop.
     */
    boolean carryFutile;
    private UserRegs carriedRegisters;
    /**
     * Where the thread stood at its last group-stop (job control), if it was at a call's
     * return then: a call a stop cut short ends as Linux ends it after SIGCONT (EINTR, or
     * what it had done), so an ignored signal delivered on the same return carries nothing on.
     */
    private UserRegs stoppedAt;
    boolean stoppedAtCall;

    /**
     * A thread-group leader let go at its exit event while other threads of its process live
     * on: untraced now, but its process is not gone; it is released with its last thread.
     */
    boolean letGo;

    /**
     * For a process made by vfork: the thread that made it, which waits in the kernel until
     * this one execs or exits (0 when none, or once it has).
     */
    int vforkParent;

    /**
     * Set when the tracer interrupts the thread (PTRACE_INTERRUPT: the sentry's request, a
     * quiesce), until its next PTRACE_EVENT_STOP: a call that stop cut short is carried on.
     */
    boolean tracerInterrupted;

    /** False until the tracer has handled this thread's first stop. */
    boolean seen;
    /** Set while this thread's injected clone makes a helper: the helper's first call, and this thread's mask. */
    Action.InHelper helperCall;
    long maskBeforeHelper;
    /** For a helper thread: the thread it works for, and its first call until it starts. */
    Tracee helperOf;
    Action.InHelper pendingHelperCall;

    Tracee(int tid) {
        this.tid = tid;
    }

    /** The thread group id, read from /proc when no fork or exec event told it. */
    int pid() {
        if (pid == 0) pid = readTgid(tid);
        return pid;
    }

    void setPid(int pid) {
        this.pid = pid;
    }

    boolean injecting() {
        return injecting;
    }

    void beginInjection(UserRegs registers) {
        saved.copyFrom(registers);
        injecting = true;
    }

    void endInjection() {
        injecting = false;
        pending = null;
        ifSignalled = null;
        last = null;
        expectEntry = false;
        stop = null;
    }

    /** Where the registers at the last group-stop are kept; allocated at the first. */
    UserRegs stoppedAt() {
        if (stoppedAt == null) stoppedAt = UserRegs.allocate(Arena.ofAuto());
        return stoppedAt;
    }

    /** Where the registers of a carried call are kept; allocated at the first. */
    UserRegs carriedRegisters() {
        if (carriedRegisters == null) carriedRegisters = UserRegs.allocate(Arena.ofAuto());
        return carriedRegisters;
    }

    private static int readTgid(int tid) {
        // 0 when the thread is gone; its exit report follows.
        return ProcStatus.number(tid, "Tgid", 0);
    }
}
