package dev.jvisor.sentry.unix;

import dev.jvisor.platform.Action;
import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.Syscall;
import dev.jvisor.platform.SyscallHandler;
import dev.jvisor.platform.SyscallStop;
import dev.jvisor.platform.ProcNetFile;
import dev.jvisor.platform.Sysno;
import dev.jvisor.platform.linux.FileStatus;
import dev.jvisor.platform.linux.Libc;
import dev.jvisor.platform.linux.Socket;

import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import static dev.jvisor.sentry.abi.SocketAbi.AF_UNIX;
import static dev.jvisor.sentry.abi.SocketAbi.SOCK_DGRAM;
import static dev.jvisor.sentry.abi.SocketAbi.SOCK_SEQPACKET;
import static dev.jvisor.sentry.abi.SocketAbi.SOCK_STREAM;
import static dev.jvisor.sentry.abi.SocketAbi.SOL_SOCKET;
import static dev.jvisor.sentry.abi.SocketAbi.SO_DOMAIN;
import static dev.jvisor.sentry.abi.SocketAbi.SO_PASSCRED;
import static dev.jvisor.sentry.abi.SocketAbi.SO_PEERNAME;
import static dev.jvisor.sentry.abi.SocketAbi.SO_TYPE;

/**
 * The sentry's answer to a sandbox's trapped AF_UNIX calls (SOCK_STREAM, SOCK_SEQPACKET and
 * SOCK_DGRAM).
 *
 * <p>Every such socket is a real kernel socket of the same type, created by the program's
 * own call (socket(2) and socketpair(2) are not even trapped), so that data, shutdown,
 * readiness, blocking, credentials and descriptor passing are the kernel's. The sentry
 * learns of a socket the first time the program makes a trapped call on it, and asks the
 * kernel (sock_diag) what it is. Names are the sentry's: bind records the name here (a
 * pathname also gets its socket file, made in the program's context), and a listener is
 * bound in the kernel to a hidden name that only the sentry hands out, and so is a named
 * datagram socket. connect, and a datagram's destination, are resolved in the sandbox's
 * namespaces, and the program's call then goes, in the program's context, to that hidden
 * name: the kernel's backlog, queues, blocking, timeouts and signals apply. What the hidden
 * names would make the kernel report (getsockname, getpeername, the addresses of accept,
 * recvfrom, recvmsg and recvmmsg) the sentry answers. Calls on descriptors that are not
 * sandbox sockets pass through.
 *
 * <p>This class dispatches the calls, keeps the table of sandbox sockets (what it learns of
 * each, and the names it gives them) and answers bind, listen, connect, accept and
 * setsockopt; the datagram sends ({@code DatagramSends}), the senders' names of received
 * messages ({@code SenderNames}) and the name queries ({@code NameQueries}) are their own.
 */
public final class UnixSockets implements SyscallHandler, SocketDirectory, TableSizes {
    static final int W_OK = 2;
    static final int AT_EACCESS = 0x200;
    private static final int SO_PASSPIDFD = 76;

    private final UnixDiag diag;
    private final Endpoints endpoints;
    private final TraceeCredentials credentials = new TraceeCredentials();
    private final HiddenNames hidden;
    private final NameResolver names;
    private final SocketObserver observer;
    private final HostSockets hosts;
    private final ExposedPaths exposed;
    private final NameQueries nameQueries;
    private final SenderNames senderNames;
    private final DatagramSends datagramSends;
    private final TraceeProcesses processes = new TraceeProcesses();
    private final ProcNetUnix procNetUnix;
    private final SockDiagSockets sockDiag;
    private final Rings rings = new Rings();
    /**
     * Set once a datagram socket without a name passes credentials: its sends and connects
     * must be looked at, because Linux autobinds it first (unix_dgram_sendmsg,
     * unix_dgram_connect) and the sentry gives it the name.
     */
    private boolean unnamedDatagramsPassCredentials;

    public UnixSockets() {
        this(SocketObserver.NONE, HostPolicy.NONE);
    }

    /**
     * A sentry that tells {@code observer} what it decides about names, and deals with host
     * sockets as {@code policy} says.
     */
    public UnixSockets(SocketObserver observer, HostPolicy policy) {
        this.observer = observer;
        this.hosts = policy.reachable();
        this.exposed = policy.exposed();
        this.diag = new UnixDiag();
        this.hidden = new HiddenNames();
        hidden.wrongType();
        hidden.nowhere();
        this.endpoints = new Endpoints(diag, hidden);
        this.names = new NameResolver(endpoints, credentials, hidden, diag, policy.reachable());
        SandboxSockets sockets = new Table();
        this.nameQueries = new NameQueries(sockets, endpoints);
        this.senderNames = new SenderNames(sockets, endpoints);
        this.datagramSends = new DatagramSends(sockets, names, credentials, observer, hosts);
        ListedSockets listed = new ListedSockets(new Listed(), processes);
        this.procNetUnix = new ProcNetUnix(listed, processes);
        this.sockDiag = new SockDiagSockets(listed);
    }

    @Override
    public void reportSizes(java.util.function.ObjIntConsumer<String> size) {
        endpoints.reportSizes(size);
        size.accept("thread credentials", credentials.size());
        size.accept("sock_diag processes and sockets", sockDiag.size());
    }

