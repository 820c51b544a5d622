package dev.jvisor.sentry.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the log says of a process, read from proc(5): its executable, arguments, parent and
 * real user and group. A process that is gone reads as empty values.
 */
record ProcessInfo(String exe, List<String> argv, int ppid, long uid, long gid) {
    static ProcessInfo of(int pid) {
        Path proc = Path.of("/proc", Integer.toString(pid));
        String exe;
        try {
            exe = Files.readSymbolicLink(proc.resolve("exe")).toString();
        } catch (IOException | RuntimeException e) {
            exe = "";
        }
        List<String> argv = new ArrayList<>();
        try {
            byte[] cmdline = Files.readAllBytes(proc.resolve("cmdline"));
            int start = 0;
            for (int i = 0; i < cmdline.length; i++) {
                if (cmdline[i] == 0) {
                    argv.add(new String(cmdline, start, i - start, StandardCharsets.UTF_8));
                    start = i + 1;
                }
            }
            if (start < cmdline.length) argv.add(new String(cmdline, start, cmdline.length - start, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            // Gone already: no arguments to tell.
        }
        int ppid = 0;
        long uid = -1;
        long gid = -1;
        try {
            for (String line : Files.readAllLines(proc.resolve("status"), StandardCharsets.UTF_8)) {
                String[] words = line.split("\\s+");
                if (words.length < 2) continue;
                switch (words[0]) {
                    case "PPid:" -> ppid = Integer.parseInt(words[1]);
                    case "Uid:" -> uid = Long.parseLong(words[1]);
                    case "Gid:" -> gid = Long.parseLong(words[1]);
                    default -> { }
                }
            }
        } catch (IOException | RuntimeException e) {
            // Gone already.
        }
        return new ProcessInfo(exe, List.copyOf(argv), ppid, uid, gid);
    }

    ObjectNode into(ObjectNode fields) {
        fields.put("exe", exe);
        argv.forEach(fields.putArray("argv")::add);
        return fields.put("uid", uid).put("gid", gid);
    }
}
