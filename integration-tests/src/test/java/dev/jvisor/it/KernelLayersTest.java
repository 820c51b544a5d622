package dev.jvisor.it;

import dev.jvisor.it.support.LiveProcess;
import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The kernel's layers under the sentry (README, "Threat model"): the launcher's filter refuses
 * a seccomp listener and ptrace attach with EPERM, and its Landlock domain keeps a sandboxed
 * program out of jvisor's JVM and out of host processes of its uid (pidfd_getfd, /proc/PID/mem,
 * /proc/PID/fd). Natively the same probe reaches into a host process (the control). jvisor's
 * JVM is not dumpable, so host processes of its uid cannot reach into it either.
 */
class KernelLayersTest {
    private static final String PROBE = Runner.probe("kernel-layers");
    /** What the probe gets from a process the sandbox must not reach into, under Landlock. */
    private static final String KEPT_OUT = """
            PTRACE_ATTACH: -1 EPERM
            PTRACE_SEIZE: -1 EPERM
            pidfd_open: ok
            pidfd_getfd: 0 taken, refused with EPERM
            open /proc/PID/mem: -1 EACCES
            open /proc/PID/fd/N: 0 opened, refused with EACCES
            """;

    @Test
    void aSeccompListenerIsRefusedAndAPlainFilterIsNot() {
        assertEquals(new RunResult(0, """
                seccomp with a listener: -1 EPERM
                seccomp with a listener and log: -1 EPERM
                seccomp without a listener: ok
                """, ""), Runner.runSandboxed(PROBE, "listener"));
    }

    @Test
    void ptraceTracemeIsRefused() {
        assertEquals(new RunResult(0, "PTRACE_TRACEME: -1 EPERM\n", ""), Runner.runSandboxed(PROBE, "traceme"));
    }

    /** The sandbox's first process is jvisor's child: its parent is jvisor's JVM. */
    @Test
    void theProgramCannotReachIntoJvisor() {
        RunResult sandboxed = Runner.runSandboxed(PROBE, "intrude", "parent");
        assertLandlock(sandboxed);
        assertEquals(new RunResult(0, "target: java\n" + KEPT_OUT, ""), sandboxed);
    }

    @Test
    void theProgramCannotReachIntoAHostProcessOfItsUid() {
        try (LiveProcess host = LiveProcess.startNative("sleep", "120")) {
            String pid = Long.toString(host.pid());
            RunResult sandboxed = Runner.runSandboxed(PROBE, "intrude", pid);
            assertLandlock(sandboxed);
            assertEquals(new RunResult(0, "target: sleep\n" + KEPT_OUT, ""), sandboxed);
        }
        // The control: natively the probe takes the host process's descriptors.
        try (LiveProcess host = LiveProcess.startNative("sleep", "120")) {
            RunResult nativeRun = Runner.runNative(PROBE, "intrude", Long.toString(host.pid()));
            assertTrue(nativeRun.stdout().contains("PTRACE_ATTACH: ok\n")
                    && !nativeRun.stdout().contains("pidfd_getfd: 0 taken"), nativeRun::toString);
        }
    }

    /**
     * PR_SET_DUMPABLE: jvisor run by an unprivileged user (65534) is out of reach of a host
     * process of that uid, outside the sandbox, where no Landlock domain applies.
     * setpriv, env, the jvisor script and the JVM exec each other: one pid.
     */
    @Test
    void aHostProcessOfJvisorsUidCannotReachIntoJvisor() {
        assumeTrue("0".equals(Runner.run(List.of("id", "-u"), "", Runner.DEFAULT_TIMEOUT).stdout().strip()),
                "jvisor is started as another user: the test must run as root");
        List<String> asNobody = List.of("setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups");
        List<String> jvisor = new ArrayList<>(asNobody);
        jvisor.addAll(List.of("env", "HOME=/tmp", Runner.jvisor(), "run", "--", "sh", "-c", "echo ready; exec sleep 120"));
        try (LiveProcess sandbox = LiveProcess.start(jvisor)) {
            sandbox.awaitLine("^ready$");
            List<String> intruder = new ArrayList<>(asNobody);
            intruder.addAll(List.of(PROBE, "intrude", Long.toString(sandbox.pid())));
            RunResult intrusion = Runner.run(intruder, "", Runner.DEFAULT_TIMEOUT);
            assertEquals(new RunResult(0, "target: java\n" + KEPT_OUT, ""), intrusion);
        }
    }

