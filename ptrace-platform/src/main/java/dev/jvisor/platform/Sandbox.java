package dev.jvisor.platform;

import dev.jvisor.platform.linux.Libc;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A running sandbox: one program (and everything it starts) under one tracer thread, whose
 * trapped calls a {@link SyscallHandler} answers.
 *
 * <p>The tracer collects its tracees with {@code waitpid(-1)}: a JVM that hosts a sandbox
 * must not have other children of its own (ProcessBuilder) while it runs.
 */
public final class Sandbox {
    /** A forwarded signal within this window of the kernel's own delivery is a duplicate. */
    private static final long DUPLICATE_WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final Tracer tracer;
    private final int pid;

    private Sandbox(Tracer tracer, int pid) {
        this.tracer = tracer;
        this.pid = pid;
    }

    /** Starts {@code spec} under a new tracer thread; returns once the program is spawned. */
    public static Sandbox start(LaunchSpec spec, SyscallHandler handler) {
        Tracer tracer = new Tracer(spec.readOnly(handler.readOnlyDirectories()), handler, ProcNetServing.prepare(handler));
        Thread.ofPlatform().name("jvisor-tracer").daemon(true).start(tracer);
        try {
            return new Sandbox(tracer, tracer.started().join());
        } catch (CompletionException e) {
            throw unwrap(e);
        }
    }

    /** The pid of the sandbox's first process. */
    public int pid() {
        return pid;
    }

    /**
     * The directories of {@link SyscallHandler#readOnlyDirectories()} that the sandbox can
     * change after all: the launcher could make neither a mount namespace nor a user
     * namespace for it (README, "Threat model").
     */
    public List<Path> writableDirectories() {
        return tracer.writableDirectories();
    }

    /**
     * Whether the sandbox's /proc/net shows the handler's {@link ProcNetFile}: false when the
     * handler serves none, or the launcher could not mount it (no mount namespace, no FUSE),
     * and the sandbox reads the kernel's.
     */
    public boolean servesProcNet() {
        return tracer.servesProcNet();
    }

    /** Waits until the first process has ended and every other tracee is gone. */
    public ExitStatus waitFor() {
        try {
            return tracer.finished().join();
        } catch (CompletionException e) {
            throw unwrap(e);
        }
    }

    /**
     * Runs {@code inspection} on the calling thread between two stops: the handler answers
     * nothing meanwhile, so its state is at rest, and the tracer waits until the inspection
     * returns. For diagnostics.
     */
    public <T> T atRest(Supplier<T> inspection) {
        return tracer.atRest(inspection);
    }

    /** How many threads of the sandbox the tracer follows. */
    public int tracedThreads() {
        return tracer.atRest(tracer::tracedThreads);
    }

    /**
     * Sends {@code signal} to the first process, as if it had been sent to it rather than to
     * jvisor. A terminal sends SIGINT, SIGQUIT and SIGHUP to jvisor and the program alike
     * (they share a process group): such a signal, already pending in the program or just
     * delivered to it by the kernel, is not sent twice.
     */
    public void forwardSignal(int signal) {
        if (pendingInProgram(signal)) return;
        long last = tracer.lastKernelSignalNanos(signal);
        if (last != 0 && System.nanoTime() - last < DUPLICATE_WINDOW_NANOS) return;
        try {
            Libc.kill(pid, signal);
        } catch (ErrnoException e) {
            // The program is already gone.
        }
    }

    private boolean pendingInProgram(int signal) {
        return SignalMasks.read(pid).map(masks -> masks.pending(signal)).orElse(false);
    }

    private static RuntimeException unwrap(CompletionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException r) return r;
        if (cause instanceof Error err) throw err;
        return new IllegalStateException(cause);
    }
}
