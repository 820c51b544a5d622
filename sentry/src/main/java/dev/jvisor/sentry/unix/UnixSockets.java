package dev.jvisor.sentry.unix;

import dev.jvisor.platform.Action;
import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.InjectionResult;
import dev.jvisor.platform.Syscall;
import dev.jvisor.platform.SyscallHandler;
import dev.jvisor.platform.SyscallStop;
import dev.jvisor.platform.Sysno;
import dev.jvisor.platform.TraceeMemory;
import dev.jvisor.platform.linux.FileStatus;
import dev.jvisor.platform.linux.Pidfd;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Set;
import java.util.function.Function;

import static dev.jvisor.sentry.abi.MessageHeader.MSGHDR_NAMELEN;
import static dev.jvisor.sentry.abi.MessageHeader.MSGHDR_CONTROLLEN;
import static dev.jvisor.sentry.abi.MessageHeader.MSGHDR_FLAGS;
import static dev.jvisor.sentry.abi.MessageHeader.MSGHDR_SIZE;
import static dev.jvisor.sentry.abi.MessageHeader.MMSGHDR_LEN;
import static dev.jvisor.sentry.abi.MessageHeader.MMSGHDR_SIZE;
import static dev.jvisor.sentry.abi.SocketAbi.MSG_TRUNC;
import static dev.jvisor.sentry.abi.SocketAbi.SOCK_DGRAM;
import static dev.jvisor.sentry.abi.SocketAbi.SOCK_SEQPACKET;
import static dev.jvisor.sentry.abi.SocketAbi.SOCK_STREAM;
import static dev.jvisor.sentry.abi.SocketAbi.SOL_SOCKET;
import static dev.jvisor.sentry.abi.SocketAbi.SO_PASSCRED;
import static dev.jvisor.sentry.abi.SocketAbi.SO_PEERNAME;

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
 */
public final class UnixSockets implements SyscallHandler, SocketDirectory, TableSizes {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(UnixSockets.class);
    private static final int W_OK = 2;
    private static final int AT_EACCESS = 0x200;
    private static final int SO_PASSPIDFD = 76;
    /** The most messages of one sendmmsg(2) the sentry readdresses; the call sends no more. */
    private static final int SENDMMSG_MOST = 8;
    private static final int AF_UNSPEC = 0;

