package dev.jvisor.platform.linux;

import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ErrnoException;

import java.lang.foreign.MemorySegment;

/**
 * The kernel's protections of jvisor's own process and what it can tell of processes:
 * prctl(PR_SET_DUMPABLE), the Landlock ABI version, kcmp(2). Through syscall(2): glibc
 * wraps neither the Landlock calls nor kcmp.
 */
public final class Kernel {
    private static final long SYS_PRCTL = 157;
    private static final long SYS_KCMP = 312;
    private static final long SYS_LANDLOCK_CREATE_RULESET = 444;

    private static final long PR_SET_DUMPABLE = 4;
    /** landlock_create_ruleset(2) flag: return the highest ABI version the kernel supports. */
    private static final long LANDLOCK_CREATE_RULESET_VERSION = 1;
    /** kcmp(2) type: whether two processes share one file descriptor table. */
    private static final long KCMP_FILES = 2;

    private Kernel() {}

    /**
     * prctl(PR_SET_DUMPABLE, 0): processes of this uid without CAP_SYS_PTRACE can then
     * neither ptrace this process, pidfd_getfd from it, nor open its /proc/PID/mem or
     * /proc/PID/fd (kernel/ptrace.c: __ptrace_may_access refuses a non-dumpable task's mm;
     * proc(5): the files become root's). The tracer's own access to its tracees is unchanged.
     */
    public static void setNotDumpable() {
        NativeLinker.syscall("prctl(PR_SET_DUMPABLE)", SYS_PRCTL, PR_SET_DUMPABLE, 0, 0);
    }

    /**
     * The highest Landlock ABI version the kernel supports (landlock(7)), or 0 when it has
     * none: built without it (ENOSYS), disabled at boot (EOPNOTSUPP), or refused by the
     * seccomp filter of a container jvisor runs in (EPERM); as the launcher decides.
     */
    public static int landlockAbi() {
        try {
            return (int) NativeLinker.syscall("landlock_create_ruleset", SYS_LANDLOCK_CREATE_RULESET,
                    MemorySegment.NULL.address(), 0, LANDLOCK_CREATE_RULESET_VERSION);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOSYS || e.errno() == Errno.EOPNOTSUPP || e.errno() == Errno.EPERM) return 0;
            throw e;
        }
    }

    /**
     * Whether processes {@code pid1} and {@code pid2} share one descriptor table (kcmp(2),
     * KCMP_FILES: 0 means the same table). Needs ptrace-read access to both, which the tracer has.
     */
    public static boolean sameDescriptorTable(int pid1, int pid2) {
        return NativeLinker.syscall("kcmp", SYS_KCMP, pid1, pid2, KCMP_FILES, 0, 0, 0) == 0;
    }
}