    /**
     * The calls that hand the kernel a name or a path of the sentry's (the hidden name a
     * connect or a datagram reaches, a path to check or make), a copy of the program's
     * arguments that it has checked, or a filter (a sock_diag socket's read traps).
     */
    @Override
    public boolean usesSealedScratch(Syscall call) {
        return switch (call.number()) {
            case Sysno.BIND, Sysno.CONNECT, Sysno.SENDTO, Sysno.SENDMSG, Sysno.SENDMMSG, Sysno.IO_URING_SETUP,
                 Sysno.IO_URING_REGISTER -> true;
            case Sysno.SOCKET -> SockDiagSockets.makesSocket(call);
            default -> false;
        };
    }

    /** The sandbox's /proc/net/unix, which the platform serves. */
    @Override
    public ProcNetFile procNetFile() {
        return procNetUnix;
    }

    /** The hidden names' directory: the sandbox connects to sockets there, and changes nothing. */
    @Override
    public java.util.List<java.nio.file.Path> readOnlyDirectories() {
        return java.util.List.of(hidden.enclosingDirectory());
    }

    @Override
    public Action onSyscall(SyscallStop stop) {
        Action closeFirst = hosts.closeLeftOpen(stop, () -> answer(stop));
        return closeFirst != null ? closeFirst : answer(stop);
    }

    private Action answer(SyscallStop stop) {
        Syscall call = stop.call();
        return switch (call.number()) {
            case Sysno.BIND -> bind(stop);
            case Sysno.LISTEN -> listen(stop);
            case Sysno.CONNECT -> connect(stop);
            case Sysno.ACCEPT, Sysno.ACCEPT4 -> accept(stop);
            case Sysno.GETSOCKNAME -> nameQueries.getsockname(stop);
            case Sysno.GETPEERNAME -> nameQueries.getpeername(stop);
            case Sysno.SETSOCKOPT -> setsockopt(stop);
            case Sysno.GETSOCKOPT -> call.arg1() == SOL_SOCKET && call.arg2() == SO_PEERNAME
                    ? nameQueries.peerNameOption(stop) : Action.passthrough();
            case Sysno.SOCKET -> SockDiagSockets.makesSocket(call) ? sockDiag.socket(stop) : Action.passthrough();
            case Sysno.READ, Sysno.READV -> orElse(sockDiag.receive(stop), Action::passthrough);
            case Sysno.RECVFROM -> orElse(sockDiag.receive(stop), () -> senderNames.recvfrom(stop));
            case Sysno.RECVMSG -> orElse(sockDiag.receive(stop), () -> senderNames.recvmsg(stop));
            case Sysno.RECVMMSG -> orElse(sockDiag.receive(stop), () -> senderNames.recvmmsg(stop));
            case Sysno.WRITE, Sysno.WRITEV -> {
                sockDiag.observeSend(stop);
                yield Action.passthrough();
            }
            case Sysno.SENDTO -> {
                sockDiag.observeSend(stop);
                yield datagramSends.sendto(stop);
            }
            case Sysno.SENDMSG -> {
                sockDiag.observeSend(stop);
                yield datagramSends.sendmsg(stop);
            }
            case Sysno.SENDMMSG -> {
                sockDiag.observeSend(stop);
                yield datagramSends.sendmmsg(stop);
            }
            case Sysno.IO_URING_SETUP -> rings.setup(stop);
            case Sysno.IO_URING_REGISTER -> rings.register(stop);
            case Sysno.SETUID, Sysno.SETGID, Sysno.SETREUID, Sysno.SETREGID, Sysno.SETGROUPS, Sysno.SETRESUID,
                 Sysno.SETRESGID, Sysno.SETFSUID, Sysno.SETFSGID, Sysno.CAPSET -> {
                credentials.forget(stop.tid());
                yield Action.passthrough();
            }
            default -> Action.passthrough();
        };
    }

    private static Action orElse(Action answer, java.util.function.Supplier<Action> otherwise) {
        return answer != null ? answer : otherwise.get();
    }

    @Override
    public void onExec(int pid) {
        credentials.forgetAll();
        // Descriptors left open are O_CLOEXEC: exec closed them.
        hosts.forget(pid);
    }

    @Override
    public void onClone(Clone clone) {
        processes.onClone(clone);
        sockDiag.onClone(clone);
    }

    @Override
    public void onExit(int tid) {
        credentials.forget(tid);
        hosts.forget(tid);
        processes.onExit(tid);
        sockDiag.onExit(tid);
    }

    // What watchers of the sandbox ask (SocketDirectory).

    @Override
    public long socketInode(int tid, long fd) {
        return DescriptorInodes.socketInode(tid, fd);
    }

    @Override
    public SocketFacts describe(long inode) {
        if (endpoints.isForeign(inode)) return null;
        Endpoint endpoint = endpoints.get(inode);
        if (endpoint == null) endpoint = classify(inode);
        if (endpoint == null) return null;
        UnixDiag.Status status = diag.query(inode);
        if (status == null) return null;
        refresh(endpoint);
        return new SocketFacts(inode, endpoint.type, nameOf(endpoint), status.peer());
    }

    @Override
    public Set<Long> liveSockets() {
        return diag.live().inodes();
    }

