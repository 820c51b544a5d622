package dev.jvisor.sentry.unix;

import dev.jvisor.platform.Action;
import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.Syscall;
import dev.jvisor.platform.SyscallStop;
import dev.jvisor.platform.TraceeMemory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.function.LongFunction;

import static dev.jvisor.sentry.abi.MessageHeader.MSGHDR_NAMELEN;
import static dev.jvisor.sentry.abi.MessageHeader.MSGHDR_IOV;
import static dev.jvisor.sentry.abi.MessageHeader.MSGHDR_IOVLEN;
import static dev.jvisor.sentry.abi.MessageHeader.MSGHDR_CONTROLLEN;
import static dev.jvisor.sentry.abi.MessageHeader.MSGHDR_FLAGS;
import static dev.jvisor.sentry.abi.MessageHeader.MMSGHDR_LEN;
import static dev.jvisor.sentry.abi.MessageHeader.MMSGHDR_SIZE;
import static dev.jvisor.sentry.abi.MessageHeader.UIO_MAXIOV;
import static dev.jvisor.sentry.abi.SocketAbi.MSG_OOB;
import static dev.jvisor.sentry.abi.SocketAbi.MSG_DONTWAIT;
import static dev.jvisor.sentry.abi.SocketAbi.MSG_WAITFORONE;
import static dev.jvisor.sentry.unix.NamedMessages.SENDER_ROOM;

/**
 * One recvmmsg(2) whose senders the sentry names, in pieces: a run of at least
 * {@value #PIECE} messages without a name buffer is the kernel's call on the program's own
 * vector; up to {@value #PIECE} messages of which any has one are the kernel's call on a
 * copy in the thread's scratch memory, in which each name points at a sentry buffer of full
 * size; the kernel's answers are copied back, and each sender's sandbox name goes to the
 * program's buffer by move_addr_to_user's
 * rules (the full length, as many bytes as the room allows). Data and control data go to the
 * program's buffers directly, and the timeout is the program's.
 *
 * <p>The scratch memory is the thread's stack below the red zone, and only what is mapped
 * there can be written (the tracer's writes do not grow a stack): some 125 KB below a main
 * thread's stack pointer, some KB in a thread with a small stack. A copy of 32 messages needs
 * 5.6 KB (64 bytes an mmsghdr, 112 a name).
 *
 * <p>do_recvmmsg (net/socket.c) takes up to vlen messages (unlike sendmmsg, with no
 * UIO_MAXIOV limit) and stops at the first message that fails, returning the messages before
 * it (an error of the first message is the call's, and a later error other than EAGAIN is
 * left in sk_err); after a message it stops when the timeout has run out or the message was
 * out-of-band data, and MSG_WAITFORONE turns on MSG_DONTWAIT. The pieces keep each of those
 * stops:
 * <ul>
 * <li>a piece whose messages were all taken is followed by the next, with MSG_DONTWAIT
 *     after MSG_WAITFORONE, unless the timeout (which the kernel updates) has run out or the
 *     last message was out-of-band; a signal that comes between two pieces ends the call with
 *     the messages taken, as a signal during Linux's loop would;</li>
 * <li>the message after a piece is given to that piece when the kernel will fail it before
 *     taking anything (an unreadable mmsghdr or iovec, a negative msg_namelen, more than
 *     UIO_MAXIOV pieces, a negative length: copy_msghdr_from_user, import_iovec), so that the
 *     kernel leaves its error in sk_err as Linux's loop does;</li>
 * <li>a vector that becomes unreadable within a copy ends in a message whose iovec cannot be
 *     read (EFAULT before anything is taken, as Linux's copy_msghdr_from_user of the missing
 *     message);</li>
 * <li>a name buffer that Linux could not write ends the copy after that message, whose name
 *     pointer stays the program's, so that the kernel fails it (___sys_recvmsg takes the
 *     message, then move_addr_to_user fails EFAULT) when the sender has a kernel name, and the
 *     sentry when only the sandbox names it; at the end of a stream nothing is named and the
 *     next piece follows.</li>
 * </ul>
 * The kernel writes a message's name, msg_namelen, msg_flags, msg_controllen and msg_len in
 * that order (____sys_recvmsg, then do_recvmmsg) before it reads the next mmsghdr; the
 * answers of a copy are written back in that order too, so that where the program's buffers
 * overlap its vector the last write is Linux's. Within a copy, the kernel reads every mmsghdr
 * before the sentry writes the earlier messages' names and lengths back: a vector that
 * overlaps those is read as it was when the piece began (Linux reads each mmsghdr after the
 * messages before it are written).
 */
