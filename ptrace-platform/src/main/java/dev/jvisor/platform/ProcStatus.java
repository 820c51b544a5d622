package dev.jvisor.platform;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** A thread's /proc/TID/status (proc(5)): "Name:\tvalue" lines. */
public final class ProcStatus {
    private ProcStatus() {}

    /** The fields of thread {@code tid}'s status, name to value; empty when it is gone. */
    public static Map<String, String> of(int tid) {
        String status;
        try {
            status = Files.readString(Path.of("/proc", Integer.toString(tid), "status"), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return Map.of();
        }
        Map<String, String> fields = new HashMap<>();
        for (String line : status.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
        }
        return fields;
    }

    /** Field {@code name} of thread {@code tid} as a decimal number, or {@code absent} when it cannot be read. */
    public static int number(int tid, String name, int absent) {
        String value = of(tid).get(name);
        try {
            return value == null ? absent : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return absent;
        }
    }
}
