package dev.jvisor.sentry.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvisor.sentry.unix.SocketDirectory;
import dev.jvisor.sentry.unix.SocketFacts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A descriptor passed with SCM_RIGHTS, described from its /proc/PID/fd link (proc(5)): a
 * path for a file or directory, "pipe:[INO]", "socket:[INO]", anything else (an anonymous
 * inode, a memfd's name) as the kernel names it.
 *
 * @param fd     its number in the process it was read in
 * @param what   file, directory, pipe, socket or other
 * @param path   a file's or directory's path, or the link text of an other; else null
 * @param inode  a pipe's or socket's inode; else 0
 * @param socket what the sandbox knows of a socket; null for anything else
 */
record PassedDescriptor(int fd, String what, String path, long inode, SocketFacts socket) {
    private static final Pattern INODE_LINK = Pattern.compile("(pipe|socket):\\[(\\d+)]");

    static PassedDescriptor of(int pid, int fd, SocketDirectory sockets) {
        Path link = Path.of("/proc", Integer.toString(pid), "fd", Integer.toString(fd));
        String target;
        try {
            target = Files.readSymbolicLink(link).toString();
        } catch (NoSuchFileException e) {
            return new PassedDescriptor(fd, "other", "closed", 0, null);
        } catch (IOException | RuntimeException e) {
            return new PassedDescriptor(fd, "other", "unknown", 0, null);
        }
        Matcher inode = INODE_LINK.matcher(target);
        if (inode.matches()) {
            long number = Long.parseLong(inode.group(2));
            if (inode.group(1).equals("pipe")) return new PassedDescriptor(fd, "pipe", null, number, null);
            return new PassedDescriptor(fd, "socket", null, number, sockets.describe(number));
        }
        if (target.startsWith("/")) {
            return new PassedDescriptor(fd, Files.isDirectory(link) ? "directory" : "file", target, 0, null);
        }
        return new PassedDescriptor(fd, "other", target, 0, null);
    }

    ObjectNode json() {
        ObjectNode object = AuditLog.fields().put("fd", fd).put("what", what);
        if (path != null) object.put("path", path);
        if (inode != 0) object.put("inode", inode);
        if (socket != null) {
            object.put("type", SocketNames.type(socket.type()));
            SocketNames.into(object, socket.name(), false);
        }
        return object;
    }
}