    /**
     * A sandbox socket's kernel socket is bound to a hidden name only, never to the socket
     * file or abstract name the program chose: a kernel socket bound to one is a host socket.
     */
    @Override
    public boolean heldOutside(SyscallStop stop, UnixAddress name) {
        return switch (name) {
            case UnixAddress.Abstract abstractName ->
                    endpoints.sandboxNameOf(abstractName) == null && diag.live().names().contains(abstractName);
            case UnixAddress.Pathname path -> {
                try {
                    FileStatus file = FileStatus.of(DescriptorInodes.hostPath(stop.tid(), path.path()), 0);
                    yield file.isSocket() && diag.boundToFile(file.device(), file.inode());
                } catch (ErrnoException e) {
                    yield false;
                }
            }
            case UnixAddress.Unnamed unnamed -> false;
        };
    }

    /**
     * The connection-oriented sandbox socket behind the call's first argument, or null (not
     * one: the kernel answers).
     */
    private Endpoint endpoint(SyscallStop stop) {
        Endpoint endpoint = anyEndpoint(stop);
        return endpoint == null || endpoint.type == SOCK_DGRAM ? null : endpoint;
    }

    private Endpoint anyEndpoint(SyscallStop stop) {
        long inode = DescriptorInodes.socketInode(stop.tid(), stop.call().arg0());
        if (inode < 0 || endpoints.isForeign(inode)) return null;
        Endpoint known = endpoints.get(inode);
        return known != null ? known : classify(inode);
    }

    /**
     * A socket the sentry meets for the first time, by what the kernel says of it: an
     * unbound, unconnected AF_UNIX socket is a new sandbox socket; a connected one whose
     * kernel name is a listener's hidden name was accepted from that listener; a connected
     * one whose peer holds a hidden name is a client whose connect the sentry rewrote; a
     * connected one with no kernel name, whose peer has none either (or is a sandbox
     * socket), is one end of a socketpair. Anything else (another family, a host socket the
     * program inherited, bound or listening in the host's namespace) stays the kernel's.
     */
    private Endpoint classify(long inode) {
        UnixDiag.Status status = diag.query(inode);
        if (status == null || !served(status.type())) {
            endpoints.markForeign(inode);
            return null;
        }
        if (status.type() == SOCK_DGRAM) {
            // Connected or not: only its name matters. A sandbox datagram socket gets its
            // kernel name from the sentry, which then knows it already.
            if (status.name() == null) return endpoints.register(inode, SOCK_DGRAM);
            endpoints.markForeign(inode);
            return null;
        }
        if (status.state() == UnixDiag.TCP_CLOSE && status.name() == null) {
            return endpoints.register(inode, status.type());
        }
        if (status.state() != UnixDiag.TCP_ESTABLISHED) {
            endpoints.markForeign(inode);
            return null;
        }
        if (status.name() != null) {
            UnixAddress listenerName = endpoints.sandboxNameOf(status.name());
            if (listenerName != null) return accepted(inode, status.type(), listenerName, status.peer());
            endpoints.markForeign(inode);
            return null;
        }
        Endpoint peer = status.peer() == 0 ? null : peerEndpoint(status.peer());
        if (status.peer() != 0 && peer == null) {
            endpoints.markForeign(inode);
            return null;
        }
        Endpoint socket = endpoints.register(inode, status.type());
        connectEnds(socket, peer);
        return socket;
    }

    /**
     * The sandbox socket with inode {@code peerInode}, connected to a socket being learnt:
     * met before, or a socketpair end (no kernel name), or an accepted socket (its kernel
     * name a hidden one); null when it is no sandbox socket.
     */
    private Endpoint peerEndpoint(long peerInode) {
        Endpoint peer = endpoints.get(peerInode);
        if (peer != null || endpoints.isForeign(peerInode)) return peer;
        UnixDiag.Status other = diag.query(peerInode);
        if (other == null || other.state() != UnixDiag.TCP_ESTABLISHED) return null;
        if (other.name() == null) return endpoints.register(other.inode(), other.type());
        UnixAddress listenerName = endpoints.sandboxNameOf(other.name());
        return listenerName == null ? null : accepted(other.inode(), other.type(), listenerName, 0);
    }

    /** {@code socket} is connected to {@code peer}, or (null) to a peer that is gone. */
    private static void connectEnds(Endpoint socket, Endpoint peer) {
        if (peer == null) {
            socket.connectToUnknown();
            return;
        }
        socket.pairWith(peer);
        if (peer.peer() == null) peer.pairWith(socket);
    }

    /**
     * A socket accepted from a listener named {@code listenerName}: it shares the listener's
     * name; its peer is the client, which the sentry may not have met yet (a socket it never
     * saw has no sandbox name), or which is gone already (Linux still hands the connection
     * over, and names the client as it was named).
     */
    private Endpoint accepted(long inode, int type, UnixAddress listenerName, long clientInode) {
        Endpoint socket = endpoints.register(inode, type);
        socket.adopt(listenerName);
        if (clientInode == 0) {
            // The client is gone (sock_diag names an orphaned peer 0): only the kernel still
            // knows its name, its hidden name if it had one.
            socket.connectToUnknown();
            return socket;
        }
        Endpoint client = endpoints.get(clientInode);
        if (client != null) {
            socket.pairWith(client);
            client.pairWith(socket);
        } else {
            socket.connectTo(UnixAddress.UNNAMED);
        }
        return socket;
    }

