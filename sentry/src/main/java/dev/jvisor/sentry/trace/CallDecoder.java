package dev.jvisor.sentry.trace;

import dev.jvisor.platform.ErrnoException;
import dev.jvisor.platform.Errno;
import dev.jvisor.platform.Syscall;
import dev.jvisor.platform.SyscallStop;
import dev.jvisor.platform.Sysno;
import dev.jvisor.platform.TraceeMemory;
import dev.jvisor.sentry.abi.SocketAbi.Bit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.jvisor.sentry.abi.MessageHeader.MSGHDR_SIZE;
import static dev.jvisor.sentry.abi.MessageHeader.MMSGHDR_SIZE;
import static dev.jvisor.sentry.abi.MessageHeader.UIO_MAXIOV;
import static dev.jvisor.sentry.abi.SocketAbi.*;

/**
 * Decodes a trapped socket-family call for the record, the way a reader wants to compare two
 * runs: addresses, flags and control messages by meaning, never raw pointers.
 */
public final class CallDecoder {

    // Sizes of the structures read, x86-64 layouts.
    private static final int SOCKADDR_UN_SIZE = 110;        // sizeof(struct sockaddr_un), linux/un.h
    private static final int SOCKADDR_STORAGE_SIZE = 128;   // move_addr_to_kernel's limit, linux/socket.h
    private static final int SUN_PATH_OFFSET = 2;           // offsetof(struct sockaddr_un, sun_path)
    private static final int IOVEC_SIZE = 16;               // struct iovec, linux/uio.h
    private static final int CMSGHDR_SIZE = 16;             // struct cmsghdr, linux/socket.h
    private static final int UCRED_SIZE = 12;               // struct ucred, linux/socket.h

    /** The most control bytes read at once; sock_kmalloc refuses more than optmem_max anyway. */
    private static final int CONTROL_READ_LIMIT = 1 << 17;
    /** The most option bytes decoded; every SOL_SOCKET value fits. */
    private static final int OPTION_READ_LIMIT = 256;
    /** Messages of a sendmmsg/recvmmsg vector summarised. */
    private static final int MMSG_SHOWN = 8;

    /** A /proc fd link naming a kernel object by inode: {@code socket:[123]}, {@code pipe:[45]}. */
    private static final Pattern INODE_LINK = Pattern.compile("(\\w+):\\[\\d+\\]");

    private CallDecoder() {}

    /** True for the socket-family calls, which the decoder knows. */
    public static boolean isSocketCall(int number) {
        return switch (number) {
            case Sysno.SOCKET, Sysno.SOCKETPAIR, Sysno.BIND, Sysno.CONNECT, Sysno.LISTEN, Sysno.SHUTDOWN,
                 Sysno.ACCEPT, Sysno.ACCEPT4, Sysno.GETSOCKNAME, Sysno.GETPEERNAME, Sysno.SETSOCKOPT,
                 Sysno.GETSOCKOPT, Sysno.SENDTO, Sysno.RECVFROM, Sysno.SENDMSG, Sysno.RECVMSG, Sysno.SENDMMSG,
                 Sysno.RECVMMSG -> true;
            default -> false;
        };
    }

    /** The call's arguments as the program passed them, read at the trap. Never throws. */
    public static List<Field> arguments(SyscallStop stop) {
        try {
            Syscall call = stop.call();
            TraceeMemory memory = stop.memory();
            return switch (call.number()) {
                case Sysno.SOCKET, Sysno.SOCKETPAIR -> socketArguments(call);
                case Sysno.BIND, Sysno.CONNECT -> addressArguments(call, memory);
                case Sysno.LISTEN -> listenArguments(call);
                case Sysno.SHUTDOWN -> shutdownArguments(call);
                case Sysno.ACCEPT, Sysno.ACCEPT4 -> acceptArguments(call, memory);
                case Sysno.GETSOCKNAME, Sysno.GETPEERNAME -> nameArguments(call, memory);
                case Sysno.SETSOCKOPT -> setsockoptArguments(call, memory);
                case Sysno.GETSOCKOPT -> getsockoptArguments(call, memory);
                case Sysno.SENDTO -> sendtoArguments(call, memory);
                case Sysno.RECVFROM -> recvfromArguments(call, memory);
                case Sysno.SENDMSG -> sendmsgArguments(call, memory);
                case Sysno.RECVMSG -> recvmsgArguments(call, memory);
                case Sysno.SENDMMSG, Sysno.RECVMMSG -> mmsgArguments(call, memory);
                default -> rawArguments(call);
            };
        } catch (RuntimeException e) {
            return undecodable(stop);
        }
    }

