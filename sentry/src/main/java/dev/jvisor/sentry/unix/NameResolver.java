package dev.jvisor.sentry.unix;

import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.SyscallStop;
import dev.jvisor.platform.linux.FileStatus;

import static dev.jvisor.sentry.abi.SocketAbi.SOCK_DGRAM;
import static dev.jvisor.sentry.abi.SocketAbi.SOCK_SEQPACKET;
import static dev.jvisor.sentry.abi.SocketAbi.SOCK_STREAM;

/**
 * The sandbox's names resolved as the kernel resolves them (net/unix/af_unix.c:
 * unix_find_other): which sandbox socket a sockaddr reaches, and so which kernel name a
 * rewritten call must carry. A path is resolved in the stopped thread's cwd and root.
 */
final class NameResolver {
    private final Endpoints endpoints;
    private final TraceeCredentials credentials;
    private final HiddenNames hidden;
    private final UnixDiag diag;
    private final HostSockets hosts;

    NameResolver(Endpoints endpoints, TraceeCredentials credentials, HiddenNames hidden, UnixDiag diag,
                 HostSockets hosts) {
        this.endpoints = endpoints;
        this.credentials = credentials;
        this.hidden = hidden;
        this.diag = diag;
        this.hosts = hosts;
    }

    /**
     * The socket that {@code target} reaches, when that can be told in the stop: the sole
     * holder of an abstract name (for a caller of its type only: the caller checks), or the
     * owner of a socket file for a thread that needs no write-permission check; provided it
     * can be reached (a listener, a named datagram socket). Null otherwise: the caller
     * decides step by step.
     */
    Endpoint reachable(SyscallStop stop, UnixAddress target) {
        return switch (target) {
            case UnixAddress.Abstract name -> abstractTarget(name);
            case UnixAddress.Pathname path -> pathTarget(stop, path);
            case UnixAddress.Unnamed unnamed -> null;
        };
    }

    /** The one socket that holds an abstract name, of any type, if it can be reached; else null. */
    private Endpoint abstractTarget(UnixAddress.Abstract name) {
        Endpoint only = null;
        for (int type : new int[] {SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM}) {
            Endpoint holder = endpoints.abstractNames.lookup(type, name);
            if (holder == null) continue;
            if (only != null) return null;
            only = holder;
        }
        return only != null && only.reachable() ? only : null;
    }

    /** The socket whose file a path names, for a thread that needs no write-permission check; else null. */
    private Endpoint pathTarget(SyscallStop stop, UnixAddress.Pathname path) {
        if (!credentials.overridesFilePermissions(stop.tid())) return null;
        FileStatus file;
        try {
            file = FileStatus.of(DescriptorInodes.hostPath(stop.tid(), path.path()), 0);
        } catch (ErrnoException e) {
            return null;
        }
        if (!file.isSocket()) return null;
        Endpoint owner = endpoints.files.lookup(new FilesystemNames.FileId(file.device(), file.inode()));
        return owner != null && owner.reachable() ? owner : null;
    }

    /**
     * Where a datagram to {@code target} goes (its write permission, for a path, already
     * checked). A path that names no socket file goes to a name the kernel refuses the same
     * way ({@link HiddenNames#refusing}: ENOENT, ENOTDIR; ECONNREFUSED for a file of another
     * kind): the program's own path would be resolved again by the kernel, after a program
     * could have put a host socket there. A socket file of a
     * sandbox socket of another type that cannot be reached goes to a kernel socket of
     * another type, so that the kernel answers EPROTOTYPE (unix_find_bsd) where Linux does,
     * after the message's own checks;
     * one of no live sandbox socket (a host socket included), and an abstract name no
     * datagram socket holds, go nowhere: the kernel refuses them (ECONNREFUSED) in the
     * order Linux checks.
     */
    Destination destination(SyscallStop stop, UnixAddress target) {
        Endpoint receiver;
        switch (target) {
            case UnixAddress.Abstract name -> receiver = endpoints.abstractNames.lookup(SOCK_DGRAM, name);
            case UnixAddress.Pathname path -> {
                FileStatus file;
                try {
                    file = FileStatus.of(DescriptorInodes.hostPath(stop.tid(), path.path()), 0);
                } catch (ErrnoException e) {
                    byte[] refusing = hidden.refusing(e.errno());
                    return refusing != null ? new Destination.KernelName(refusing, 0) : new Destination.Unresolved(e.errno());
                }
                if (!file.isSocket()) return new Destination.KernelName(hidden.nowhere(), 0);
                receiver = endpoints.files.lookup(new FilesystemNames.FileId(file.device(), file.inode()));
                if (receiver != null && !receiver.reachable() && receiver.type != SOCK_DGRAM
                        && diag.alive(receiver.inode)) {
                    return new Destination.KernelName(hidden.wrongType(), 0);
                }
                if (receiver == null) {
                    HostSockets.Target host = hosts.allowedFile(file);
                    if (host != null) return new Destination.Host(host);
                }
            }
            case UnixAddress.Unnamed unnamed -> throw new ErrnoException(Errno.EINVAL, "sockaddr_un");
        }
        return receiver != null && receiver.reachable()
                ? new Destination.KernelName(receiver.encodedKernelName(), receiver.inode)
                : new Destination.KernelName(hidden.nowhere(), 0);
    }
}
