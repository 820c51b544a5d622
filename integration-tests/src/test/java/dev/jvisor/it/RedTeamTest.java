package dev.jvisor.it;

import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The boundary holds (issue 15), proven by attack: the short form of each route of
 * {@code make redteam}. A hostile probe runs under {@code jvisor run} while a host witness
 * outside the sandbox counts what reaches it (for the way in, the sandboxed program counts
 * what a host intruder of another uid gets to it): a route is closed when nothing arrives.
 * Each route also runs natively, as the control that shows the attack itself works, so
 * that 0 under jvisor is jvisor's doing. Both ways of running: jvisor and the program as
 * root, and both as uid 65534.
 *
 * <p>The attacks and their orchestration are {@code integration-tests/redteam/run} and the
 * programs of {@code native-stubs/redteam/}; each route's transcripts (the probe's answers,
 * the witness's counts) are kept under {@code integration-tests/target/redteam-test/}.
 */
class RedTeamTest {
    private static final Pattern RESULT =
            Pattern.compile("(?m)^result (\\d) (\\w+) (\\S+) (\\d+) (\\d+)$");
    private static final Path LOGS = Runner.home().resolve("integration-tests/target/redteam-test");

    @ParameterizedTest(name = "route {0} ({2}) as {1}")
    @CsvSource({
        "1, root,   the connect/sendto/sendmsg address raced in the program's memory",
        "2, root,   a datagram socket received by SCM_RIGHTS / pidfd_getfd / CLONE_FILES",
        "3, root,   the program's own SECCOMP_RET_USER_NOTIF filter",
        "4, root,   ptrace / pidfd_getfd / process memory of jvisor",
        "5, root,   ptrace / pidfd_getfd / process memory of a host process of the same uid",
        "6, root,   a host intruder of another uid to the sandbox's hidden names",
        "7, root,   the hidden socket file or its directory replaced by links to a host socket",
        "8, root,   the descriptor of an allowed host socket replaced by another thread",
        "9, root,   socket, connect, sendmsg, send and bind through an io_uring ring",
        "1, nobody, the connect/sendto/sendmsg address raced in the program's memory",
        "2, nobody, a datagram socket received by SCM_RIGHTS / pidfd_getfd / CLONE_FILES",
        "3, nobody, the program's own SECCOMP_RET_USER_NOTIF filter",
        "4, nobody, ptrace / pidfd_getfd / process memory of jvisor",
        "5, nobody, ptrace / pidfd_getfd / process memory of a host process of the same uid",
        "6, nobody, a host intruder of another uid to the sandbox's hidden names",
        "7, nobody, the hidden socket file or its directory replaced by links to a host socket",
        "8, nobody, the descriptor of an allowed host socket replaced by another thread",
        "9, nobody, socket, connect, sendmsg, send and bind through an io_uring ring",
    })
    void nothingArrives(int route, String mode, String what) {
        // Another uid (65534 for the program, the intruder's own) needs root to switch to.
        assumeTrue(mode.equals("root") || isRoot(),
                "not checked: running as uid 65534 needs root to switch to it (setpriv)");
        assumeTrue(route != 6 || isRoot(), "not checked: the intruder of another uid needs root to switch to it");

        // The races' native controls miss now and then in the short form (route 8 as root reached
        // 0 of 2,000 once in a clean-clone CI run, 68 to 202 in six runs after): a control that
        // reached nothing is run again, once; every run under jvisor must count 0.
        Outcome first = attack(route, mode);
        Outcome outcome = first.control() == 0 && first.arrivals() == 0 ? attack(route, mode) : first;
        String attempts = outcome.attempts();
        long arrivals = outcome.arrivals();
        long control = outcome.control();
        String jvisorLog = log(route, mode, "jvisor");
        String nativeLog = log(route, mode, "native");
        assertTrue(!attempts.equals("-"), () -> "the attack did not run under jvisor:\n" + jvisorLog);

        // A kernel without the feature an attack uses has no such route; natively it fails too.
        assumeTrue(control > 0 || !nativeLog.contains("ENOSYS"),
                "not checked: this kernel lacks a call the attack uses (ENOSYS natively):\n" + nativeLog);
        assumeTrue(route != 3 || nativeLog.contains("filter: installed"),
                "not checked: this kernel does not install a user-notification filter natively:\n" + nativeLog);
        assertTrue(control > 0, () -> "the control failed: natively the attack reached nothing, so a 0 under "
                + "jvisor would prove nothing:\n" + nativeLog);
        // readonly.c: without CAP_SYS_ADMIN the sandbox's mount namespace needs a user
        // namespace, which a kernel or its policy may refuse; jvisor then says so.
        if (route == 7 && arrivals > 0 && jvisorLog.contains("no mount namespace for the sandbox")
                && !Runner.unprivilegedUserNamespaces()) {
            abort("not closed on this machine (no user namespace for an unprivileged jvisor): " + arrivals
                    + " arrivals in " + attempts + " attempts as " + mode);
        }
        assertEquals(0, arrivals, () -> "route " + route + " (" + what + ") is open as " + mode + ": "
                + arrivals + " arrivals in " + attempts + " attempts under jvisor (natively " + control + "):\n"
                + jvisorLog);
    }

    /** A route's result: the attempts ("-" when the attack did not run), arrivals under jvisor and natively. */
    private record Outcome(String attempts, long arrivals, long control) {}

    /** One short-form run of the route, natively and under jvisor. */
    private static Outcome attack(int route, String mode) {
        RunResult run = Runner.run(List.of(Runner.home().resolve("integration-tests/redteam/run").toString(),
                "--short", "--route", Integer.toString(route), "--mode", mode, "--logs", LOGS.toString()),
                "", Duration.ofMinutes(5));
        Matcher result = RESULT.matcher(run.stdout());
        assertTrue(result.find(), () -> "the red team reported no result:\n" + run);
        return new Outcome(result.group(3), Long.parseLong(result.group(4)), Long.parseLong(result.group(5)));
    }

    private static boolean isRoot() {
        return Runner.runNative("id", "-u").stdout().trim().equals("0");
    }

    private static String log(int route, String mode, String how) {
        try {
            return Files.readString(LOGS.resolve("route" + route + "-" + mode + "-" + how + ".log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
