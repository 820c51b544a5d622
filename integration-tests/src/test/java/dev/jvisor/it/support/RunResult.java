package dev.jvisor.it.support;

/** What one run of a program showed: its exit status and both output streams. */
public record RunResult(int exitCode, String stdout, String stderr) {
    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
}
