package dev.jvisor.platform;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

/** A descriptor's file status flags, as /proc/TID/fdinfo/FD prints them (proc(5): "flags", octal). */
final class DescriptorFlags {
    static final int O_NONBLOCK = 04000;

    private DescriptorFlags() {}

    /** The flags of descriptor {@code fd} of thread {@code tid}; empty when either is gone. */
    static OptionalInt of(int tid, int fd) {
        String info;
        try {
            info = Files.readString(Path.of("/proc", Integer.toString(tid), "fdinfo", Integer.toString(fd)),
                    StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return OptionalInt.empty();
        }
        for (String line : info.split("\n")) {
            if (line.startsWith("flags:")) return OptionalInt.of(Integer.parseInt(line.substring(6).trim(), 8));
        }
        return OptionalInt.empty();
    }
}
