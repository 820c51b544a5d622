package dev.jvisor.platform.linux;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The FUSE device protocol (include/uapi/linux/fuse.h), the part a server of one read-only
 * regular file needs: a request is a fuse_in_header and its operation's struct, read whole
 * from the device; a reply is a fuse_out_header and its struct, written whole.
 */
public final class Fuse {
    /** The protocol this server speaks: 7.31, whose structs every kernel since 5.8 accepts. */
    public static final int KERNEL_VERSION = 7;
    public static final int KERNEL_MINOR_VERSION = 31;
    /** fuse_dev_do_read refuses a buffer smaller than FUSE_MIN_READ_BUFFER (8192). */
    public static final int MIN_READ_BUFFER = 8192;
    /** The root's node id: with a regular file as root (rootmode), the only node. */
    public static final long ROOT_ID = 1;

    /** Operations (enum fuse_opcode). */
    public static final int GETATTR = 3;
    public static final int SETATTR = 4;
    public static final int OPEN = 14;
    public static final int READ = 15;
    public static final int STATFS = 17;
    public static final int RELEASE = 18;
    public static final int FLUSH = 25;
    public static final int INIT = 26;
    public static final int INTERRUPT = 36;
    public static final int DESTROY = 38;
    public static final int FORGET = 2;
    public static final int BATCH_FORGET = 42;

    /** fuse_open_out.open_flags: every read reaches the server, at the offset asked. */
    public static final int FOPEN_DIRECT_IO = 1;

    public static final StructLayout IN_HEADER = MemoryLayout.structLayout(
            JAVA_INT.withName("len"),
            JAVA_INT.withName("opcode"),
            JAVA_LONG.withName("unique"),
            JAVA_LONG.withName("nodeid"),
            JAVA_INT.withName("uid"),
            JAVA_INT.withName("gid"),
            JAVA_INT.withName("pid"),
            JAVA_SHORT.withName("total_extlen"),
            JAVA_SHORT.withName("padding"));

    public static final StructLayout OUT_HEADER = MemoryLayout.structLayout(
            JAVA_INT.withName("len"),
            JAVA_INT.withName("error"),
            JAVA_LONG.withName("unique"));

    public static final StructLayout INIT_IN = MemoryLayout.structLayout(
            JAVA_INT.withName("major"),
            JAVA_INT.withName("minor"),
            JAVA_INT.withName("max_readahead"),
            JAVA_INT.withName("flags"));

    /** fuse_init_out as of 7.31 (64 bytes; the kernel takes a shorter one from older servers). */
    public static final StructLayout INIT_OUT = MemoryLayout.structLayout(
            JAVA_INT.withName("major"),
            JAVA_INT.withName("minor"),
            JAVA_INT.withName("max_readahead"),
            JAVA_INT.withName("flags"),
            JAVA_SHORT.withName("max_background"),
            JAVA_SHORT.withName("congestion_threshold"),
            JAVA_INT.withName("max_write"),
            JAVA_INT.withName("time_gran"),
            JAVA_SHORT.withName("max_pages"),
            JAVA_SHORT.withName("map_alignment"),
            MemoryLayout.paddingLayout(32));

    public static final StructLayout ATTR = MemoryLayout.structLayout(
            JAVA_LONG.withName("ino"),
            JAVA_LONG.withName("size"),
            JAVA_LONG.withName("blocks"),
            JAVA_LONG.withName("atime"),
            JAVA_LONG.withName("mtime"),
            JAVA_LONG.withName("ctime"),
            JAVA_INT.withName("atimensec"),
            JAVA_INT.withName("mtimensec"),
            JAVA_INT.withName("ctimensec"),
            JAVA_INT.withName("mode"),
            JAVA_INT.withName("nlink"),
            JAVA_INT.withName("uid"),
            JAVA_INT.withName("gid"),
            JAVA_INT.withName("rdev"),
            JAVA_INT.withName("blksize"),
            JAVA_INT.withName("flags"));

    public static final StructLayout ATTR_OUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("attr_valid"),
            JAVA_INT.withName("attr_valid_nsec"),
            JAVA_INT.withName("dummy"),
            ATTR.withName("attr"));

    public static final StructLayout OPEN_IN = MemoryLayout.structLayout(
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("open_flags"));

    public static final StructLayout OPEN_OUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("fh"),
            JAVA_INT.withName("open_flags"),
            JAVA_INT.withName("padding"));

    public static final StructLayout READ_IN = MemoryLayout.structLayout(
            JAVA_LONG.withName("fh"),
            JAVA_LONG.withName("offset"),
            JAVA_INT.withName("size"),
            JAVA_INT.withName("read_flags"),
            JAVA_LONG.withName("lock_owner"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("padding"));

    public static final StructLayout RELEASE_IN = MemoryLayout.structLayout(
            JAVA_LONG.withName("fh"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("release_flags"),
            JAVA_LONG.withName("lock_owner"));

    /** fuse_statfs_out: struct fuse_kstatfs. */
    public static final StructLayout STATFS_OUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("blocks"),
            JAVA_LONG.withName("bfree"),
            JAVA_LONG.withName("bavail"),
            JAVA_LONG.withName("files"),
            JAVA_LONG.withName("ffree"),
            JAVA_INT.withName("bsize"),
            JAVA_INT.withName("namelen"),
            JAVA_INT.withName("frsize"),
            JAVA_INT.withName("padding"),
            MemoryLayout.paddingLayout(24));

    private Fuse() {}

    /** The offset of {@code field} in {@code layout}. */
    public static long offset(StructLayout layout, String field) {
        return layout.byteOffset(groupElement(field));
    }

    /** The offset of {@code field} of fuse_attr within fuse_attr_out. */
    public static long attrOffset(String field) {
        return ATTR_OUT.byteOffset(groupElement("attr"), groupElement(field));
    }

    public static int getInt(MemorySegment segment, long offset) {
        return segment.get(JAVA_INT, offset);
    }

    public static long getLong(MemorySegment segment, long offset) {
        return segment.get(JAVA_LONG, offset);
    }
}
