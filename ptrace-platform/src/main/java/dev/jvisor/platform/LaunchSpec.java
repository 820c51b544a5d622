package dev.jvisor.platform;

import dev.jvisor.platform.linux.Libc;
import dev.jvisor.platform.linux.Libc.SpawnFile;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What to start in a sandbox, and the caller's process state the program must inherit
 * rather than the JVM's.
 *
 * @param launcher       the jvisor-launcher binary
 * @param command        the program and its arguments; the program is looked up in PATH
 * @param environment    the program's environment, as "NAME=value" strings
 * @param keptFds        the descriptors the caller had open (0, 1 and 2 included), passed on
 *                       to the program; all others are closed
 * @param ignoredSignals mask (bit N-1 for signal N) of signals the caller ignored
 * @param blockedSignals the caller's blocked-signal mask
 * @param directory      where the program starts, or null for this process's directory
 * @param stdio          files for descriptors 0, 1 and 2 in place of the caller's
 * @param extraTraps     syscall numbers trapped as well, whatever their arguments, from
 *                       the program's first instruction on (the launcher adds a filter)
 * @param readOnly       directories the sandbox may use but not change
 * @param procNet        the file of the sandbox's /proc/net that the platform serves (the
 *                       launcher's --proc-net, in a {@link ProcNetView}), or null
 */
public record LaunchSpec(Path launcher, List<String> command, List<String> environment,
                         List<Integer> keptFds, long ignoredSignals, long blockedSignals,
                         Path directory, Stdio stdio, List<Integer> extraTraps, List<Path> readOnly,
                         Path procNet) {
    public LaunchSpec {
        readOnly = List.copyOf(readOnly);
        command = List.copyOf(command);
        environment = List.copyOf(environment);
        keptFds = List.copyOf(keptFds);
        extraTraps = List.copyOf(extraTraps);
        if (command.isEmpty()) throw new IllegalArgumentException("no program to run");
    }

    public LaunchSpec(Path launcher, List<String> command, List<String> environment,
                      List<Integer> keptFds, long ignoredSignals, long blockedSignals) {
        this(launcher, command, environment, keptFds, ignoredSignals, blockedSignals, null, Stdio.INHERIT, List.of(),
                List.of(), null);
    }

    /**
     * Standard streams from and to files; a null path inherits the caller's stream.
     * Output files are created or truncated.
     */
    public record Stdio(Path in, Path out, Path err) {
        public static final Stdio INHERIT = new Stdio(null, null, null);
    }

    /** This spec, started in {@code directory} with {@code stdio}. */
    public LaunchSpec redirected(Path directory, Stdio stdio) {
        return new LaunchSpec(launcher, command, environment, keptFds, ignoredSignals, blockedSignals, directory, stdio,
                extraTraps, readOnly, procNet);
    }

    /** This spec, with the calls {@code numbers} trapped as well. */
    public LaunchSpec trapping(List<Integer> numbers) {
        return new LaunchSpec(launcher, command, environment, keptFds, ignoredSignals, blockedSignals, directory, stdio,
                numbers, readOnly, procNet);
    }

    /** This spec, with {@code directories} read-only for the sandbox (the launcher's --read-only). */
    public LaunchSpec readOnly(List<Path> directories) {
        return new LaunchSpec(launcher, command, environment, keptFds, ignoredSignals, blockedSignals, directory, stdio,
                extraTraps, directories, procNet);
    }

    /** This spec, with {@code file} of a {@link ProcNetView} served in the sandbox's /proc/net. */
    LaunchSpec servingProcNet(Path file) {
        return new LaunchSpec(launcher, command, environment, keptFds, ignoredSignals, blockedSignals, directory, stdio,
                extraTraps, readOnly, file);
    }

    /** The descriptors the child gets from files, as posix_spawn file actions. */
    List<SpawnFile> spawnFiles() {
        List<SpawnFile> files = new ArrayList<>();
        int write = Libc.O_WRONLY | Libc.O_CREAT
                | Libc.O_TRUNC;
        if (stdio.in() != null) files.add(new SpawnFile(0, stdio.in().toString(),
                Libc.O_RDONLY));
        if (stdio.out() != null) files.add(new SpawnFile(1, stdio.out().toString(), write));
        if (stdio.err() != null) files.add(new SpawnFile(2, stdio.err().toString(), write));
        return files;
    }

    /** A spec that inherits this JVM's environment and standard streams, and nothing else. */
    public static LaunchSpec of(Path launcher, List<String> command) {
        List<String> environment = new ArrayList<>();
        System.getenv().forEach((name, value) -> environment.add(name + "=" + value));
        return new LaunchSpec(launcher, command, environment, List.of(0, 1, 2), 0, 0);
    }

    /** The launcher's argv. */
    List<String> launcherArgv() {
        List<String> argv = new ArrayList<>();
        argv.add("jvisor-launcher");
        argv.add("--keep-fds");
        argv.add(String.join(",", keptFds.stream().map(String::valueOf).toList()));
        argv.add("--sig-ignore");
        argv.add(Long.toHexString(ignoredSignals));
        argv.add("--sig-block");
        argv.add(Long.toHexString(blockedSignals));
        if (!extraTraps.isEmpty()) {
            argv.add("--trap");
            argv.add(String.join(",", extraTraps.stream().map(String::valueOf).toList()));
        }
        for (Path directory : readOnly) {
            argv.add("--read-only");
            argv.add(directory.toString());
        }
        if (procNet != null) {
            argv.add("--proc-net");
            argv.add(procNet.toString());
        }
        argv.add("--");
        argv.addAll(command);
        return argv;
    }
}
