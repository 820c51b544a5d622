package dev.jvisor.sentry.unix;

import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.linux.FileStatus;
import dev.jvisor.platform.linux.Libc;
import dev.jvisor.platform.linux.Pidfd;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The host sockets a sandbox may reach ({@code jvisor run --allow-host-socket PATH}): by
 * default none, and a socket file that no sandbox socket holds refuses (ECONNREFUSED).
 *
 * <p>The decision is made on the file the program's name resolves to (its device and inode,
 * resolved in the program's cwd and root), and the kernel is then sent to that very inode:
 * the call is readdressed to {@code /proc/JVISOR/fd/N}, a magic link to an O_PATH descriptor
 * of the allowed socket file that jvisor holds. A program that renames or re-links files
 * between the decision and the call can only reach the allowed socket, never another.
 * The descriptor is reopened when PATH comes to name another file (its server restarted).
 *
 * <p>Reaching the magic link needs ptrace-read access to jvisor's process (proc(5),
 * /proc/PID/fd): a sandboxed process of jvisor's own uid, or root, has it; one that changed
 * to another uid gets EACCES (README, Known differences).
 */
public final class HostSockets {
    private static final HostSockets NONE = new HostSockets(List.of());
    private static final int JVISOR_PID = Libc.getpid();

    private final List<Allowed> allowed = new ArrayList<>();

    private HostSockets(List<Path> paths) {
        for (Path path : paths) allowed.add(new Allowed(path.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8)));
    }

    /** No host socket reachable. */
    public static HostSockets none() {
        return NONE;
    }

    /** The sockets at {@code paths} reachable (each looked up again at every decision). */
    public static HostSockets allowing(List<Path> paths) {
        return paths.isEmpty() ? NONE : new HostSockets(paths);
    }

    /**
     * The kernel sockaddr by which a call whose name resolved to {@code file} reaches it, when
     * {@code file} is an allowed host socket's file; null otherwise.
     */
    byte[] kernelName(FileStatus file) {
        if (!file.isSocket()) return null;
        for (Allowed socket : allowed) {
            byte[] name = socket.kernelNameIfSame(file);
            if (name != null) return name;
        }
        return null;
    }

    /** One allowed path and the O_PATH descriptor of the file it named when last asked. */
    private static final class Allowed {
        private final byte[] path;
        private int fd = -1;
        private long device;
        private long inode;

        Allowed(byte[] path) {
            this.path = path;
        }

        byte[] kernelNameIfSame(FileStatus file) {
            FileStatus now;
            try {
                now = FileStatus.of(path, 0);
            } catch (ErrnoException e) {
                return null;
            }
            if (!now.isSocket() || now.device() != file.device() || now.inode() != file.inode()) return null;
            if (fd < 0 || device != now.device() || inode != now.inode()) {
                int opened;
                try {
                    opened = Libc.open(path, Libc.O_PATH | Libc.O_CLOEXEC);
                } catch (ErrnoException e) {
                    return null;
                }
                FileStatus held = FileStatus.of(("/proc/self/fd/" + opened).getBytes(StandardCharsets.US_ASCII), 0);
                if (held.device() != file.device() || held.inode() != file.inode()) {
                    // PATH changed between the look and the open: not the program's file.
                    Pidfd.close(opened);
                    return null;
                }
                if (fd >= 0) Pidfd.close(fd);
                fd = opened;
                device = held.device();
                inode = held.inode();
            }
            String link = "/proc/" + JVISOR_PID + "/fd/" + fd;
            return new UnixAddress.Pathname(link.getBytes(StandardCharsets.US_ASCII)).encode();
        }
    }
}