final class VectorReceive {
    /** The names Linux reports to the receiving socket. */
    interface Senders {
        /**
         * The name Linux reports for a message received with the sender's kernel name
         * {@code kernelName} (empty for none), {@code length} bytes and {@code flags}.
         */
        UnixAddress reported(byte[] kernelName, int length, int flags);

        /** A stream or seqpacket socket's peer, as Linux names it, or null. */
        UnixAddress peer();
    }

    /** The most messages of one copy. */
    static final int PIECE = 32;
    /** The most mmsghdrs read at once. */
    private static final int BATCH = 1024;

    private final SyscallStop stop;
    private final TraceeMemory memory;
    private final Senders senders;
    private final boolean datagram;
    private final boolean stopAtUnwritable;
    private final long vlen;

    /**
     * @param vlen             the messages asked for
     * @param stopAtUnwritable a stream peer's name is the sandbox's alone (the kernel's socket
     *                         is unnamed): the kernel would not fail a message that Linux fails
     */
    VectorReceive(SyscallStop stop, Senders senders, boolean datagram, boolean stopAtUnwritable, long vlen) {
        this.stop = stop;
        this.memory = stop.memory();
        this.senders = senders;
        this.datagram = datagram;
        this.stopAtUnwritable = stopAtUnwritable;
        this.vlen = vlen;
    }

    /**
     * The call, from its first message; {@code headers}: the program's first mmsghdrs as far
     * as they are readable, at most {@link #firstRead}.
     */
    Action receive(ByteBuffer headers) {
        return piece(0, 0, stop.call().arg3(), headers);
    }

    /** How many mmsghdrs the first piece looks at: a batch, and the message after it. */
    static int firstRead(long vlen) {
        return (int) Math.min(vlen, BATCH + 1);
    }

    /** True when any of the mmsghdrs has a name buffer. */
    static boolean named(ByteBuffer headers) {
        for (int i = 0; i < headers.capacity() / MMSGHDR_SIZE; i++) if (headers.getLong(i * MMSGHDR_SIZE) != 0) return true;
        return false;
    }