    /** What the call wrote back, read after it returned {@code result} (>= 0). Never throws. */
    public static List<Field> outputs(SyscallStop stop, long result) {
        return outputs(stop, result, List.of());
    }

    /**
     * What the call wrote back, given the {@code arguments} decoded at its trap: they tell how
     * much room the program offered for an address, and the kernel copies no more than that
     * while it stores the full length (net/socket.c, move_addr_to_user). Never throws.
     */
    public static List<Field> outputs(SyscallStop stop, long result, List<Field> arguments) {
        try {
            Syscall call = stop.call();
            TraceeMemory memory = stop.memory();
            return switch (call.number()) {
                case Sysno.SOCKETPAIR -> socketpairOutputs(call, memory);
                case Sysno.ACCEPT, Sysno.ACCEPT4, Sysno.GETSOCKNAME, Sysno.GETPEERNAME ->
                        addressOutputs(call.arg1(), call.arg2(), memory, room(arguments, "addrlen"));
                case Sysno.RECVFROM -> addressOutputs(call.arg4(), call.arg5(), memory, room(arguments, "addrlen"));
                case Sysno.GETSOCKOPT -> getsockoptOutputs(call, memory);
                case Sysno.RECVMSG -> recvmsgOutputs(call, memory, stop.pid(), room(arguments, "namelen"));
                case Sysno.SENDMMSG -> sendmmsgOutputs(call, memory, result);
                case Sysno.RECVMMSG -> recvmmsgOutputs(call, memory, stop.pid(), result, arguments);
                default -> List.of();
            };
        } catch (RuntimeException e) {
            return List.of(new Field("outputs", "?"));
        }
    }

    // ---- one decoder per family ----

    private static List<Field> socketArguments(Syscall call) {
        return new Fields()
                .add("domain", name(FAMILIES, (int) call.arg0()))
                .add("type", socketType((int) call.arg1()))
                .add("protocol", Integer.toString((int) call.arg2()))
                .list();
    }

    private static List<Field> socketpairOutputs(Syscall call, TraceeMemory memory) {
        Fields fields = new Fields();
        int[] sv = load(fields, "sv", () -> ints(memory.read(call.arg3(), 8), 2));
        if (sv != null) fields.add("fd0", Integer.toString(sv[0])).add("fd1", Integer.toString(sv[1]));
        return fields.list();
    }

    private static List<Field> addressArguments(Syscall call, TraceeMemory memory) {
        int addrlen = (int) call.arg2();
        return new Fields()
                .add("fd", fd(call.arg0()))
                .add("addr", () -> address(memory, call.arg1(), addrlen))
                .add("addrlen", Integer.toString(addrlen))
                .list();
    }

    private static List<Field> listenArguments(Syscall call) {
        return new Fields()
                .add("fd", fd(call.arg0()))
                .add("backlog", Integer.toString((int) call.arg1()))
                .list();
    }

    private static List<Field> shutdownArguments(Syscall call) {
        return new Fields()
                .add("fd", fd(call.arg0()))
                .add("how", name(SHUTDOWN_HOW, (int) call.arg1()))
                .list();
    }