    /**
     * filter.c: the calls that change mounts get EPERM, root included (the program would
     * otherwise make jvisor's directory of hidden names writable again: mount_setattr reaches
     * no Landlock hook). Natively each fails on its arguments or does nothing.
     */
    @Test
    void theProgramCannotChangeMounts() {
        assertEquals(new RunResult(0, """
                mount: -1 EPERM
                umount2: -1 EPERM
                pivot_root: -1 EPERM
                mount_setattr: -1 EPERM
                move_mount: -1 EPERM
                fsopen: -1 EPERM
                fspick: -1 EPERM
                fsmount: -1 EPERM
                open_tree with OPEN_TREE_CLONE: -1 EPERM
                open_tree: ok
                """, ""), Runner.runSandboxed(PROBE, "mounts"));
        if (isRoot()) {
            RunResult nativeRun = Runner.runNative(PROBE, "mounts");
            assertTrue(nativeRun.stdout().contains("mount: -1 ENOENT\n")
                    && nativeRun.stdout().contains("mount_setattr: ok\n")
                    && nativeRun.stdout().contains("open_tree with OPEN_TREE_CLONE: ok\n"), nativeRun::toString);
        }
    }

    /**
     * readonly.c: jvisor run by an unprivileged user (65534) still gives the sandbox its
     * directory of hidden names read-only, in a user namespace that maps the program's own
     * ids to themselves: the program's ids, and those of the files it makes, read as natively;
     * and its own /proc/net/unix (procnet.c: the FUSE device is opened in that namespace).
     */
    @Test
    void anUnprivilegedJvisorMakesTheHiddenNamesReadOnlyAndKeepsTheProgramsIds() {
        assumeTrue(isRoot(), "jvisor is started as another user: the test must run as root");
        List<String> asNobody = List.of("setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups");
        String ids = "id -u; id -g; f=$(mktemp); stat -c %u:%g \"$f\"; rm -f \"$f\"";
        List<String> nativeCommand = new ArrayList<>(asNobody);
        nativeCommand.addAll(List.of("sh", "-c", ids));
        RunResult nativeRun = Runner.run(nativeCommand, "", Runner.DEFAULT_TIMEOUT);
        assertEquals(new RunResult(0, "65534\n65534\n65534:65534\n", ""), nativeRun);

        List<String> jvisor = new ArrayList<>(asNobody);
        jvisor.addAll(List.of("env", "HOME=/tmp", Runner.jvisor(), "run", "--", "sh", "-c",
                ids + "; awk '$5 ~ \"/jvisor-\" && $5 !~ \"/jvisor-net-\" { split($6, o, \",\");"
                        + " print \"hidden names: \" o[1] }' /proc/self/mountinfo; wc -l < /proc/net/unix"));
        RunResult sandboxed = Runner.run(jvisor, "", Runner.DEFAULT_TIMEOUT);
        assumeFalse(sandboxed.stderr().contains("no mount namespace for the sandbox") && !Runner.unprivilegedUserNamespaces(),
                () -> "not checked: this kernel gives an unprivileged user no user namespace:\n" + sandboxed);
        assertEquals(new RunResult(0, nativeRun.stdout() + "hidden names: ro\n1\n", ""), sandboxed);
    }

    /**
     * On a kernel without Landlock (simulated: native-stubs/redteam/no-landlock.c answers the
     * Landlock calls with ENOSYS) jvisor still runs, says once on its standard error what is
     * missing, and the filter's refusals hold without it: ptrace, a seccomp listener, every
     * mount call.
     */
    @Test
    void withoutLandlockJvisorRunsSaysSoOnceAndTheFilterStillHolds() {
        String noLandlock = Runner.nativeDir().resolve("redteam/no-landlock").toString();
        RunResult run = Runner.run(List.of(noLandlock, Runner.jvisor(), "run", "--", "sh", "-c",
                PROBE + " traceme; " + PROBE + " listener; " + PROBE + " mounts"), "", Runner.DEFAULT_TIMEOUT);
        assertEquals(0, run.exitCode(), run::toString);
        List<String> said = run.stderr().lines().toList();
        assertEquals(1, said.size(), run::toString);
        assertTrue(said.get(0).startsWith("jvisor: warning: no Landlock in this kernel: "), run::toString);
        assertEquals(Runner.runSandboxed("sh", "-c", PROBE + " traceme; " + PROBE + " listener; " + PROBE + " mounts")
                .stdout(), run.stdout());
        assertTrue(run.stdout().contains("PTRACE_TRACEME: -1 EPERM\nseccomp with a listener: -1 EPERM\n")
                && run.stdout().contains("mount_setattr: -1 EPERM\n"), run::toString);
    }

    private static boolean isRoot() {
        return "0".equals(Runner.run(List.of("id", "-u"), "", Runner.DEFAULT_TIMEOUT).stdout().strip());
    }

    /** Without Landlock only the filter's ptrace refusal holds; jvisor says so once. */
    private static void assertLandlock(RunResult sandboxed) {
        assumeFalse(sandboxed.stderr().contains("no Landlock in this kernel"), sandboxed::toString);
    }
}
