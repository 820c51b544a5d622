package dev.jvisor.sentry.unix;

import dev.jvisor.platform.Action;
import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.InjectionResult;
import dev.jvisor.platform.Syscall;
import dev.jvisor.platform.SyscallStop;
import dev.jvisor.platform.Sysno;
import dev.jvisor.platform.linux.FileStatus;
import dev.jvisor.sentry.abi.MessageHeader;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Function;
import java.util.function.Supplier;

import static dev.jvisor.sentry.abi.MessageHeader.MSGHDR_NAMELEN;
import static dev.jvisor.sentry.abi.MessageHeader.MSGHDR_SIZE;
import static dev.jvisor.sentry.abi.MessageHeader.MMSGHDR_LEN;
import static dev.jvisor.sentry.abi.MessageHeader.MMSGHDR_SIZE;
import static dev.jvisor.sentry.abi.MessageHeader.UIO_MAXIOV;
import static dev.jvisor.sentry.abi.SocketAbi.SOCK_DGRAM;
import static dev.jvisor.sentry.unix.UnixSockets.AT_EACCESS;
import static dev.jvisor.sentry.unix.UnixSockets.W_OK;

/**
 * Datagrams: connect(2), sendto(2), sendmsg(2) and sendmmsg(2) are given the destination's
 * kernel name.
 */
final class DatagramSends {
    private static final int AF_UNSPEC = 0;
    /**
     * An address no program can map (the kernel's half): a call given it fails with EFAULT
     * where the kernel copies it (access_ok), after the checks the kernel makes first. It
     * replaces a program's address the sentry could not read, which another thread could
     * map before the kernel reads it.
     */
    private static final long UNREADABLE = 0xffff_ffff_ffff_f000L;

    private final SandboxSockets sockets;
    private final NameResolver names;
    private final TraceeCredentials credentials;
    private final SocketObserver observer;
    private final HostSockets hosts;

    DatagramSends(SandboxSockets sockets, NameResolver names, TraceeCredentials credentials, SocketObserver observer,
                  HostSockets hosts) {
        this.sockets = sockets;
        this.names = names;
        this.credentials = credentials;
        this.observer = observer;
        this.hosts = hosts;
    }

    /**
     * unix_dgram_connect: AF_UNSPEC dissolves the association (the kernel's); any other name
     * autobinds a socket that passes credentials, then is looked up like a datagram's
     * destination; the kernel then connects to the hidden name (and resets a previous peer).
     */
    Action connectDatagram(SyscallStop stop, Endpoint endpoint) {
        Syscall call = stop.call();
        byte[] raw = AddressCopy.fromTracee(stop.memory(), call.arg1(), call.arg2());
        if (raw.length >= UnixAddress.FAMILY_LENGTH && ((raw[0] & 0xff) | (raw[1] & 0xff) << 8) == AF_UNSPEC) {
            return rewritten(call, 1, KernelArguments.place(stop, raw));
        }
        UnixAddress target = UnixAddress.parse(raw);
        autobindIfPassing(stop, endpoint);
        return toDestination(stop, target, kernelName ->
                withAddress(call, 1, KernelArguments.place(stop, kernelName), kernelName.length));
    }

    Action sendto(SyscallStop stop) {
        Syscall call = stop.call();
        return addressed(stop, call.arg4(), call.arg5(),
                () -> rewritten(call, 4, UNREADABLE),
                Action::passthrough,
                name -> withAddress(call, 4, KernelArguments.place(stop, name), name.length));
    }

    /**
     * The msghdr is copied to the sealed scratch with the destination's kernel name in it. The
     * kernel reads a msghdr again when the call runs, so every trapped sendmsg is given a
     * copy, also one without a name: another thread cannot add a name, or change one, after
     * the sentry looked.
     */
    Action sendmsg(SyscallStop stop) {
        Syscall call = stop.call();
        ByteBuffer header = MessageHeader.readOrNull(stop.memory(), call.arg1());
        if (header == null) return rewritten(call, 1, UNREADABLE);
        long name = header.getLong(0);
        int length = header.getInt(MSGHDR_NAMELEN);
        if (name == 0 || length == 0) return rewritten(call, 1, KernelArguments.place(stop, header.array()));
        return addressed(stop, name, length,
                () -> rewritten(call, 1, sealedHeader(stop, header, UNREADABLE, length)),
                () -> rewritten(call, 1, KernelArguments.place(stop, header.array())),
                kernelName -> withAddress(call, 1, sealedHeader(stop, header,
                        KernelArguments.place(stop, kernelName), kernelName.length), call.arg2()));
    }