    private static List<Field> acceptArguments(Syscall call, TraceeMemory memory) {
        Fields fields = new Fields().add("fd", fd(call.arg0()));
        if (call.number() == Sysno.ACCEPT4) fields.add("flags", flags((int) call.arg3(), SOCK_FLAGS));
        return addressBuffer(fields, call.arg1(), call.arg2(), memory).list();
    }

    private static List<Field> nameArguments(Syscall call, TraceeMemory memory) {
        Fields fields = new Fields().add("fd", fd(call.arg0()));
        return addressBuffer(fields, call.arg1(), call.arg2(), memory).list();
    }

    /** An address buffer to be filled: NULL, or the room the program offers in *addrlen. */
    private static Fields addressBuffer(Fields fields, long addr, long addrlenPointer, TraceeMemory memory) {
        if (addr == 0) return fields.add("addr", "NULL");
        return fields.add("addrlen", () -> addrlenPointer == 0 ? "NULL" : Integer.toString(memory.readInt(addrlenPointer)));
    }

    /**
     * The address the kernel wrote, no more than the room the program offered, and the full
     * length it stored in *addrlen, which may exceed the room.
     */
    private static List<Field> addressOutputs(long addr, long addrlenPointer, TraceeMemory memory, int room) {
        if (addr == 0 || addrlenPointer == 0) return List.of();
        Fields fields = new Fields();
        Integer length = load(fields, "addrlen", () -> memory.readInt(addrlenPointer));
        if (length != null) {
            fields.add("addr", () -> address(memory, addr, Math.min(length, room)))
                    .add("addrlen", Integer.toString(length));
        }
        return fields.list();
    }

    private static final Pattern NAME_ROOM = Pattern.compile("namelen=(\\d+)");

    /** The name room message {@code index} of a recvmmsg offered, from its trap's arguments. */
    private static int messageRoom(List<Field> arguments, int index) {
        for (Field field : arguments) {
            if (field.name().equals("msg[" + index + "]")) {
                java.util.regex.Matcher room = NAME_ROOM.matcher(field.value());
                return room.find() ? Integer.parseInt(room.group(1)) : Integer.MAX_VALUE;
            }
        }
        return Integer.MAX_VALUE;
    }

    /** The room named {@code name} among the trap's arguments; unbounded when unknown. */
    private static int room(List<Field> arguments, String name) {
        for (Field field : arguments) {
            if (field.name().equals(name)) {
                try {
                    return Math.max(0, Integer.parseInt(field.value()));
                } catch (NumberFormatException e) {
                    return Integer.MAX_VALUE;
                }
            }
        }
        return Integer.MAX_VALUE;
    }

    private static List<Field> setsockoptArguments(Syscall call, TraceeMemory memory) {
        int level = (int) call.arg1();
        int optname = (int) call.arg2();
        long optval = call.arg3();
        int optlen = (int) call.arg4();
        Fields fields = new Fields()
                .add("fd", fd(call.arg0()))
                .add("level", name(LEVELS, level))
                .add("optname", optionName(level, optname))
                .add("optlen", Integer.toString(optlen));
        if (optval == 0) return fields.add("optval", "NULL").list();
        if (optlen < 0) return fields.list();
        return fields.add("optval", () -> optionValue(level, optname, memory, optval, optlen)).list();
    }

    private static List<Field> getsockoptArguments(Syscall call, TraceeMemory memory) {
        int level = (int) call.arg1();
        long optlenPointer = call.arg4();
        Fields fields = new Fields()
                .add("fd", fd(call.arg0()))
                .add("level", name(LEVELS, level))
                .add("optname", optionName(level, (int) call.arg2()))
                .add("optlen", () -> optlenPointer == 0 ? "NULL" : Integer.toString(memory.readInt(optlenPointer)));
        if (call.arg3() == 0) fields.add("optval", "NULL");
        return fields.list();
    }

