package dev.jvisor.platform;

import dev.jvisor.platform.linux.Kernel;
import dev.jvisor.platform.linux.Libc;
import dev.jvisor.platform.linux.Ptrace;
import dev.jvisor.platform.linux.Siginfo;
import dev.jvisor.platform.linux.UserRegs;
import dev.jvisor.platform.linux.WaitStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The tracer: spawns the launcher, seizes it, and answers every stop of every tracee from
 * one platform thread (ptrace requests must come from the thread that attached).
 *
 * <p>It never waits on one tracee: {@code waitpid(-1)} is its only blocking call, and an
 * injected call that blocks (an accept, say) simply leaves that tracee running in the
 * kernel until its syscall-exit stop arrives like any other event.
 *
 * <p>Injection (DESIGN.md, "Hazards"): at the seccomp stop the trapped call's registers are
 * saved and the call is replaced by the injected one; its result is read at the syscall-exit
 * stop. A further call re-executes the 2-byte {@code syscall} instruction ({@code rip - 2})
 * from there. The final answer restores the saved registers with the result in rax.
 */
final class Tracer implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Tracer.class);

    private static final int OPTIONS = Ptrace.O_TRACESYSGOOD | Ptrace.O_TRACEFORK | Ptrace.O_TRACEVFORK
            | Ptrace.O_TRACECLONE | Ptrace.O_TRACEEXEC | Ptrace.O_TRACEEXIT | Ptrace.O_TRACESECCOMP | Ptrace.O_EXITKILL;
    private static final int SYSCALL_INSTRUCTION_LENGTH = 2;
    /**
     * A helper thread (Action.InHelper): a thread of the caller's process (CLONE_THREAD, which
     * needs CLONE_SIGHAND and CLONE_VM) with a descriptor table of its own (no CLONE_FILES).
     * CLONE_SYSVSEM keeps the process's System V semaphore adjustments shared, as for any thread.
     */
    private static final long CLONE_VM = 0x100;
    private static final long CLONE_SIGHAND = 0x800;
    private static final long CLONE_THREAD = 0x10000;
    private static final long CLONE_SYSVSEM = 0x40000;
    private static final long HELPER_CLONE_FLAGS = CLONE_VM | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
    private static final long ALL_SIGNALS = -1L;
    private static final long ERESTARTNOHAND = -514;
    private static final long ERESTART_RESTARTBLOCK = -516;
    /** Signals a terminal sends to its whole foreground group and jvisor forwards. */
    private static final List<Integer> FORWARDED =
            List.of(Signals.SIGHUP, Signals.SIGINT, Signals.SIGQUIT, Signals.SIGTERM);

    private final LaunchSpec spec;
    private final SyscallHandler handler;
    private final Map<Integer, Tracee> tracees = new HashMap<>();
    private final CompletableFuture<Integer> started = new CompletableFuture<>();
    private final CompletableFuture<ExitStatus> finished = new CompletableFuture<>();
    /** System.nanoTime() of the last delivery to the first process, per signal, of a signal the kernel raised. */
    private final AtomicLongArray kernelSignalNanos = new AtomicLongArray(65);
    private final StopWaiter stops = new StopWaiter();
    private final ArgumentRegion region = new ArgumentRegion();
    /** Threads whose injected clone is making a helper. */
    private int cloningHelpers;
    /** New threads whose first stop came while a helper was being made: held until it is known whose they are. */
    private final Set<Tracee> heldNewborns = new HashSet<>();
    /** The handler's /proc/net file, or null. */
    private final ProcNetServing procNet;
    private volatile boolean servesProcNet;
    /** Of spec.readOnly(), those the launcher could not make read-only; known once started. */
    private volatile List<Path> writableDirectories = List.of();
    /**
     * Held while a stop is answered, released while the tracer waits for the next: another
     * thread that takes it sees the handler's and the tracer's state at rest ({@link #atRest}).
     */
    private final ReentrantLock answering = new ReentrantLock();
    /** The Action.Quiesced being carried out, or null. */
    private Quiesce quiesce;
    /** Stops reported during a Quiesced, released: answered before any new one is waited for. */
    private final ArrayDeque<WaitStatus> released = new ArrayDeque<>();
    /** Threads the handler asked to interrupt that have not stopped since (SyscallStop.interrupt). */
    private final Set<Integer> interrupting = new HashSet<>();
    /** Whether the last status dispatched was a seccomp or syscall stop (StopWaiter polls only then). */
    private boolean lastWasSyscallStop;

    private int mainPid;
    /** Whether the first process's leader was let go at its exit event: its wait status, still to come, is only its status. */
    private boolean mainLetGo;
    private ExitStatus mainExit;
    private boolean killedRest;
    /** The registers of the tracee whose stop is being answered, read once per stop. */
    private UserRegs regs;
    private MemorySegment siginfo;

    Tracer(LaunchSpec spec, SyscallHandler handler, ProcNetServing procNet) {
        this.spec = procNet == null ? spec : procNet.applyTo(spec);
        this.handler = handler;
        this.procNet = procNet;
    }

    CompletableFuture<Integer> started() {
        return started;
    }

    CompletableFuture<ExitStatus> finished() {
        return finished;
    }

    List<Path> writableDirectories() {
        return writableDirectories;
    }

    boolean servesProcNet() {
        return servesProcNet;
    }

    /**
     * Runs {@code inspection} on the calling thread while the tracer waits for a stop: no
     * stop is being answered meanwhile, so the handler's tables are consistent and its
     * pending injections are between two stops. The tracer answers the next stop afterwards.
     */
    <T> T atRest(Supplier<T> inspection) {
        answering.lock();
        try {
            return inspection.get();
        } finally {
            answering.unlock();
        }
    }

    /**
     * The handler's /proc/net file for an open by thread {@code tid} (0 when the kernel gave
     * none: a reader in another pid namespace), asked at rest: the FUSE server's thread waits
     * until no stop is being answered. The reading thread is in the kernel meanwhile, never
     * in a stop, so the tracer goes on with the others.
     */
    private byte[] procNetContents(int tid) {
        ProcNetFile file = handler.procNetFile();
        return atRest(() -> {
            Tracee tracee = tracees.get(tid);
            int pid = tracee != null ? tracee.pid() : tid == 0 ? 0 : ProcStatus.number(tid, "Tgid", 0);
            return file.contents(new ProcNetFile.Reader(tid, pid, tracee != null));
        });
    }

    /** How many threads the tracer follows; only at rest. */
    int tracedThreads() {
        return tracees.size();
    }

    /** When the kernel last raised {@code signal} for the first process (0 if never). */
    long lastKernelSignalNanos(int signal) {
        return kernelSignalNanos.get(signal);
    }

    @Override
    public void run() {
        try (Arena arena = Arena.ofConfined()) {
            regs = UserRegs.allocate(arena);
            siginfo = arena.allocate(Siginfo.LAYOUT);
            region.create();
            try {
                if (launch()) loop();
            } finally {
                if (procNet != null) procNet.end();
            }
            finished.complete(mainExit);
        } catch (Throwable t) {
            started.completeExceptionally(t);
            finished.completeExceptionally(t);
        }
    }

    /**
     * Spawns the launcher and seizes it at its handshake stop (it stops itself after
     * installing the filter and before exec). Returns false when it never got that far.
     *
     * <p>The handshake stop is a real group-stop: until a SIGCONT ends it, the kernel keeps
     * SIGNAL_STOP_STOPPED on the process and reports every new thread's first trap as a
     * SIGSTOP group-stop (kernel/signal.c: do_jobctl_trap). So the tracer sends SIGCONT
     * after seizing, as job control would.
     */
    private boolean launch() {
        int pid = Libc.posixSpawn(spec.launcher().toString(), spec.launcherArgv(), spec.environment(),
                spec.directory() == null ? null : spec.directory().toString(), spec.spawnFiles());
        mainPid = pid;
        WaitStatus first = Libc.waitpid(pid, Libc.WUNTRACED | Libc.WALL);
        if (!first.stopped()) {
            mainExit = exitStatus(first);
            started.complete(pid);
            return false;
        }
        Ptrace.seize(pid, OPTIONS);
        // The launcher has made its mount namespace, or failed to, before its handshake stop.
        writableDirectories = spec.readOnly().stream().filter(d -> !MountTable.isReadOnlyMount(pid, d)).toList();
        if (procNet != null) servesProcNet = procNet.start(pid, spec.keptFds(), this::procNetContents);
        Tracee main = new Tracee(pid);
        main.setPid(pid);
        main.awaitingHandshake = true;
        tracees.put(pid, main);
        Libc.kill(pid, Signals.SIGCONT);
        started.complete(pid);
        return true;
    }

    private void loop() {
        while (mainExit == null || !tracees.isEmpty()) {
            WaitStatus status;
            try {
                status = released.isEmpty() ? stops.next(lastWasSyscallStop) : released.poll();
            } catch (ErrnoException e) {
                if (e.errno() == Errno.ECHILD) return;
                throw e;
            }
            answering.lock();
            try {
                try {
                    dispatch(status);
                } catch (ErrnoException e) {
                    // ESRCH: the tracee was killed while stopped; its exit report follows.
                    if (e.errno() != Errno.ESRCH) log.warn("tid {}: {}", status.pid(), e.getMessage());
                }
                if (mainExit != null && !killedRest) killRest();
            } finally {
                answering.unlock();
            }
        }
    }

    private void dispatch(WaitStatus status) {
        int tid = status.pid();
        lastWasSyscallStop = false;
        if (log.isTraceEnabled()) log.trace("tid {}: wait status {}", tid, Integer.toHexString(status.raw()));
        if (status.exited() || status.signaled()) {
            onGone(tid, status);
            return;
        }
        if (!status.stopped()) return;
        if (quiesce != null && tid != quiesce.owner.tid) {
            quiesce.defer(tid, status);
            beginQuiesced();
            return;
        }
        // An auto-attached child may report before its parent's fork event.
        Tracee tracee = tracees.computeIfAbsent(tid, Tracee::new);
        if (!tracee.seen && status.event() == Ptrace.EVENT_STOP && firstStopHeld(tracee)) return;
        tracee.seen = true;
        if (interrupting.remove(tid)) notifyHandler("interrupt", () -> handler.onInterrupted(tid));
        int signal = status.stopSignal();
        lastWasSyscallStop = signal == WaitStatus.SYSCALL_STOP_SIGNAL || status.event() == Ptrace.EVENT_SECCOMP;
        if (signal == WaitStatus.SYSCALL_STOP_SIGNAL) {
            onSyscallStop(tracee);
            return;
        }
        switch (status.event()) {
            case 0 -> onSignal(tracee, signal);
            case Ptrace.EVENT_SECCOMP -> onSeccomp(tracee);
            case Ptrace.EVENT_FORK -> onClone(tracee, SyscallHandler.CloneKind.FORK);
            case Ptrace.EVENT_VFORK -> onClone(tracee, SyscallHandler.CloneKind.VFORK);
            case Ptrace.EVENT_CLONE -> onClone(tracee, SyscallHandler.CloneKind.CLONE);
            case Ptrace.EVENT_EXEC -> onExec(tracee);
            case Ptrace.EVENT_EXIT -> onExitEvent(tracee);
            case Ptrace.EVENT_STOP -> onEventStop(tracee, signal);
            default -> resume(tracee);
        }
    }

    private void onGone(int tid, WaitStatus status) {
        if (tid == mainPid && mainLetGo) {
            mainExit = exitStatus(status);
            return;
        }
        forget(tid);
        if (tid == mainPid) mainExit = exitStatus(status);
    }

    /**
     * A thread at its exit event (PTRACE_EVENT_EXIT, before it closes its descriptors and
     * becomes a zombie) is let go. A traced zombie is its tracer's to see first
     * (kernel/exit.c: wait_consider_task skips a zombie that another task traces), so a
     * parent that learnt of the exit from a pidfd (readable at exit_notify) could find
     * nothing to reap until the tracer had waited. Untraced, the thread exits as on Linux:
     * its parent is told, and can reap it, the moment its pidfd becomes readable. A thread
     * killed by a signal makes no exit stop (kernel/signal.c: ptrace_stop does not stop a
     * task with a fatal signal pending), and is reaped by the tracer as before.
     */
    private void onExitEvent(Tracee tracee) {
        try {
            Ptrace.detach(tracee.tid, 0);
        } catch (ErrnoException e) {
            // ESRCH: killed while stopped; its wait status follows, and onGone forgets it.
            if (e.errno() == Errno.ESRCH) return;
            throw e;
        }
        if (tracee.tid == mainPid) mainLetGo = true;
        // A leader that leaves first (pthread_exit, or killed by a non-leader's execve) is a
        // thread gone, not a process: its process, its argument region and its pid live on.
        if (tracee.tid == tracee.pid() && othersOf(tracee) > 0) {
            tracee.letGo = true;
            return;
        }
        forget(tracee.tid);
    }

    /** How many other threads of {@code tracee}'s process the tracer follows, leaders let go aside. */
    private int othersOf(Tracee tracee) {
        int pid = tracee.pid();
        int others = 0;
        for (Tracee other : tracees.values()) if (other != tracee && !other.letGo && other.pid() == pid) others++;
        return others;
    }

    private void forget(int tid) {
        if (quiesce != null) {
            if (tid == quiesce.owner.tid) releaseQuiesce(false);
            else {
                quiesce.gone(tid);
                beginQuiesced();
            }
        }
        Tracee gone = tracees.remove(tid);
        if (gone != null) {
            heldNewborns.remove(gone);
            if (gone.helperCall != null) cloningHelpers--;
        }
        region.onThreadGone(tid);
        interrupting.remove(tid);
        notifyHandler("exit", () -> handler.onExit(tid));
        if (gone != null && gone.pid() != tid) {
            // The process's last thread: a leader let go before it goes with it.
            Tracee leader = tracees.get(gone.pid());
            if (leader != null && leader.letGo && othersOf(leader) == 0) forget(leader.tid);
        }
    }

    private void onClone(Tracee parent, SyscallHandler.CloneKind kind) {
        int child = (int) Ptrace.getEventMsg(parent.tid);
        Tracee tracee = tracees.computeIfAbsent(child, Tracee::new);
        if (kind != SyscallHandler.CloneKind.CLONE) tracee.setPid(child);
        if (kind == SyscallHandler.CloneKind.VFORK) tracee.vforkParent = parent.tid;
        SyscallHandler.Clone clone = new SyscallHandler.Clone(parent.tid, parent.pid(), child, tracee.pid(), kind);
        region.onClone(clone.parentPid(), clone.childPid());
        notifyHandler("clone", () -> handler.onClone(clone));
        resume(parent);
    }

    /**
     * SyscallStop.interrupt: the stop PTRACE_INTERRUPT brings is a PTRACE_EVENT_STOP, which
     * {@link #onEventStop} resumes (a group-stop's stays one). A thread already stopped, or
     * with a stop on its way, reports that one first; either way the next stop dispatched
     * for it tells the handler.
     */
    private void interrupt(int tid) {
        if (!tracees.containsKey(tid) || interrupting.contains(tid)) return;
        try {
            Ptrace.interrupt(tid);
            interrupting.add(tid);
            tracees.get(tid).tracerInterrupted = true;
        } catch (ErrnoException e) {
            // ESRCH: gone; its exit report follows, and the handler hears of it by onExit.
            if (e.errno() != Errno.ESRCH) throw e;
        }
    }

    /** execve(2) under ptrace: a non-leader that execs takes over the leader's tid. */
    private void onExec(Tracee tracee) {
        int former = (int) Ptrace.getEventMsg(tracee.tid);
        if (former != tracee.tid) tracees.remove(former);
        // A non-leader's execve: the leader, let go at its exit, gives its tid to this thread.
        tracee.letGo = false;
        tracee.vforkParent = 0;
        tracee.setPid(tracee.tid);
        region.onExec(tracee.tid);
        notifyHandler("exec", () -> handler.onExec(tracee.tid));
        resume(tracee);
    }

    /**
     * Tells the handler of a tracee's event. A failure there is a sentry bug; it is logged and
     * the tracer goes on, since ending the tracer thread would kill every tracee (EXITKILL).
     */
    private static void notifyHandler(String event, Runnable notification) {
        try {
            notification.run();
        } catch (RuntimeException e) {
            log.error("the handler failed on a {} event", event, e);
        }
    }

    /**
     * A PTRACE_EVENT_STOP: a group-stop (job control) is kept with PTRACE_LISTEN so that the
     * tracee stays stopped until SIGCONT; any other (a new child's first stop, the stop after
     * SIGCONT, the handshake) resumes it.
     */
    private void onEventStop(Tracee tracee, int signal) {
        if (tracee.awaitingHandshake) {
            tracee.awaitingHandshake = false;
            resume(tracee);
        } else if (Signals.isStopSignal(signal)) {
            Ptrace.getRegs(tracee.tid, regs);
            tracee.stoppedAt().copyFrom(regs);
            tracee.stoppedAtCall = regs.origRax() >= 0;
            Ptrace.listen(tracee.tid);
        } else {
            // The tracer's own interrupt wakes a blocking call as a signal would, and Linux,
            // where nothing came, would have let it go on: carried on as for an ignored signal.
            boolean ours = tracee.tracerInterrupted;
            tracee.tracerInterrupted = false;
            if (ours && !tracee.injecting() && tracee.carrying == null && carriedOn(tracee, 0)) return;
            resume(tracee);
        }
    }

    private void onSignal(Tracee tracee, int signal) {
        if (tracee.helperOf != null) {
            // Only SIGKILL and SIGSTOP reach a helper, which blocks the rest; it runs on.
            Ptrace.syscall(tracee.tid, 0);
            return;
        }
        if (tracee.injecting()) {
            abandonInjection(tracee, signal);
            return;
        }
        if (FORWARDED.contains(signal) && tracee.pid() == mainPid) {
            Ptrace.getSigInfo(tracee.tid, siginfo);
            if (Siginfo.code(siginfo) == Siginfo.SI_KERNEL) kernelSignalNanos.set(signal, System.nanoTime());
        }
        if (tracee.carrying != null) {
            signalBeforeCarry(tracee, signal);
            return;
        }
        if (!Signals.isStopSignal(signal) && carriedOn(tracee, signal)) return;
        Ptrace.cont(tracee.tid, signal);
    }

    /**
     * Another signal, delivered before the carried call began (the kernel delivers every
     * pending signal before it returns to user mode). One that does nothing is suppressed too;
     * any other ends the program's call with what it had done, as Linux's call ends when a
     * signal that does something comes after progress, and is delivered there.
     */
    private void signalBeforeCarry(Tracee tracee, int signal) {
        Optional<SignalMasks> masks = SignalMasks.read(tracee.tid);
        if (masks.isPresent() && masks.get().discards(signal) && !Signals.isStopSignal(signal)) {
            Ptrace.syscall(tracee.tid, 0);
            return;
        }
        regs.copyFrom(tracee.carriedRegisters());
        regs.setRax(tracee.carrying.done());
        Ptrace.setRegs(tracee.tid, regs);
        tracee.carrying = null;
        Ptrace.cont(tracee.tid, signal);
    }

    /**
     * A signal the program ignores, at its delivery stop (or 0: the tracer's own interrupt,
     * at its event stop): if it cut a blocking call short where Linux, having discarded it,
     * would not (CutShortCall), the signal is suppressed (its delivery would do nothing) and
     * the call carried on. Returns whether it was. Left alone when another signal that does
     * something is pending: that one interrupts the call on Linux too.
     */
    private boolean carriedOn(Tracee tracee, int signal) {
        Ptrace.getRegs(tracee.tid, regs);
        boolean futile = tracee.carryFutile;
        tracee.carryFutile = false;
        if (regs.origRax() < 0 || futile && sameCall(regs, tracee.carriedRegisters())) return false;
        // A call a job-control stop cut short: Linux ends it so too, after SIGCONT (signal(7)).
        if (tracee.stoppedAtCall && sameCall(regs, tracee.stoppedAt())) return false;
        tracee.stoppedAtCall = false;
        Syscall call = new Syscall((int) regs.origRax(), regs.arg(0), regs.arg(1), regs.arg(2), regs.arg(3),
                regs.arg(4), regs.arg(5));
        Optional<CutShortCall> cut = CutShortCall.of(call, regs.rax());
        if (cut.isEmpty()) return false;
        Optional<SignalMasks> masks = SignalMasks.read(tracee.tid);
        if (masks.isEmpty() || signal != 0 && !masks.get().discards(signal) || masks.get().deliverablePending()) {
            return false;
        }
        switch (cut.get()) {
            case CutShortCall.Restart restart -> {
                log.debug("tid {}: {} failed with EINTR for ignored signal {}; made again", tracee.tid, call, signal);
                Ptrace.pokeUser(tracee.tid, UserRegs.OFFSET_RAX, CutShortCall.ERESTARTNOINTR);
                Ptrace.cont(tracee.tid, 0);
            }
            case CutShortCall.Carry carry -> {
                OptionalInt flags = DescriptorFlags.of(tracee.tid, CutShortCall.descriptor(call));
                // On a non-blocking descriptor a short count is the call's own answer.
                if (flags.isEmpty() || (flags.getAsInt() & DescriptorFlags.O_NONBLOCK) != 0) return false;
                log.debug("tid {}: {} returned {} for ignored signal {}; carried on", tracee.tid, call, regs.rax(),
                        signal);
                tracee.carriedRegisters().copyFrom(regs);
                tracee.carrying = carry;
                tracee.carryEntered = false;
                regs.setRip(regs.rip() - SYSCALL_INSTRUCTION_LENGTH);
                regs.setRax(carry.rest().number());
                load(regs, carry.rest());
                Ptrace.setRegs(tracee.tid, regs);
                Ptrace.syscall(tracee.tid, 0);
            }
        }
        return true;
    }

    /** The carried call's exit: the program's call returns what it had done and what this one did. */
    private void endCarry(Tracee tracee) {
        Ptrace.getRegs(tracee.tid, regs);
        long more = regs.rax();
        long total = tracee.carrying.done() + Math.max(more, 0);
        tracee.carriedRegisters().setRax(total);
        regs.copyFrom(tracee.carriedRegisters());
        Ptrace.setRegs(tracee.tid, regs);
        tracee.carrying = null;
        tracee.carryFutile = more == 0 || more < 0 && !interrupted(more);
        Ptrace.cont(tracee.tid, 0);
    }

    /** Whether a call's result says a signal interrupted it: EINTR, or a restart code (-512 to -516). */
    private static boolean interrupted(long result) {
        return result == -Errno.EINTR.number() || result <= -512 && result >= -516;
    }

    /** Whether two register sets stand at the same return of the same call. */
    private static boolean sameCall(UserRegs a, UserRegs b) {
        if (a.rip() != b.rip() || a.origRax() != b.origRax() || a.rax() != b.rax()) return false;
        for (int i = 0; i < 6; i++) if (a.arg(i) != b.arg(i)) return false;
        return true;
    }

    private void onSeccomp(Tracee tracee) {
        if (tracee.injecting() || tracee.carrying != null) {
            // An injected or carried call the filter traps too: let it run.
            Ptrace.syscall(tracee.tid, 0);
            return;
        }
        // The filter lets only native x86-64 calls reach a trap, so the registers say it all.
        Ptrace.getRegs(tracee.tid, regs);
        Syscall trapped = new Syscall((int) regs.origRax(), regs.arg(0), regs.arg(1), regs.arg(2),
                regs.arg(3), regs.arg(4), regs.arg(5));
        Syscall call = tracee.rewrites.original(regs.rip(), trapped);
        TrappedCall stop = new TrappedCall(tracee, region, call, regs.rip(), regs.rsp(), this::sharesDescriptorTable,
                this::interrupt);
        tracee.stop = stop;
        if (region.state(tracee.pid()) == ArgumentRegion.State.ABSENT && usesSealedScratch(call)) {
            apply(tracee, decide(stop, () -> region.prepare(stop, () -> decide(stop, () -> handler.onSyscall(stop)))));
            return;
        }
        Action action = decide(stop, () -> handler.onSyscall(stop));
        if (action instanceof Action.Passthrough && !handler.pollsAfterPassthrough(call)) lastWasSyscallStop = false;
        apply(tracee, action);
    }

    /**
     * Whether process {@code pid}'s descriptor table can change under another thread's hand:
     * it has more than one thread (/proc/PID/status, Threads:), or kcmp(2) finds it shared
     * with another traced process. Every process that can share the table is traced (the
     * first process's children are attached at their creation), and a process that shares
     * it can only be made by one that does. A kcmp that fails other than with ESRCH (the
     * other process gone) counts as shared.
     */
    private boolean sharesDescriptorTable(int pid) {
        if (threadCount(pid) != 1) return true;
        Set<Integer> others = new HashSet<>();
        for (Tracee other : tracees.values()) {
            int otherPid = other.pid();
            if (otherPid != 0 && otherPid != pid) others.add(otherPid);
        }
        for (int other : others) {
            try {
                if (Kernel.sameDescriptorTable(pid, other)) return true;
            } catch (ErrnoException e) {
                if (e.errno() != Errno.ESRCH) {
                    log.warn("kcmp of processes {} and {}: {}; their descriptor table counts as shared",
                            pid, other, e.getMessage());
                    return true;
                }
            }
        }
        return false;
    }

    /** The number of threads of process {@code pid}, or -1 when it cannot be read (it is gone). */
    private static int threadCount(int pid) {
        return ProcStatus.number(pid, "Threads", -1);
    }

    private void onSyscallStop(Tracee tracee) {
        if (tracee.carrying != null) {
            if (tracee.carryEntered) {
                endCarry(tracee);
            } else {
                tracee.carryEntered = true;
                Ptrace.syscall(tracee.tid, 0);
            }
            return;
        }
        if (!tracee.injecting()) {
            Ptrace.cont(tracee.tid, 0);
            return;
        }
        if (tracee.expectEntry) {
            tracee.expectEntry = false;
            Ptrace.syscall(tracee.tid, 0);
            return;
        }
        Ptrace.getRegs(tracee.tid, regs);
        InjectionResult result = new InjectionResult(regs.rax());
        tracee.last = result;
        if (tracee.helperCall != null) {
            onHelperCloned(tracee, result);
            return;
        }
        Action.Continuation then = tracee.pending;
        tracee.pending = null;
        apply(tracee, decide(tracee.stop, () -> then.resume(result)));
    }

    private boolean usesSealedScratch(Syscall call) {
        try {
            return handler.usesSealedScratch(call);
        } catch (RuntimeException e) {
            log.error("the handler failed to say whether {} uses sealed scratch", call, e);
            return false;
        }
    }

    /** Runs sentry code; an ErrnoException it throws fails the call with that errno. */
    private static Action decide(TrappedCall stop, Supplier<Action> decision) {
        try {
            Action action = decision.get();
            if (action != null) return action;
            log.error("{}: the handler gave no action", stop);
        } catch (ErrnoException e) {
            return Action.fail(e.errno());
        } catch (RuntimeException e) {
            log.error("{}: the handler failed", stop, e);
        }
        return Action.fail(Errno.EIO);
    }

    private void apply(Tracee tracee, Action action) {
        if (quiesce != null && tracee == quiesce.owner && isAnswer(action)) {
            // The owner's call is answered: the others run again once it is on its way.
            releaseQuiesce(true);
        }
        applyAction(tracee, action);
    }

    /** Whether {@code action} ends the call (the thread runs the program's code next). */
    private static boolean isAnswer(Action action) {
        return !(action instanceof Action.Inject || action instanceof Action.InHelper
                || action instanceof Action.Quiesced);
    }

    private void applyAction(Tracee tracee, Action action) {
        switch (action) {
            case Action.Passthrough p -> {
                if (tracee.injecting()) inject(tracee, tracee.stop.call(), InjectionResult::asAction, null);
                else finishStop(tracee);
            }
            case Action.Return r -> complete(tracee, r.value());
            case Action.Fail f -> complete(tracee, -f.errno().number());
            case Action.Rewrite r -> {
                if (tracee.injecting()) inject(tracee, r.call(), InjectionResult::asAction, null);
                else rewrite(tracee, r.call());
            }
            case Action.Inject i -> inject(tracee, i.call(), i.then(), i.ifSignalled());
            case Action.InHelper h -> {
                if (tracee.helperOf != null) inject(tracee, h.call(), result -> helperStep(tracee, h, result), null);
                else makeHelper(tracee, h);
            }
            case Action.Interrupted i -> interrupt(tracee);
            case Action.Quiesced q -> startQuiesce(tracee, q);
        }
    }

    /**
     * Action.Quiesced: every other thread is asked to stop; the owner's decision comes once
     * each has (or cannot run before it does). Threads already held stay so: new threads
     * waiting for a helper's clone, and those whose released stops are still to be answered.
     */
    private void startQuiesce(Tracee owner, Action.Quiesced call) {
        if (quiesce != null) {
            log.error("{}: a Quiesced while another is in progress", owner.stop);
            apply(owner, Action.fail(Errno.EIO));
            return;
        }
        quiesce = new Quiesce(owner, call.then());
        // The owner's own signals wait too: one between its injected calls would abandon them.
        quiesce.ownerMask = Ptrace.getSigMask(owner.tid);
        Ptrace.setSigMask(owner.tid, ALL_SIGNALS);
        Set<Integer> stopped = new HashSet<>();
        for (WaitStatus pending : released) stopped.add(pending.pid());
        // A thread whose helper works for it stays stopped until the helper is done.
        for (Tracee helper : tracees.values()) if (helper.helperOf != null) stopped.add(helper.helperOf.tid);
        for (Tracee other : List.copyOf(tracees.values())) {
            if (other == owner || other.letGo || heldNewborns.contains(other) || stopped.contains(other.tid)) continue;
            // The owner's vfork parent cannot run before the owner execs or exits: asked to
            // stop, it would report the stop only then, and the owner would wait for it forever
            // (its state may not read D yet, Quiesce.heldAlready).
            if (other.tid == owner.vforkParent) continue;
            try {
                Ptrace.interrupt(other.tid);
                other.tracerInterrupted = true;
                quiesce.asked(other.tid);
            } catch (ErrnoException e) {
                // ESRCH: gone; its exit report follows.
                if (e.errno() != Errno.ESRCH) throw e;
            }
        }
        // Released stops not yet answered wait for this quiesce's end, in their order.
        while (!released.isEmpty()) {
            WaitStatus pending = released.poll();
            quiesce.defer(pending.pid(), pending);
        }
        beginQuiesced();
    }

    /** Every other thread is held: the owner's decision. */
    private void beginQuiesced() {
        Supplier<Action> then = quiesce.begin();
        if (then == null) return;
        Tracee owner = quiesce.owner;
        // The first injection starts from regs as read at the owner's seccomp stop; another
        // thread's stop may have come between.
        if (!owner.injecting()) Ptrace.getRegs(owner.tid, regs);
        apply(owner, decide(owner.stop, then));
    }

    /**
     * The held threads' stops are answered next, in the order they came; the owner's signal
     * mask is as it was (it must be stopped, unless gone).
     */
    private void releaseQuiesce(boolean ownerStopped) {
        Quiesce done = quiesce;
        quiesce = null;
        if (ownerStopped) Ptrace.setSigMask(done.owner.tid, done.ownerMask);
        released.addAll(done.deferred);
    }

    /**
     * Action.InHelper: the calling thread clones the helper, with every signal blocked for
     * the clone's duration (the helper inherits that mask; PTRACE_SETSIGMASK sets it without
     * a call in the program), and stays stopped until the helper's calls have answered it.
     */
    private void makeHelper(Tracee caller, Action.InHelper call) {
        caller.maskBeforeHelper = Ptrace.getSigMask(caller.tid);
        Ptrace.setSigMask(caller.tid, ALL_SIGNALS);
        caller.helperCall = call;
        cloningHelpers++;
        inject(caller, Syscall.of(Sysno.CLONE, HELPER_CLONE_FLAGS, 0, 0, 0, 0), null, null);
    }

    /** The caller's clone returned: the helper starts at its first stop, held or still to come. */
    private void onHelperCloned(Tracee caller, InjectionResult cloned) {
        Action.InHelper call = caller.helperCall;
        endHelperClone(caller);
        if (cloned.failed()) {
            apply(caller, decide(caller.stop, () -> call.then().resume(0, cloned)));
            return;
        }
        Tracee helper = tracees.computeIfAbsent((int) cloned.raw(), Tracee::new);
        helper.helperOf = caller;
        helper.pendingHelperCall = call;
        if (heldNewborns.remove(helper)) startHelper(helper);
        if (cloningHelpers == 0) {
            for (Tracee newborn : List.copyOf(heldNewborns)) {
                heldNewborns.remove(newborn);
                newborn.seen = true;
                resume(newborn);
            }
        }
    }

    /** The caller's mask back as it was, once its helper is made or the attempt ended. */
    private void endHelperClone(Tracee caller) {
        if (caller.helperCall == null) return;
        caller.helperCall = null;
        cloningHelpers--;
        Ptrace.setSigMask(caller.tid, caller.maskBeforeHelper);
    }

    /**
     * A new thread's first stop, while a helper is being made: held (not resumed) until the
     * clone that made the helper returns, so that the helper never runs the program's code.
     * A helper known already starts here. Returns whether the stop is taken care of.
     */
    private boolean firstStopHeld(Tracee newborn) {
        if (newborn.helperOf != null) {
            newborn.seen = true;
            startHelper(newborn);
            return true;
        }
        if (cloningHelpers == 0) return false;
        heldNewborns.add(newborn);
        return true;
    }

    /**
     * The helper's first call. The helper stands where the clone returned, just past the
     * caller's syscall instruction, with the caller's registers: each call is made there
     * as between two injected calls.
     */
    private void startHelper(Tracee helper) {
        helper.seen = true;
        Action.InHelper call = helper.pendingHelperCall;
        helper.pendingHelperCall = null;
        Ptrace.getRegs(helper.tid, regs);
        helper.beginInjection(regs);
        helper.stop = helper.helperOf.stop;
        inject(helper, call.call(), result -> helperStep(helper, call, result), null);
    }

    /** A helper's call returned: another call in the helper, or the caller's answer and the helper's exit. */
    private Action helperStep(Tracee helper, Action.InHelper call, InjectionResult result) {
        Tracee caller = helper.helperOf;
        Action next = decide(caller.stop, () -> call.then().resume(helper.tid, result));
        if (next instanceof Action.InHelper) return next;
        apply(caller, next);
        return Action.inject(Syscall.of(Sysno.EXIT, 0), exited -> {
            log.warn("helper thread {} did not exit: {}", helper.tid, exited);
            return Action.fail(Errno.EIO);
        });
    }

    private void finishStop(Tracee tracee) {
        tracee.stop = null;
        Ptrace.cont(tracee.tid, 0);
    }

    /** The program's call returns {@code raw} without running (or after the injected calls ran). */
    private void complete(Tracee tracee, long raw) {
        if (!tracee.injecting()) {
            // At a seccomp stop, orig_rax = -1 skips the call and leaves rax as set.
            Ptrace.pokeUser(tracee.tid, UserRegs.OFFSET_ORIG_RAX, -1);
            Ptrace.pokeUser(tracee.tid, UserRegs.OFFSET_RAX, raw);
        } else {
            regs.copyFrom(tracee.saved);
            regs.setRax(raw);
            Ptrace.setRegs(tracee.tid, regs);
            tracee.endInjection();
        }
        finishStop(tracee);
    }

    /** At a seccomp stop, with {@link #regs} as read there. */
    private void rewrite(Tracee tracee, Syscall call) {
        tracee.rewrites.add(regs.rip(), call, tracee.stop.call());
        load(regs, call);
        Ptrace.setRegs(tracee.tid, regs);
        finishStop(tracee);
    }

    private void inject(Tracee tracee, Syscall call, Action.Continuation then, Supplier<Action> ifSignalled) {
        boolean first = !tracee.injecting();
        // The first injection starts at the seccomp stop, where regs were read.
        if (first) tracee.beginInjection(regs);
        regs.copyFrom(tracee.saved);
        load(regs, call);
        if (!first) {
            // At a syscall-exit stop: run the syscall instruction again, with the new number.
            regs.setRip(tracee.saved.rip() - SYSCALL_INSTRUCTION_LENGTH);
            regs.setRax(call.number());
        }
        tracee.expectEntry = !first;
        tracee.pending = then;
        tracee.ifSignalled = ifSignalled;
        Ptrace.setRegs(tracee.tid, regs);
        Ptrace.syscall(tracee.tid, 0);
    }

    /**
     * Leaves the restart code of the interrupted injected call in rax, with the trapped
     * call's number and arguments restored: the kernel's signal code (arch_do_signal_or_restart)
     * then returns EINTR or re-executes the program's call, as for any interrupted call.
     * ERESTART_RESTARTBLOCK would restart the injected call's restart_block, not the
     * program's call: it becomes ERESTARTNOHAND.
     */
    private void interrupt(Tracee tracee) {
        InjectionResult last = tracee.last;
        if (!tracee.injecting() || last == null || !last.interrupted()) {
            log.warn("{}: Interrupted answered without an interrupted injected call; failing with EINTR",
                    tracee.stop);
            complete(tracee, -Errno.EINTR.number());
            return;
        }
        regs.copyFrom(tracee.saved);
        regs.setRax(last.raw() == ERESTART_RESTARTBLOCK ? ERESTARTNOHAND : last.raw());
        Ptrace.setRegs(tracee.tid, regs);
        tracee.endInjection();
        finishStop(tracee);
    }

    /**
     * A signal arrived between two injected calls. It is delivered now, and the program's
     * call is made again after it: rip back on the syscall instruction, rax its number, and
     * orig_rax -1 so that the signal code does not treat the state as an interrupted call.
     */
    private void abandonInjection(Tracee tracee, int signal) {
        endHelperClone(tracee);
        if (tracee.ifSignalled != null) {
            endBeforeSignal(tracee, signal);
            return;
        }
        log.debug("{}: signal {} between injected calls; the call will be made again", tracee.stop, signal);
        regs.copyFrom(tracee.saved);
        regs.setRip(tracee.saved.rip() - SYSCALL_INSTRUCTION_LENGTH);
        regs.setRax(tracee.saved.origRax());
        regs.setOrigRax(-1);
        Ptrace.setRegs(tracee.tid, regs);
        tracee.endInjection();
        if (quiesce != null && tracee == quiesce.owner) releaseQuiesce(true);
        Ptrace.cont(tracee.tid, signal);
    }

    /**
     * A signal arrived between two injected calls of a sequence that has made progress: the
     * program's call returns the handler's answer for that case, and the signal is delivered
     * on the way back to user mode, with orig_rax -1 so that nothing is restarted.
     */
    private void endBeforeSignal(Tracee tracee, int signal) {
        Action answer = decide(tracee.stop, tracee.ifSignalled);
        long raw = switch (answer) {
            case Action.Return r -> r.value();
            case Action.Fail f -> -f.errno().number();
            default -> {
                log.error("{}: the answer to a signal between injected calls must be Return or Fail, not {}",
                        tracee.stop, answer);
                yield -Errno.EIO.number();
            }
        };
        log.debug("{}: signal {} between injected calls; the call returns {}", tracee.stop, signal, raw);
        regs.copyFrom(tracee.saved);
        regs.setRax(raw);
        regs.setOrigRax(-1);
        Ptrace.setRegs(tracee.tid, regs);
        tracee.endInjection();
        if (quiesce != null && tracee == quiesce.owner) releaseQuiesce(true);
        Ptrace.cont(tracee.tid, signal);
    }

    private void resume(Tracee tracee) {
        if (tracee.injecting() || tracee.carrying != null) Ptrace.syscall(tracee.tid, 0);
        else Ptrace.cont(tracee.tid, 0);
    }

    /** The first process is gone: like a container's init, it takes the rest with it. */
    private void killRest() {
        killedRest = true;
        for (int tid : List.copyOf(tracees.keySet())) {
            try {
                Libc.kill(tid, Signals.SIGKILL);
            } catch (ErrnoException e) {
                tracees.remove(tid);
            }
        }
    }

    private static void load(UserRegs registers, Syscall call) {
        registers.setOrigRax(call.number());
        for (int i = 0; i < 6; i++) registers.setArg(i, call.arg(i));
    }

    private static ExitStatus exitStatus(WaitStatus status) {
        if (status.exited()) return new ExitStatus.Exited(status.exitCode());
        return new ExitStatus.Killed(status.termSignal(), status.coreDumped());
    }
}