    /** A copy of {@code header} in the sealed scratch, naming the sockaddr at {@code name}; its address. */
    private static long sealedHeader(SyscallStop stop, ByteBuffer header, long name, int length) {
        ByteBuffer copy = ByteBuffer.wrap(header.array().clone()).order(ByteOrder.LITTLE_ENDIAN);
        copy.putLong(0, name).putInt(MSGHDR_NAMELEN, length);
        return KernelArguments.place(stop, copy.array());
    }

    /** The program's call rewritten with argument {@code index} (an address) replaced by {@code address}. */
    private static Action rewritten(Syscall call, int index, long address) {
        return new Action.Rewrite(withAddress(call, index, address, call.arg(index + 1)));
    }

    /** {@code call} with argument {@code index} replaced by {@code address}, the next by {@code length}. */
    private static Syscall withAddress(Syscall call, int index, long address, long length) {
        long[] args = {call.arg0(), call.arg1(), call.arg2(), call.arg3(), call.arg4(), call.arg5()};
        args[index] = address;
        if (index + 1 < args.length) args[index + 1] = length;
        return Syscall.of(call.number(), args);
    }

    /**
     * A datagram addressed by the sockaddr at {@code address}: sent by the call that
     * {@code sendTo} makes of the destination's kernel name. A sender that is not a sandbox datagram socket is given the
     * name as the sentry read it: the kernel ignores it (SOCK_SEQPACKET) or refuses it
     * (SOCK_STREAM: EISCONN, EOPNOTSUPP), or the socket is the host's. So is a name the kernel
     * will refuse before looking it up (EINVAL); one that cannot be read is given as
     * {@link #UNREADABLE} ({@code unreadable}), and one of a bad length ({@code badLength})
     * the kernel refuses as the program gave it.
     */
    private Action addressed(SyscallStop stop, long address, long length, Supplier<Action> unreadable,
                             Supplier<Action> badLength, Function<byte[], Syscall> sendTo) {
        byte[] raw;
        try {
            raw = AddressCopy.fromTracee(stop.memory(), address, length);
        } catch (ErrnoException e) {
            return e.errno() == Errno.EFAULT ? unreadable.get() : badLength.get();
        }
        UnixAddress target;
        try {
            target = UnixAddress.parse(raw);
        } catch (ErrnoException e) {
            return new Action.Rewrite(sendTo.apply(raw));
        }
        Endpoint receiver = sockets.reachableByName(stop, target);
        if (receiver != null) {
            observer.reaches(stop, receiver.inode);
            return new Action.Rewrite(sendTo.apply(receiver.encodedKernelName()));
        }
        Endpoint sender = sockets.lookup(stop);
        if (sender == null || sender.type != SOCK_DGRAM) return new Action.Rewrite(sendTo.apply(raw));
        autobindIfPassing(stop, sender);
        return toDestination(stop, target, sendTo);
    }

    /**
     * unix_find_other for a datagram: a path is resolved and write permission checked in
     * the program's context first (for a thread that may override permissions the sentry
     * resolves it itself); then the name's socket gets the call, by its kernel name.
     */
    private Action toDestination(SyscallStop stop, UnixAddress target, Function<byte[], Syscall> sendTo) {
        if (!(target instanceof UnixAddress.Pathname path) || credentials.overridesFilePermissions(stop.tid())) {
            return send(stop, target, sendTo);
        }
        long pathAddress = KernelArguments.string(stop, path.path());
        return Action.inject(Syscall.of(Sysno.FACCESSAT2, FileStatus.AT_FDCWD, pathAddress, W_OK, AT_EACCESS),
                checked -> checked.failed() || checked.interrupted() ? checked.asAction() : send(stop, target, sendTo));
    }