    private static List<Field> getsockoptOutputs(Syscall call, TraceeMemory memory) {
        int level = (int) call.arg1();
        int optname = (int) call.arg2();
        long optval = call.arg3();
        if (call.arg4() == 0) return List.of();
        Fields fields = new Fields();
        Integer optlen = load(fields, "optlen", () -> memory.readInt(call.arg4()));
        if (optlen == null) return fields.list();
        fields.add("optlen", Integer.toString(optlen));
        if (optval != 0 && optlen >= 0) fields.add("optval", () -> optionValue(level, optname, memory, optval, optlen));
        return fields.list();
    }

    private static List<Field> sendtoArguments(Syscall call, TraceeMemory memory) {
        Fields fields = new Fields()
                .add("fd", fd(call.arg0()))
                .add("len", Long.toUnsignedString(call.arg2()))
                .add("flags", flags((int) call.arg3(), MSG_FLAGS));
        // sendto ignores addrlen when there is no address (net/socket.c, __sys_sendto).
        if (call.arg4() == 0) return fields.add("addr", "NULL").list();
        int addrlen = (int) call.arg5();
        return fields.add("addr", () -> address(memory, call.arg4(), addrlen))
                .add("addrlen", Integer.toString(addrlen))
                .list();
    }

    private static List<Field> recvfromArguments(Syscall call, TraceeMemory memory) {
        Fields fields = new Fields()
                .add("fd", fd(call.arg0()))
                .add("len", Long.toUnsignedString(call.arg2()))
                .add("flags", flags((int) call.arg3(), MSG_FLAGS));
        return addressBuffer(fields, call.arg4(), call.arg5(), memory).list();
    }

    private static List<Field> sendmsgArguments(Syscall call, TraceeMemory memory) {
        Fields fields = new Fields().add("fd", fd(call.arg0())).add("flags", flags((int) call.arg2(), MSG_FLAGS));
        MsgHdr header = load(fields, "msg", () -> MsgHdr.read(memory, call.arg1()));
        if (header != null) fields.addAll(sentMessage(header, memory));
        return fields.list();
    }

    private static List<Field> recvmsgArguments(Syscall call, TraceeMemory memory) {
        Fields fields = new Fields().add("fd", fd(call.arg0())).add("flags", flags((int) call.arg2(), MSG_FLAGS));
        MsgHdr header = load(fields, "msg", () -> MsgHdr.read(memory, call.arg1()));
        if (header != null) fields.addAll(receiveBuffers(header, memory));
        return fields.list();
    }

    private static List<Field> recvmsgOutputs(Syscall call, TraceeMemory memory, int pid, int room) {
        Fields fields = new Fields();
        MsgHdr header = load(fields, "msg", () -> MsgHdr.read(memory, call.arg1()));
        if (header != null) fields.addAll(receivedMessage(header, memory, pid, room));
        return fields.list();
    }

    private static List<Field> mmsgArguments(Syscall call, TraceeMemory memory) {
        boolean sending = call.number() == Sysno.SENDMMSG;
        long vlen = call.arg2() & 0xffffffffL;
        Fields fields = new Fields()
                .add("fd", fd(call.arg0()))
                .add("vlen", Long.toString(vlen))
                .add("flags", flags((int) call.arg3(), MSG_FLAGS));
        if (!sending) fields.add("timeout", () -> call.arg4() == 0 ? "NULL" : timespec(memory, call.arg4()));
        int shown = (int) Math.min(vlen, MMSG_SHOWN);
        for (int i = 0; i < shown; i++) {
            long entry = call.arg1() + (long) i * MMSGHDR_SIZE;
            fields.add("msg[" + i + "]", () -> {
                MsgHdr header = MsgHdr.read(memory, entry);
                return braces(sending ? sentMessage(header, memory) : receiveBuffers(header, memory));
            });
        }
        if (vlen > shown) fields.add("more", (vlen - shown) + " not shown");
        return fields.list();
    }

