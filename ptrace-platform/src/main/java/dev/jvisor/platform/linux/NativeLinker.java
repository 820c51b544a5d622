package dev.jvisor.platform.linux;

import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ErrnoException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Looks up libc functions and captures errno for the bindings of this package.
 *
 * <p>errno is captured with {@code Linker.Option.captureCallState}, into a segment per
 * thread: a shared static segment would let two threads overwrite each other's errno.
 */
final class NativeLinker {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));

    /**
     * syscall(2), variadic after the number: every system call of this package goes through
     * this one handle. A cold JVM spends about 1.5 ms on each downcall shape (its stub, its
     * lambda forms, and an invoker at its first call): one shape for every call keeps that
     * out of jvisor's start-up and its first trapped calls. Pointers pass as addresses.
     */
    private static final MethodHandle SYSCALL = LINKER.downcallHandle(find("syscall"),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(1));

    private NativeLinker() {}

    /** System call {@code number} (asm/unistd_64.h); -1 becomes an ErrnoException for {@code name}. */
    static long syscall(String name, long number, long a, long b, long c, long d, long e, long f) {
        return checked(name, () -> (long) SYSCALL.invokeExact(callState(), number, a, b, c, d, e, f));
    }

    /** {@link #syscall(String, long, long, long, long, long, long, long)} of three arguments. */
    static long syscall(String name, long number, long a, long b, long c) {
        return syscall(name, number, a, b, c, 0, 0, 0);
    }

    /** As {@link #syscall(String, long, long, long, long, long, long, long)}, retrying EINTR. */
    static long restartableSyscall(String name, long number, long a, long b, long c, long d, long e, long f) {
        return restartable(name, () -> (long) SYSCALL.invokeExact(callState(), number, a, b, c, d, e, f));
    }

    /**
     * A handle for function {@code name} of another library, whose first parameter is the
     * call-state segment ({@link #callState()}).
     */
    static MethodHandle withErrno(java.lang.foreign.SymbolLookup library, String name, FunctionDescriptor descriptor) {
        MemorySegment function = library.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("no " + name + " in the library"));
        return LINKER.downcallHandle(function, descriptor, Linker.Option.captureCallState("errno"));
    }

    /** A handle for a function that reports errors in its return value, not errno. */
    static MethodHandle plain(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(find(name), descriptor);
    }

    /** This thread's call-state segment, to pass as the first argument of a {@link #withErrno} handle. */
    static MemorySegment callState() {
        return STATE.get();
    }

    /** The errno the last {@link #withErrno} call on this thread captured. */
    static Errno lastErrno() {
        return Errno.of((int) ERRNO.get(STATE.get(), 0L));
    }

    private static ErrnoException failure(String call) {
        return new ErrnoException(lastErrno(), call);
    }

    /** A downcall through a {@link #withErrno} handle that returns -1 on failure. */
    @FunctionalInterface
    interface Call {
        long invoke() throws Throwable;
    }

    /** Runs {@code call} once; -1 becomes an ErrnoException with the captured errno. */
    static long checked(String name, Call call) {
        long result = invoke(call);
        if (result == -1) throw failure(name);
        return result;
    }

    /**
     * Runs {@code call} until it is not interrupted: the one place where EINTR is retried,
     * for calls that can block (a signal to the JVM, such as a relayed one, interrupts them).
     */
    static long restartable(String name, Call call) {
        while (true) {
            long result = invoke(call);
            if (result != -1) return result;
            Errno errno = lastErrno();
            if (errno != Errno.EINTR) throw new ErrnoException(errno, name);
        }
    }

    private static long invoke(Call call) {
        try {
            return call.invoke();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Turns a Throwable from invokeExact (never expected for a downcall) into an Error. */
    static AssertionError unexpected(Throwable t) {
        return new AssertionError("native call failed unexpectedly", t);
    }

    private static MemorySegment find(String name) {
        return LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    }
}
