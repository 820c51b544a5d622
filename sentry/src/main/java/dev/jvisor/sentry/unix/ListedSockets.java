package dev.jvisor.sentry.unix;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Which AF_UNIX sockets the sandbox's socket tables list, and under which name: what Linux
 * shows in a network namespace holding only the sandbox's sockets. One rule for
 * /proc/net/unix ({@link ProcNetUnix}) and sock_diag ({@link SockDiagSockets}), so that
 * {@code cat /proc/net/unix} and {@code ss -x} agree.
 *
 * <p>A socket is listed when it is in a sandbox process's descriptor table (/proc/PID/fd of
 * the processes the sentry heard of) and the sentry serves it; its name is the sandbox's (an
 * accepted socket shows its listener's, as on Linux), or none where the sandbox socket has
 * none. A connection pending on a sandbox listener has no file (its inode is 0) and carries
 * its listener's kernel name (unix_stream_connect copies the listener's address to it): a
 * hidden name, which the listener's sandbox name replaces. A socket the sandbox holds only in
 * flight (sent with SCM_RIGHTS, closed by its sender) is not listed.
 */
final class ListedSockets {
    /** What the sentry knows of a socket's name. */
    interface Names {
        /** The sandbox name of the sandbox socket {@code inode} ({@code UNNAMED} for none); null when it is not one. */
        UnixAddress nameOf(long inode);

        /** The sandbox name behind a listener's kernel name; null when it is no sandbox socket's. */
        UnixAddress sandboxNameOf(UnixAddress kernelName);

        /**
         * The sandbox socket file of the socket whose kernel socket holds {@code kernelName}
         * (an accepted socket holds its listener's); null when the sentry knows none.
         */
        FilesystemNames.FileId socketFileOf(UnixAddress kernelName);
    }

    private final Names names;
    private final TraceeProcesses processes;

    ListedSockets(Names names, TraceeProcesses processes) {
        this.names = names;
        this.processes = processes;
    }

    /**
     * The listing as it stands now: which sockets the sandbox's processes hold, looked up at
     * the first question (a look costs a readlink of every descriptor of every sandbox process).
     */
    Listing now() {
        return new Listing();
    }

    /** The listing as process {@code pid} of the sandbox, which asks, sees it now (it is one of them). */
    Listing now(int pid) {
        processes.seen(pid);
        return now();
    }

    /** One look at the sandbox's sockets; names are asked of the sentry as they are wanted. */
    final class Listing implements DiagReplies.Names {
        private Set<Long> held;

        private Listing() {}

        /** The listed name of socket {@code inode} ({@code UNNAMED} for none); null when it is not listed. */
        @Override
        public UnixAddress nameOf(long inode) {
            if (held == null) held = heldSockets();
            return held.contains(inode) ? names.nameOf(inode) : null;
        }

        /** The socket file behind a listed socket's kernel name; null when the sentry knows none. */
        @Override
        public FilesystemNames.FileId socketFileOf(UnixAddress kernelName) {
            return names.socketFileOf(kernelName);
        }

        /** The listed name of a pending connection whose kernel name is {@code kernelName}; null when not listed. */
        UnixAddress pendingNameOf(UnixAddress kernelName) {
            return names.sandboxNameOf(kernelName);
        }
    }

    /** The socket inodes in the sandbox processes' descriptor tables (proc(5): /proc/PID/fd). */
    private Set<Long> heldSockets() {
        Set<Long> inodes = new HashSet<>();
        for (var pids = processes.pids().iterator(); pids.hasNext(); ) {
            int pid = pids.next();
            String[] fds = new java.io.File("/proc/" + pid + "/fd").list();
            if (fds == null) {
                if (!Files.exists(Path.of("/proc/" + pid))) pids.remove();
                continue;
            }
            for (String fd : fds) {
                long inode = DescriptorInodes.socketInode(pid, Long.parseLong(fd));
                if (inode > 0) inodes.add(inode);
            }
        }
        return inodes;
    }
}
