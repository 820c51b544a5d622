package dev.jvisor.platform;

/** Lets the kernel answer every trapped call: the behaviour before any sentry is involved. */
public final class PassthroughHandler implements SyscallHandler {
    @Override
    public Action onSyscall(SyscallStop stop) {
        return Action.passthrough();
    }
}
