package dev.jvisor.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a process's mount namespace shows (proc(5), /proc/PID/mountinfo): whether a
 * directory is a read-only mount there, or a file a mount point. The launcher makes jvisor's
 * read-only directories and the sandbox's /proc/net file in the sandbox's own mount
 * namespace when the kernel lets it; this is how jvisor learns whether it could.
 */
final class MountTable {
    private MountTable() {}

    /** Whether {@code directory} is the mount point of a read-only mount in process {@code pid}'s namespace. */
    static boolean isReadOnlyMount(int pid, Path directory) {
        String[] last = null;
        // The last mount on a mount point is the one in effect: mountinfo lists in mount order.
        for (String[] mount : mountsAt(pid, directory)) last = mount;
        return last != null && List.of(last[5].split(",")).contains("ro");
    }

    /** Whether {@code path} is a mount point in process {@code pid}'s namespace. */
    static boolean isMountPoint(int pid, Path path) {
        return !mountsAt(pid, path).isEmpty();
    }

    /** The mountinfo lines (split into fields) of the mounts on {@code path}, in mount order; none when unreadable. */
    private static List<String[]> mountsAt(int pid, Path path) {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc", Integer.toString(pid), "mountinfo"));
        } catch (IOException e) {
            return List.of();
        }
        String wanted = path.toString();
        List<String[]> mounts = new ArrayList<>();
        for (String line : lines) {
            String[] fields = line.split(" ");
            if (fields.length >= 6 && unescape(fields[4]).equals(wanted)) mounts.add(fields);
        }
        return mounts;
    }

    /** proc(5): space, tab, newline and backslash in a path are written as octal escapes. */
    private static String unescape(String field) {
        if (field.indexOf('\\') < 0) return field;
        StringBuilder path = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()) {
                try {
                    path.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                    i += 3;
                    continue;
                } catch (NumberFormatException e) {
                    // Not an escape: kept as written.
                }
            }
            path.append(c);
        }
        return path.toString();
    }
}
