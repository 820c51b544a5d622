package dev.jvisor.sentry.unix;

import dev.jvisor.platform.Action;
import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.InjectionResult;
import dev.jvisor.platform.Syscall;
import dev.jvisor.platform.SyscallStop;
import dev.jvisor.platform.TraceeMemory;
import dev.jvisor.sentry.abi.MessageHeader;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static dev.jvisor.sentry.abi.MessageHeader.MSGHDR_NAMELEN;
import static dev.jvisor.sentry.abi.MessageHeader.MSGHDR_CONTROLLEN;
import static dev.jvisor.sentry.abi.MessageHeader.MSGHDR_FLAGS;
import static dev.jvisor.sentry.abi.MessageHeader.MSGHDR_SIZE;
import static dev.jvisor.sentry.abi.MessageHeader.MMSGHDR_SIZE;
import static dev.jvisor.sentry.abi.SocketAbi.MSG_TRUNC;
import static dev.jvisor.sentry.abi.SocketAbi.SOCK_DGRAM;

/**
 * recvfrom(2), recvmsg(2) and recvmmsg(2): the sender's name is the sentry's, not the
 * kernel's (which may be a hidden name).
 */
final class SenderNames {
    private final SandboxSockets sockets;
    private final Endpoints endpoints;

    SenderNames(SandboxSockets sockets, Endpoints endpoints) {
        this.sockets = sockets;
        this.endpoints = endpoints;
    }

    /**
     * The sandbox socket behind the call's first argument whose received messages have a
     * sender to name: a connected one, or any datagram socket; else null.
     */
    private Endpoint receivingEndpoint(SyscallStop stop) {
        Endpoint endpoint = sockets.lookup(stop);
        if (endpoint == null || endpoint.type == SOCK_DGRAM) return endpoint;
        sockets.refresh(endpoint);
        return endpoint.state() == Endpoint.State.CONNECTED ? endpoint : null;
    }

    Action recvfrom(SyscallStop stop) {
        Syscall call = stop.call();
        if (call.arg4() == 0) return Action.passthrough();
        Endpoint endpoint = receivingEndpoint(stop);
        if (endpoint == null) return Action.passthrough();
        int room;
        try {
            room = stop.memory().readInt(call.arg5());
        } catch (ErrnoException e) {
            return Action.passthrough();
        }
        if (cutShort(endpoint, room)) {
            long length = stop.scratch(16 + UnixAddress.STORAGE_LENGTH);
            long name = length + 16;
            stop.memory().writeInt(length, UnixAddress.STORAGE_LENGTH);
            Syscall widened = new Syscall(call.number(), call.arg0(), call.arg1(), call.arg2(), call.arg3(), name, length);
            return Action.inject(widened, received -> {
                if (received.failed() || received.interrupted()) return received.asAction();
                writeDatagramSender(stop.memory(), name, length, call.arg4(), call.arg5(), room);
                return Action.returning(received.raw());
            });
        }
        return Action.inject(call, received -> fixSenderName(stop, endpoint, received, call.arg4(), call.arg5(), room, 0));
    }

    /**
     * True when the program's room for a datagram's sender is too small for the hidden name
     * the kernel would write (and cut short): the kernel then writes it to scratch memory,
     * and the sentry gives the program the sandbox name, cut to its room, as Linux would.
     */
    private static boolean cutShort(Endpoint endpoint, int room) {
        return endpoint.type == SOCK_DGRAM && room >= 0 && room < UnixAddress.MAX_LENGTH;
    }

    /**
     * net/socket.c: move_addr_to_user, for the sender the kernel wrote at {@code kernelName}
     * (its length at {@code kernelLength}): an unnamed sender's length is 0.
     */
    private void writeDatagramSender(TraceeMemory memory, long kernelName, long kernelLength, long name,
                                     long lengthAddress, int room) {
        int length = Math.min(memory.readInt(kernelLength), UnixAddress.STORAGE_LENGTH);
        if (length == 0) {
            memory.writeInt(lengthAddress, 0);
            return;
        }
        UnixAddress sender = UnixAddress.fromKernelSockaddr(memory.read(kernelName, length));
        UnixAddress sandboxName = endpoints.sandboxNameOf(sender);
        writeSenderName(memory, sandboxName != null ? sandboxName : sender, name, lengthAddress, room);
    }

