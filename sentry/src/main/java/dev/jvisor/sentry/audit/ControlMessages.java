package dev.jvisor.sentry.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.TraceeMemory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static dev.jvisor.sentry.abi.MessageHeader.MSGHDR_CONTROL;
import static dev.jvisor.sentry.abi.MessageHeader.MSGHDR_CONTROLLEN;
import static dev.jvisor.sentry.abi.MessageHeader.MSGHDR_SIZE;

/**
 * The descriptors and credentials in a msghdr's control messages, walked as the kernel walks
 * them (linux/socket.h CMSG_FIRSTHDR and __cmsg_nxthdr): a header must fit whole in what is
 * left, the next starts at the 8-aligned end of this one, a cmsg_len below the header size
 * or past the end stops the walk.
 *
 * @param descriptors the SCM_RIGHTS descriptor numbers, in order
 * @param credentials the SCM_CREDENTIALS, or null
 */
record ControlMessages(List<Integer> descriptors, Credentials credentials) {
    private static final int CMSGHDR_SIZE = 16;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int SCM_CREDENTIALS = 2;
    private static final int UCRED_SIZE = 12;
    /** More control than the kernel takes (net.core.optmem_max is 20 KiB by default) is not read. */
    private static final int READ_LIMIT = 1 << 16;

    static final ControlMessages NONE = new ControlMessages(List.of(), null);

    /** struct ucred: pid, then unsigned uid and gid. */
    record Credentials(int pid, long uid, long gid) {
        ObjectNode into(ObjectNode fields) {
            return fields.put("cred_pid", pid).put("cred_uid", uid).put("cred_gid", gid);
        }
    }

    boolean isEmpty() {
        return descriptors.isEmpty() && credentials == null;
    }

    /** The control messages of the msghdr at {@code msghdr}; none when it cannot be read. */
    static ControlMessages of(TraceeMemory memory, long msghdr) {
        try {
            ByteBuffer header = little(memory.read(msghdr, MSGHDR_SIZE));
            long control = header.getLong(MSGHDR_CONTROL);
            long length = header.getLong(MSGHDR_CONTROLLEN);
            if (control == 0 || length < CMSGHDR_SIZE || length > READ_LIMIT) return NONE;
            return parse(little(memory.read(control, (int) length)));
        } catch (ErrnoException e) {
            return NONE;
        }
    }

    private static ControlMessages parse(ByteBuffer control) {
        int size = control.capacity();
        List<Integer> descriptors = new ArrayList<>();
        Credentials credentials = null;
        int offset = 0;
        while (offset + CMSGHDR_SIZE <= size) {
            long length = control.getLong(offset);
            int level = control.getInt(offset + 8);
            int type = control.getInt(offset + 12);
            if (length < CMSGHDR_SIZE || length > size - offset) break;
            int data = offset + CMSGHDR_SIZE;
            int dataLength = (int) length - CMSGHDR_SIZE;
            if (level == SOL_SOCKET && type == SCM_RIGHTS) {
                for (int at = 0; at + 4 <= dataLength; at += 4) descriptors.add(control.getInt(data + at));
            }
            if (level == SOL_SOCKET && type == SCM_CREDENTIALS && dataLength == UCRED_SIZE) {
                credentials = new Credentials(control.getInt(data), Integer.toUnsignedLong(control.getInt(data + 4)),
                        Integer.toUnsignedLong(control.getInt(data + 8)));
            }
            offset += (int) ((length + 7) & ~7L);
        }
        return new ControlMessages(List.copyOf(descriptors), credentials);
    }

    private static ByteBuffer little(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
