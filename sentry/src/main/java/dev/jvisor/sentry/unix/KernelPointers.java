package dev.jvisor.sentry.unix;

import dev.jvisor.platform.ProcStatus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Whether a thread would see the kernel pointers that /proc/net/unix prints in its Num column
 * (%pK). lib/vsprintf.c, restricted_pointer: with kptr_restrict 0 every reader sees the same
 * hashed value; with 1 only a reader with CAP_SYSLOG whose uid and gid equal its effective
 * ones sees the address, others zeros; with 2 everyone sees zeros. The sentry reads the table
 * with its own credentials, which may be more than the program's.
 */
final class KernelPointers {
    private static final int CAP_SYSLOG = 34;

    private KernelPointers() {}

    /** True when thread {@code tid} would see zeros where the sentry may see addresses. */
    static boolean hiddenFrom(int tid) {
        String restrict;
        try {
            restrict = Files.readString(Path.of("/proc/sys/kernel/kptr_restrict")).strip();
        } catch (IOException e) {
            return true;
        }
        if (restrict.equals("0")) return false;
        if (!restrict.equals("1")) return true;
        Map<String, String> status = ProcStatus.of(tid);
        String uids = status.get("Uid");
        String gids = status.get("Gid");
        String capabilities = status.get("CapEff");
        if (uids == null || gids == null || capabilities == null) return true;
        try {
            String[] uid = uids.split("\\s+");
            String[] gid = gids.split("\\s+");
            boolean syslog = (Long.parseUnsignedLong(capabilities, 16) & (1L << CAP_SYSLOG)) != 0;
            return !syslog || !uid[0].equals(uid[1]) || !gid[0].equals(gid[1]);
        } catch (RuntimeException e) {
            return true;
        }
    }
}