    /** The first {@code count} mmsghdrs at {@code address}, or as many as are readable. */
    static ByteBuffer readVector(TraceeMemory memory, long address, int count) {
        byte[] bytes;
        try {
            bytes = memory.read(address, count * MMSGHDR_SIZE);
        } catch (ErrnoException e) {
            java.io.ByteArrayOutputStream readable = new java.io.ByteArrayOutputStream();
            for (int i = 0; i < count; i++) {
                try {
                    readable.writeBytes(memory.read(address + (long) i * MMSGHDR_SIZE, MMSGHDR_SIZE));
                } catch (ErrnoException end) {
                    break;
                }
            }
            bytes = readable.toByteArray();
        }
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * The messages from {@code start}, {@code taken} having been received before them, with
     * {@code flags}; {@code known}: the program's mmsghdrs from {@code start} if already read.
     */
    private Action piece(long start, long taken, long flags, ByteBuffer known) {
        long address = stop.call().arg1() + start * MMSGHDR_SIZE;
        long left = vlen - start;
        int batch = (int) Math.min(left, BATCH);
        boolean more = left > batch;
        ByteBuffer headers = known != null ? known : readVector(memory, address, more ? batch + 1 : batch);
        int available = headers.capacity() / MMSGHDR_SIZE;
        int readable = Math.min(available, batch);
        // A piece boundary can lose a message's error (see the class comment): any name among
        // the next PIECE messages puts all of them on one copy, as one kernel call.
        for (int i = 0; i < Math.min(readable, PIECE); i++) {
            if (headers.getLong(i * MMSGHDR_SIZE) != 0) return copied(start, taken, flags, headers, readable);
        }
        int run = 0;
        while (run < readable && headers.getLong(run * MMSGHDR_SIZE) == 0) run++;
        if (run == readable && (readable < batch || !more)) {
            // No name up to the end of the vector or the first mmsghdr that cannot be read.
            if (start == 0) return Action.passthrough();
            return inject(taken, new Syscall(stop.call().number(), stop.call().arg0(), address, left,
                    flags, stop.call().arg4(), stop.call().arg5()), received -> Action.returning(taken + received));
        }
        // The message after the run: one without a name, or one that fails, is the kernel's too.
        int after = run;
        boolean withNext = after >= available || headers.getLong(after * MMSGHDR_SIZE) == 0
                || failsBeforeReceiving(headers, after);
        int messages = run + (withNext ? 1 : 0);
        return inject(taken, new Syscall(stop.call().number(), stop.call().arg0(), address, messages,
                flags, stop.call().arg4(), stop.call().arg5()), received -> received < messages
                ? Action.returning(taken + received)
                : next(start, taken, flags, received, () -> memory.readInt(address + (received - 1) * MMSGHDR_SIZE + MSGHDR_FLAGS)));
    }

    /** A run of messages whose first has a name buffer, on a copy; {@code readable} of the {@code headers}. */
    private Action copied(long start, long taken, long flags, ByteBuffer headers, int readable) {
        long address = stop.call().arg1() + start * MMSGHDR_SIZE;
        int count = Math.min(readable, PIECE);
        int available = headers.capacity() / MMSGHDR_SIZE;
        boolean follows = start + count < vlen;
        NamedMessages plan = NamedMessages.plan(memory, headers, count, stopAtUnwritable);
        boolean full = plan.end() == count;
        // The message that fails before taking anything stays with the messages before it.
        boolean fault = full && follows && available == count;
        boolean failing = !fault && full && follows && failsBeforeReceiving(headers, count);
        int messages = plan.end() + (fault || failing ? 1 : 0);
        long copy = stop.scratch(messages * MMSGHDR_SIZE + plan.swapped().length * SENDER_ROOM);
        long buffers = copy + (long) messages * MMSGHDR_SIZE;
        ByteBuffer copied = ByteBuffer.allocate(messages * MMSGHDR_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        copied.put(0, headers.array(), 0, (failing ? messages : plan.end()) * MMSGHDR_SIZE);
        for (int k = 0; k < plan.swapped().length; k++) {
            int at = plan.swapped()[k] * MMSGHDR_SIZE;
            copied.putLong(at, buffers + (long) k * SENDER_ROOM).putInt(at + MSGHDR_NAMELEN, SENDER_ROOM);
        }
        if (fault) copied.putLong(plan.end() * MMSGHDR_SIZE + MSGHDR_IOVLEN, 1); // msg_iov NULL
        memory.write(copy, copied.array());
        Syscall call = stop.call();
        return inject(taken, new Syscall(call.number(), call.arg0(), copy, messages, flags, call.arg4(),
                call.arg5()), received -> {
                    int got = (int) Math.min(received, plan.end());
                    boolean failedName = got == plan.unwritable() + 1 && unwritableNameFails(plan, copy);
                    int answered = failedName ? plan.unwritable() : got;
                    answersBack(plan, copy, buffers, address, answered);
                    long total = taken + answered;
                    if (failedName) return total == 0 ? Action.fail(Errno.EFAULT) : Action.returning(total);
                    if (got < plan.end() || fault || failing) return Action.returning(total);
                    return next(start, taken, flags, got, () -> memory.readInt(copy + (got - 1L) * MMSGHDR_SIZE + MSGHDR_FLAGS));
                });
    }

    /**
     * After a piece whose {@code received} messages were all taken, the last with msg_flags
     * {@code lastFlags}: the next piece, or the end of the call by do_recvmmsg's rules.
     */
    private Action next(long start, long taken, long flags, long received, IntSupplier lastFlags) {
        long total = taken + received;
        if (start + received >= vlen || (lastFlags.getAsInt() & MSG_OOB) != 0 || !timeLeft(stop.call().arg4())) {
            return Action.returning(total);
        }
        return piece(start + received, total, (flags & MSG_WAITFORONE) != 0 ? flags | MSG_DONTWAIT : flags, null);
    }

    /**
     * The kernel's {@code call} for a piece after {@code taken} messages: an error of the
     * call's first message is the call's; after that, an error, or a signal before or during
     * the piece, ends the call with the messages taken. {@code then} is given the piece's count.
     */
    private Action inject(long taken, Syscall call, LongFunction<Action> then) {
        Action.Continuation continuation = result -> {
            if (result.failed() || result.interrupted()) return taken == 0 ? result.asAction() : Action.returning(taken);
            return then.apply(result.raw());
        };
        return taken == 0 ? Action.inject(call, continuation)
                : Action.injectUnlessSignalled(call, () -> Action.returning(taken), continuation);
    }

    /**
     * copy_msghdr_from_user and import_iovec fail the message at {@code index} of
     * {@code headers} before anything is received: a name with a negative msg_namelen
     * (EINVAL), more than UIO_MAXIOV pieces (EMSGSIZE), an iovec that cannot be read (EFAULT)
     * or a piece whose length is negative as an ssize_t (EINVAL).
     */
    private boolean failsBeforeReceiving(ByteBuffer headers, int index) {
        int at = index * MMSGHDR_SIZE;
        if (headers.getLong(at) != 0 && headers.getInt(at + MSGHDR_NAMELEN) < 0) return true;
        long pieces = headers.getLong(at + MSGHDR_IOVLEN);
        if (Long.compareUnsigned(pieces, UIO_MAXIOV) > 0) return true;
        if (pieces == 0) return false;
        ByteBuffer iov;
        try {
            iov = ByteBuffer.wrap(memory.read(headers.getLong(at + MSGHDR_IOV), (int) pieces * 16))
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (ErrnoException e) {
            return true;
        }
        for (int i = 0; i < pieces; i++) if (iov.getLong(i * 16 + 8) < 0) return true;
        return false;
    }

    private int lastFlags(long copy, int received) {
        return received == 0 ? 0 : memory.readInt(copy + (long) (received - 1) * MMSGHDR_SIZE + MSGHDR_FLAGS);
    }

    /** do_recvmmsg stops when the timeout (updated by the kernel) has run out. */
    private boolean timeLeft(long timeout) {
        if (timeout == 0) return true;
        try {
            ByteBuffer time = ByteBuffer.wrap(memory.read(timeout, 16)).order(ByteOrder.LITTLE_ENDIAN);
            return time.getLong(0) != 0 || time.getLong(8) != 0;
        } catch (ErrnoException e) {
            return false;
        }
    }

    /**
     * The kernel's answers for the first {@code received} messages of the copy, and each
     * sender's sandbox name, into the program's memory at {@code vectorAddress}, message by
     * message in the kernel's order. The vector is read back after the kernel's call (its data
     * and control data may lie in it), the writes are applied to that image in order, the
     * names are written, then the image: one write for the vector. A message without a name
     * buffer gets no msg_namelen (Linux writes none).
     */
    private void answersBack(NamedMessages plan, long copy, long buffers, long vectorAddress, int received) {
        if (received <= 0) return;
        ByteBuffer answers = ByteBuffer.wrap(memory.read(copy, received * MMSGHDR_SIZE)).order(ByteOrder.LITTLE_ENDIAN);
        int swapsReceived = plan.swappedBefore(received);
        byte[] kernelNames = swapsReceived > 0 ? memory.read(buffers, swapsReceived * SENDER_ROOM) : new byte[0];
        ByteBuffer image = ByteBuffer.wrap(memory.read(vectorAddress, received * MMSGHDR_SIZE)).order(ByteOrder.LITTLE_ENDIAN);
        List<long[]> nameAt = new ArrayList<>();
        List<byte[]> nameBytes = new ArrayList<>();
        int k = 0;
        for (int i = 0; i < received; i++) {
            int at = i * MMSGHDR_SIZE;
            int taken = answers.getInt(at + MMSGHDR_LEN), flags = answers.getInt(at + MSGHDR_FLAGS);
            int nameLength = answers.getInt(at + MSGHDR_NAMELEN);
            if (k < swapsReceived && plan.swapped()[k] == i) {
                int kernelLength = Math.max(0, Math.min(nameLength, SENDER_ROOM));
                byte[] kernelName = Arrays.copyOfRange(kernelNames, k * SENDER_ROOM, k * SENDER_ROOM + kernelLength);
                UnixAddress sender = senders.reported(kernelName, taken, flags);
                byte[] name = sender instanceof UnixAddress.Unnamed ? new byte[0] : sender.encode();
                int length = Math.min(plan.rooms()[i], name.length);
                if (length > 0) {
                    byte[] written = Arrays.copyOf(name, length);
                    nameAt.add(new long[] {plan.names()[i]});
                    nameBytes.add(written);
                    overlay(image, vectorAddress, plan.names()[i], written);
                }
                nameLength = name.length;
                k++;
            }
            if (plan.names()[i] != 0) image.putInt(at + MSGHDR_NAMELEN, nameLength);
            image.putInt(at + MSGHDR_FLAGS, flags);
            image.putLong(at + MSGHDR_CONTROLLEN, answers.getLong(at + MSGHDR_CONTROLLEN));
            image.putInt(at + MMSGHDR_LEN, taken);
        }
        for (int n = 0; n < nameAt.size(); n++) memory.write(nameAt.get(n)[0], nameBytes.get(n));
        memory.write(vectorAddress, image.array());
    }

    /** The bytes {@code written} at {@code address}, where they fall in the image of {@code base}. */
    private static void overlay(ByteBuffer image, long base, long address, byte[] written) {
        long from = Math.max(base, address), to = Math.min(base + image.capacity(), address + written.length);
        for (long a = from; a < to; a++) image.put((int) (a - base), written[(int) (a - address)]);
    }

    /**
     * The message whose name buffer Linux could not write was taken without a fault: true
     * when Linux's move_addr_to_user would have failed it (its sender has a name only the
     * sandbox knows); the kernel's name written without a fault (a buffer writable in part)
     * is replaced by the sandbox name as far as Linux would have written it.
     */
    private boolean unwritableNameFails(NamedMessages plan, long copy) {
        int i = plan.unwritable();
        ByteBuffer answer = ByteBuffer.wrap(memory.read(copy + (long) i * MMSGHDR_SIZE, MMSGHDR_SIZE))
                .order(ByteOrder.LITTLE_ENDIAN);
        int kernelLength = answer.getInt(MSGHDR_NAMELEN);
        int taken = answer.getInt(MMSGHDR_LEN), flags = answer.getInt(MSGHDR_FLAGS);
        UnixAddress sender;
        if (kernelLength > 0) {
            int copied = Math.min(kernelLength, plan.rooms()[i]);
            try {
                sender = !datagram ? senders.peer()
                        : copied == kernelLength ? senders.reported(memory.read(plan.names()[i], copied), taken, flags)
                        : null;
            } catch (ErrnoException e) {
                sender = null;
            }
        } else {
            sender = senders.reported(new byte[0], taken, flags);
        }
        byte[] name = sender == null || sender instanceof UnixAddress.Unnamed ? new byte[0] : sender.encode();
        int length = Math.min(plan.rooms()[i], name.length);
        if (length > 0) {
            try {
                memory.write(plan.names()[i], Arrays.copyOf(name, length));
            } catch (ErrnoException e) {
                return true;
            }
        }
        if (sender != null) memory.writeInt(copy + (long) i * MMSGHDR_SIZE + MSGHDR_NAMELEN, name.length);
        return false;
    }
}
