package dev.jvisor.platform;

import java.util.Optional;

/**
 * A blocking call that a signal cut short, and how the tracer carries it on when the program
 * ignores that signal, so that it ends as on Linux, where the signal never came.
 *
 * <p>Linux discards a signal the program ignores when it is sent (kernel/signal.c:
 * sig_ignored); under ptrace it is queued for the tracer instead, and wakes a thread blocked
 * in the kernel. A call the kernel would restart (-ERESTARTSYS and its kin) is restarted once
 * the tracer suppresses the signal, as ptrace(2) says; these are the others:
 * <ul>
 *   <li>{@link Restart}: the call failed with EINTR, which the kernel gives instead of a
 *       restart for a socket with a timeout (net/core/sock.c: sock_intr_errno) and for
 *       epoll_wait (fs/eventpoll.c: ep_poll). The call is made again with the same
 *       arguments. A socket's timeout then starts again: a call that the signal cut short at
 *       time t may wait up to t longer than its timeout (README, Known differences).
 *   <li>{@link Carry}: the call had made progress and returned it: a stream receive with
 *       MSG_WAITALL (net/unix/af_unix.c: unix_stream_read_generic returns what it copied), a
 *       blocking send or write (unix_stream_sendmsg returns what it sent). The rest is asked
 *       for by a second call in its place, and the program sees the sum.
 * </ul>
 * Only calls whose whole state is in their registers are carried on; a receive or send through
 * a msghdr ({@code recvmsg}, {@code sendmsg}, {@code readv}, {@code writev}) that made
 * progress keeps its short count (README).
 */
public sealed interface CutShortCall {
    long ERESTARTNOINTR = -513;
    int MSG_DONTWAIT = 0x40;
    int MSG_WAITALL = 0x100;

    /** The call, with the same arguments, is made again: rax becomes -ERESTARTNOINTR. */
    record Restart() implements CutShortCall {}

    /** {@code rest} runs in the call's place; the program's call returns {@code done} plus what it gives. */
    record Carry(long done, Syscall rest) implements CutShortCall {}

    /**
     * What to do with {@code call}, which returned {@code result} when the signal came;
     * empty when it ended as it would have on Linux. Whether the descriptor is non-blocking
     * (where a short count is no sign of a signal) is the caller's to check, by {@link #descriptor}.
     */
    static Optional<CutShortCall> of(Syscall call, long result) {
        if (result == -Errno.EINTR.number()) return restartable(call) ? Optional.of(new Restart()) : Optional.empty();
        if (result <= 0) return Optional.empty();
        long length = call.arg2();
        if (result >= length) return Optional.empty();
        long rest = length - result;
        return switch (call.number()) {
            case Sysno.RECVFROM -> (call.arg3() & MSG_WAITALL) != 0 && (call.arg3() & MSG_DONTWAIT) == 0
                    ? Optional.of(new Carry(result, Syscall.of(Sysno.RECVFROM, call.arg0(), call.arg1() + result,
                            rest, call.arg3(), 0, 0)))
                    : Optional.empty();
            // sendto with a name is a datagram, which is never split.
            case Sysno.SENDTO -> call.arg4() == 0 && (call.arg3() & MSG_DONTWAIT) == 0
                    ? Optional.of(new Carry(result, Syscall.of(Sysno.SENDTO, call.arg0(), call.arg1() + result,
                            rest, call.arg3(), 0, 0)))
                    : Optional.empty();
            case Sysno.WRITE -> Optional.of(new Carry(result,
                    Syscall.of(Sysno.WRITE, call.arg0(), call.arg1() + result, rest)));
            default -> Optional.empty();
        };
    }

    /** The descriptor whose O_NONBLOCK decides whether {@code call} blocks. */
    static int descriptor(Syscall call) {
        return (int) call.arg0();
    }

    /**
     * Calls that fail with EINTR where the kernel restarts nothing, and that an ignored
     * signal does not end on Linux. epoll_wait only without a timeout: with one, a restart
     * would wait its whole timeout again, later than the program's timers, where EINTR lets
     * it count the time left itself.
     */
    private static boolean restartable(Syscall call) {
        return switch (call.number()) {
            case Sysno.READ, Sysno.WRITE, Sysno.READV, Sysno.WRITEV, Sysno.RECVFROM, Sysno.SENDTO,
                 Sysno.RECVMSG, Sysno.SENDMSG, Sysno.RECVMMSG, Sysno.SENDMMSG, Sysno.ACCEPT,
                 Sysno.ACCEPT4, Sysno.CONNECT -> true;
            case Sysno.EPOLL_WAIT, Sysno.EPOLL_PWAIT -> (int) call.arg3() == -1;
            case Sysno.EPOLL_PWAIT2 -> call.arg3() == 0;
            default -> false;
        };
    }
}