    Action recvmsg(SyscallStop stop) {
        Syscall call = stop.call();
        long name;
        int room;
        try {
            // msg_name and msg_namelen in one read: each host call is dear on this path.
            ByteBuffer header = ByteBuffer.wrap(stop.memory().read(call.arg1(), MSGHDR_NAMELEN + 4))
                    .order(ByteOrder.LITTLE_ENDIAN);
            name = header.getLong(0);
            room = header.getInt(MSGHDR_NAMELEN);
        } catch (ErrnoException e) {
            return Action.passthrough();
        }
        if (name == 0) return Action.passthrough();
        Endpoint endpoint = receivingEndpoint(stop);
        if (endpoint == null) return Action.passthrough();
        if (cutShort(endpoint, room)) return recvmsgWidened(stop, name, room);
        return Action.inject(call,
                received -> fixSenderName(stop, endpoint, received, name, call.arg1() + MSGHDR_NAMELEN, room,
                        call.arg1() + MSGHDR_FLAGS));
    }

    /**
     * recvmsg on a copy of the msghdr whose name has room for a hidden name; the kernel's
     * msg_controllen and msg_flags are copied back, and the sender's sandbox name.
     */
    private Action recvmsgWidened(SyscallStop stop, long name, int room) {
        Syscall call = stop.call();
        ByteBuffer header = MessageHeader.readOrNull(stop.memory(), call.arg1());
        if (header == null) return Action.passthrough();
        long copy = stop.scratch(MSGHDR_SIZE + 8 + UnixAddress.STORAGE_LENGTH);
        long kernelName = copy + MSGHDR_SIZE + 8;
        header.putLong(0, kernelName).putInt(MSGHDR_NAMELEN, UnixAddress.STORAGE_LENGTH);
        stop.memory().write(copy, header.array());
        return Action.inject(new Syscall(call.number(), call.arg0(), copy, call.arg2(), call.arg3(), call.arg4(),
                call.arg5()), received -> {
            if (received.failed() || received.interrupted()) return received.asAction();
            TraceeMemory memory = stop.memory();
            memory.write(call.arg1() + MSGHDR_CONTROLLEN, memory.read(copy + MSGHDR_CONTROLLEN, MSGHDR_SIZE - MSGHDR_CONTROLLEN));
            writeDatagramSender(memory, kernelName, copy + MSGHDR_NAMELEN, name, call.arg1() + MSGHDR_NAMELEN, room);
            return Action.returning(received.raw());
        });
    }

    /**
     * unix_copy_addr: when a message was taken, the name is its sender's (the peer's), and an
     * unnamed sender reports length 0; when none was, the length stays 0. A message of 0
     * bytes read is told from the end of the stream by its data (the kernel's sender name) or
     * MSG_TRUNC in the msg_flags at {@code flagsAddress} (0 for none: recvfrom).
     */
    private Action fixSenderName(SyscallStop stop, Endpoint endpoint, InjectionResult received,
                                 long name, long lengthAddress, int room, long flagsAddress) {
        if (received.failed() || received.interrupted()) return received.asAction();
        TraceeMemory memory = stop.memory();
        boolean taken = received.raw() > 0 || memory.readInt(lengthAddress) > 0
                || flagsAddress != 0 && (memory.readInt(flagsAddress) & MSG_TRUNC) != 0;
        if (taken) writeSenderName(memory, senderOf(endpoint, memory, name, lengthAddress, room), name, lengthAddress, room);
        return Action.returning(received.raw());
    }

