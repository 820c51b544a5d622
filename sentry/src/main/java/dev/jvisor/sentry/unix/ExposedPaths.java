package dev.jvisor.sentry.unix;

import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.linux.FileStatus;
import dev.jvisor.platform.linux.Socket;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The paths at which a sandbox listener may be reached from the host
 * ({@code jvisor run --expose PATH}). By default a sandbox listener's kernel socket is bound
 * only to a hidden name, and its sandbox file is a plain socket file no kernel socket holds:
 * a host client gets ECONNREFUSED. A listener whose file is an exposed path has its kernel
 * socket bound at that path instead, in place of the file the sandbox's bind made (same
 * owner and mode), so host clients and sandbox clients reach the same kernel listener.
 */
public final class ExposedPaths {
    private static final ExposedPaths NONE = new ExposedPaths(List.of());

    private final List<Path> paths = new ArrayList<>();

    private ExposedPaths(List<Path> paths) {
        for (Path path : paths) this.paths.add(path.toAbsolutePath().normalize());
    }

    public static ExposedPaths none() {
        return NONE;
    }

    public static ExposedPaths of(List<Path> paths) {
        return paths.isEmpty() ? NONE : new ExposedPaths(paths);
    }

    /** The exposed path whose file is {@code file} (the sandbox's socket file), or null. */
    Path match(FilesystemNames.FileId file) {
        if (file == null) return null;
        for (Path path : paths) {
            try {
                FileStatus now = FileStatus.of(path.toString().getBytes(StandardCharsets.UTF_8),
                        FileStatus.AT_SYMLINK_NOFOLLOW);
                if (now.isSocket() && now.device() == file.device() && now.inode() == file.inode()) return path;
            } catch (ErrnoException e) {
                // Not there (yet): it matches nothing.
            }
        }
        return null;
    }

    /**
     * Binds {@code socket} (the sentry's copy of the listener) at {@code path}, replacing the
     * socket file there, and gives the new file the old one's owner and mode. Returns the new
     * file, or throws when the path could not be taken (the caller falls back to a hidden name).
     */
    static FilesystemNames.FileId bindAt(int socket, Path path) {
        try {
            int uid = (Integer) Files.getAttribute(path, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            int gid = (Integer) Files.getAttribute(path, "unix:gid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(path, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            Files.delete(path);
            Socket.bind(socket, new UnixAddress.Pathname(path.toString().getBytes(StandardCharsets.UTF_8)).encode());
            Files.setAttribute(path, "unix:gid", gid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(path, "unix:uid", uid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            Files.setPosixFilePermissions(path, mode);
            FileStatus bound = FileStatus.of(path.toString().getBytes(StandardCharsets.UTF_8),
                    FileStatus.AT_SYMLINK_NOFOLLOW);
            return new FilesystemNames.FileId(bound.device(), bound.inode());
        } catch (IOException e) {
            throw new ErrnoException(dev.jvisor.platform.Errno.EIO, "expose " + path + ": " + e.getMessage());
        }
    }
}
