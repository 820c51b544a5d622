package dev.jvisor.sentry.conform;

import dev.jvisor.platform.Action;
import dev.jvisor.platform.Errno;
import dev.jvisor.platform.ExitStatus;
import dev.jvisor.platform.LaunchSpec;
import dev.jvisor.platform.PassthroughHandler;
import dev.jvisor.platform.SyscallHandler;
import dev.jvisor.platform.Sysno;
import dev.jvisor.sentry.trace.CallRecord;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `jvisor conform` finds a difference planted in the sentry's answers, and says where. */
class PlantedDifferenceTest {
    private static final Path NATIVE = Path.of(System.getProperty("jvisor.native.dir", "../native-stubs/build"));

    private static LaunchSpec probe(String... args) {
        List<String> command = new java.util.ArrayList<>();
        command.add(NATIVE.resolve("probes/handler-targets").toString());
        command.addAll(List.of(args));
        return LaunchSpec.of(NATIVE.resolve("jvisor-launcher"), command);
    }

    @Test
    void aWrongErrnoForOneCallIsReportedWithBothAnswers() throws IOException {
        SyscallHandler planted = stop -> stop.call().number() == Sysno.LISTEN
                ? Action.fail(Errno.EADDRINUSE) : Action.passthrough();

        Comparison comparison = Conformance.compare(probe("errno"), planted, Conformance.Options.DEFAULT);

        assertFalse(comparison.equal());
        assertTrue(comparison.exitSame());
        assertFalse(comparison.stdoutSame());
        Comparison.ThreadComparison main = comparison.threads().getFirst();
        assertEquals("P1", main.thread());
        int at = main.firstDifference();
        assertEquals("listen", main.linux().get(at).call());
        // unix_listen (net/unix/af_unix.c) refuses a socket that is not bound.
        assertEquals("-1 EINVAL", main.linux().get(at).result());
        assertEquals("-1 EADDRINUSE", main.jvisor().get(at).result());
        assertEquals(main.linux().subList(0, at), main.jvisor().subList(0, at));

        String report = ConformReport.text(comparison);
        assertTrue(report.startsWith("jvisor conform: DIFFERENT\n"), report);
        assertTrue(report.contains("Linux:  listen("), report);
        assertTrue(report.contains(") = -1 EINVAL"), report);
        assertTrue(report.contains("jvisor: listen("), report);
        assertTrue(report.contains(") = -1 EADDRINUSE"), report);
        assertTrue(report.contains("Linux:  listen: -1 EINVAL"), report);
        assertTrue(report.contains("jvisor: listen: -1 EADDRINUSE"), report);
        assertTrue(ConformReport.json(comparison).contains("\"result\":\"-1 EADDRINUSE\""));
    }

    @Test
    void aRunJvisorCouldNotRecordWhollyIsAnErrorNotSame() {
        RunOutcome whole = new RunOutcome(new ExitStatus.Exited(0), "", "", List.of(), Map.of(), 0);
        RunOutcome broken = new RunOutcome(new ExitStatus.Exited(0), "", "", List.of(), Map.of(), 1);

        Comparison comparison = Comparison.of(broken, whole, false);

        assertTrue(comparison.failed());
        assertEquals("ERROR", ConformReport.verdict(comparison));
        assertTrue(ConformReport.text(comparison).contains("could not decode 1 call(s)"));
    }

    @Test
    void callsASignalInterruptedAreLeftOutOfTheComparison() {
        CallRecord interrupted = new CallRecord("P1", 1, 1, "recvfrom", List.of(), CallRecord.INTERRUPTED, List.of());
        CallRecord answered = new CallRecord("P1", 1, 1, "recvfrom", List.of(), "4", List.of());
        RunOutcome twice = new RunOutcome(new ExitStatus.Exited(0), "", "", List.of(interrupted, answered), Map.of(), 0);
        RunOutcome once = new RunOutcome(new ExitStatus.Exited(0), "", "", List.of(answered), Map.of(), 0);

        assertTrue(Comparison.of(twice, once, false).equal());
    }

    @Test
    void twoRunsTheKernelAnswersAreTheSame() throws IOException {
        Comparison comparison = Conformance.compare(probe("memory"), new PassthroughHandler(),
                Conformance.Options.DEFAULT);

        assertTrue(comparison.equal(), () -> ConformReport.text(comparison));
        // The probe's socket() runs untrapped; its three socket calls are compared.
        assertEquals(3, comparison.threads().getFirst().linux().size(), () -> ConformReport.text(comparison));
    }
}