    /**
     * A known socket that the table shows unconnected may have connected since, by a connect
     * the sentry rewrote: the kernel says.
     */
    private void refresh(Endpoint endpoint) {
        if (endpoint.state() != Endpoint.State.UNCONNECTED) return;
        UnixDiag.Status status = diag.query(endpoint.inode);
        if (status == null || status.state() != UnixDiag.TCP_ESTABLISHED) return;
        Endpoint peer = status.peer() == 0 ? null : peerEndpoint(status.peer());
        if (status.peer() == 0 || peer != null) connectEnds(endpoint, peer);
    }

    private static boolean served(int type) {
        return type == SOCK_STREAM || type == SOCK_SEQPACKET || type == SOCK_DGRAM;
    }

    // bind(2)

    private Action bind(SyscallStop stop) {
        Endpoint endpoint = anyEndpoint(stop);
        if (endpoint == null) return Action.passthrough();
        Syscall call = stop.call();
        if (endpoint.type == SOCK_DGRAM) return bindDatagram(stop, endpoint);
        byte[] raw = AddressCopy.fromTracee(stop.memory(), call.arg1(), call.arg2());
        // A name the kernel gave by autobind counts as the socket's name (EINVAL below).
        nameOf(endpoint);
        // net/unix/af_unix.c: unix_bind. Autobind on an already named socket succeeds.
        if (UnixAddress.isAutobind(raw)) {
            if (!endpoint.named()) {
                autobind(endpoint);
                hide(stop, endpoint);
            }
            return Action.returning(0);
        }
        return switch (UnixAddress.parse(raw)) {
            case UnixAddress.Abstract name -> {
                // unix_bind_abstract: EINVAL for a named socket before the name is looked at.
                if (endpoint.named()) throw new ErrnoException(Errno.EINVAL, "bind");
                endpoints.abstractNames.bind(endpoint, name);
                hide(stop, endpoint);
                yield Action.returning(0);
            }
            case UnixAddress.Pathname path -> bindPath(stop, endpoint, path);
            case UnixAddress.Unnamed unnamed -> throw new ErrnoException(Errno.EINVAL, "bind");
        };
    }

    /**
     * unix_bind_bsd: the socket file is made first, in the program's context (cwd, umask,
     * permissions; EEXIST becomes EADDRINUSE), with the socket inode's mode; only then is a
     * named socket refused with EINVAL, and the file it made removed again.
     *
     * <p>Linux makes the file and binds the socket in one call, so the name works the moment
     * the file is there: a client that waits for the file and connects at once finds a
     * socket (refused only until the listen, microseconds later). So the kernel socket is bound
     * to its hidden name before the file is made when the file will be made
     * ({@link #fileWillBeMade}), else right after; listen has nothing left to do.
     */
    private Action bindPath(SyscallStop stop, Endpoint endpoint, UnixAddress.Pathname name) {
        byte[] exposedPath = endpoint.named() || endpoint.type == SOCK_DGRAM ? null : exposed.match(stop.tid(), name);
        if (exposedPath != null) return bindExposed(stop, endpoint, name, exposedPath);
        if (!endpoint.named() && !endpoint.reachable() && fileWillBeMade(stop, name)) hide(stop, endpoint);
        long path = KernelArguments.string(stop, name.path());
        // unix_bind_bsd: the file's mode is the socket inode's (fchmod changes it), less the
        // umask, which the injected mknodat applies in the program's context.
        int mode = DescriptorInodes.socketMode(stop.tid(), stop.call().arg0());
        Syscall mknod = Syscall.of(Sysno.MKNODAT, FileStatus.AT_FDCWD, path, FileStatus.S_IFSOCK | mode, 0);
        return Action.inject(mknod, made -> {
            if (made.interrupted()) return made.asAction();
            if (made.failed()) {
                return Action.fail(made.errno() == Errno.EEXIST ? Errno.EADDRINUSE : made.errno());
            }
            if (endpoint.named()) {
                return Action.inject(Syscall.of(Sysno.UNLINKAT, FileStatus.AT_FDCWD, path, 0),
                        removed -> Action.fail(Errno.EINVAL));
            }
            endpoint.bind(name);
            recordFile(stop, endpoint, name);
            if (!endpoint.reachable()) hide(stop, endpoint);
            return Action.returning(0);
        });
    }

    /**
     * Whether the bind's mknodat will succeed, as far as the sentry can tell before it: the
     * thread may override file permissions, the name does not exist and its directory does.
     * Only then is the hidden name bound before the file is made; otherwise after (a failed
     * bind must leave the kernel socket unnamed, as Linux leaves it, since a kernel socket
     * cannot be unbound). A file made in between by someone else still fails the bind after
     * the hidden name is bound; {@link #isHidden} and {@link #hide} allow for that.
     */
    private boolean fileWillBeMade(SyscallStop stop, UnixAddress.Pathname name) {
        if (!credentials.overridesFilePermissions(stop.tid())) return false;
        byte[] path = name.path();
        try {
            FileStatus.of(DescriptorInodes.hostPath(stop.tid(), path), FileStatus.AT_SYMLINK_NOFOLLOW);
            return false;
        } catch (ErrnoException e) {
            if (e.errno() != Errno.ENOENT) return false;
        }
        try {
            return FileStatus.of(DescriptorInodes.hostPath(stop.tid(), name.directory()), 0).isDirectory();
        } catch (ErrnoException e) {
            return false;
        }
    }

