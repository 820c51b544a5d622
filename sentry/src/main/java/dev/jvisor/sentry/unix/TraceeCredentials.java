package dev.jvisor.sentry.unix;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * What the sentry knows of each tracee thread's credentials: whether it may override file
 * permissions (CAP_DAC_OVERRIDE in its effective set, capabilities(7)), which makes a
 * connect's write-permission check certain to pass. Read from /proc/TID/status on first use
 * and forgotten when the thread changes its credentials (the filter traps the set*id calls
 * and capset), execs, or exits.
 */
final class TraceeCredentials {
    private static final long CAP_DAC_OVERRIDE = 1L << 1;

    private final Map<Integer, Boolean> overrides = new HashMap<>();

    boolean overridesFilePermissions(int tid) {
        Boolean known = overrides.get(tid);
        if (known != null) return known;
        boolean override = (effectiveCapabilities(tid) & CAP_DAC_OVERRIDE) != 0;
        overrides.put(tid, override);
        return override;
    }

    /** How many threads' credentials are known. */
    int size() {
        return overrides.size();
    }

    void forget(int tid) {
        overrides.remove(tid);
    }

    void forgetAll() {
        overrides.clear();
    }

    /** proc(5): the "CapEff:" line of /proc/TID/status; 0 when it cannot be read. */
    private static long effectiveCapabilities(int tid) {
        String status;
        try {
            status = new String(Files.readAllBytes(Path.of("/proc/" + tid + "/status")), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return 0;
        }
        int at = status.indexOf("\nCapEff:");
        if (at < 0) return 0;
        int start = at + "\nCapEff:".length();
        while (start < status.length() && Character.isWhitespace(status.charAt(start))) start++;
        int end = start;
        while (end < status.length() && Character.digit(status.charAt(end), 16) >= 0) end++;
        return end == start ? 0 : Long.parseUnsignedLong(status, start, end, 16);
    }
}
