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
import java.util.Arrays;
import java.util.function.Function;

import static dev.jvisor.sentry.abi.MessageHeader.MSGHDR_NAMELEN;
import static dev.jvisor.sentry.abi.MessageHeader.MSGHDR_SIZE;
import static dev.jvisor.sentry.abi.MessageHeader.MMSGHDR_LEN;
import static dev.jvisor.sentry.abi.MessageHeader.MMSGHDR_SIZE;
import static dev.jvisor.sentry.abi.SocketAbi.SOCK_DGRAM;
import static dev.jvisor.sentry.unix.UnixSockets.AT_EACCESS;
import static dev.jvisor.sentry.unix.UnixSockets.W_OK;

/**
 * Datagrams: connect(2), sendto(2), sendmsg(2) and sendmmsg(2) are given the destination's
 * kernel name.
 */
final class DatagramSends {
    /** The most messages of one sendmmsg(2) the sentry readdresses; the call sends no more. */
    private static final int SENDMMSG_MOST = 8;
    private static final int AF_UNSPEC = 0;

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
            return Action.passthrough();
        }
        UnixAddress target = UnixAddress.parse(raw);
        autobindIfPassing(stop, endpoint);
        return toDestination(stop, target, kernelName -> {
            long address = HostSockets.room(stop, kernelName.length);
            stop.memory().write(address, kernelName);
            return new Syscall(call.number(), call.arg0(), address, kernelName.length,
                    call.arg3(), call.arg4(), call.arg5());
        });
    }

    Action sendto(SyscallStop stop) {
        Syscall call = stop.call();
        return addressed(stop, call.arg4(), call.arg5(), kernelName -> {
            long address = HostSockets.room(stop, kernelName.length);
            stop.memory().write(address, kernelName);
            return new Syscall(call.number(), call.arg0(), call.arg1(), call.arg2(),
                    call.arg3(), address, kernelName.length);
        });
    }

    /** The msghdr is copied to scratch memory with the destination's kernel name in it. */
    Action sendmsg(SyscallStop stop) {
        Syscall call = stop.call();
        ByteBuffer header = MessageHeader.readOrNull(stop.memory(), call.arg1());
        if (header == null) return Action.passthrough();
        long name = header.getLong(0);
        int length = header.getInt(MSGHDR_NAMELEN);
        if (name == 0 || length == 0) return Action.passthrough();
        return addressed(stop, name, length, kernelName -> {
            long address = HostSockets.room(stop, MSGHDR_SIZE + 8 + kernelName.length);
            long nameAddress = address + MSGHDR_SIZE + 8;
            header.putLong(0, nameAddress).putInt(MSGHDR_NAMELEN, kernelName.length);
            stop.memory().write(address, header.array());
            stop.memory().write(nameAddress, kernelName);
            return new Syscall(call.number(), call.arg0(), address, call.arg2(),
                    call.arg3(), call.arg4(), call.arg5());
        });
    }

    /**
     * A datagram addressed by the sockaddr at {@code address}: sent by the call that
     * {@code sendTo} makes from the destination's kernel name. A sender that is not a sandbox datagram socket passes through:
     * the kernel ignores the name (SOCK_SEQPACKET) or refuses it (SOCK_STREAM: EISCONN,
     * EOPNOTSUPP), or the socket is the host's. So does a name the kernel will refuse before
     * looking it up (EINVAL, EFAULT).
     */
    private Action addressed(SyscallStop stop, long address, long length, Function<byte[], Syscall> sendTo) {
        UnixAddress target;
        try {
            target = UnixAddress.parse(AddressCopy.fromTracee(stop.memory(), address, length));
        } catch (ErrnoException e) {
            return Action.passthrough();
        }
        Endpoint receiver = sockets.reachableByName(stop, target);
        if (receiver != null) {
            observer.reaches(stop, receiver.inode);
            return new Action.Rewrite(sendTo.apply(receiver.encodedKernelName()));
        }
        Endpoint sender = sockets.lookup(stop);
        if (sender == null || sender.type != SOCK_DGRAM) return Action.passthrough();
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
        long pathAddress = UnixSockets.writeString(stop, path.path());
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
            case Destination.Unchanged unchanged -> Action.passthrough();
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
     * sendmmsg(2): each message with a name is readdressed as sendmsg's is, in a copy of the
     * vector; the kernel's msg_len answers are copied back. Only the first
     * {@value #SENDMMSG_MOST} messages are sent (a short count, which the call allows), so
     * that the copy stays small; path names are resolved by the sentry, without a write-
     * permission check. A vector that runs into unmapped memory is sent as far as it can be
     * read ({@link SendVector}). A message to an allowed host socket is sent alone
     * ({@link HostSockets#reach}): the messages before it make a short count, and when it
     * is the first, it is the only one sent.
     */
    Action sendmmsg(SyscallStop stop) {
        Syscall call = stop.call();
        int most = (int) Math.min(call.arg2() & 0xffffffffL, SENDMMSG_MOST);
        if (most == 0) return Action.passthrough();
        SendVector readable = SendVector.read(stop.memory(), call.arg1(), most);
        int readableCount = readable.readable();
        if (readableCount == 0) return Action.passthrough();
        ByteBuffer vector = readable.entries();
        boolean named = false;
        for (int i = 0; i < readableCount; i++) {
            named |= vector.getLong(i * MMSGHDR_SIZE) != 0 && vector.getInt(i * MMSGHDR_SIZE + MSGHDR_NAMELEN) != 0;
        }
        if (!named) return Action.passthrough();
        Endpoint sender = sockets.lookup(stop);
        if (sender == null || sender.type != SOCK_DGRAM) return Action.passthrough();
        autobindIfPassing(stop, sender);
        byte[][] kernelNames = new byte[readableCount][];
        HostSockets.Target host = null;
        int count = readableCount;
        for (int i = 0; i < readableCount; i++) {
            int at = i * MMSGHDR_SIZE;
            long name = vector.getLong(at);
            int length = vector.getInt(at + MSGHDR_NAMELEN);
            if (name == 0 || length == 0) continue;
            try {
                UnixAddress target = UnixAddress.parse(AddressCopy.fromTracee(stop.memory(), name, length));
                switch (names.destination(stop, target)) {
                    case Destination.KernelName found -> {
                        if (found.receiver() != 0) observer.reaches(stop, found.receiver());
                        else observer.refused(stop, target);
                        kernelNames[i] = found.sockaddr();
                    }
                    case Destination.Host allowed -> {
                        if (i == 0) host = allowed.target();
                        count = i == 0 ? 1 : i;
                    }
                    case Destination.Unchanged unchanged -> { }
                }
            } catch (ErrnoException e) {
                continue;
            }
            if (count <= i) break;
        }
        int sent = count;
        // The copy is written when the call is made (after the host route's openat, which
        // uses scratch memory too), and read back after it.
        long address = HostSockets.room(stop, sent * (MMSGHDR_SIZE + UnixAddress.STORAGE_LENGTH));
        Function<byte[], Syscall> send = hostName -> {
            long nameArea = address + (long) sent * MMSGHDR_SIZE;
            if (hostName != null) kernelNames[0] = hostName;
            for (int i = 0; i < sent; i++) {
                if (kernelNames[i] == null) continue;
                long nameAddress = nameArea + (long) i * UnixAddress.STORAGE_LENGTH;
                stop.memory().write(nameAddress, kernelNames[i]);
                vector.putLong(i * MMSGHDR_SIZE, nameAddress).putInt(i * MMSGHDR_SIZE + MSGHDR_NAMELEN,
                        kernelNames[i].length);
            }
            stop.memory().write(address, Arrays.copyOf(vector.array(), sent * MMSGHDR_SIZE));
            return new Syscall(call.number(), call.arg0(), address, sent, call.arg3(), call.arg4(), call.arg5());
        };
        Action.Continuation copyBack = result -> {
            if (result.failed() || result.interrupted()) return result.asAction();
            for (int i = 0; i < result.raw(); i++) {
                long length = address + (long) i * MMSGHDR_SIZE + MMSGHDR_LEN;
                try {
                    stop.memory().write(call.arg1() + (long) i * MMSGHDR_SIZE + MMSGHDR_LEN,
                            stop.memory().read(length, 4));
                } catch (ErrnoException e) {
                    // do_sendmmsg: a msg_len it cannot store ends the call, that message uncounted.
                    return i > 0 ? Action.returning(i) : Action.fail(Errno.EFAULT);
                }
            }
            return Action.returning(result.raw());
        };
        if (host != null) return hosts.reach(stop, host, send, copyBack);
        return Action.inject(send.apply(null), copyBack);
    }
}
