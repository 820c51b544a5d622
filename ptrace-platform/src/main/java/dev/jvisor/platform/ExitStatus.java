package dev.jvisor.platform;

/** How the sandbox's first process ended. */
public sealed interface ExitStatus {
    /** The status a shell reports: the exit code, or 128 + N when signal N killed it. */
    int shellStatus();

    record Exited(int code) implements ExitStatus {
        public int shellStatus() {
            return code;
        }
    }

    record Killed(int signal, boolean coreDumped) implements ExitStatus {
        public int shellStatus() {
            return 128 + signal;
        }
    }
}
