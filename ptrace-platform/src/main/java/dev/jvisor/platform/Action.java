package dev.jvisor.platform;

import java.util.function.Supplier;

/**
 * What a {@link SyscallHandler} decides for one trapped call. The platform carries it out
 * and resumes the program; only {@link Inject} keeps the thread stopped, until the
 * injected call's result has been given to its continuation.
 */
public sealed interface Action {

    /** The kernel runs the call as the program made it. */
    record Passthrough() implements Action {}

    /** The call is skipped; the program sees {@code value}, which must not be an error return. */
    record Return(long value) implements Action {
        public Return {
            if (value < 0 && value >= -4095) {
                throw new IllegalArgumentException("a return value in [-4095, -1] is an error: use Fail");
            }
        }
    }

    /** The call is skipped; the program sees -1 and {@code errno}. */
    record Fail(Errno errno) implements Action {}

    /**
     * The kernel runs {@code call} in place of the program's call, and the program sees its
     * result; the thread is not stopped again, so this costs one stop where {@link Inject}
     * costs two. The argument registers keep {@code call}'s values afterwards (the x86-64
     * syscall ABI preserves them): rewrite only arguments that the program's code cannot
     * depend on after the call. A restart of the rewritten call (after a signal) reaches the
     * handler as the program's original call again.
     */
    record Rewrite(Syscall call) implements Action {}

    /**
     * The thread runs {@code call} first, in its own context (cwd, credentials, descriptor
     * table, memory); {@code then} receives the result and decides what follows.
     *
     * <p>Between two injected calls the thread briefly returns to user mode. A signal that
     * arrives there abandons the sequence: the signal is delivered and, when
     * {@code ifSignalled} is null, the program's call is made afresh afterwards (a new trap,
     * as if the signal had come before the call), so every injected call must leave state
     * that the repeated call handles. Otherwise the program's call ends with the answer
     * {@code ifSignalled} gives (a {@link Return} or {@link Fail}), before the signal's
     * handler runs: what a call that has made progress does when a signal comes.
     */
    record Inject(Syscall call, Continuation then, Supplier<Action> ifSignalled) implements Action {
        public Inject(Syscall call, Continuation then) {
            this(call, then, null);
        }
    }

    /**
     * {@code call} runs in a helper thread of the calling process whose descriptor table is
     * its own: a copy of the process's, made when the helper starts (clone(2) with
     * CLONE_THREAD and without CLONE_FILES). A descriptor the helper opens cannot be closed or
     * replaced by any thread of the program before the helper uses it, which no descriptor
     * of a shared table can promise. The helper shares the program's memory and credentials,
     * runs only injected calls, and blocks every signal (it inherits a full mask, which the
     * calling thread holds only while it makes the helper): a signal meant for the process
     * goes to its own threads. {@code then} receives the helper's thread id and the result;
     * an {@code InHelper} it returns runs in the same helper, anything else ends the helper
     * (it exits) and answers the calling thread. The calling thread stays stopped meanwhile.
     * When no helper can be made, {@code then} gets the failure of clone(2) and thread id 0.
     */
    record InHelper(Syscall call, HelperContinuation then) implements Action {}

    /**
     * Every other traced thread is brought to a stop (PTRACE_INTERRUPT) and held there until
     * this call's answer is given; then {@code then} decides, and what it answers (injected
     * calls included) runs while nothing else of the sandbox can: no thread of any traced
     * process can write memory or use a descriptor meanwhile. For a call the kernel must read
     * from memory that the program can write (there is no other way to give it the call's
     * arguments). The stops the held threads report wait, and are answered afterwards in order.
     * A thread in uninterruptible sleep, stopped already or a zombie counts as held: it cannot
     * run the program's code before it reports a stop. A blocking call a held thread is in is
     * restarted by the kernel, as after a stop signal; one the sentry injected ends as
     * interrupted ({@link InjectionResult#interrupted()}). The calling thread's own signals
     * are blocked meanwhile (restored before the answer), so that no signal abandons the
     * injected calls. Costs a stop of every thread: only for rare calls.
     */
    record Quiesced(Supplier<Action> then) implements Action {}

    /**
     * The program's call was interrupted by a signal: the kernel then fails it with EINTR or
     * restarts it (a new trap), following the handler's SA_RESTART, as signal(7) says. Valid
     * only right after an injected call reported {@link InjectionResult#interrupted()}.
     */
    record Interrupted() implements Action {}

    /** A continuation of an injected call. */
    @FunctionalInterface
    interface Continuation {
        Action resume(InjectionResult result);
    }

    /** A continuation of a call run in a helper thread ({@link InHelper}). */
    @FunctionalInterface
    interface HelperContinuation {
        Action resume(int helperTid, InjectionResult result);
    }

    Action PASSTHROUGH = new Passthrough();

    static Action passthrough() {
        return PASSTHROUGH;
    }

    static Action returning(long value) {
        return new Return(value);
    }

    static Action fail(Errno errno) {
        return new Fail(errno);
    }

    static Action inject(Syscall call, Continuation then) {
        return new Inject(call, then);
    }

    static Action quiesced(Supplier<Action> then) {
        return new Quiesced(then);
    }

    static Action inHelper(Syscall call, HelperContinuation then) {
        return new InHelper(call, then);
    }

    /**
     * {@code call} injected after another injected call, the program's call ending with
     * {@code ifSignalled}'s answer when a signal comes before {@code call} runs.
     */
    static Action injectUnlessSignalled(Syscall call, Supplier<Action> ifSignalled, Continuation then) {
        return new Inject(call, then, ifSignalled);
    }
}
