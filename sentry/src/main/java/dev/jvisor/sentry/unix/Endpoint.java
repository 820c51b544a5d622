package dev.jvisor.sentry.unix;

/**
 * The sentry's state for one AF_UNIX socket of a sandbox, identified by the inode of the
 * kernel socket behind the program's descriptors.
 *
 * <p>The kernel socket is real: data, shutdown, credentials, rights, readiness and blocking
 * are the kernel's. The sentry keeps what the kernel cannot know because names live in the
 * sentry: the socket's own name, its peer, and (for a listener or a named datagram socket)
 * the kernel name through which the sandbox's connects and datagrams reach it. All fields
 * are used on the tracer thread only.
 *
 * <p>Invariants: {@code state == LISTENING ⇒ kernelName != null && address is named};
 * {@code kernelName != null ⇒ state == LISTENING || type == SOCK_DGRAM};
 * {@code state == CONNECTED ⇒ peerAddress() is defined}, or null when only the kernel still
 * knows the peer's name (the sentry met the socket after its peer was gone).
 *
 * <p>{@code UNCONNECTED} may be out of date: a connect the sentry rewrote completes in the
 * kernel without telling it; the kernel is asked when the state matters.
 */
final class Endpoint {
    enum State { UNCONNECTED, LISTENING, CONNECTED }

    final long inode;
    /**
     * SOCK_STREAM, SOCK_SEQPACKET or SOCK_DGRAM. A datagram socket's state and peer are not
     * kept: its connects complete in the kernel, which is asked for its peer.
     */
    final int type;
    private UnixAddress address = UnixAddress.UNNAMED;
    private State state = State.UNCONNECTED;
    /** The connected peer when the sentry knows its endpoint (socketpair ends, accepted sockets). */
    private Endpoint peer;
    /** The name a client was connected to: the listener's name at connect time. */
    private UnixAddress connectedTo;
    /**
     * The name its kernel socket holds, by which sandbox sockets reach it: a listener's or a
     * named datagram socket's hidden name ({@link HiddenNames}), or the name the kernel gave a
     * datagram socket by autobind.
     */
    private UnixAddress kernelName;
    /**
     * The sockaddr that reaches {@code kernelName}, made once: every connect or datagram to
     * the socket writes it.
     */
    private byte[] encodedKernelName;
    /** SO_PASSCRED and SO_PASSPIDFD: with either, connect(2) autobinds an unbound socket. */
    private boolean passCred;
    private boolean passPidfd;
    /** Whether it ever passed credentials: the kernel may have autobound it since (see {@link #mayBeAutobound}). */
    private boolean passedCredentials;

    Endpoint(long inode, int type) {
        this.inode = inode;
        this.type = type;
    }

    UnixAddress address() {
        return address;
    }

    boolean named() {
        return !(address instanceof UnixAddress.Unnamed);
    }

    void bind(UnixAddress name) {
        if (named()) throw new IllegalStateException(this + " is already bound");
        address = name;
    }

    /**
     * An accepted socket shares its listener's name (unix_stream_connect gives the new socket
     * the listener's address) without holding it in a namespace.
     */
    void adopt(UnixAddress listenerName) {
        address = listenerName;
    }

    State state() {
        return state;
    }

    /** Listening; it is reachable already ({@link #reachableAt}). */
    void listen() {
        if (kernelName == null) throw new IllegalStateException(this + " has no kernel name");
        state = State.LISTENING;
    }

    /** Sandbox sockets reach this one at {@code name} in the kernel, which reports the same name. */
    void reachableAt(UnixAddress name) {
        reachableAt(name, name.encode());
    }

    /**
     * Sandbox sockets reach this one by the sockaddr {@code connect}; the kernel reports its
     * name as {@code reported} (a hidden name's two forms, {@link HiddenNames.Name}).
     */
    void reachableAt(UnixAddress reported, byte[] connect) {
        kernelName = reported;
        encodedKernelName = connect;
    }

    /** True when connects and datagrams can reach it: a listener, or a named datagram socket. */
    boolean reachable() {
        return kernelName != null;
    }

    UnixAddress kernelName() {
        return kernelName;
    }

    /**
     * The sockaddr by which a program's call reaches it: {@link #kernelName()}, or for a
     * hidden name its real path; not to be modified.
     */
    byte[] encodedKernelName() {
        return encodedKernelName;
    }

    /** Connected to a listener named {@code listenerName}; the accepted end is not known yet. */
    void connectTo(UnixAddress listenerName) {
        state = State.CONNECTED;
        connectedTo = listenerName;
    }

    /** Connected to a peer that is gone, whose name only the kernel still knows. */
    void connectToUnknown() {
        state = State.CONNECTED;
        peer = null;
        connectedTo = null;
    }

    /** Connected to {@code other}, whose endpoint the sentry knows. */
    void pairWith(Endpoint other) {
        state = State.CONNECTED;
        peer = other;
    }

    Endpoint peer() {
        return peer;
    }

    /**
     * The name getpeername(2) reports: the peer's current name, or for a client whose
     * accepted end is not known, the listener's name (the accepted socket shares it,
     * net/unix/af_unix.c: unix_stream_connect); null when only the kernel knows it.
     */
    UnixAddress peerAddress() {
        return peer != null ? peer.address : connectedTo;
    }

    boolean passCredentials() {
        return passCred || passPidfd;
    }

    void passCredentials(boolean credentials, boolean on) {
        if (credentials) passCred = on;
        else passPidfd = on;
        passedCredentials |= on;
    }

    /**
     * Whether the kernel may have given it a name the sentry did not see: unix_stream_connect
     * and unix_dgram_sendmsg (which seqpacket sends go through) autobind an unnamed socket
     * that passes credentials, and a rewritten connect or a send on a connected socket does
     * not stop in the sentry. The name stays when credentials are no longer passed.
     */
    boolean mayBeAutobound() {
        return passedCredentials && !named();
    }

    @Override
    public String toString() {
        return "socket:[" + inode + "] " + state + " " + address;
    }
}
