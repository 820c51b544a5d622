package dev.jvisor.sentry.trace;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code --trace FILE}: one object per call and line, its fields in a fixed order, the program's bytes escaped. */
class TraceWriterTest {
    @Test
    void eachCallIsOneLine(@TempDir Path directory) throws Exception {
        Path file = directory.resolve("trace.jsonl");
        try (TraceWriter trace = new TraceWriter(file)) {
            trace.accept(new CallRecord("P1", 40, 41, "bind", List.of(new Field("fd", "3"), new Field("addr", "path \"a\u0000\"")),
                    "0", List.of()));
            trace.accept(new CallRecord("P1.T2", 40, 42, "recvmsg", List.of(new Field("fd", "4")), "-1 EAGAIN",
                    List.of(new Field("flags", "MSG_TRUNC\n"))));
        }
        assertEquals("""
                {"thread":"P1","pid":40,"tid":41,"call":"bind","arguments":{"fd":"3","addr":"path \\"a\\u0000\\""},"result":"0","outputs":{}}
                {"thread":"P1.T2","pid":40,"tid":42,"call":"recvmsg","arguments":{"fd":"4"},"result":"-1 EAGAIN","outputs":{"flags":"MSG_TRUNC\\n"}}
                """, Files.readString(file, StandardCharsets.UTF_8));
    }
}