    /** sendmmsg stores each sent message's byte count in its msg_len. */
    private static List<Field> sendmmsgOutputs(Syscall call, TraceeMemory memory, long result) {
        Fields fields = new Fields();
        int shown = (int) Math.min(result, MMSG_SHOWN);
        for (int i = 0; i < shown; i++) {
            long entry = call.arg1() + (long) i * MMSGHDR_SIZE;
            fields.add("msg[" + i + "]", () -> "{len=" + mmsgLength(memory, entry) + "}");
        }
        if (result > shown) fields.add("more", (result - shown) + " not shown");
        return fields.list();
    }

    private static List<Field> recvmmsgOutputs(Syscall call, TraceeMemory memory, int pid, long result,
                                               List<Field> arguments) {
        Fields fields = new Fields();
        int shown = (int) Math.min(result, MMSG_SHOWN);
        for (int i = 0; i < shown; i++) {
            long entry = call.arg1() + (long) i * MMSGHDR_SIZE;
            int index = i;
            fields.add("msg[" + i + "]", () -> {
                List<Field> parts = new ArrayList<>();
                parts.add(new Field("len", mmsgLength(memory, entry)));
                parts.addAll(receivedMessage(MsgHdr.read(memory, entry), memory, pid, messageRoom(arguments, index)));
                return braces(parts);
            });
        }
        if (result > shown) fields.add("more", (result - shown) + " not shown");
        return fields.list();
    }

    private static List<Field> rawArguments(Syscall call) {
        Fields fields = new Fields();
        for (int i = 0; i < 6; i++) fields.add("arg" + i, "0x" + Long.toHexString(call.arg(i)));
        return fields.list();
    }

    private static List<Field> undecodable(SyscallStop stop) {
        try {
            return rawArguments(stop.call());
        } catch (RuntimeException e) {
            return List.of(new Field("arguments", "?"));
        }
    }

    // ---- messages ----

    /** struct user_msghdr as x86-64 lays it out (linux/socket.h). */
    private record MsgHdr(long name, int namelen, long iov, long iovlen, long control, long controllen, int flags) {
        static MsgHdr read(TraceeMemory memory, long address) {
            if (address == 0) throw new ErrnoException(Errno.EFAULT, "msghdr");
            ByteBuffer b = little(memory.read(address, MSGHDR_SIZE));
            return new MsgHdr(b.getLong(0), b.getInt(8), b.getLong(16), b.getLong(24), b.getLong(32),
                    b.getLong(40), b.getInt(48));
        }
    }

    /** What a sendmsg sends: destination, data size and control messages. */
    private static List<Field> sentMessage(MsgHdr header, TraceeMemory memory) {
        Fields fields = new Fields();
        if (header.name() == 0) {
            fields.add("name", "NULL");
        } else {
            fields.add("name", () -> address(memory, header.name(), messageNameLength(header.namelen())))
                    .add("namelen", Integer.toString(header.namelen()));
        }
        fields.add("iovlen", Long.toUnsignedString(header.iovlen()))
                .add("len", () -> iovTotal(memory, header));
        if (header.controllen() != 0) {
            fields.add("controllen", Long.toUnsignedString(header.controllen()))
                    .add("control", () -> controlMessages(memory, header, -1));
        }
        return fields.list();
    }

    /** The room a recvmsg offers: name buffer, data buffers and control buffer sizes. */
    private static List<Field> receiveBuffers(MsgHdr header, TraceeMemory memory) {
        Fields fields = new Fields();
        if (header.name() == 0) fields.add("name", "NULL");
        else fields.add("namelen", Integer.toString(header.namelen()));
        fields.add("iovlen", Long.toUnsignedString(header.iovlen()))
                .add("len", () -> iovTotal(memory, header));
        if (header.controllen() != 0) fields.add("controllen", Long.toUnsignedString(header.controllen()));
        return fields.list();
    }