    /**
     * A listener's path that host clients may reach ({@link ExposedPaths}): the program's own
     * bind runs, so the kernel socket is bound at that path, in the program's context, with
     * Linux's errors; its kernel name is the path itself.
     */
    private Action bindExposed(SyscallStop stop, Endpoint endpoint, UnixAddress.Pathname name, byte[] exposedPath) {
        // The name the sentry matched, not the program's memory, which another thread could
        // change to bind the kernel socket at a host path no one exposed.
        byte[] sockaddr = name.encode();
        long address = KernelArguments.place(stop, sockaddr);
        Syscall bind = Syscall.of(Sysno.BIND, stop.call().arg0(), address, sockaddr.length);
        return Action.inject(bind, bound -> {
            if (bound.failed() || bound.interrupted()) return bound.asAction();
            endpoint.bind(name);
            recordFile(stop, endpoint, name);
            endpoint.reachableAt(new UnixAddress.Pathname(exposedPath));
            endpoints.reachable(endpoint);
            return Action.returning(0);
        });
    }

    /**
     * A datagram socket's name is the sandbox's, as a listener's is; its kernel socket is
     * bound at once to a hidden name, through which the sandbox's datagrams reach it. A name
     * the kernel gave it by autobind (SO_PASSCRED) counts as bound (EINVAL).
     */
    private Action bindDatagram(SyscallStop stop, Endpoint endpoint) {
        Syscall call = stop.call();
        byte[] raw = AddressCopy.fromTracee(stop.memory(), call.arg1(), call.arg2());
        boolean named = !(nameOf(endpoint) instanceof UnixAddress.Unnamed);
        if (UnixAddress.isAutobind(raw)) {
            if (!named) {
                autobind(endpoint);
                hide(stop, endpoint);
            }
            return Action.returning(0);
        }
        return switch (UnixAddress.parse(raw)) {
            case UnixAddress.Abstract name -> {
                if (named) throw new ErrnoException(Errno.EINVAL, "bind");
                endpoints.abstractNames.bind(endpoint, name);
                hide(stop, endpoint);
                yield Action.returning(0);
            }
            case UnixAddress.Pathname path -> bindPath(stop, endpoint, path);
            case UnixAddress.Unnamed unnamed -> throw new ErrnoException(Errno.EINVAL, "bind");
        };
    }

    /**
     * Binds the kernel socket behind the call's descriptor to a fresh hidden name, from the
     * sentry's own copy of the descriptor, and records it: the kernel reports the name's
     * bound form, sandbox calls reach it by its real path ({@link HiddenNames}).
     */
    private void hide(SyscallStop stop, Endpoint endpoint) {
        // A bind whose file could not be made left the kernel socket bound to a hidden name
        // already (bindPath); it cannot be bound again, and it is reached at that one.
        if (endpoint.reachable()) {
            endpoints.reachable(endpoint);
            return;
        }
        HiddenNames.Name name = hidden.next();
        int socket = stop.copyDescriptor((int) stop.call().arg0());
        try {
            hidden.bind(socket, name);
        } finally {
            Libc.close(socket);
        }
        endpoint.reachableAt(name.bound(), name.connect());
        endpoints.reachable(endpoint);
    }

    /** Whether {@code kernelName} is the hidden name the sentry bound the socket to, not one the kernel gave. */
    private static boolean isHidden(Endpoint endpoint, UnixAddress kernelName) {
        return kernelName.equals(endpoint.kernelName());
    }

    private void recordFile(SyscallStop stop, Endpoint endpoint, UnixAddress.Pathname name) {
        try {
            FileStatus file = FileStatus.of(DescriptorInodes.hostPath(stop.tid(), name.path()),
                    FileStatus.AT_SYMLINK_NOFOLLOW);
            endpoints.files.bind(new FilesystemNames.FileId(file.device(), file.inode()), endpoint);
        } catch (ErrnoException raced) {
            // The program's other threads removed or replaced the file already: it names nothing.
        }
    }

    /**
     * unix_autobind: an abstract name of five hex digits, from a random start, that no
     * socket of this type holds.
     */
    private void autobind(Endpoint endpoint) {
        int start = ThreadLocalRandom.current().nextInt(0x100000);
        for (int i = 1; i <= 0x100000; i++) {
            byte[] name = String.format("\0%05x", (start + i) & 0xfffff)
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            UnixAddress.Abstract candidate = new UnixAddress.Abstract(name);
            if (endpoints.abstractNames.free(endpoint.type, candidate)) {
                endpoints.abstractNames.bind(endpoint, candidate);
                return;
            }
        }
        throw new ErrnoException(Errno.EADDRINUSE, "autobind");
    }

    // listen(2)

    /**
     * unix_listen: EINVAL on an unbound socket (no autobind) and on a connected one. The
     * first listen binds the kernel socket to a hidden name ({@link HiddenNames}), from the
     * sentry's own copy of the descriptor, then the program's own listen runs (the kernel
     * records the listener's credentials and the backlog); listening again only changes the
     * backlog.
     */
    private Action listen(SyscallStop stop) {
        Endpoint endpoint = endpoint(stop);
        if (endpoint == null || endpoint.state() == Endpoint.State.LISTENING) return Action.passthrough();
        refresh(endpoint);
        // A name the kernel gave by autobind counts as the socket's name.
        nameOf(endpoint);
        if (!endpoint.named() || endpoint.state() == Endpoint.State.CONNECTED) {
            throw new ErrnoException(Errno.EINVAL, "listen");
        }
        // A socket named by bind has its hidden name already (bindPath).
        if (!endpoint.reachable()) reachableAtKernelName(stop, endpoint);
        endpoint.listen();
        return Action.passthrough();
    }

