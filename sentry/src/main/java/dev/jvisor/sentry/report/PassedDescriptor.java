package dev.jvisor.sentry.report;

/**
 * One descriptor in an SCM_RIGHTS message (docs/audit.md: rights-sent, rights-received).
 *
 * @param fd    the sender's number, or the receiver's new one
 * @param what  {@code file}, {@code directory}, {@code pipe}, {@code socket} or {@code other}
 * @param path  a file's or directory's path, else null
 * @param inode a pipe's or socket's inode, else null
 * @param type  a socket's type, else null
 * @param name  a socket's name, else null
 */
public record PassedDescriptor(int fd, String what, String path, Long inode, String type, SocketName name) {

    /** What it was: "file /tmp/x", "socket 3004 (stream, path /tmp/s)". */
    public String described() {
        StringBuilder out = new StringBuilder(what);
        if (path != null) out.append(' ').append(Visible.text(path));
        if (inode != null) out.append(' ').append(inode);
        if (type != null || name != null) {
            out.append(" (").append(type == null ? "" : type);
            if (name != null) out.append(type == null ? "" : ", ").append(name.described());
            out.append(')');
        }
        return out.toString();
    }
}
