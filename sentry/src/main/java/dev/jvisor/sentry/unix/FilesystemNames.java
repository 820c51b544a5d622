package dev.jvisor.sentry.unix;

import java.util.HashMap;
import java.util.Map;

/**
 * Which sandbox socket is bound to which socket file. The file itself is the kernel's (made
 * by mknodat in the program's own context), and it outlives the socket as on Linux: a file
 * whose socket is gone, or that no sandbox socket is bound to (a host socket), refuses
 * connections.
 */
final class FilesystemNames {
    /** A file's identity: the kernel looks a socket up by inode (unix_find_socket_byinode). */
    record FileId(long device, long inode) {}

    private final Map<FileId, Endpoint> files = new HashMap<>();
    private final Map<Endpoint, FileId> byEndpoint = new HashMap<>();

    void bind(FileId file, Endpoint endpoint) {
        files.put(file, endpoint);
        byEndpoint.put(endpoint, file);
    }

    /** The sandbox socket bound to this file, or null. */
    Endpoint lookup(FileId file) {
        return files.get(file);
    }

    /** The file the sandbox socket is bound to, or null. */
    FileId fileOf(Endpoint endpoint) {
        return byEndpoint.get(endpoint);
    }

    /** How many files are bound, counted both ways (the two maps must agree). */
    int size() {
        return Math.max(files.size(), byEndpoint.size());
    }

    void release(Endpoint endpoint) {
        FileId file = byEndpoint.remove(endpoint);
        if (file != null) files.remove(file, endpoint);
    }
}
