package dev.jvisor.sentry.unix;

import dev.jvisor.platform.Action;
import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.Syscall;
import dev.jvisor.platform.SyscallStop;
import dev.jvisor.platform.Sysno;
import dev.jvisor.platform.TraceeMemory;

import java.util.Arrays;
import java.util.function.Function;

import static dev.jvisor.sentry.abi.SocketAbi.SOCK_DGRAM;

/**
 * getsockname(2), getpeername(2) and getsockopt(SO_PEERNAME): the names Linux would report,
 * not the hidden names the kernel knows.
 */
final class NameQueries {
    private final SandboxSockets sockets;
    private final Endpoints endpoints;

    NameQueries(SandboxSockets sockets, Endpoints endpoints) {
        this.sockets = sockets;
        this.endpoints = endpoints;
    }

    Action getsockname(SyscallStop stop) {
        Endpoint endpoint = sockets.lookup(stop);
        if (endpoint == null) return Action.passthrough();
        Syscall call = stop.call();
        AddressCopy.toTracee(stop.memory(), sockets.nameOf(endpoint).encode(), call.arg1(), call.arg2());
        return Action.returning(0);
    }

    /** unix_getname: ENOTCONN without a peer; a peer that closed still names itself. */
    Action getpeername(SyscallStop stop) {
        Endpoint endpoint = sockets.lookup(stop);
        if (endpoint == null) return Action.passthrough();
        // A datagram socket's peer changes with every connect, which completes in the kernel.
        if (endpoint.type == SOCK_DGRAM) return kernelPeerName(stop);
        sockets.refresh(endpoint);
        if (endpoint.state() != Endpoint.State.CONNECTED) throw new ErrnoException(Errno.ENOTCONN, "getpeername");
        Syscall call = stop.call();
        UnixAddress peer = sockets.peerNameOf(endpoint);
        if (peer == null) return kernelPeerName(stop);
        AddressCopy.toTracee(stop.memory(), peer.encode(), call.arg1(), call.arg2());
        return Action.returning(0);
    }

    /**
     * The name of a peer that only the kernel knows (a stream peer that is gone, a datagram
     * socket's peer): its own getpeername, in the program's context, with a hidden name
     * given back as the sandbox name behind it.
     */
    private Action kernelPeerName(SyscallStop stop) {
        Syscall call = stop.call();
        return withKernelPeerName(stop, answer -> {
            AddressCopy.toTracee(stop.memory(), answer, call.arg1(), call.arg2());
            return Action.returning(0);
        });
    }

    /** The name the kernel wrote at {@code name} (its length at {@code length}), a hidden name mapped back. */
    UnixAddress sandboxName(TraceeMemory memory, long name, long length) {
        int reported = Math.min(memory.readInt(length), UnixAddress.STORAGE_LENGTH);
        UnixAddress kernelName = UnixAddress.fromKernelSockaddr(memory.read(name, reported));
        UnixAddress sandboxName = endpoints.sandboxNameOf(kernelName);
        return sandboxName != null ? sandboxName : kernelName;
    }

    /** The kernel's getpeername of the call's socket, its hidden name mapped back, given to {@code then}. */
    private Action withKernelPeerName(SyscallStop stop, Function<byte[], Action> then) {
        long length = stop.scratch(UnixAddress.STORAGE_LENGTH + 16);
        long name = length + 16;
        stop.memory().writeInt(length, UnixAddress.STORAGE_LENGTH);
        return Action.inject(Syscall.of(Sysno.GETPEERNAME, stop.call().arg0(), name, length), got -> {
            if (got.failed() || got.interrupted()) return got.asAction();
            return then.apply(sandboxName(stop.memory(), name, length).encode());
        });
    }

    /**
     * getsockopt(SO_PEERNAME), net/core/sock.c sk_getsockopt: the peer's name as getpeername
     * reports it (ENOTCONN without a peer), but a buffer longer than the name is EINVAL, and
     * one as long or shorter gets the name cut to it, optlen unchanged. A bad optlen pointer or
     * a negative length is the kernel's to answer, before the name is looked at.
     */
    Action peerNameOption(SyscallStop stop) {
        Endpoint endpoint = sockets.lookup(stop);
        if (endpoint == null) return Action.passthrough();
        Syscall call = stop.call();
        int room;
        try {
            room = stop.memory().readInt(call.arg4());
        } catch (ErrnoException e) {
            return Action.passthrough();
        }
        if (room < 0) return Action.passthrough();
        Function<byte[], Action> answer = name -> {
            if (name.length < room) return Action.fail(Errno.EINVAL);
            stop.memory().write(call.arg3(), Arrays.copyOf(name, room));
            return Action.returning(0);
        };
        if (endpoint.type != SOCK_DGRAM) {
            sockets.refresh(endpoint);
            if (endpoint.state() != Endpoint.State.CONNECTED) throw new ErrnoException(Errno.ENOTCONN, "SO_PEERNAME");
            UnixAddress peer = sockets.peerNameOf(endpoint);
            if (peer != null) return answer.apply(peer.encode());
        }
        return withKernelPeerName(stop, answer);
    }}
