package dev.jvisor.platform;

/**
 * A handler that passes everything to another: the base of decorators that watch or count
 * calls and override what they need.
 */
public abstract class ForwardingHandler implements SyscallHandler {
    private final SyscallHandler delegate;

    protected ForwardingHandler(SyscallHandler delegate) {
        this.delegate = delegate;
    }

    protected final SyscallHandler delegate() {
        return delegate;
    }

    @Override
    public Action onSyscall(SyscallStop stop) {
        return delegate.onSyscall(stop);
    }

    @Override
    public boolean usesSealedScratch(Syscall call) {
        return delegate.usesSealedScratch(call);
    }

    @Override
    public boolean pollsAfterPassthrough(Syscall call) {
        return delegate.pollsAfterPassthrough(call);
    }

    @Override
    public java.util.List<java.nio.file.Path> readOnlyDirectories() {
        return delegate.readOnlyDirectories();
    }

    @Override
    public ProcNetFile procNetFile() {
        return delegate.procNetFile();
    }

    @Override
    public void onClone(Clone clone) {
        delegate.onClone(clone);
    }

    @Override
    public void onExec(int pid) {
        delegate.onExec(pid);
    }

    @Override
    public void onExit(int tid) {
        delegate.onExit(tid);
    }

    @Override
    public void onInterrupted(int tid) {
        delegate.onInterrupted(tid);
    }
}
