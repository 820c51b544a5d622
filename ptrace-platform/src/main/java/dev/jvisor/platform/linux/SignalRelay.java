package dev.jvisor.platform.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Signals to this process, as a stream of signal numbers: native-stubs' signal relay
 * library installs a handler that writes each signal's number to a pipe, which
 * {@link #next()} reads. Meant for a JVM started with -Xrs, which leaves the signals alone.
 *
 * <p>The reader must be {@linkplain #stop() stopped} before the JVM exits: HotSpot's exit
 * waits up to 300 ms for every thread still in a native call (VM_Exit's
 * wait_for_threads_in_native_to_block), and a reader blocked in read(2) is one.
 */
public final class SignalRelay {
    /** Not a signal number: what {@link #stop()} writes, and {@link #next()} returns, to end the reader. */
    public static final int STOPPED = 0;

    private final int readFd;
    private final int writeFd;
    private final MemorySegment buffer = Arena.ofAuto().allocate(JAVA_BYTE);

    private SignalRelay(int readFd, int writeFd) {
        this.readFd = readFd;
        this.writeFd = writeFd;
    }

    /** Loads {@code library} and routes {@code signals} through a new pipe. */
    public static SignalRelay install(Path library, int... signals) {
        SymbolLookup lookup = SymbolLookup.libraryLookup(library, Arena.global());
        MethodHandle relaySignals = NativeLinker.withErrno(lookup, "jvisor_relay_signals",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        int[] pipe = Libc.pipe2(Libc.O_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment numbers = arena.allocateFrom(JAVA_INT, signals);
            NativeLinker.checked("sigaction",
                    () -> (int) relaySignals.invokeExact(NativeLinker.callState(), pipe[1], numbers, signals.length));
        }
        return new SignalRelay(pipe[0], pipe[1]);
    }

    /** Blocks until a relayed signal arrives, and returns its number, or {@link #STOPPED}. */
    public int next() {
        if (Libc.read(readFd, buffer) != 1) throw new IllegalStateException("signal relay pipe closed");
        return Byte.toUnsignedInt(buffer.get(JAVA_BYTE, 0));
    }

    /** Makes {@link #next()} return {@link #STOPPED} once the signals already relayed are read. */
    public void stop() {
        try (Arena arena = Arena.ofConfined()) {
            Libc.write(writeFd, arena.allocateFrom(JAVA_BYTE, (byte) STOPPED));
        }
    }
}