    private Action send(SyscallStop stop, UnixAddress target, Function<byte[], Syscall> sendTo) {
        Destination destination = names.destination(stop, target);
        return switch (destination) {
            case Destination.KernelName name -> {
                if (name.receiver() != 0) observer.reaches(stop, name.receiver());
                else observer.refused(stop, target);
                yield new Action.Rewrite(sendTo.apply(name.sockaddr()));
            }
            case Destination.Host host -> hosts.reach(stop, host.target(), sendTo, InjectionResult::asAction);
            case Destination.Unresolved unresolved -> Action.fail(unresolved.errno());
        };
    }

    /**
     * unix_dgram_sendmsg and unix_dgram_connect autobind an unnamed socket that passes
     * credentials before they look the name up; the sentry names it, so that replies reach it.
     */
    private void autobindIfPassing(SyscallStop stop, Endpoint endpoint) {
        if (!endpoint.passCredentials() || !(sockets.nameOf(endpoint) instanceof UnixAddress.Unnamed)) return;
        sockets.autobindHidden(stop, endpoint);
    }

    /**
     * sendmmsg(2), as net/socket.c's do_sendmmsg: one sendmsg per message, in order, each
     * given a copy of its msghdr in the sealed scratch (readdressed as sendmsg's is); the kernel
     * would read the program's vector again, which another thread could change. Each result is
     * stored as the message's msg_len; a message that fails ends the call, with the count sent
     * before it, or its error when it was the first. As many messages as vlen asks are sent, up
     * to UIO_MAXIOV (do_sendmmsg's bound); each uses the thread's sealed scratch only while it
     * is sent. Path names are resolved by the sentry, without a write-permission check. A vector that runs into unmapped memory
     * is sent as far as it can be read ({@link SendVector}).
     */
    Action sendmmsg(SyscallStop stop) {
        Syscall call = stop.call();
        int most = (int) Math.min(call.arg2() & 0xffffffffL, UIO_MAXIOV);
        if (most == 0) return Action.passthrough();
        SendVector readable = SendVector.read(stop.memory(), call.arg1(), most);
        if (readable.readable() == 0) return rewritten(call, 1, UNREADABLE);
        Endpoint sender = sockets.lookup(stop);
        boolean readdress = sender != null && sender.type == SOCK_DGRAM;
        if (readdress) autobindIfPassing(stop, sender);
        return sendMessage(stop, readable.entries(), readdress, 0, readable.readable());
    }

    /**
     * Message {@code index} of a sendmmsg, then the rest; {@code index} messages are sent
     * already. A message to an allowed host socket ({@link HostSockets#reach}) is the last one
     * sent: the call returns a short count after it.
     */
    private Action sendMessage(SyscallStop stop, ByteBuffer vector, boolean readdress, int index, int count) {
        Syscall call = stop.call();
        ByteBuffer header = ByteBuffer.wrap(vector.array(), index * MMSGHDR_SIZE, MSGHDR_SIZE).slice()
                .order(ByteOrder.LITTLE_ENDIAN);
        stop.releaseSealedScratch();
        Destination destination;
        try {
            destination = readdress ? destinationOf(stop, header) : null;
        } catch (ErrnoException e) {
            return index > 0 ? Action.returning(index) : Action.fail(e.errno());
        }
        Function<Action.Continuation, Action> send;
        if (destination instanceof Destination.Host host) {
            send = then -> hosts.reach(stop, host.target(), name ->
                    Syscall.of(Sysno.SENDMSG, call.arg0(), sealedMessage(stop, header, name), call.arg3()), then);
            count = index + 1;
        } else {
            byte[] kernelName = destination instanceof Destination.KernelName found ? found.sockaddr() : null;
            Syscall sendmsg = Syscall.of(Sysno.SENDMSG, call.arg0(), sealedMessage(stop, header, kernelName), call.arg3());
            send = then -> index == 0 ? Action.inject(sendmsg, then)
                    : Action.injectUnlessSignalled(sendmsg, () -> Action.returning(index), then);
        }
        int last = count;
        return send.apply(sent -> {
            if (!sent.succeeded()) return index > 0 ? Action.returning(index) : sent.asAction();
            try {
                stop.memory().writeInt(call.arg1() + (long) index * MMSGHDR_SIZE + MMSGHDR_LEN, (int) sent.raw());
            } catch (ErrnoException e) {
                // do_sendmmsg: a msg_len it cannot store ends the call, that message uncounted.
                return index > 0 ? Action.returning(index) : Action.fail(Errno.EFAULT);
            }
            // do_sendmmsg: a message sent in part (a stream socket's buffer filled) ends the call.
            if (sent.raw() < dataLength(stop, header)) return Action.returning(index + 1);
            return index + 1 < last ? sendMessage(stop, vector, readdress, index + 1, last) : Action.returning(last);
        });
    }

