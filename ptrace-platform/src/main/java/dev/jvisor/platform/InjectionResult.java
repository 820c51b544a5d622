package dev.jvisor.platform;

/** The raw result (rax) of a call injected into a tracee. */
public record InjectionResult(long raw) {
    /** ERESTARTSYS..ERESTART_RESTARTBLOCK: kernel-internal codes of a call a signal interrupted. */
    private static final long RESTART_LOWEST = -516;
    private static final long RESTART_HIGHEST = -512;

    /** True when the call failed; {@link #errno()} tells why. */
    public boolean failed() {
        return raw < 0 && raw >= -4095 && !interrupted();
    }

    /** True when a signal interrupted the call: answer with {@link Action.Interrupted}. */
    public boolean interrupted() {
        return raw >= RESTART_LOWEST && raw <= RESTART_HIGHEST;
    }

    /** True when the call neither failed nor was interrupted. */
    public boolean succeeded() {
        return !failed() && !interrupted();
    }

    /** Why the call did not succeed: its errno, or EINTR when a signal interrupted it. */
    public Errno errnoOrEintr() {
        return interrupted() ? Errno.EINTR : errno();
    }

    public Errno errno() {
        if (!failed()) throw new IllegalStateException("not a failure: " + raw);
        return Errno.ofSyscallReturn(raw);
    }

    /** The result as the program's own call would report it. */
    public Action asAction() {
        if (interrupted()) return new Action.Interrupted();
        if (failed()) return Action.fail(errno());
        return Action.returning(raw);
    }
}
