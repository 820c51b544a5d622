package dev.jvisor.cli;

import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.ExitStatus;
import dev.jvisor.platform.LaunchSpec;
import dev.jvisor.platform.Sandbox;
import dev.jvisor.platform.SyscallHandler;
import dev.jvisor.platform.linux.Kernel;
import dev.jvisor.sentry.Sentry;
import dev.jvisor.sentry.audit.AuditLog;
import dev.jvisor.sentry.audit.Auditor;
import dev.jvisor.sentry.audit.CloseSweeper;
import dev.jvisor.sentry.trace.ProcessNames;
import dev.jvisor.sentry.unix.ExposedPaths;
import dev.jvisor.sentry.unix.HostPolicy;
import dev.jvisor.sentry.unix.HostSockets;
import dev.jvisor.sentry.unix.TableSizes;
import dev.jvisor.sentry.trace.RecordingHandler;
import dev.jvisor.sentry.trace.TraceWriter;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/** {@code jvisor run}: starts the program under the sandbox and exits with its status. */
final class RunCommand {
    private RunCommand() {}

    /** The first Landlock ABI with LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET. */
    private static final int LANDLOCK_SCOPED_ABI = 6;

    /**
     * The kernel's layers under the sentry's checks (README, "Threat model"): jvisor's JVM
     * becomes non-dumpable, and the launcher puts the sandbox in a Landlock domain. When the
     * kernel lacks what the launcher uses, one line says which protection is missing.
     */
    private static void protectJvisor(PrintStream err) {
        try {
            Kernel.setNotDumpable();
        } catch (ErrnoException e) {
            err.println("jvisor: warning: cannot make jvisor non-dumpable (" + e.getMessage()
                    + "): processes of its uid can ptrace it");
        }
        int abi;
        try {
            abi = Kernel.landlockAbi();
        } catch (ErrnoException e) {
            abi = 0;
        }
        if (abi == 0) {
            err.println("jvisor: warning: no Landlock in this kernel: the kernel does not keep sandboxed programs"
                    + " from pidfd_getfd or /proc/PID/mem of host processes of their uid (ptrace attach is still"
                    + " refused), nor from the host's abstract unix sockets (the sentry's checks alone)");
        } else if (abi < LANDLOCK_SCOPED_ABI) {
            err.println("jvisor: warning: Landlock ABI " + abi + " has no abstract unix socket scope: the kernel"
                    + " does not keep sandboxed programs from the host's abstract unix sockets (the sentry's"
                    + " checks alone)");
        }
    }

    static int run(String[] args, PrintStream err) {
        RunOptions options;
        try {
            options = RunOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("jvisor: " + e.getMessage());
            err.println("Try 'jvisor --help'.");
            return Main.EXIT_FAILURE;
        }
        Logging.configure(options.logLevel(), options.logFile());
        protectJvisor(err);

        LaunchSpec spec = CallerState.launch(options.command());
        Path signalRelay = CallerState.signalRelay();
        if (spec == null || signalRelay == null) {
            err.println(CallerState.NOT_STARTED_BY_SCRIPT);
            return Main.EXIT_FAILURE;
        }

        // Host mode: the same calls trapped (and recorded with --trace), the kernel answering.
        SyscallHandler handler;
        Auditor auditor = null;
        HostPolicy policy = new HostPolicy(HostSockets.allowing(options.allowedHostSockets()),
                ExposedPaths.of(options.exposedPaths()));
        if (options.auditFile() != null) {
            try {
                handler = auditor = Auditor.of(new AuditLog(options.auditFile()), policy);
            } catch (IOException e) {
                err.println("jvisor: cannot write the audit log: " + e.getMessage());
                return Main.EXIT_FAILURE;
            }
            spec = spec.trapping(Auditor.EXTRA_TRAPS);
        } else {
            handler = options.host() ? Sentry.hostHandler() : Sentry.handler(policy);
        }
        StatsReport stats = null;
        if (options.stats()) {
            TableSizes tables = handler instanceof TableSizes sizes ? sizes : null;
            CallStatistics statistics = new CallStatistics(handler);
            handler = statistics;
            stats = new StatsReport(statistics, tables);
        }
        TraceWriter trace = null;
        if (options.traceFile() != null) {
            try {
                trace = new TraceWriter(options.traceFile());
            } catch (IOException e) {
                err.println("jvisor: cannot write the trace: " + e.getMessage());
                return Main.EXIT_FAILURE;
            }
            handler = new RecordingHandler(handler, new ProcessNames(), trace);
        }

        StatsReport onUsr1 = stats;
        SignalForwarder signals = SignalForwarder.start(signalRelay, CallerState.ignoredSignals(),
                onUsr1 == null ? null : () -> onUsr1.print(err));
        Sandbox sandbox;
        try {
            sandbox = Sandbox.start(spec, handler);
        } catch (ErrnoException e) {
            signals.stop();
            err.println("jvisor: cannot start the sandbox: " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
        signals.forwardTo(sandbox);
        for (Path directory : sandbox.writableDirectories()) {
            err.println("jvisor: warning: no mount namespace for the sandbox (neither CAP_SYS_ADMIN nor a user"
                    + " namespace): " + directory + " is not read-only there, and a program of jvisor's uid can"
                    + " replace a hidden socket name in it with a link to a host socket");
        }
        if (handler.procNetFile() != null && !sandbox.servesProcNet()) {
            err.println("jvisor: warning: the sandbox reads the host's /proc/net/unix (no mount namespace or no FUSE"
                    + " for its own): every host AF_UNIX socket is listed there, and the sandbox's under their hidden"
                    + " names");
        }
        if (stats != null) stats.watch(sandbox);
        CloseSweeper sweeper = auditor == null ? null : CloseSweeper.start(sandbox, auditor);
        ExitStatus status = sandbox.waitFor();
        signals.stop();
        if (sweeper != null) sweeper.stop();
        if (auditor != null) auditor.finish();
        if (stats != null) stats.print(err);
        if (trace != null) trace.close();
        return status.shellStatus();
    }
}
