package dev.jvisor.platform;

/**
 * A thread's latest rewritten calls ({@link Action.Rewrite}), so that the kernel's restart of
 * one is recognised. A rewritten call runs without a further stop, so its argument registers
 * keep the rewritten values; when a signal interrupts it and the kernel restarts it (SA_RESTART,
 * or a stop signal: signal(7)), the thread executes the same syscall instruction again with
 * those registers, and the filter traps it anew. The handler must then see the program's call,
 * not the rewritten one, whose memory arguments (scratch below the stack's red zone) the signal
 * frame may have overwritten. A signal handler may itself make rewritten calls before the
 * restart, hence a few entries rather than one.
 */
final class RewrittenCalls {
    private static final int KEPT = 4;

    private record Entry(long instructionPointer, Syscall rewritten, Syscall original) {}

    private final Entry[] entries = new Entry[KEPT];
    private int next;

    void add(long instructionPointer, Syscall rewritten, Syscall original) {
        entries[next] = new Entry(instructionPointer, rewritten, original);
        next = (next + 1) % KEPT;
    }

    /**
     * The program's call behind {@code trapped}, made at {@code instructionPointer}: the
     * original of a rewrite that the kernel restarted, else {@code trapped} itself.
     */
    Syscall original(long instructionPointer, Syscall trapped) {
        for (int i = 1; i <= KEPT; i++) {
            Entry entry = entries[Math.floorMod(next - i, KEPT)];
            if (entry != null && entry.instructionPointer == instructionPointer && entry.rewritten.equals(trapped)) {
                return entry.original;
            }
        }
        return trapped;
    }
}