    /**
     * A named socket that is not reachable yet is bound to a hidden name; but a kernel socket
     * that the kernel autobound (unix_stream_connect autobinds a socket that passes
     * credentials before it looks the name up, also in a connect that then failed) cannot be
     * bound again, and is reached at the name the kernel gave it.
     */
    private void reachableAtKernelName(SyscallStop stop, Endpoint endpoint) {
        UnixDiag.Status status = diag.query(endpoint.inode);
        if (status == null || status.name() == null) {
            hide(stop, endpoint);
            return;
        }
        endpoint.reachableAt(status.name());
        endpoints.reachable(endpoint);
    }

    // connect(2)

    private Action connect(SyscallStop stop) {
        Action rewritten = connectByRewrite(stop);
        return rewritten != null ? rewritten : connectChecked(stop);
    }

    /**
     * The common case, in one stop: the name resolves to a sandbox listener or datagram
     * socket, and the program's call is rewritten to connect to its hidden name. For a path
     * the program's descriptor is not even looked at: whatever it is, the kernel then answers
     * as Linux would for that socket (another socket type: EPROTOTYPE; connected: EISCONN;
     * listening: EINVAL; no socket: EBADF, ENOTSOCK; a full backlog: EAGAIN or a wait). For
     * an abstract name its type is ({@link #reachableByName}). The sentry learns of the connection from
     * the kernel when it needs to ({@link #classify}, {@link #refresh}). Null when
     * {@link #connectChecked} must decide: an unknown or ambiguous name, an error to report,
     * a permission to check.
     */
    private Action connectByRewrite(SyscallStop stop) {
        Syscall call = stop.call();
        Endpoint target;
        try {
            UnixAddress name = UnixAddress.parse(AddressCopy.fromTracee(stop.memory(), call.arg1(), call.arg2()));
            target = reachableByName(stop, name);
        } catch (ErrnoException e) {
            return null;
        }
        if (target == null) return null;
        observer.reaches(stop, target.inode);
        byte[] kernelName = target.encodedKernelName();
        long address = KernelArguments.place(stop, kernelName);
        return new Action.Rewrite(new Syscall(call.number(), call.arg0(), address, kernelName.length,
                call.arg3(), call.arg4(), call.arg5()));
    }

    /**
     * The socket {@code target} reaches ({@link NameResolver#reachable}), for the call's
     * socket; null whenever a caller may first have to be autobound, and when the name is
     * abstract and the caller's type is not the socket's: Linux finds nothing then
     * (unix_find_abstract hashes the type), but the kernel, given the socket's hidden name,
     * a path, would answer EPROTOTYPE (unix_find_bsd). The step-by-step path then decides.
     */
    private Endpoint reachableByName(SyscallStop stop, UnixAddress target) {
        if (unnamedDatagramsPassCredentials) return null;
        Endpoint found = names.reachable(stop, target);
        if (found == null || !(target instanceof UnixAddress.Abstract)) return found;
        return callerType(stop) == found.type ? found : null;
    }

    /**
     * The type of the AF_UNIX socket behind the call's descriptor, a sandbox socket or not;
     * -1 when it is none. Asked of the sentry's own copy of the descriptor (SO_DOMAIN,
     * SO_TYPE): a client is usually a socket made just before, which neither the table nor
     * a cache knows, and a sock_diag query by inode walks every AF_UNIX socket of the
     * namespace (net/unix/diag.c: unix_lookup_by_ino).
     */
    private static int callerType(SyscallStop stop) {
        long fd = stop.call().arg0();
        if (fd < 0 || fd > Integer.MAX_VALUE) return -1;
        int copy;
        try {
            copy = stop.copyDescriptor((int) fd);
        } catch (ErrnoException noDescriptor) {
            return -1;
        }
        try {
            if (Socket.getsockoptInt(copy, SOL_SOCKET, SO_DOMAIN) != AF_UNIX) return -1;
            return Socket.getsockoptInt(copy, SOL_SOCKET, SO_TYPE);
        } catch (ErrnoException notASocket) {
            return -1;
        } finally {
            Libc.close(copy);
        }
    }

    /**
     * unix_stream_connect, step by step: the descriptor is looked at first (not a sandbox
     * socket: the kernel answers), then the name is checked and resolved (its errors come
     * before EISCONN), then the kernel connects the socket to the listener's hidden name.
     */
    private Action connectChecked(SyscallStop stop) {
        Endpoint endpoint = anyEndpoint(stop);
        if (endpoint == null) return Action.passthrough();
        if (endpoint.type == SOCK_DGRAM) return datagramSends.connectDatagram(stop, endpoint);
        Syscall call = stop.call();
        UnixAddress target = UnixAddress.parse(AddressCopy.fromTracee(stop.memory(), call.arg1(), call.arg2()));
        // unix_stream_connect: a socket that passes credentials is autobound first.
        if (endpoint.passCredentials() && !endpoint.named()) autobind(endpoint);
        return switch (target) {
            case UnixAddress.Abstract name -> {
                Endpoint listener = endpoints.abstractNames.lookup(endpoint.type, name);
                if (listener == null) observer.refused(stop, name);
                yield connectTo(stop, endpoint, listener);
            }
            case UnixAddress.Pathname path -> connectPath(stop, endpoint, path);
            case UnixAddress.Unnamed unnamed -> throw new ErrnoException(Errno.EINVAL, "connect");
        };
    }

