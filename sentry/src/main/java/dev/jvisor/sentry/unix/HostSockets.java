package dev.jvisor.sentry.unix;

import dev.jvisor.platform.Action;
import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.Syscall;
import dev.jvisor.platform.SyscallStop;
import dev.jvisor.platform.Sysno;
import dev.jvisor.platform.linux.FileStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The host sockets a sandbox may reach ({@code jvisor run --allow-host-socket PATH}): by
 * default none, and a socket file that no sandbox socket holds refuses (ECONNREFUSED).
 *
 * <p>The decision is made on the file the program's name resolves to (its device and inode,
 * resolved in the program's cwd and root). The kernel is then sent to that very inode, in the
 * program's own context and with its own permissions: an injected
 * {@code openat(AT_FDCWD, PATH, O_PATH | O_CLOEXEC)} gives the program a descriptor M of
 * PATH as jvisor resolved it; the sentry checks that M is the decided file (a stat of
 * /proc/TID/fd/M), else the call is refused (ECONNREFUSED); the program's call runs with
 * {@code /proc/self/fd/M} as its address, a magic link to that inode (proc(5)); and M is
 * closed. A program that renames or re-links files between the decision and the call can
 * only reach the allowed socket, never another.
 *
 * <p>Between the check and the call, only a thread that shares the descriptor table could
 * put another file at M. So when the process has more than one thread, or another traced
 * process shares its table ({@link SyscallStop#sharesDescriptorTable()}), the openat, the
 * check and the call run in a helper thread of the process whose table is its own
 * ({@link Action.InHelper}): a copy, holding the program's socket at the same number, where
 * no thread of the program can reach M. The check then reads /proc/HELPER/fd/M, and the
 * address is {@code /proc/thread-self/fd/M} (/proc/self is the thread group leader's table).
 * M goes with the helper's table when it exits.
 *
 * <p>A signal that comes between the injected calls ends the sequence (Action.Inject) with M
 * still open: M is then remembered for its thread, and closed by an injected close before
 * that thread's next trapped call is answered, if it is still the O_PATH descriptor of the
 * same file.
 */
public final class HostSockets {
    private static final Logger log = LoggerFactory.getLogger(HostSockets.class);
    private static final HostSockets NONE = new HostSockets(List.of());
    private static final long AT_FDCWD = -100;
    private static final long O_PATH = 0x200000;
    private static final long O_CLOEXEC = 0x80000;

    private final List<byte[]> allowed = new ArrayList<>();
    /** Descriptors a signal left open in a thread (by thread id): closed at its next trapped call. */
    private final Map<Integer, Opened> leftOpen = new HashMap<>();

    private HostSockets(List<Path> paths) {
        for (Path path : paths) allowed.add(path.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8));
    }

    /** No host socket reachable. */
    public static HostSockets none() {
        return NONE;
    }

    /** The sockets at {@code paths} reachable (each looked up again at every decision). */
    public static HostSockets allowing(List<Path> paths) {
        return paths.isEmpty() ? NONE : new HostSockets(paths);
    }

    /** An allowed host socket's file that a program's name resolved to, and its path as jvisor resolves it. */
    record Target(byte[] path, long device, long inode) {}

    /**
     * The allowed host socket whose file is {@code file} (what the program's name resolved
     * to), with PATH naming that same file now; null otherwise.
     */
    Target allowedFile(FileStatus file) {
        if (!file.isSocket()) return null;
        for (byte[] path : allowed) {
            FileStatus now;
            try {
                now = FileStatus.of(path, 0);
            } catch (ErrnoException e) {
                continue;
            }
            if (now.isSocket() && now.device() == file.device() && now.inode() == file.inode()) {
                return new Target(path, file.device(), file.inode());
            }
        }
        return null;
    }

    /**
     * The program's call, which {@code call} makes from the sockaddr that reaches
     * {@code target} (writing what the kernel reads into scratch memory, {@link #room}), run
     * in the program's context against the allowed file; {@code then} receives its result.
     * ECONNREFUSED when the route cannot be taken safely or PATH no longer names the decided
     * file.
     */
    Action reach(SyscallStop stop, Target target, Function<byte[], Syscall> call, Action.Continuation then) {
        if (stop.sharesDescriptorTable()) return reachInHelper(stop, target, call, then);
        long path = KernelArguments.string(stop, target.path());
        // A signal before the program's call is made again leaves nothing open: openat has
        // not run, or M is in leftOpen and closed at the repeated call's trap.
        return Action.inject(Syscall.of(Sysno.OPENAT, AT_FDCWD, path, O_PATH | O_CLOEXEC), opened -> {
            if (opened.interrupted()) return opened.asAction();
            if (opened.failed()) return Action.fail(Errno.ECONNREFUSED);
            int fd = (int) opened.raw();
            leftOpen.put(stop.tid(), new Opened(fd, target.device(), target.inode()));
            if (!isFile(stop.tid(), fd, target.device(), target.inode())) {
                log.info("{}: {} no longer names the host socket decided on; refused", stop,
                        new String(target.path(), StandardCharsets.UTF_8));
                return close(stop, fd, Action.fail(Errno.ECONNREFUSED));
            }
            // net/unix/af_unix.c: unix_find_bsd follows the magic link like any path, with
            // the program's write permission on the socket's inode checked as natively.
            byte[] name = new UnixAddress.Pathname(("/proc/self/fd/" + fd).getBytes(StandardCharsets.US_ASCII)).encode();
            return Action.inject(call.apply(name), result -> {
                Action answer = then.resume(result);
                // Interrupted must answer the interrupted call itself (the kernel restarts it
                // or fails it with EINTR): M stays in leftOpen, closed at the thread's next trap.
                return answer instanceof Action.Interrupted ? answer : close(stop, fd, answer);
            });
        });
    }

    /** {@link #reach} from a helper thread with a descriptor table of its own. */
    private Action reachInHelper(SyscallStop stop, Target target, Function<byte[], Syscall> call,
                                 Action.Continuation then) {
        long path = KernelArguments.string(stop, target.path());
        return Action.inHelper(Syscall.of(Sysno.OPENAT, AT_FDCWD, path, O_PATH | O_CLOEXEC), (helper, opened) -> {
            if (opened.failed()) {
                log.info("{}: no helper thread, or no descriptor of {} in it ({}); refused", stop,
                        new String(target.path(), StandardCharsets.UTF_8), opened);
                return Action.fail(Errno.ECONNREFUSED);
            }
            int fd = (int) opened.raw();
            if (!isFile(helper, fd, target.device(), target.inode())) {
                log.info("{}: {} no longer names the host socket decided on; refused", stop,
                        new String(target.path(), StandardCharsets.UTF_8));
                return Action.fail(Errno.ECONNREFUSED);
            }
            byte[] name = new UnixAddress.Pathname(("/proc/thread-self/fd/" + fd).getBytes(StandardCharsets.US_ASCII))
                    .encode();
            return Action.inHelper(call.apply(name), (sameHelper, result) -> then.resume(result));
        });
    }

    /** {@code answer} after an injected close of M; the answer too when a signal comes first (M stays in leftOpen). */
    private Action close(SyscallStop stop, int fd, Action answer) {
        return Action.injectUnlessSignalled(Syscall.of(Sysno.CLOSE, fd), () -> answer, closed -> {
            leftOpen.remove(stop.tid());
            return answer;
        });
    }

    /**
     * An injected close of a descriptor a signal left open in this thread, before
     * {@code next} answers the thread's call; null when there is none.
     */
    Action closeLeftOpen(SyscallStop stop, Supplier<Action> next) {
        if (leftOpen.isEmpty()) return null;
        Opened opened = leftOpen.remove(stop.tid());
        if (opened == null) return null;
        // The program may have closed M and opened another file at its number meanwhile.
        if (!isFile(stop.tid(), opened.fd(), opened.device(), opened.inode()) || !isPathOnly(stop.tid(), opened.fd())) {
            return null;
        }
        return Action.inject(Syscall.of(Sysno.CLOSE, opened.fd()), closed -> next.get());
    }

    /** Forgets what a thread that exited or exec'd left open. */
    void forget(int tid) {
        if (!leftOpen.isEmpty()) leftOpen.remove(tid);
    }

    private static boolean isFile(int tid, int fd, long device, long inode) {
        try {
            FileStatus held = FileStatus.of(("/proc/" + tid + "/fd/" + fd).getBytes(StandardCharsets.US_ASCII), 0);
            return held.isSocket() && held.device() == device && held.inode() == inode;
        } catch (ErrnoException e) {
            return false;
        }
    }

    /** Whether the descriptor was opened with O_PATH (proc(5), /proc/PID/fdinfo: flags, in octal). */
    private static boolean isPathOnly(int tid, int fd) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(tid), "fdinfo", Integer.toString(fd)))) {
                if (line.startsWith("flags:")) return (Long.parseLong(line.substring(6).trim(), 8) & O_PATH) != 0;
            }
        } catch (IOException | NumberFormatException e) {
            // Gone: nothing to close.
        }
        return false;
    }

    /** A descriptor M of an allowed socket file, open in a thread's process. */
    private record Opened(int fd, long device, long inode) {}
}
