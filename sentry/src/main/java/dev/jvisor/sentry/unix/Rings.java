package dev.jvisor.sentry.unix;

import dev.jvisor.platform.Action;
import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.InjectionResult;
import dev.jvisor.platform.Syscall;
import dev.jvisor.platform.SyscallStop;
import dev.jvisor.platform.Sysno;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.SecureRandom;

/**
 * io_uring under the sandbox (issue 18): the program's rings, whose operations never pass
 * through seccomp, can do no AF_UNIX operation past the sentry. Every ring is made disabled
 * (IORING_SETUP_R_DISABLED), and none is enabled without {@link RingRestrictions}: the
 * sentry registers them before it enables a ring the program asked enabled, and before the
 * program's own IORING_REGISTER_ENABLE_RINGS (trapped); a program's own restrictions are
 * narrowed to them (IORING_REGISTER_RESTRICTIONS, trapped too). The kernel enforces them
 * from then on (io_uring/register.c: io_register_restrictions, io_register_enable_rings).
 *
 * <p>io_uring_setup reads its io_uring_params from memory and writes them back there before
 * it installs the descriptor (io_uring/io_uring.c: io_uring_create): memory the program
 * cannot write would fail it with EFAULT. So the copy the kernel reads is in the program's
 * memory, and another thread, process or pending read that wrote it meanwhile could take
 * IORING_SETUP_R_DISABLED away (measured: 17% of 20,000 racing setups, uring-rules race):
 * a ring enabled from the start, with no restrictions, in the program's descriptor table, and
 * with IORING_SETUP_SQPOLL a poller that submits without a call. The setup therefore runs
 * while every other traced thread is held ({@link Action#quiesced}), on a fresh page at a
 * random address, made and unmapped by the calling thread around the call.
 */
final class Rings {
    private static final Logger log = LoggerFactory.getLogger(Rings.class);

    /** sizeof(struct io_uring_params) and the offset of its flags. */
    static final int PARAMS_SIZE = 120;
    private static final int FLAGS_OFFSET = 8;
    static final int SETUP_R_DISABLED = 1 << 6;
    static final int SETUP_REGISTERED_FD_ONLY = 1 << 15;
    static final int REGISTER_RESTRICTIONS = 11;
    static final int REGISTER_ENABLE_RINGS = 12;
    /** IORING_REGISTER_USE_REGISTERED_RING: the descriptor argument is a registered ring's index. */
    static final long USE_REGISTERED_RING = 1L << 31;
    /** IORING_ENTER_REGISTERED_RING: the same for io_uring_enter. */
    private static final long ENTER_REGISTERED_RING = 1L << 4;
    /** More entries than any kernel takes (IORING_MAX_RESTRICTIONS: 103 on Linux 6.18). */
    private static final int MOST_RESTRICTIONS = 255;
    /** An address no user copy reaches (access_ok fails): the kernel's EFAULT, in its own order. */
    private static final long UNREACHABLE = 0xffff_8000_0000_0000L;

    private static final int PROT_READ = 0x1;
    private static final int PROT_WRITE = 0x2;
    private static final int MAP_PRIVATE = 0x2;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MAP_FIXED_NOREPLACE = 0x100000;
    private static final int PAGE = 4096;
    /** Where the page may go: above the first 4 GiB, below 64 TiB (under the 47-bit user space). */
    private static final long LOWEST = 1L << 32;
    private static final long SPAN = (1L << 46) - LOWEST;
    private static final int PLACEMENTS = 8;

    /** The restrictions every ring gets, for this kernel; learnt at the first ring. */
    private byte[] restrictions;
    private final SecureRandom random = new SecureRandom();

    private byte[] restrictions() {
        if (restrictions == null) restrictions = RingRestrictions.forThisKernel();
        return restrictions;
    }