    /**
     * The name to report for a message from the endpoint's peer: the sentry's, or when only
     * the kernel knows the sender (a stream peer that is gone, every datagram's own sender),
     * the kernel's own answer with a hidden name given back as the sandbox name behind it;
     * null to leave the kernel's answer as it is.
     */
    private UnixAddress senderOf(Endpoint endpoint, TraceeMemory memory, long name, long lengthAddress, int room) {
        UnixAddress peer = endpoint.type == SOCK_DGRAM ? null : sockets.peerNameOf(endpoint);
        if (peer != null) return peer;
        int length = memory.readInt(lengthAddress);
        if (length <= UnixAddress.FAMILY_LENGTH || length > room) return null;
        return endpoints.sandboxNameOf(UnixAddress.fromKernelSockaddr(memory.read(name, length)));
    }

    private static void writeSenderName(TraceeMemory memory, UnixAddress sender, long name, long lengthAddress,
                                        int room) {
        if (sender == null) return;
        if (sender instanceof UnixAddress.Unnamed) memory.writeInt(lengthAddress, 0);
        else AddressCopy.toTracee(memory, sender.encode(), name, lengthAddress, room);
    }

    /**
     * recvmmsg(2): when any message of the vector has a name buffer, the kernel's call in
     * pieces ({@link VectorReceive}).
     */
    Action recvmmsg(SyscallStop stop) {
        Syscall call = stop.call();
        long vlen = call.arg2() & 0xffffffffL;
        if (vlen == 0) return Action.passthrough();
        int first = VectorReceive.firstRead(vlen);
        ByteBuffer vector = VectorReceive.readVector(stop.memory(), call.arg1(), first);
        boolean whole = vlen == first || vector.capacity() < first * MMSGHDR_SIZE;
        if (whole && !VectorReceive.named(vector)) return Action.passthrough();
        Endpoint endpoint = receivingEndpoint(stop);
        if (endpoint == null) return Action.passthrough();
        // A stream peer's name is the sandbox's alone when the kernel's socket is unnamed: the
        // kernel would not fail a message that Linux fails, so the copy ends after it.
        UnixAddress peer = endpoint.type == SOCK_DGRAM ? null : sockets.peerNameOf(endpoint);
        boolean stopAtUnwritable = peer != null && !(peer instanceof UnixAddress.Unnamed);
        VectorReceive.Senders senders = new VectorReceive.Senders() {
            @Override
            public UnixAddress reported(byte[] kernelName, int length, int flags) {
                return reportedSender(endpoint, kernelName, length, flags);
            }

            @Override
            public UnixAddress peer() {
                return sockets.peerNameOf(endpoint);
            }
        };
        return new VectorReceive(stop, senders, endpoint.type == SOCK_DGRAM, stopAtUnwritable, vlen).receive(vector);
    }

    /**
     * The name Linux reports for a message received with the sender's kernel name
     * {@code kernelName} (empty for none), {@code length} bytes of data and {@code flags}
     * (msg_flags): a datagram's sender is the sandbox name behind the kernel's; a stream or
     * seqpacket message's is the peer's, when a message was taken (data, or MSG_TRUNC: the
     * end of the stream names no sender, unix_stream_read_generic and unix_dgram_recvmsg
     * return 0 before unix_copy_addr); an unnamed sender is reported with length 0.
     */
    private UnixAddress reportedSender(Endpoint endpoint, byte[] kernelName, int length, int flags) {
        boolean kernelNamed = kernelName.length > UnixAddress.FAMILY_LENGTH;
        if (endpoint.type != SOCK_DGRAM) {
            if (length == 0 && !kernelNamed && (flags & MSG_TRUNC) == 0) return new UnixAddress.Unnamed();
            UnixAddress peer = sockets.peerNameOf(endpoint);
            if (peer != null) return peer;
        }
        if (!kernelNamed) return new UnixAddress.Unnamed();
        UnixAddress sender = UnixAddress.fromKernelSockaddr(kernelName);
        UnixAddress sandboxName = endpoints.sandboxNameOf(sender);
        return sandboxName != null ? sandboxName : sender;
    }}
