package dev.jvisor.platform;

/** x86-64 signal numbers (signal(7)) the platform decides on. */
public final class Signals {
    public static final int SIGHUP = 1;
    public static final int SIGINT = 2;
    public static final int SIGQUIT = 3;
    public static final int SIGTRAP = 5;
    public static final int SIGKILL = 9;
    public static final int SIGUSR1 = 10;
    public static final int SIGTERM = 15;
    public static final int SIGCONT = 18;
    public static final int SIGSTOP = 19;
    public static final int SIGTSTP = 20;
    public static final int SIGTTIN = 21;
    public static final int SIGTTOU = 22;

    private Signals() {}

    /** Signals whose default action is to stop the process (job control). */
    public static boolean isStopSignal(int signal) {
        return signal == SIGSTOP || signal == SIGTSTP || signal == SIGTTIN || signal == SIGTTOU;
    }

    /** Bit of {@code signal} in a sigset mask as /proc/PID/status prints it. */
    public static long bit(int signal) {
        return 1L << (signal - 1);
    }
}