    private final UnixDiag diag;
    private final Endpoints endpoints;
    private final TraceeCredentials credentials = new TraceeCredentials();
    private final SecureRandom random = new SecureRandom();
    private final HiddenNames hidden;
    private final NameResolver names;
    private final SocketObserver observer;
    private final HostSockets hosts;
    private final ExposedPaths exposed;
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
        this.hidden = new HiddenNames(random);
        hidden.wrongType();
        this.endpoints = new Endpoints(diag, hidden);
        this.names = new NameResolver(endpoints, credentials, hidden, diag, policy.reachable());
    }

    @Override
    public void reportSizes(java.util.function.ObjIntConsumer<String> size) {
        endpoints.reportSizes(size);
        size.accept("thread credentials", credentials.size());
    }

    @Override
    public Action onSyscall(SyscallStop stop) {
        Syscall call = stop.call();
        return switch (call.number()) {
            case Sysno.BIND -> bind(stop);
            case Sysno.LISTEN -> listen(stop);
            case Sysno.CONNECT -> connect(stop);
            case Sysno.ACCEPT, Sysno.ACCEPT4 -> accept(stop);
            case Sysno.GETSOCKNAME -> getsockname(stop);
            case Sysno.GETPEERNAME -> getpeername(stop);
            case Sysno.SETSOCKOPT -> setsockopt(stop);
            case Sysno.GETSOCKOPT -> call.arg1() == SOL_SOCKET && call.arg2() == SO_PEERNAME
                    ? peerNameOption(stop) : Action.passthrough();
            case Sysno.RECVFROM -> recvfrom(stop);
            case Sysno.RECVMSG -> recvmsg(stop);
            case Sysno.RECVMMSG -> recvmmsg(stop);
            case Sysno.SENDTO -> sendto(stop);
            case Sysno.SENDMSG -> sendmsg(stop);
            case Sysno.SENDMMSG -> sendmmsg(stop);
            case Sysno.SETUID, Sysno.SETGID, Sysno.SETREUID, Sysno.SETREGID, Sysno.SETGROUPS, Sysno.SETRESUID,
                 Sysno.SETRESGID, Sysno.SETFSUID, Sysno.SETFSGID, Sysno.CAPSET -> {
                credentials.forget(stop.tid());
                yield Action.passthrough();
            }
            default -> Action.passthrough();
        };
    }

    @Override
    public void onExec(int pid) {
        credentials.forgetAll();
    }

    @Override
    public void onExit(int tid) {
        credentials.forget(tid);
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
    public boolean alive(long inode) {
        return diag.alive(inode);
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
     * permissions; EEXIST becomes EADDRINUSE); only then is a named socket refused with
     * EINVAL, and the file it made removed again.
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
        if (!endpoint.named() && !endpoint.reachable() && fileWillBeMade(stop, name)) hide(stop, endpoint, name);
        long path = writeString(stop, name.path());
        Syscall mknod = Syscall.of(Sysno.MKNODAT, FileStatus.AT_FDCWD, path, FileStatus.S_IFSOCK | 0777, 0);
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
        return Action.inject(stop.call(), bound -> {
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
     * sentry's own copy of the descriptor, and records it.
     */
    private void hide(SyscallStop stop, Endpoint endpoint) {
        hide(stop, endpoint, endpoint.address());
    }

    /** As {@link #hide(SyscallStop, Endpoint)}, with the kind of hidden name that suits {@code sandboxName}. */
    private void hide(SyscallStop stop, Endpoint endpoint, UnixAddress sandboxName) {
        // A bind whose file could not be made left the kernel socket bound to a hidden name
        // already (bindPath); it cannot be bound again, and it is reached at that one.
        if (endpoint.reachable()) {
            endpoints.reachable(endpoint);
            return;
        }
        UnixAddress kernelName = hidden.next(sandboxName);
        int socket = stop.copyDescriptor((int) stop.call().arg0());
        try {
            hidden.bind(socket, kernelName);
        } finally {
            Pidfd.close(socket);
        }
        endpoint.reachableAt(kernelName);
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
        int start = random.nextInt(0x100000);
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
        endpoint.listen(endpoint.kernelName());
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
     * socket, and the program's call is rewritten to connect to its hidden name. The
     * program's descriptor is not even looked at: whatever it is, the kernel then answers as
     * Linux would for that socket (another socket type: EPROTOTYPE for a path, ECONNREFUSED
     * for an abstract name; connected: EISCONN; listening: EINVAL; no socket: EBADF,
     * ENOTSOCK; a full backlog: EAGAIN or a wait). The sentry learns of the connection from
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
        long address = stop.scratch(kernelName.length);
        stop.memory().write(address, kernelName);
        return new Action.Rewrite(new Syscall(call.number(), call.arg0(), address, kernelName.length,
                call.arg3(), call.arg4(), call.arg5()));
    }

    /**
     * The socket {@code target} reaches whatever the caller's type is
     * ({@link NameResolver#reachable}); null whenever a caller may first have to be autobound.
     */
    private Endpoint reachableByName(SyscallStop stop, UnixAddress target) {
        return unnamedDatagramsPassCredentials ? null : names.reachable(stop, target);
    }

    /**
     * unix_stream_connect, step by step: the descriptor is looked at first (not a sandbox
     * socket: the kernel answers), then the name is checked and resolved (its errors come
     * before EISCONN), then the kernel connects the socket to the listener's hidden name.
     */
    private Action connectChecked(SyscallStop stop) {
        Endpoint endpoint = anyEndpoint(stop);
        if (endpoint == null) return Action.passthrough();
        if (endpoint.type == SOCK_DGRAM) return connectDatagram(stop, endpoint);
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
        long path = writeString(stop, name.path());
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
            byte[] host = hosts.kernelName(file);
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
    private Action connectHost(SyscallStop stop, Endpoint endpoint, byte[] kernelName) {
        long address = stop.scratch(kernelName.length);
        stop.memory().write(address, kernelName);
        return Action.inject(Syscall.of(Sysno.CONNECT, stop.call().arg0(), address, kernelName.length), connected -> {
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
        long address = stop.scratch(hidden.length);
        stop.memory().write(address, hidden);
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
            byte[] peer = known != null ? known.encode() : sandboxName(stop.memory(), name, length).encode();
            try {
                AddressCopy.toTracee(stop.memory(), peer, call.arg1(), call.arg2());
            } catch (ErrnoException e) {
                return Action.inject(Syscall.of(Sysno.CLOSE, fd), closed -> Action.fail(e.errno()));
            }
            return Action.returning(fd);
        });
    }

    // getsockname(2), getpeername(2)

    private Action getsockname(SyscallStop stop) {
        Endpoint endpoint = anyEndpoint(stop);
        if (endpoint == null) return Action.passthrough();
        Syscall call = stop.call();
        AddressCopy.toTracee(stop.memory(), nameOf(endpoint).encode(), call.arg1(), call.arg2());
        return Action.returning(0);
    }

    /** unix_getname: ENOTCONN without a peer; a peer that closed still names itself. */
    private Action getpeername(SyscallStop stop) {
        Endpoint endpoint = anyEndpoint(stop);
        if (endpoint == null) return Action.passthrough();
        // A datagram socket's peer changes with every connect, which completes in the kernel.
        if (endpoint.type == SOCK_DGRAM) return kernelPeerName(stop);
        refresh(endpoint);
        if (endpoint.state() != Endpoint.State.CONNECTED) throw new ErrnoException(Errno.ENOTCONN, "getpeername");
        Syscall call = stop.call();
        UnixAddress peer = peerNameOf(endpoint);
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
    private UnixAddress sandboxName(TraceeMemory memory, long name, long length) {
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
    private Action peerNameOption(SyscallStop stop) {
        Endpoint endpoint = anyEndpoint(stop);
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
            refresh(endpoint);
            if (endpoint.state() != Endpoint.State.CONNECTED) throw new ErrnoException(Errno.ENOTCONN, "SO_PEERNAME");
            UnixAddress peer = peerNameOf(endpoint);
            if (peer != null) return answer.apply(peer.encode());
        }
        return withKernelPeerName(stop, answer);
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

    // recvfrom(2), recvmsg(2): the sender's name is the sentry's, not the kernel's.

    /**
     * The sandbox socket behind the call's first argument whose received messages have a
     * sender to name: a connected one, or any datagram socket; else null.
     */
    private Endpoint receivingEndpoint(SyscallStop stop) {
        Endpoint endpoint = anyEndpoint(stop);
        if (endpoint == null || endpoint.type == SOCK_DGRAM) return endpoint;
        refresh(endpoint);
        return endpoint.state() == Endpoint.State.CONNECTED ? endpoint : null;
    }

    private Action recvfrom(SyscallStop stop) {
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

    private Action recvmsg(SyscallStop stop) {
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
        ByteBuffer header;
        try {
            header = ByteBuffer.wrap(stop.memory().read(call.arg1(), MSGHDR_SIZE)).order(ByteOrder.LITTLE_ENDIAN);
        } catch (ErrnoException e) {
            return Action.passthrough();
        }
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
        UnixAddress peer = endpoint.type == SOCK_DGRAM ? null : peerNameOf(endpoint);
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
    private Action recvmmsg(SyscallStop stop) {
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
        UnixAddress peer = endpoint.type == SOCK_DGRAM ? null : peerNameOf(endpoint);
        boolean stopAtUnwritable = peer != null && !(peer instanceof UnixAddress.Unnamed);
        VectorReceive.Senders senders = new VectorReceive.Senders() {
            @Override
            public UnixAddress reported(byte[] kernelName, int length, int flags) {
                return reportedSender(endpoint, kernelName, length, flags);
            }

            @Override
            public UnixAddress peer() {
                return peerNameOf(endpoint);
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
            UnixAddress peer = peerNameOf(endpoint);
            if (peer != null) return peer;
        }
        if (!kernelNamed) return new UnixAddress.Unnamed();
        UnixAddress sender = UnixAddress.fromKernelSockaddr(kernelName);
        UnixAddress sandboxName = endpoints.sandboxNameOf(sender);
        return sandboxName != null ? sandboxName : sender;
    }

    // Datagrams: connect(2), sendto(2), sendmsg(2) and sendmmsg(2) are given the destination's kernel name.

    /**
     * unix_dgram_connect: AF_UNSPEC dissolves the association (the kernel's); any other name
     * autobinds a socket that passes credentials, then is looked up like a datagram's
     * destination; the kernel then connects to the hidden name (and resets a previous peer).
     */
    private Action connectDatagram(SyscallStop stop, Endpoint endpoint) {
        Syscall call = stop.call();
        byte[] raw = AddressCopy.fromTracee(stop.memory(), call.arg1(), call.arg2());
        if (raw.length >= UnixAddress.FAMILY_LENGTH && ((raw[0] & 0xff) | (raw[1] & 0xff) << 8) == AF_UNSPEC) {
            return Action.passthrough();
        }
        UnixAddress target = UnixAddress.parse(raw);
        autobindIfPassing(stop, endpoint);
        return toDestination(stop, target, kernelName -> {
            long address = stop.scratch(kernelName.length);
            stop.memory().write(address, kernelName);
            return new Action.Rewrite(new Syscall(call.number(), call.arg0(), address, kernelName.length,
                    call.arg3(), call.arg4(), call.arg5()));
        });
    }

    private Action sendto(SyscallStop stop) {
        Syscall call = stop.call();
        return addressed(stop, call.arg4(), call.arg5(), kernelName -> {
            long address = stop.scratch(kernelName.length);
            stop.memory().write(address, kernelName);
            return new Action.Rewrite(new Syscall(call.number(), call.arg0(), call.arg1(), call.arg2(),
                    call.arg3(), address, kernelName.length));
        });
    }

    /** The msghdr is copied to scratch memory with the destination's kernel name in it. */
    private Action sendmsg(SyscallStop stop) {
        Syscall call = stop.call();
        ByteBuffer header;
        try {
            header = ByteBuffer.wrap(stop.memory().read(call.arg1(), MSGHDR_SIZE)).order(ByteOrder.LITTLE_ENDIAN);
        } catch (ErrnoException e) {
            return Action.passthrough();
        }
        long name = header.getLong(0);
        int length = header.getInt(MSGHDR_NAMELEN);
        if (name == 0 || length == 0) return Action.passthrough();
        return addressed(stop, name, length, kernelName -> {
            long address = stop.scratch(MSGHDR_SIZE + 8 + kernelName.length);
            long nameAddress = address + MSGHDR_SIZE + 8;
            header.putLong(0, nameAddress).putInt(MSGHDR_NAMELEN, kernelName.length);
            stop.memory().write(address, header.array());
            stop.memory().write(nameAddress, kernelName);
            return new Action.Rewrite(new Syscall(call.number(), call.arg0(), address, call.arg2(),
                    call.arg3(), call.arg4(), call.arg5()));
        });
    }

    /**
     * A datagram addressed by the sockaddr at {@code address}: sent to the kernel name that
     * {@code sendTo} is given. A sender that is not a sandbox datagram socket passes through:
     * the kernel ignores the name (SOCK_SEQPACKET) or refuses it (SOCK_STREAM: EISCONN,
     * EOPNOTSUPP), or the socket is the host's. So does a name the kernel will refuse before
     * looking it up (EINVAL, EFAULT).
     */
    private Action addressed(SyscallStop stop, long address, long length, Function<byte[], Action> sendTo) {
        UnixAddress target;
        try {
            target = UnixAddress.parse(AddressCopy.fromTracee(stop.memory(), address, length));
        } catch (ErrnoException e) {
            return Action.passthrough();
        }
        Endpoint receiver = reachableByName(stop, target);
        if (receiver != null) {
            observer.reaches(stop, receiver.inode);
            return sendTo.apply(receiver.encodedKernelName());
        }
        Endpoint sender = anyEndpoint(stop);
        if (sender == null || sender.type != SOCK_DGRAM) return Action.passthrough();
        autobindIfPassing(stop, sender);
        return toDestination(stop, target, sendTo);
    }

    /**
     * unix_find_other for a datagram: a path is resolved and write permission checked in
     * the program's context first (for a thread that may override permissions the sentry
     * resolves it itself); then the name's socket gets the call, by its kernel name.
     */
    private Action toDestination(SyscallStop stop, UnixAddress target, Function<byte[], Action> sendTo) {
        if (!(target instanceof UnixAddress.Pathname path) || credentials.overridesFilePermissions(stop.tid())) {
            return send(stop, target, sendTo);
        }
        long pathAddress = writeString(stop, path.path());
        return Action.inject(Syscall.of(Sysno.FACCESSAT2, FileStatus.AT_FDCWD, pathAddress, W_OK, AT_EACCESS),
                checked -> checked.failed() || checked.interrupted() ? checked.asAction() : send(stop, target, sendTo));
    }

    private Action send(SyscallStop stop, UnixAddress target, Function<byte[], Action> sendTo) {
        Destination destination = names.destination(stop, target);
        return switch (destination) {
            case Destination.KernelName name -> {
                if (name.receiver() != 0) observer.reaches(stop, name.receiver());
                else observer.refused(stop, target);
                yield sendTo.apply(name.sockaddr());
            }
            case Destination.Host host -> sendTo.apply(host.sockaddr());
            case Destination.Unchanged unchanged -> Action.passthrough();
        };
    }

    /**
     * unix_dgram_sendmsg and unix_dgram_connect autobind an unnamed socket that passes
     * credentials before they look the name up; the sentry names it, so that replies reach it.
     */
    private void autobindIfPassing(SyscallStop stop, Endpoint endpoint) {
        if (!endpoint.passCredentials() || !(nameOf(endpoint) instanceof UnixAddress.Unnamed)) return;
        autobind(endpoint);
        hide(stop, endpoint);
    }

    /**
     * sendmmsg(2): each message with a name is readdressed as sendmsg's is, in a copy of the
     * vector; the kernel's msg_len answers are copied back. Only the first
     * {@value #SENDMMSG_MOST} messages are sent (a short count, which the call allows), so
     * that the copy stays small; path names are resolved by the sentry, without a write-
     * permission check. A vector that runs into unmapped memory is sent as far as it can be
     * read ({@link SendVector}).
     */
    private Action sendmmsg(SyscallStop stop) {
        Syscall call = stop.call();
        int most = (int) Math.min(call.arg2() & 0xffffffffL, SENDMMSG_MOST);
        if (most == 0) return Action.passthrough();
        SendVector readable = SendVector.read(stop.memory(), call.arg1(), most);
        int count = readable.readable();
        if (count == 0) return Action.passthrough();
        ByteBuffer vector = readable.entries();
        boolean named = false;
        for (int i = 0; i < count; i++) {
            named |= vector.getLong(i * MMSGHDR_SIZE) != 0 && vector.getInt(i * MMSGHDR_SIZE + MSGHDR_NAMELEN) != 0;
        }
        if (!named) return Action.passthrough();
        Endpoint sender = anyEndpoint(stop);
        if (sender == null || sender.type != SOCK_DGRAM) return Action.passthrough();
        autobindIfPassing(stop, sender);
        long address = stop.scratch(count * (MMSGHDR_SIZE + UnixAddress.STORAGE_LENGTH));
        long nameArea = address + (long) count * MMSGHDR_SIZE;
        for (int i = 0; i < count; i++) {
            int at = i * MMSGHDR_SIZE;
            long name = vector.getLong(at);
            int length = vector.getInt(at + MSGHDR_NAMELEN);
            if (name == 0 || length == 0) continue;
            byte[] kernelName;
            try {
                UnixAddress target = UnixAddress.parse(AddressCopy.fromTracee(stop.memory(), name, length));
                kernelName = switch (names.destination(stop, target)) {
                    case Destination.KernelName found -> {
                        if (found.receiver() != 0) observer.reaches(stop, found.receiver());
                        else observer.refused(stop, target);
                        yield found.sockaddr();
                    }
                    case Destination.Host host -> host.sockaddr();
                    case Destination.Unchanged unchanged -> null;
                };
            } catch (ErrnoException e) {
                continue;
            }
            if (kernelName == null) continue;
            long nameAddress = nameArea + (long) i * UnixAddress.STORAGE_LENGTH;
            stop.memory().write(nameAddress, kernelName);
            vector.putLong(at, nameAddress).putInt(at + MSGHDR_NAMELEN, kernelName.length);
        }
        stop.memory().write(address, vector.array());
        return Action.inject(new Syscall(call.number(), call.arg0(), address, count, call.arg3(), call.arg4(),
                call.arg5()), sent -> {
            if (sent.failed() || sent.interrupted()) return sent.asAction();
            for (int i = 0; i < sent.raw(); i++) {
                long length = address + (long) i * MMSGHDR_SIZE + MMSGHDR_LEN;
                try {
                    stop.memory().write(call.arg1() + (long) i * MMSGHDR_SIZE + MMSGHDR_LEN,
                            stop.memory().read(length, 4));
                } catch (ErrnoException e) {
                    // do_sendmmsg: a msg_len it cannot store ends the call, that message uncounted.
                    return i > 0 ? Action.returning(i) : Action.fail(Errno.EFAULT);
                }
            }
            return Action.returning(sent.raw());
        });
    }

    /** {@code bytes} and a terminating NUL in the thread's scratch memory. */
    private static long writeString(SyscallStop stop, byte[] bytes) {
        byte[] terminated = Arrays.copyOf(bytes, bytes.length + 1);
        long address = stop.scratch(terminated.length);
        stop.memory().write(address, terminated);
        return address;
    }
}
