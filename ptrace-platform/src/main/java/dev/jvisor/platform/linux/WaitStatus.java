package dev.jvisor.platform.linux;

/** One waitpid(2) answer: which thread, and its status word decoded as sys/wait.h does. */
public record WaitStatus(int pid, int raw) {
    /** The stop signal of a syscall stop under PTRACE_O_TRACESYSGOOD: SIGTRAP | 0x80. */
    public static final int SYSCALL_STOP_SIGNAL = 5 | 0x80;

    public boolean exited() { return (raw & 0x7f) == 0; }
    public int exitCode() { return (raw >> 8) & 0xff; }
    public boolean signaled() { int low = raw & 0x7f; return low != 0 && low != 0x7f; }
    public int termSignal() { return raw & 0x7f; }
    public boolean coreDumped() { return (raw & 0x80) != 0; }
    public boolean stopped() { return (raw & 0xff) == 0x7f; }
    public int stopSignal() { return (raw >> 8) & 0xff; }
    /** The PTRACE_EVENT_* of a ptrace event stop, or 0. */
    public int event() { return (raw >> 16) & 0xff; }
}
