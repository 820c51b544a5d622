package dev.jvisor.platform.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * ptrace(2). Every request for a tracee must come from the thread that attached it (and
 * children auto-attached through it): the caller's thread is the tracer.
 */
public final class Ptrace {
    private static final int PTRACE_POKEUSER = 6;
    private static final int PTRACE_CONT = 7;
    private static final int PTRACE_GETREGS = 12;
    private static final int PTRACE_SETREGS = 13;
    private static final int PTRACE_DETACH = 17;
    private static final int PTRACE_SYSCALL = 24;
    private static final int PTRACE_GETEVENTMSG = 0x4201;
    private static final int PTRACE_GETSIGINFO = 0x4202;
    private static final int PTRACE_SEIZE = 0x4206;
    private static final int PTRACE_INTERRUPT = 0x4207;
    private static final int PTRACE_LISTEN = 0x4208;
    private static final int PTRACE_GETSIGMASK = 0x420a;
    private static final int PTRACE_SETSIGMASK = 0x420b;
    /** The kernel's sigset_t: 64 signals. */
    private static final long SIGSET_SIZE = 8;

    /** PTRACE_O_* options. */
    public static final int O_TRACESYSGOOD = 1;
    public static final int O_TRACEFORK = 1 << 1;
    public static final int O_TRACEVFORK = 1 << 2;
    public static final int O_TRACECLONE = 1 << 3;
    public static final int O_TRACEEXEC = 1 << 4;
    public static final int O_TRACEEXIT = 1 << 6;
    public static final int O_TRACESECCOMP = 1 << 7;
    public static final int O_EXITKILL = 1 << 20;

    /** PTRACE_EVENT_* codes, found in bits 16..23 of a stop's wait status. */
    public static final int EVENT_FORK = 1;
    public static final int EVENT_VFORK = 2;
    public static final int EVENT_CLONE = 3;
    public static final int EVENT_EXEC = 4;
    public static final int EVENT_EXIT = 6;
    public static final int EVENT_SECCOMP = 7;
    public static final int EVENT_STOP = 128;

    private static final long SYS_PTRACE = 101;

    private static final ThreadLocal<MemorySegment> SIGNAL_MASK =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(JAVA_LONG));
    private static final ThreadLocal<MemorySegment> EVENT_MESSAGE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(JAVA_LONG));

    private Ptrace() {}

    public static void seize(int pid, int options) {
        call(PTRACE_SEIZE, pid, 0, options, "PTRACE_SEIZE");
    }

    /** Resumes the tracee, delivering {@code signal} (0 for none). */
    public static void cont(int tid, int signal) {
        call(PTRACE_CONT, tid, 0, signal, "PTRACE_CONT");
    }

    /** Resumes the tracee until the next syscall entry or exit stop. */
    public static void syscall(int tid, int signal) {
        call(PTRACE_SYSCALL, tid, 0, signal, "PTRACE_SYSCALL");
    }

    /** Ends the tracing of a stopped tracee, which goes on delivering {@code signal} (0 for none). */
    public static void detach(int tid, int signal) {
        call(PTRACE_DETACH, tid, 0, signal, "PTRACE_DETACH");
    }

    /** Leaves a tracee in group-stop stopped, but lets it report the next event (SIGCONT). */
    public static void listen(int tid) {
        call(PTRACE_LISTEN, tid, 0, 0, "PTRACE_LISTEN");
    }

    public static void interrupt(int tid) {
        call(PTRACE_INTERRUPT, tid, 0, 0, "PTRACE_INTERRUPT");
    }

    public static void getRegs(int tid, UserRegs regs) {
        call(PTRACE_GETREGS, tid, 0, regs.segment().address(), "PTRACE_GETREGS");
    }

    public static void setRegs(int tid, UserRegs regs) {
        call(PTRACE_SETREGS, tid, 0, regs.segment().address(), "PTRACE_SETREGS");
    }

    /** Writes one word of struct user at {@code offset} (see {@link UserRegs#OFFSET_RAX}). */
    public static void pokeUser(int tid, long offset, long value) {
        call(PTRACE_POKEUSER, tid, offset, value, "PTRACE_POKEUSER");
    }

    /** The message of the last ptrace event: a new tid, or the former tid at exec. */
    public static long getEventMsg(int tid) {
        MemorySegment message = EVENT_MESSAGE.get();
        call(PTRACE_GETEVENTMSG, tid, 0, message.address(), "PTRACE_GETEVENTMSG");
        return message.get(JAVA_LONG, 0);
    }

    /** Fills {@code siginfo} (Siginfo.LAYOUT) with the signal of a signal-delivery stop. */
    public static void getSigInfo(int tid, MemorySegment siginfo) {
        call(PTRACE_GETSIGINFO, tid, 0, siginfo.address(), "PTRACE_GETSIGINFO");
    }

    /** The tracee's blocked-signal mask (bit N-1 for signal N). */
    public static long getSigMask(int tid) {
        MemorySegment mask = SIGNAL_MASK.get();
        call(PTRACE_GETSIGMASK, tid, SIGSET_SIZE, mask.address(), "PTRACE_GETSIGMASK");
        return mask.get(JAVA_LONG, 0);
    }

    /** Sets the tracee's blocked-signal mask; the kernel keeps SIGKILL and SIGSTOP unblocked. */
    public static void setSigMask(int tid, long blocked) {
        MemorySegment mask = SIGNAL_MASK.get();
        mask.set(JAVA_LONG, 0, blocked);
        call(PTRACE_SETSIGMASK, tid, SIGSET_SIZE, mask.address(), "PTRACE_SETSIGMASK");
    }

    private static long call(int request, int pid, long addr, long data, String name) {
        // The system call, not glibc's wrapper: no PEEK request is made, the one kind whose result the wrapper moves.
        return NativeLinker.syscall(name, SYS_PTRACE, request, pid, addr, data, 0, 0);
    }
}