    /** lib/iov_iter.c: no more than MAX_RW_COUNT bytes are taken from one message's iovecs. */
    private static final long MAX_RW_COUNT = Integer.MAX_VALUE & ~4095L;

    /**
     * The bytes a message's iovecs offer the kernel, capped as import_iovec caps them; 0 when
     * they cannot be read (the message was sent, so the kernel read them: only another thread
     * can have changed them since, and the call then just goes on).
     */
    private static long dataLength(SyscallStop stop, ByteBuffer header) {
        long iov = header.getLong(MessageHeader.MSGHDR_IOV);
        long count = header.getLong(MessageHeader.MSGHDR_IOVLEN);
        if (count <= 0 || count > UIO_MAXIOV) return 0;
        long total = 0;
        try {
            ByteBuffer entries = ByteBuffer.wrap(stop.memory().read(iov, (int) count * 16)).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < count; i++) total = Math.min(MAX_RW_COUNT, total + Math.max(0, entries.getLong(i * 16 + 8)));
        } catch (ErrnoException e) {
            return 0;
        }
        return total;
    }

    /**
     * Where a message of a sendmmsg goes, resolved as sendmsg's name is; null when the kernel
     * is to be given the name as the program wrote it (none, or one it refuses before looking
     * it up). Throws the errno of a name that cannot be resolved (the message fails).
     */
    private Destination destinationOf(SyscallStop stop, ByteBuffer header) {
        long name = header.getLong(0);
        int length = header.getInt(MSGHDR_NAMELEN);
        if (name == 0 || length == 0) return null;
        UnixAddress target;
        try {
            target = UnixAddress.parse(AddressCopy.fromTracee(stop.memory(), name, length));
        } catch (ErrnoException e) {
            return null;
        }
        Destination destination = names.destination(stop, target);
        switch (destination) {
            case Destination.KernelName found -> {
                if (found.receiver() != 0) observer.reaches(stop, found.receiver());
                else observer.refused(stop, target);
            }
            case Destination.Unresolved unresolved -> throw new ErrnoException(unresolved.errno(), "sendmmsg");
            case Destination.Host host -> { }
        }
        return destination;
    }

    /**
     * A copy of one message's msghdr in the sealed scratch, naming {@code kernelName}, or, when
     * that is null, the name as the program gave it (a copy of its bytes; an unreadable one as
     * {@link #UNREADABLE}).
     */
    private static long sealedMessage(SyscallStop stop, ByteBuffer header, byte[] kernelName) {
        long name = header.getLong(0);
        int length = header.getInt(MSGHDR_NAMELEN);
        byte[] copy = new byte[MSGHDR_SIZE];
        header.get(0, copy);
        ByteBuffer sealed = ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN);
        if (kernelName == null && (name == 0 || length == 0)) return KernelArguments.place(stop, copy);
        if (kernelName == null) {
            try {
                kernelName = AddressCopy.fromTracee(stop.memory(), name, length);
            } catch (ErrnoException e) {
                // A bad length the kernel refuses as it is; an unreadable name where no one can map it.
                if (e.errno() == Errno.EFAULT) sealed.putLong(0, UNREADABLE);
                return KernelArguments.place(stop, copy);
            }
        }
        sealed.putLong(0, KernelArguments.place(stop, kernelName)).putInt(MSGHDR_NAMELEN, kernelName.length);
        return KernelArguments.place(stop, copy);
    }
}