    /**
     * unix_find_bsd: the path is resolved and write permission checked in the program's
     * context (ENOENT, ENOTDIR, ELOOP, EACCES, ...), then a file that is not a socket, or
     * no sandbox socket's file, refuses (ECONNREFUSED), and one of another type is EPROTOTYPE.
     */
    private Action connectPath(SyscallStop stop, Endpoint endpoint, UnixAddress.Pathname name) {
        if (credentials.overridesFilePermissions(stop.tid())) {
            // Permission cannot fail: the sentry resolves the path itself, in the thread's cwd and root.
            FileStatus file = FileStatus.of(DescriptorInodes.hostPath(stop.tid(), name.path()), 0);
            return connectFile(stop, endpoint, name, file);
        }
        long path = KernelArguments.string(stop, name.path());
        return Action.inject(Syscall.of(Sysno.FACCESSAT2, FileStatus.AT_FDCWD, path, W_OK, AT_EACCESS), checked -> {
            if (checked.failed() || checked.interrupted()) return checked.asAction();
            FileStatus file;
            try {
                file = FileStatus.of(DescriptorInodes.hostPath(stop.tid(), name.path()), 0);
            } catch (ErrnoException raced) {
                return Action.fail(Errno.ECONNREFUSED);
            }
            return connectFile(stop, endpoint, name, file);
        });
    }

    private Action connectFile(SyscallStop stop, Endpoint endpoint, UnixAddress.Pathname name, FileStatus file) {
        if (!file.isSocket()) return Action.fail(Errno.ECONNREFUSED);
        Endpoint listener = endpoints.files.lookup(new FilesystemNames.FileId(file.device(), file.inode()));
        if (listener != null && listener.type != endpoint.type) {
            return Action.fail(diag.alive(listener.inode) ? Errno.EPROTOTYPE : Errno.ECONNREFUSED);
        }
        if (listener == null) {
            HostSockets.Target host = hosts.allowedFile(file);
            if (host != null) return connectHost(stop, endpoint, host);
            observer.refused(stop, name);
        }
        return connectTo(stop, endpoint, listener);
    }

    /**
     * A connect to an allowed host socket ({@link HostSockets}): the kernel connects to it,
     * and from then on the socket is the host's, every call on it the kernel's (its peer's
     * name, its messages, its credentials are real).
     */
    private Action connectHost(SyscallStop stop, Endpoint endpoint, HostSockets.Target host) {
        return hosts.reach(stop, host, kernelName -> {
            long address = KernelArguments.place(stop, kernelName);
            return Syscall.of(Sysno.CONNECT, stop.call().arg0(), address, kernelName.length);
        }, connected -> {
            if (!connected.failed() && !connected.interrupted()) endpoints.markForeign(endpoint.inode);
            return connected.asAction();
        });
    }

    /**
     * unix_stream_connect: the listener is looked up first (no listener holds the name:
     * ECONNREFUSED); then the kernel, given the listener's hidden name, checks the rest in
     * Linux's order: a listener that is gone, no longer listening or shut down for reading
     * refuses (ECONNREFUSED), a full backlog is EAGAIN or a wait, and only then is the
     * caller's own state looked at (EISCONN when connected, EINVAL when listening).
     */
    private Action connectTo(SyscallStop stop, Endpoint endpoint, Endpoint listener) {
        if (listener == null || listener.state() != Endpoint.State.LISTENING) return Action.fail(Errno.ECONNREFUSED);
        observer.reaches(stop, listener.inode);
        byte[] hidden = listener.encodedKernelName();
        long address = KernelArguments.place(stop, hidden);
        UnixAddress listenerName = listener.address();
        return Action.inject(Syscall.of(Sysno.CONNECT, stop.call().arg0(), address, hidden.length), connected -> {
            if (connected.failed() || connected.interrupted()) return connected.asAction();
            endpoint.connectTo(listenerName);
            return Action.returning(0);
        });
    }

    // accept(2), accept4(2)

    /**
     * The kernel accepts (blocking, O_NONBLOCK, SO_RCVTIMEO, signals and the flags are its
     * own); the sentry registers the new socket, pairs it with its client (the kernel names
     * the peer's inode), and writes the client's name. net/socket.c: do_accept copies the
     * address after accepting, and a failed copy loses the connection. The kernel's own
     * answer, in scratch memory, names a client that is gone already.
     */
    private Action accept(SyscallStop stop) {
        Syscall call = stop.call();
        if (call.arg1() == 0) return Action.passthrough();
        Endpoint listener = endpoint(stop);
        if (listener == null || listener.state() != Endpoint.State.LISTENING) return Action.passthrough();
        long flags = call.number() == Sysno.ACCEPT4 ? call.arg3() : 0;
        long length = stop.scratch(16 + UnixAddress.STORAGE_LENGTH);
        long name = length + 16;
        stop.memory().writeInt(length, UnixAddress.STORAGE_LENGTH);
        return Action.inject(Syscall.of(Sysno.ACCEPT4, call.arg0(), name, length, flags), accepted -> {
            if (accepted.failed() || accepted.interrupted()) return accepted.asAction();
            long fd = accepted.raw();
            long inode = DescriptorInodes.socketInode(stop.tid(), fd);
            UnixDiag.Status status = inode < 0 ? null : diag.query(inode);
            long client = status == null ? 0 : status.peer();
            Endpoint socket = inode < 0 ? null : accepted(inode, listener.type, listener.address(), client);
            UnixAddress known = socket == null ? UnixAddress.UNNAMED : peerNameOf(socket);
            byte[] peer = known != null ? known.encode()
                    : nameQueries.sandboxName(stop.memory(), name, length).encode();
            try {
                AddressCopy.toTracee(stop.memory(), peer, call.arg1(), call.arg2());
            } catch (ErrnoException e) {
                return Action.inject(Syscall.of(Sysno.CLOSE, fd), closed -> Action.fail(e.errno()));
            }
            return Action.returning(fd);
        });
    }