    /** What recvmsg wrote into the msghdr: flags, source address, and the control data it used. */
    /** A received message; {@code room} is the msg_namelen the program offered, when known. */
    private static List<Field> receivedMessage(MsgHdr header, TraceeMemory memory, int pid, int room) {
        Fields fields = new Fields().add("flags", flags(header.flags(), MSG_FLAGS));
        if (header.name() != 0) {
            fields.add("name", () -> address(memory, header.name(),
                            Math.min(room, messageNameLength(header.namelen()))))
                    .add("namelen", Integer.toString(header.namelen()));
        }
        if (header.controllen() != 0) {
            fields.add("controllen", Long.toUnsignedString(header.controllen()))
                    .add("control", () -> controlMessages(memory, header, pid));
        }
        return fields.list();
    }

    /** copy_msghdr_from_user clamps a longer msg_namelen to sizeof(struct sockaddr_storage). */
    private static int messageNameLength(int namelen) {
        return Math.min(namelen, SOCKADDR_STORAGE_SIZE);
    }

    private static String iovTotal(TraceeMemory memory, MsgHdr header) {
        long count = header.iovlen();
        if (count == 0) return "0";
        if (Long.compareUnsigned(count, UIO_MAXIOV) > 0) return "not read (iovlen over UIO_MAXIOV)";
        ByteBuffer iovecs = little(memory.read(header.iov(), (int) count * IOVEC_SIZE));
        long total = 0;
        for (int i = 0; i < count; i++) total += iovecs.getLong(i * IOVEC_SIZE + 8);
        return Long.toUnsignedString(total);
    }

    private static String mmsgLength(TraceeMemory memory, long entry) {
        return Integer.toUnsignedString(memory.readInt(entry + MSGHDR_SIZE));
    }

    /**
     * The control messages walked as the kernel walks them (linux/socket.h CMSG_FIRSTHDR and
     * __cmsg_nxthdr; CMSG_OK in net/core/scm.c): a header must fit whole in what is left, the
     * next one starts at the 8-aligned end of this one, and a cmsg_len below the header size
     * or past the end stops the walk (sendmsg fails it with EINVAL). Received descriptors are
     * described by kind when {@code pid} is a process to look them up in, else counted.
     */
    private static String controlMessages(TraceeMemory memory, MsgHdr header, int pid) {
        long controllen = header.controllen();
        if (Long.compareUnsigned(controllen, CONTROL_READ_LIMIT) > 0) return "not read (controllen over limit)";
        int size = (int) controllen;
        if (size < CMSGHDR_SIZE) return "none";
        ByteBuffer control = little(memory.read(header.control(), size));
        StringJoiner messages = new StringJoiner("; ");
        int offset = 0;
        while (offset + CMSGHDR_SIZE <= size) {
            long length = control.getLong(offset);
            int level = control.getInt(offset + 8);
            int type = control.getInt(offset + 12);
            if (length < CMSGHDR_SIZE || length > size - offset) {
                messages.add("truncated level=" + name(LEVELS, level) + " type=" + controlType(level, type)
                        + " cmsg_len=" + Long.toUnsignedString(length));
                break;
            }
            byte[] data = new byte[(int) length - CMSGHDR_SIZE];
            control.get(offset + CMSGHDR_SIZE, data);
            messages.add(controlMessage(level, type, (int) length, data, pid));
            offset += align8((int) length);
        }
        String text = messages.toString();
        return text.isEmpty() ? "none" : text;
    }

    private static String controlMessage(int level, int type, int length, byte[] data, int pid) {
        if (level == SOL_SOCKET && type == SCM_RIGHTS) {
            int[] fds = ints(data, data.length / 4);
            if (pid < 0) return "SCM_RIGHTS fds=" + fds.length;
            StringJoiner kinds = new StringJoiner(", ", "[", "]");
            for (int fd : fds) kinds.add(descriptorKind(pid, fd));
            return "SCM_RIGHTS fds=" + fds.length + " " + kinds;
        }
        // __scm_send accepts SCM_CREDENTIALS only at exactly CMSG_LEN(sizeof(struct ucred)).
        if (level == SOL_SOCKET && type == SCM_CREDENTIALS && data.length == UCRED_SIZE) {
            return "SCM_CREDENTIALS " + credentials(little(data));
        }
        return "level=" + name(LEVELS, level) + " type=" + controlType(level, type) + " len=" + length;
    }