    /** io_uring_setup(entries, params). */
    Action setup(SyscallStop stop) {
        Syscall call = stop.call();
        // copy_from_user: EFAULT for params the program cannot read, before anything is made.
        byte[] params = stop.memory().read(call.arg1(), PARAMS_SIZE);
        int flags = ints(params).getInt(FLAGS_OFFSET);
        ints(params).putInt(FLAGS_OFFSET, flags | SETUP_R_DISABLED);
        long list = sealed(stop, restrictions());
        return Action.quiesced(() -> place(stop, params, flags, list, 0));
    }

    /** A fresh page at a random address, where the kernel reads the params. */
    private Action place(SyscallStop stop, byte[] params, int flags, long list, int attempt) {
        long page = LOWEST + (Math.floorMod(random.nextLong(), SPAN) & -PAGE);
        Syscall map = Syscall.of(Sysno.MMAP, page, PAGE, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        return Action.inject(map, mapped -> {
            if (mapped.failed() && mapped.errno() == Errno.EEXIST && attempt + 1 < PLACEMENTS) {
                return place(stop, params, flags, list, attempt + 1);
            }
            if (!mapped.succeeded()) return mapped.asAction();
            stop.memory().write(page, params);
            return Action.inject(Syscall.of(Sysno.IO_URING_SETUP, stop.call().arg0(), page),
                    made -> made(stop, page, flags, list, made));
        });
    }

    private Action made(SyscallStop stop, long page, int flags, long list, InjectionResult made) {
        // The kernel's answer to the program's params (R_DISABLED aside, which no check refuses).
        if (made.interrupted()) return made.asAction();
        if (made.failed()) return unmap(page, made.asAction());
        byte[] written = stop.memory().read(page, PARAMS_SIZE);
        long ring = made.raw();
        long registered = (flags & SETUP_REGISTERED_FD_ONLY) != 0 ? USE_REGISTERED_RING : 0;
        if ((flags & SETUP_R_DISABLED) != 0) {
            // The program enables the ring itself: its restrictions, or jvisor's, come first
            // then. That it is disabled, the kernel says: io_uring_enter fails with EBADFD.
            long enterFlags = registered != 0 ? ENTER_REGISTERED_RING : 0;
            Syscall enter = Syscall.of(Sysno.IO_URING_ENTER, ring, 0, 0, enterFlags, 0, 0);
            return Action.inject(enter, entered -> entered.failed() && entered.errno() == Errno.EBADFD
                    ? answer(stop, page, flags, ring, registered, written)
                    : refuse(stop, page, ring, registered, "check that it is disabled", entered));
        }
        Syscall restrict = Syscall.of(Sysno.IO_URING_REGISTER, ring, REGISTER_RESTRICTIONS | registered, list,
                restrictions().length / RingRestrictions.SIZE);
        return Action.inject(restrict, restricted -> {
            if (!restricted.succeeded()) return refuse(stop, page, ring, registered, "restrict", restricted);
            Syscall enable = Syscall.of(Sysno.IO_URING_REGISTER, ring, REGISTER_ENABLE_RINGS | registered, 0, 0);
            return Action.inject(enable, enabled -> enabled.succeeded()
                    ? answer(stop, page, flags, ring, registered, written)
                    : refuse(stop, page, ring, registered, "enable", enabled));
        });
    }

    /**
     * The params back to the program as the kernel wrote them, without the flag it did not
     * ask for; then the ring. Params it cannot write fail the call with EFAULT and no ring,
     * as io_uring_create does.
     */
    private Action answer(SyscallStop stop, long page, int flags, long ring, long registered, byte[] written) {
        ints(written).putInt(FLAGS_OFFSET, flags);
        try {
            stop.memory().write(stop.call().arg1(), written);
        } catch (ErrnoException e) {
            return close(ring, registered, unmap(page, Action.fail(Errno.EFAULT)));
        }
        return unmap(page, Action.returning(ring));
    }

    private Action refuse(SyscallStop stop, long page, long ring, long registered, String step,
                          InjectionResult result) {
        // The program's signals are held meanwhile (Action.quiesced): only SIGKILL and SIGSTOP.
        if (result.interrupted()) return close(ring, registered, unmap(page, Action.fail(Errno.EINTR)));
        log.warn("{}: the new ring could not be made safe ({}: {}); the call fails with EPERM", stop, step,
                result.succeeded() ? "succeeded" : result.errno());
        return close(ring, registered, unmap(page, Action.fail(Errno.EPERM)));
    }

    private static Action unmap(long page, Action then) {
        return Action.inject(Syscall.of(Sysno.MUNMAP, page, PAGE), unmapped -> then);
    }

    /** A ring's descriptor closed; a registered ring's index stays (disabled, it can do nothing). */
    private static Action close(long ring, long registered, Action then) {
        if (registered != 0) return then;
        return Action.inject(Syscall.of(Sysno.CLOSE, ring), closed -> then);
    }

    /** io_uring_register(fd, opcode, arg, nr_args): the two opcodes the filter traps. */
    Action register(SyscallStop stop) {
        Syscall call = stop.call();
        long opcode = call.arg1() & 0xffff_ffffL;
        long registered = opcode & USE_REGISTERED_RING;
        return switch ((int) (opcode & ~USE_REGISTERED_RING)) {
            case REGISTER_ENABLE_RINGS -> enable(stop, registered);
            case REGISTER_RESTRICTIONS -> narrow(stop);
            default -> Action.passthrough();
        };
    }

    /**
     * The program enables a ring: jvisor's restrictions first. The kernel refuses them with
     * EBUSY when the ring has restrictions already (the program's, narrowed), with EBADFD when
     * it is enabled already; either way, and for a descriptor that is no ring, the program's
     * call then gets the kernel's own answer.
     */
    private Action enable(SyscallStop stop, long registered) {
        Syscall call = stop.call();
        long list = sealed(stop, restrictions());
        Syscall restrict = Syscall.of(Sysno.IO_URING_REGISTER, call.arg0(), REGISTER_RESTRICTIONS | registered, list,
                restrictions().length / RingRestrictions.SIZE);
        return Action.inject(restrict, restricted -> {
            if (restricted.interrupted()) return restricted.asAction();
            if (restricted.failed() && restricted.errno() == Errno.EINVAL) {
                log.warn("{}: this kernel refuses jvisor's io_uring restrictions (EINVAL): the ring stays disabled",
                        stop);
                return Action.fail(Errno.EPERM);
            }
            return Action.passthrough();
        });
    }

    /** The program's own restrictions, less what jvisor refuses, read by the kernel from sealed memory. */
    private Action narrow(SyscallStop stop) {
        Syscall call = stop.call();
        long count = call.arg3() & 0xffff_ffffL;
        if (call.arg2() == 0) return Action.passthrough();
        // More than any kernel takes: EINVAL from the kernel (after its EBADFD and EBUSY), nothing read.
        if (count > MOST_RESTRICTIONS) return rewrite(call, 0, count);
        byte[] raw;
        try {
            raw = stop.memory().read(call.arg2(), (int) count * RingRestrictions.SIZE);
        } catch (ErrnoException e) {
            return rewrite(call, UNREACHABLE, count);
        }
        byte[] narrowed = RingRestrictions.narrowed(raw);
        long list = narrowed.length == 0 ? sealed(stop, new byte[RingRestrictions.SIZE]) : sealed(stop, narrowed);
        return rewrite(call, list, narrowed.length / RingRestrictions.SIZE);
    }

    /**
     * The call made with another list, injected rather than rewritten: a raw syscall's inline
     * assembly (liburing's) may count on the argument registers after the call.
     */
    private static Action rewrite(Syscall call, long list, long count) {
        return Action.inject(new Syscall(call.number(), call.arg0(), call.arg1(), list, count, call.arg4(),
                call.arg5()), InjectionResult::asAction);
    }

    private static long sealed(SyscallStop stop, byte[] bytes) {
        long address = stop.sealedScratch(bytes.length);
        stop.writeSealed(address, bytes);
        return address;
    }

    private static ByteBuffer ints(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