    // setsockopt(2): the kernel keeps every option; the sentry notes the one that changes naming.

    private Action setsockopt(SyscallStop stop) {
        Syscall call = stop.call();
        boolean passes = call.arg1() == SOL_SOCKET && (call.arg2() == SO_PASSCRED || call.arg2() == SO_PASSPIDFD);
        if (!passes) return Action.passthrough();
        Endpoint endpoint = anyEndpoint(stop);
        if (endpoint == null) return Action.passthrough();
        return Action.inject(call, set -> {
            if (set.failed() || set.interrupted()) return set.asAction();
            endpoint.passCredentials(call.arg2() == SO_PASSCRED, stop.memory().readInt(call.arg3()) != 0);
            if (endpoint.type == SOCK_DGRAM && endpoint.passCredentials() && !endpoint.named()) {
                unnamedDatagramsPassCredentials = true;
            }
            return Action.returning(set.raw());
        });
    }

    /**
     * The name Linux reports for a socket. net/unix/af_unix.c: unix_stream_connect autobinds
     * an unnamed client that passes credentials, and so does unix_dgram_sendmsg, which
     * seqpacket sends go through; neither a rewritten connect nor a send on a connected
     * socket stops in the sentry, so it takes the name the kernel gave when the name is
     * asked for. A datagram socket is reached at that kernel name from then on.
     */
    private UnixAddress nameOf(Endpoint endpoint) {
        if (endpoint.mayBeAutobound()) {
            UnixDiag.Status status = diag.query(endpoint.inode);
            if (status != null && status.name() instanceof UnixAddress.Abstract kernelName
                    && !isHidden(endpoint, kernelName)) {
                if (endpoints.abstractNames.free(endpoint.type, kernelName)) {
                    endpoints.abstractNames.bind(endpoint, kernelName);
                } else {
                    autobind(endpoint);
                }
                if (endpoint.type == SOCK_DGRAM) {
                    endpoint.reachableAt(kernelName);
                    endpoints.reachable(endpoint);
                }
            }
        }
        return endpoint.address();
    }

    /**
     * The name Linux reports for a socket's peer; null when only the kernel knows it: a peer
     * that the kernel may have autobound unseen and that is gone, which sock_diag no longer
     * finds (the survivor's getpeername, and the messages it left, still name it).
     */
    private UnixAddress peerNameOf(Endpoint endpoint) {
        Endpoint peer = endpoint.peer();
        if (peer == null) return endpoint.peerAddress();
        UnixAddress name = nameOf(peer);
        if (peer.mayBeAutobound() && !diag.alive(peer.inode)) return null;
        return name;
    }

    /** The sandbox's sockets as its /proc/net/unix lists them ({@link ProcNetUnix}). */
    private final class Listed implements ListedSockets.Names {
        @Override
        public UnixAddress nameOf(long inode) {
            if (endpoints.isForeign(inode)) return null;
            Endpoint endpoint = endpoints.get(inode);
            if (endpoint == null) endpoint = classify(inode);
            return endpoint == null ? null : UnixSockets.this.nameOf(endpoint);
        }

        @Override
        public UnixAddress sandboxNameOf(UnixAddress kernelName) {
            return endpoints.sandboxNameOf(kernelName);
        }

        @Override
        public FilesystemNames.FileId socketFileOf(UnixAddress kernelName) {
            return endpoints.socketFileOf(kernelName);
        }
    }

    /** The table as the parts of the sentry see it ({@link SandboxSockets}). */
    private final class Table implements SandboxSockets {
        @Override
        public Endpoint lookup(SyscallStop stop) {
            return anyEndpoint(stop);
        }

        @Override
        public void refresh(Endpoint endpoint) {
            UnixSockets.this.refresh(endpoint);
        }

        @Override
        public UnixAddress nameOf(Endpoint endpoint) {
            return UnixSockets.this.nameOf(endpoint);
        }

        @Override
        public UnixAddress peerNameOf(Endpoint endpoint) {
            return UnixSockets.this.peerNameOf(endpoint);
        }

        @Override
        public Endpoint reachableByName(SyscallStop stop, UnixAddress target) {
            return UnixSockets.this.reachableByName(stop, target);
        }

        @Override
        public void autobindHidden(SyscallStop stop, Endpoint endpoint) {
            autobind(endpoint);
            hide(stop, endpoint);
        }
    }
}