    private static String controlType(int level, int type) {
        return level == SOL_SOCKET ? name(CONTROL_TYPES, type) : Integer.toString(type);
    }

    /** struct ucred: pid, then unsigned uid and gid (linux/socket.h). */
    private static String credentials(ByteBuffer ucred) {
        return "pid=" + ucred.getInt(0) + " uid=" + Integer.toUnsignedString(ucred.getInt(4))
                + " gid=" + Integer.toUnsignedString(ucred.getInt(8));
    }

    private static String descriptorKind(int pid, int fd) {
        try {
            Path link = Path.of("/proc", Integer.toString(pid), "fd", Integer.toString(fd));
            return descriptorKind(Files.readSymbolicLink(link).toString());
        } catch (NoSuchFileException e) {
            return "closed";
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    /**
     * A descriptor's kind from its /proc/PID/fd link (proc(5)): the object type of an inode
     * link ("socket", "pipe"), "file" for a path, anonymous inodes as the kernel names them.
     */
    static String descriptorKind(String link) {
        if (link.startsWith("/")) return "file";
        if (link.startsWith("anon_inode:")) return link;
        Matcher inode = INODE_LINK.matcher(link);
        if (inode.matches()) return inode.group(1);
        int colon = link.indexOf(':');
        return colon > 0 ? link.substring(0, colon) : link;
    }

    // ---- addresses ----

    /**
     * A socket address of {@code length} bytes at {@code pointer}. AF_UNIX names follow
     * unix(7): an address of just the family is unnamed, a leading NUL makes the rest (all of
     * it, NULs included) an abstract name, otherwise the path ends at the first NUL.
     */
    private static String address(TraceeMemory memory, long pointer, int length) {
        if (pointer == 0) return "NULL";
        // move_addr_to_kernel rejects these lengths before reading anything.
        if (length < 0 || length > SOCKADDR_STORAGE_SIZE) return "length " + length;
        if (length == 0) return "none";
        byte[] bytes = memory.read(pointer, Math.min(length, SOCKADDR_UN_SIZE));
        if (bytes.length < SUN_PATH_OFFSET) return "short";
        int family = Short.toUnsignedInt(little(bytes).getShort(0));
        if (family != AF_UNIX) return name(FAMILIES, family);
        if (bytes.length == SUN_PATH_OFFSET) return "unnamed";
        if (bytes[SUN_PATH_OFFSET] == 0) {
            return "abstract \"@" + escape(bytes, SUN_PATH_OFFSET + 1, bytes.length) + "\"";
        }
        int end = SUN_PATH_OFFSET;
        while (end < bytes.length && bytes[end] != 0) end++;
        return "path \"" + escape(bytes, SUN_PATH_OFFSET, end) + "\"";
    }

    private static String escape(byte[] bytes, int from, int to) {
        StringBuilder text = new StringBuilder();
        for (int i = from; i < to; i++) {
            int c = bytes[i] & 0xff;
            if (c == '"' || c == '\\') text.append('\\').append((char) c);
            else if (c >= 0x20 && c < 0x7f) text.append((char) c);
            else text.append(String.format("\\x%02x", c));
        }
        return text.toString();
    }

    // ---- socket options ----

    private static String optionName(int level, int optname) {
        return level == SOL_SOCKET ? name(SOCKET_OPTIONS, optname) : Integer.toString(optname);
    }

    /** An option value of {@code length} bytes, by what the option holds (socket(7)). */
    private static String optionValue(int level, int optname, TraceeMemory memory, long optval, int length) {
        if (length == 0) return "0 bytes";
        if (length > OPTION_READ_LIMIT) return length + " bytes";
        ByteBuffer value = little(memory.read(optval, length));
        if (level == SOL_SOCKET) {
            switch (optname) {
                case SO_PEERCRED -> {
                    if (length >= UCRED_SIZE) return credentials(value);
                    // A short struct ucred still starts with the pid: name it, so that a
                    // comparison of two runs can map it to the process.
                    if (length >= 4) return "pid=" + value.getInt(0) + " (" + length + " bytes)";
                }
                case SO_PEERSEC -> {
                    byte[] label = value.array();
                    int end = label.length;
                    while (end > 0 && label[end - 1] == 0) end--;
                    return "\"" + escape(label, 0, end) + "\"";
                }
                case SO_LINGER -> {
                    if (length >= 8) return "onoff=" + value.getInt(0) + " linger=" + value.getInt(4);
                }
                case SO_RCVTIMEO_OLD, SO_SNDTIMEO_OLD, SO_RCVTIMEO_NEW, SO_SNDTIMEO_NEW -> {
                    if (length >= 16) return "sec=" + value.getLong(0) + " usec=" + value.getLong(8);
                }
                case SO_TYPE -> {
                    if (length == 4) return socketType(value.getInt(0));
                }
                case SO_DOMAIN -> {
                    if (length == 4) return name(FAMILIES, value.getInt(0));
                }
                case SO_ERROR -> {
                    if (length == 4) return errnoName(value.getInt(0));
                }
                default -> {
                    // Plain integers and opaque structures: below.
                }
            }
        }
        if (length == 4) return Integer.toString(value.getInt(0));
        return length + " bytes";
    }

    private static String errnoName(int number) {
        if (number == 0) return "0";
        try {
            return Errno.of(number).name();
        } catch (IllegalArgumentException e) {
            return Integer.toString(number);
        }
    }

    // ---- small pieces ----

    /** A socket type with the SOCK_NONBLOCK/SOCK_CLOEXEC flags socket(2) accepts in it. */
    private static String socketType(int type) {
        String base = name(TYPES, type & SOCK_TYPE_MASK);
        int rest = type & ~SOCK_TYPE_MASK;
        return rest == 0 ? base : base + "|" + flags(rest, SOCK_FLAGS);
    }

    private static String timespec(TraceeMemory memory, long pointer) {
        ByteBuffer time = little(memory.read(pointer, 16));
        return "sec=" + time.getLong(0) + " nsec=" + time.getLong(8);
    }

    private static String fd(long register) {
        return Integer.toString((int) register);
    }

    private static int align8(int length) {
        return (length + 7) & ~7;
    }

    private static ByteBuffer little(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static int[] ints(byte[] bytes, int count) {
        ByteBuffer buffer = little(bytes);
        int[] values = new int[count];
        for (int i = 0; i < count; i++) values[i] = buffer.getInt(i * 4);
        return values;
    }

    private static String braces(List<Field> fields) {
        StringJoiner text = new StringJoiner(", ", "{", "}");
        for (Field field : fields) text.add(field.toString());
        return text.toString();
    }

    /** A failed read shown in place of its value: the errno's name (EFAULT), or "?" for anything else. */
    private static String failure(RuntimeException e) {
        if (e instanceof ErrnoException errno && errno.errno() != null) return errno.errno().name();
        return "?";
    }

    /** Reads a value the following fields depend on; on failure records it under {@code name} and gives null. */
    private static <T> T load(Fields fields, String name, Supplier<T> read) {
        try {
            return read.get();
        } catch (RuntimeException e) {
            fields.add(name, failure(e));
            return null;
        }
    }

    /** Fields in order; a value that fails to decode is shown as its failure, never thrown. */
    private static final class Fields {
        private final List<Field> list = new ArrayList<>();

        Fields add(String name, String value) {
            list.add(new Field(name, value));
            return this;
        }

        Fields add(String name, Supplier<String> value) {
            String text;
            try {
                text = value.get();
            } catch (RuntimeException e) {
                text = failure(e);
            }
            return add(name, text);
        }

        Fields addAll(List<Field> fields) {
            list.addAll(fields);
            return this;
        }

        List<Field> list() {
            return List.copyOf(list);
        }
    }
}
