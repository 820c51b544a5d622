package dev.jvisor.it;

import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import dev.jvisor.it.support.SentryWatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The unix-fuzz probe (random trapped AF_UNIX calls with hostile arguments, one transcript
 * line a call) natively and under {@code jvisor run}, seed by seed: identical transcripts,
 * jvisor's exit is the program's, no hang, no sentry warning or error on stderr, and jvisor's
 * own descriptors, sentry tables and heap the same before and after the calls (within the
 * heap's warm-up, {@link SentryWatch#HEAP_GROWTH_KIB}).
 *
 * <p>{@code make fuzz} runs the long mode ({@code -Djvisor.fuzz.seeds=N
 * -Djvisor.fuzz.iterations=M}, or {@code -Djvisor.fuzz.minutes=T} as a time budget): every
 * seed is run even after a failure, and a report of iterations, calls compared, crashes, hangs,
 * leaks, the largest heap growth and differences (each with its first differing line) is
 * printed and written to
 * {@code integration-tests/target/fuzz-report.txt}.
 */
class FuzzTest {
    private static final int SEEDS = Integer.getInteger("jvisor.fuzz.seeds", 0);
    private static final int ITERATIONS = Integer.getInteger("jvisor.fuzz.iterations", 2000);
    private static final int MINUTES = Integer.getInteger("jvisor.fuzz.minutes", 0);
    private static final int FIRST_SEED = Integer.getInteger("jvisor.fuzz.first", 1);
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern CALL_LINE = Pattern.compile("^\\d+ [a-z0-9]+\\(");

    /** A few seeds, bounded: well under a minute in all. */
    @ParameterizedTest(name = "seed {0}")
    @CsvSource({"1", "2", "3", "4", "5"})
    void theSandboxedTranscriptIsTheNativeOne(int seed, @TempDir Path directory) throws IOException {
        Outcome outcome = compare(seed, 2000, directory);
        assertEquals(List.of(), outcome.problems(), outcome::detail);
    }

    /**
     * The fuzzer lines that found sentry bugs, each run up to that line (see the fix's
     * commit): seed, iterations, the line.
     */
    @ParameterizedTest(name = "seed {0} to {1}: {2}")
    @CsvSource(delimiter = '|', value = {
            "3 | 83  | getsockname(fd#14+2^32, ...): a descriptor's bits above 32 are not the kernel's",
            "2 | 140 | connect(connected seqpacket, name of a closed listener): ECONNREFUSED before EISCONN",
            "6 | 481 | connect(listener, its own name after shutdown(SHUT_RD)): ECONNREFUSED before EINVAL",
            "3 | 1519 | sendmsg(dgram, path of a bound stream socket, bad cmsg_len): EINVAL before EPROTOTYPE",
            "4 | 1394 | sendmsg(dgram, path of a bound stream socket, iov NULL): EFAULT before EPROTOTYPE",
            "2 | 1299 | listen(seqpacket autobound by a refused connect with SO_PASSCRED): 0",
            "5 | 921 | recvmmsg(dgram, name room 8): the sandbox name cut to the room, not the hidden name",
            "16 | 94 | recvmmsg(stream, first name buffer unmapped, peer named by the sandbox): EFAULT",
            "12 | 2436 | recvmmsg(stream at its end, names): msg_namelen 0, no peer name",
            "13 | 1749 | recvmsg(seqpacket, no room for data, MSG_TRUNC): the peer's name",
            "25 | 1945 | recvmmsg(stream at its end, first name buffer read-only): Linux goes on",
            "130 | 1500 | getsockopt(SO_PEERNAME, room 4): the sandbox name cut to the room, not the hidden name",
            "68 | 295 | sendmmsg(dgram, vector running into unmapped memory, a name): the readable messages are sent",
            "106 | 125 | sendmmsg(dgram, vector running into unmapped memory, a stream socket's path): EPROTOTYPE",
            "174 | 105 | sendmmsg(dgram, vector running into unmapped memory, names): the count sent before a bad iovec",
            "191 | 1148 | sendmmsg(dgram, vector running into unmapped memory, a name running into it): 1",
            "101 | 2515 | sendmmsg(dgram, vector running into unmapped memory, a receiver connected elsewhere): EPERM",
            "55 | 1805 | bind(seqpacket autobound by a send with SO_PASSCRED, abstract name): EINVAL, not EADDRINUSE",
            "166 | 1845 | bind(seqpacket pair end autobound by a send that failed EMSGSIZE, abstract name): EINVAL",
            "181 | 4110 | listen(seqpacket autobound by a refused connect with SO_PASSCRED, named by getsockname): 0",
            "101 | 4395 | recvmsg(seqpacket, peer autobound by a send with SO_PASSCRED, then closed): the peer's name",
            "109 | 1016 | getpeername(accepted stream socket, client bound and closed before the accept): its name",
            "95 | 1298 | recvmmsg(seqpacket, 8000 bytes sent from read-only data): the fuzzer's own page only",
            "149 | 4013 | recvmsg(stream, 8001 bytes, 8000 sent from read-only data): the fuzzer's own page only",
            "43 | 2270 | recvmmsg(stream at its end, vlen 1025, a name in message 2): 67 messages, not 32",
            "122 | 2244 | recvmmsg(vlen 1025, names): 259 messages, in pieces of the vector",
            "144 | 3276 | recvmmsg(stream at its end, vlen 1025, names): 67 messages, not 32",
            "182 | 2636 | recvmmsg(vlen 1025, names only where the vector overlaps buffers): 1025, no UIO_MAXIOV limit",
            "10 | 3391 | recvmmsg(vlen 1025, name buffer under message 3's msg_flags): the kernel's write order",
            "161 | 209 | recvmmsg(stream at its end, 3rd name read-only, control unmapped): its msg_controllen untouched",
            "189 | 2968 | recvmsg(stream) after recvmmsg(4 messages, 2nd fails EFAULT): the error left in sk_err",
            "125 | 3366 | sendto(stream) after recvmmsg(2 messages, 2nd fails EFAULT): the error left in sk_err",
    })
    void linesThatFoundBugs(int seed, int iterations, String line, @TempDir Path directory) throws IOException {
        Outcome outcome = compare(seed, iterations, directory);
        assertEquals(List.of(), outcome.problems(), outcome::detail);
    }

    /**
     * jvisor's heap does not grow with the number of calls: what one seed leaves in the heap
     * after 20,000 iterations is within 256 KiB (about 14 bytes an extra iteration) of what
     * it leaves after 2,000, which is the JVM's warm-up. (Sandboxed only: the transcripts are
     * the other tests' business.)
     */
    @Test
    void jvisorsHeapDoesNotGrowWithTheRun(@TempDir Path directory) throws IOException {
        SentryWatch brief = fuzzSandboxed(2_000, Files.createDirectory(directory.resolve("brief")));
        SentryWatch lengthy = fuzzSandboxed(20_000, Files.createDirectory(directory.resolve("lengthy")));
        for (SentryWatch watch : List.of(brief, lengthy)) {
            assertEquals(0, watch.result().exitCode(), watch::programStderr);
            assertEquals(List.of(), watch.growth(), () -> "before: " + watch.before() + "\nafter: " + watch.after());
        }
        assertTrue(lengthy.heapGrowthKiB() - brief.heapGrowthKiB() < 256, "heap growth: " + brief.heapGrowthKiB()
                + " KiB after 2,000 iterations, " + lengthy.heapGrowthKiB() + " KiB after 20,000");
    }

    private static SentryWatch fuzzSandboxed(int iterations, Path directory) {
        return SentryWatch.run(List.of(Runner.probe("unix-fuzz"), "1", Integer.toString(iterations), "--pause"),
                directory);
    }

    /** The long mode, for make fuzz: skipped unless seeds or minutes are given. */
    @Test
    void longRun(@TempDir Path directory) throws IOException {
        if (SEEDS <= 0 && MINUTES <= 0) return;
        long deadline = MINUTES > 0 ? System.nanoTime() + Duration.ofMinutes(MINUTES).toNanos() : Long.MAX_VALUE;
        int seeds = 0;
        long calls = 0, iterations = 0;
        int crashes = 0, hangs = 0, leaks = 0, differences = 0, errors = 0;
        long heapGrowth = 0;
        List<String> failures = new ArrayList<>();
        for (int seed = FIRST_SEED; (SEEDS <= 0 || seed < FIRST_SEED + SEEDS) && System.nanoTime() < deadline; seed++) {
            Path run = Files.createDirectory(directory.resolve("seed-" + seed));
            Outcome outcome;
            try {
                outcome = compare(seed, ITERATIONS, run);
            } catch (AssertionError e) {
                hangs++;
                failures.add("seed " + seed + ": hang: " + e.getMessage().lines().findFirst().orElse(""));
                seeds++;
                continue;
            }
            seeds++;
            iterations += ITERATIONS;
            calls += outcome.calls();
            if (outcome.crash()) crashes++;
            if (outcome.leak()) leaks++;
            heapGrowth = Math.max(heapGrowth, outcome.heapGrowthKiB());
            if (outcome.different()) differences++;
            if (outcome.sentryError()) errors++;
            if (!outcome.problems().isEmpty()) failures.add("seed " + seed + ": " + outcome.detail());
            deleteTree(run);
        }
        String report = String.format("""
                fuzz: %d seeds x %d iterations (%d iterations), %d calls compared
                fuzz: %d differences, %d crashes, %d hangs, %d leaks, %d runs with sentry errors
                fuzz: jvisor's heap grew by at most %d KiB in a run (warm-up allowance %d KiB)
                """, seeds, ITERATIONS, iterations, calls, differences, crashes, hangs, leaks, errors, heapGrowth,
                SentryWatch.HEAP_GROWTH_KIB)
                + String.join("\n", failures) + (failures.isEmpty() ? "" : "\n");
        System.out.print(report);
        Files.writeString(Runner.home().resolve("integration-tests/target/fuzz-report.txt"), report);
        assertTrue(failures.isEmpty(), report);
    }

    /**
     * The native run gets a network namespace of its own where it can (root): abstract names
     * live in the network namespace, and the fuzzer's shortest ones (an empty name, one byte)
     * carry no per-run token, so natively another run on the machine could hold them (a
     * sandboxed run has the sandbox's own abstract namespace anyway).
     */
    private static final List<String> NATIVE_PREFIX = Runner.runNative("unshare", "--net", "true").exitCode() == 0
            ? List.of("unshare", "--net") : List.of();

    record Outcome(List<String> problems, String detail, long calls, boolean crash, boolean leak, boolean different,
                   boolean sentryError, long heapGrowthKiB) {}

    /** One seed natively, then under jvisor with its resources measured around the calls. */
    private static Outcome compare(int seed, int iterations, Path directory) throws IOException {
        List<String> command = List.of(Runner.probe("unix-fuzz"), Integer.toString(seed), Integer.toString(iterations),
                "--pause");
        Path nativeDir = Files.createDirectories(directory.resolve("native"));
        Path sandboxDir = Files.createDirectories(directory.resolve("jvisor"));
        RunResult nativeRun = Runner.run(Stream.concat(NATIVE_PREFIX.stream(), command.stream()).toList(), "\n\n",
                TIMEOUT, nativeDir);
        SentryWatch watch = SentryWatch.run(command, sandboxDir);
        RunResult sandboxed = watch.result();
        List<String> problems = new ArrayList<>();
        StringBuilder detail = new StringBuilder();
        boolean crash = nativeRun.exitCode() != 0 || sandboxed.exitCode() != nativeRun.exitCode();
        if (nativeRun.exitCode() != 0) problems.add("native exit " + nativeRun.exitCode());
        if (sandboxed.exitCode() != nativeRun.exitCode()) {
            problems.add("exit " + sandboxed.exitCode() + " under jvisor, " + nativeRun.exitCode() + " natively");
        }
        boolean different = !nativeRun.stdout().equals(sandboxed.stdout());
        if (different) {
            problems.add("transcripts differ");
            detail.append(firstDifference(nativeRun.stdout(), sandboxed.stdout()));
        }
        boolean sentryError = !watch.programStderr().isEmpty() || !nativeRun.stderr().isEmpty();
        if (sentryError) {
            problems.add("stderr not empty");
            detail.append("\n--- jvisor stderr\n").append(watch.programStderr())
                    .append("--- native stderr\n").append(nativeRun.stderr());
        }
        List<String> growth = watch.growth();
        boolean leak = !growth.isEmpty();
        problems.addAll(growth);
        long calls = nativeRun.stdout().lines().filter(line -> CALL_LINE.matcher(line).find()).count();
        return new Outcome(problems, problems + detail.toString(), calls, crash, leak, different, sentryError,
                watch.heapGrowthKiB());
    }

    private static String firstDifference(String expected, String actual) {
        List<String> a = expected.lines().toList(), b = actual.lines().toList();
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            String x = i < a.size() ? a.get(i) : "(end)", y = i < b.size() ? b.get(i) : "(end)";
            if (!x.equals(y)) return "\nfirst different line " + (i + 1) + ":\n  Linux:  " + x + "\n  jvisor: " + y;
        }
        return "";
    }


    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(path);
        }
    }
}
