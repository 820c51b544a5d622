package dev.jvisor.platform;

import dev.jvisor.platform.linux.Libc;
import dev.jvisor.platform.linux.Pidfd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.IntFunction;

/**
 * A handler's {@link ProcNetFile}, from before the launch to the sandbox's end: the
 * {@link ProcNetView} the launcher puts over /proc/net, the launcher's arguments for it, and
 * the FUSE server ({@link FuseFileServer}) of the file, started on the device the launcher
 * opened, which the tracer copies at the handshake stop.
 *
 * <p>Why a mount and not a trap of open(2): the filter cannot see a path, so a trap would
 * stop every open of a program that matches the flags, and a compiler-heavy build paid 8 to
 * 14% for it (docs/design-notes.md, "/proc/net/unix"). The mount costs nothing but the
 * table's own opens.
 */
final class ProcNetServing {
    private static final Logger log = LoggerFactory.getLogger(ProcNetServing.class);
    private static final byte[] FUSE_DEVICE = "/dev/fuse".getBytes(StandardCharsets.US_ASCII);

    private final ProcNetView view;
    private FuseFileServer server;

    private ProcNetServing(ProcNetView view) {
        this.view = view;
    }

    /** What serving {@code handler}'s file needs, made now; null when it serves none, or the view cannot be made. */
    static ProcNetServing prepare(SyscallHandler handler) {
        ProcNetFile file = handler.procNetFile();
        if (file == null) return null;
        try {
            return new ProcNetServing(ProcNetView.create(file.name()));
        } catch (IOException e) {
            log.warn("the sandbox reads the kernel's /proc/net/{}: {}", file.name(), e.toString());
            return null;
        }
    }

    /** {@code spec}, with the view's file served. */
    LaunchSpec applyTo(LaunchSpec spec) {
        return spec.servingProcNet(view.servedFile());
    }

    /**
     * At the launcher's handshake stop: starts serving when the launcher mounted the file,
     * with {@code contents} answering each open by thread id. Returns whether it did.
     */
    boolean start(int launcher, List<Integer> keptFds, IntFunction<byte[]> contents) {
        if (!MountTable.isMountPoint(launcher, view.servedFile())) return false;
        int device = deviceOf(launcher, keptFds);
        if (device < 0) return false;
        server = new FuseFileServer(device, contents);
        server.start();
        return true;
    }

    /** At the sandbox's end, when its mount namespace is gone. */
    void end() {
        if (server != null) server.stop();
        view.remove();
    }

    /**
     * A copy of the launcher's FUSE device: the descriptor, not among those the program
     * inherits, that links to /dev/fuse. -1 when there is none.
     */
    private static int deviceOf(int launcher, List<Integer> keptFds) {
        String[] fds = new java.io.File("/proc/" + launcher + "/fd").list();
        if (fds == null) return -1;
        for (String name : fds) {
            int fd = Integer.parseInt(name);
            if (keptFds.contains(fd)) continue;
            byte[] target;
            try {
                target = Libc.readlink(("/proc/" + launcher + "/fd/" + fd).getBytes(StandardCharsets.US_ASCII), 64);
            } catch (ErrnoException gone) {
                continue;
            }
            if (!java.util.Arrays.equals(target, FUSE_DEVICE)) continue;
            int pidfd = Pidfd.open(launcher);
            try {
                return Pidfd.getfd(pidfd, fd);
            } finally {
                Libc.close(pidfd);
            }
        }
        return -1;
    }
}
