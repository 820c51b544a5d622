package dev.jvisor.sentry.unix;

import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.linux.FileStatus;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The paths at which a sandbox listener may be reached from the host
 * ({@code jvisor run --expose PATH}). By default a sandbox listener's kernel socket is bound
 * only to a hidden name, and its sandbox file is a plain socket file that no kernel socket
 * holds: a host client gets ECONNREFUSED. A stream or seqpacket socket bound at an exposed
 * path is bound there by the kernel itself (the program's own bind), so host clients and
 * sandbox clients reach the same kernel listener.
 *
 * <p>A path matches by what it names, not by its text: the program's path is exposed when its
 * directory is the exposed path's directory (same device and inode, resolved in the
 * program's cwd and root) and its last component is the same.
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

    /**
     * The exposed path that {@code name}, bound by thread {@code tid}, names (absolute, as
     * the kernel name of the listener); null when it names none.
     */
    byte[] match(int tid, UnixAddress.Pathname name) {
        Path match = exposedMatch(tid, name);
        return match == null ? null : match.toString().getBytes(StandardCharsets.UTF_8);
    }

    private Path exposedMatch(int tid, UnixAddress.Pathname name) {
        if (paths.isEmpty()) return null;
        byte[] last = name.lastComponent();
        FileStatus programDirectory;
        try {
            programDirectory = FileStatus.of(DescriptorInodes.hostPath(tid, name.directory()), 0);
        } catch (ErrnoException e) {
            return null;
        }
        for (Path exposed : paths) {
            Path parent = exposed.getParent();
            if (parent == null || !Arrays.equals(exposed.getFileName().toString().getBytes(StandardCharsets.UTF_8), last)) {
                continue;
            }
            try {
                FileStatus exposedDirectory = FileStatus.of(parent.toString().getBytes(StandardCharsets.UTF_8), 0);
                if (exposedDirectory.device() == programDirectory.device()
                        && exposedDirectory.inode() == programDirectory.inode()) {
                    return exposed;
                }
            } catch (ErrnoException e) {
                // Its directory is not there: nothing is bound at it.
            }
        }
        return null;
    }
}
