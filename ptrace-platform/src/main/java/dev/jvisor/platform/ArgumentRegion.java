package dev.jvisor.platform;

import dev.jvisor.platform.linux.FileStatus;
import dev.jvisor.platform.linux.Libc;
import dev.jvisor.platform.linux.SharedMemory;
import dev.jvisor.platform.linux.Socket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Memory that every tracee can read and none can write, for the arguments the kernel must
 * read as the sentry wrote them: a rewritten call's address (the hidden name a connect
 * reaches), a msghdr copy, a path to check, a filter to install. Memory of the program's
 * own (its stack below the red zone) is writable by its other threads, by CLONE_VM
 * children and through MAP_SHARED mappings while the kernel reads it, so a hostile program
 * could race an address there and reach another socket (DESIGN.md, rule 9).
 *
 * <p>The region is one memfd for the whole sandbox, sealed before any tracee holds it
 * (F_SEAL_FUTURE_WRITE: no new writable mapping, no write(2); memfd_create(2)), and mapped
 * in jvisor writable. Each process image maps it read-only and shared at {@link #ADDRESS}
 * and seals that mapping with mseal(2) (no munmap, mremap, MAP_FIXED over it, or mprotect).
 * A shared read-only mapping cannot be written through /proc/PID/mem either: FOLL_FORCE
 * writes only copy-on-write mappings (mm/gup.c, check_vma_flags). Forks inherit the
 * mapping (the same memfd); an exec needs it made again.
 *
 * <p>Each thread has a slot of {@link #SLOT_SIZE} bytes, reused after the thread is gone:
 * what the sentry writes there is read by the kernel in the thread's next call, and a thread
 * makes one call at a time.
 *
 * <p>Owned by the tracer thread.
 */
final class ArgumentRegion {
    private static final Logger log = LoggerFactory.getLogger(ArgumentRegion.class);

    /**
     * Far from where the kernel places mappings (top-down below the stack) and from where
     * executables load (PIE at 0x55..., non-PIE below 4 GiB): only a program that asks for
     * this very address can meet it.
     */
    static final long ADDRESS = 0x2000_0000_0000L;
    static final int SLOT_SIZE = 4096;
    private static final int SLOTS = 16384;
    static final long SIZE = (long) SLOT_SIZE * SLOTS;

    /** What a process image has at {@link #ADDRESS}. */
    enum State {
        /** Not made yet (a new image). */
        ABSENT,
        /** The region, read-only and sealed. */
        SEALED,
        /** The region, read-only, but this kernel has no mseal(2): the program could unmap it. */
        UNSEALED,
        /** Something else: the program mapped there first. The region cannot be had. */
        FOREIGN
    }

    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final int MAP_SHARED = 0x1;
    private static final int MAP_FIXED_NOREPLACE = 0x100000;
    private static final int PROT_READ = 0x1;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int MSGHDR_SIZE = 56;
    private static final int CMSG_SPACE_INT = 24;

    private final Map<Integer, State> processes = new HashMap<>();
    /**
     * Descriptors a thread's setup left in its process when a signal cut it short, closed by
     * that thread's next setup; by thread, since two threads of a process can set up at once.
     */
    private final Map<Integer, List<Integer>> leftovers = new HashMap<>();
    private final Map<Integer, Integer> slots = new HashMap<>();
    private final ArrayDeque<Integer> freeSlots = new ArrayDeque<>();
    private int nextSlot;
    private int memfd = -1;
    private long memfdInode;
    private MemorySegment mapping;
    private boolean warnedUnsealed;

    /**
     * Makes the memfd and jvisor's mapping now, at the sandbox's start, rather than at the
     * first call that needs them: jvisor's own descriptors then stay as they are while the
     * sandbox runs.
     */
    void create() {
        memfd();
    }

    State state(int pid) {
        return processes.getOrDefault(pid, State.ABSENT);
    }

    /** Whether a slot can be written for a thread of {@code pid}. */
    boolean usable(int pid) {
        State state = state(pid);
        return state == State.SEALED || state == State.UNSEALED;
    }

    /**
     * A new process shares or copies its parent's mapping, and with it the state; unless the
     * child has a state of its own already. The tracer may see a child's own stops before its
     * parent's fork event (waitpid reports tracees in any order): a child that exec'd by then
     * has a new image without the region, one that set the region up has it.
     */
    void onClone(int parentPid, int childPid) {
        if (childPid != parentPid) processes.putIfAbsent(childPid, state(parentPid));
    }

    /** execve(2) made a new address space: ABSENT, recorded, so that a late fork event keeps it. */
    void onExec(int pid) {
        processes.put(pid, State.ABSENT);
        // The setup's descriptors are close-on-exec; the thread that exec'd now has the pid.
        leftovers.remove(pid);
    }

    void onThreadGone(int tid) {
        Integer slot = slots.remove(tid);
        if (slot != null) freeSlots.push(slot);
        processes.remove(tid);
        leftovers.remove(tid);
    }

    /** The address of thread {@code tid}'s slot in every tracee. */
    long slot(int tid) {
        Integer slot = slots.get(tid);
        if (slot == null) {
            if (!freeSlots.isEmpty()) slot = freeSlots.pop();
            else if (nextSlot < SLOTS) slot = nextSlot++;
            else throw new ErrnoException(Errno.EAGAIN, "no argument slot left for thread " + tid);
            slots.put(tid, slot);
        }
        return ADDRESS + (long) slot * SLOT_SIZE;
    }



    /**
     * Writes through jvisor's own mapping: the tracees see it at once. Only for what the
     * sentry placed ({@link TrappedCall#writeSealed}); a program's output buffer that it
     * pointed into the region is written with process_vm_writev like any other, which fails
     * there (EFAULT) as the kernel's own copy to a read-only page does: written here, it
     * could change what the kernel is about to read for another thread, or for this one.
     */
    void write(long address, byte[] data) {
        MemorySegment.copy(data, 0, mapping(), ValueLayout.JAVA_BYTE, address - ADDRESS, data.length);
    }

    /**
     * Maps the region in {@code stop}'s process, then answers the call with {@code then}.
     * In the program's context: a socket pair, over which jvisor sends the sealed memfd; the
     * receive; mmap at {@link #ADDRESS}; mseal; and closes. Another thread of the program can
     * interfere (steal the message, swap a descriptor, map first), but never obtain a
     * writable mapping, since the memfd is sealed before the program can reach it; and what
     * ends up at the address is checked after the seal, when nothing can change it any more.
     * A failed setup leaves the state ABSENT, and the handler's calls that need the region
     * fail (with the errno of the step that failed, EMFILE for one).
     */
    Action prepare(TrappedCall stop, Supplier<Action> then) {
        int tid = stop.tid();
        List<Integer> left = leftovers.get(tid);
        if (left != null && !left.isEmpty()) return closing(stop, left, () -> prepare(stop, then));
        List<Integer> opened = new ArrayList<>();
        leftovers.put(tid, opened);
        long pair = stop.scratch(8);
        return Action.inject(Syscall.of(Sysno.SOCKETPAIR, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), made -> {
            if (!made.succeeded()) return failed(stop, opened, made.errnoOrEintr(), then);
            ByteBuffer ends = wrap(stop.memory().read(pair, 8));
            int receiver = ends.getInt(0);
            int sender = ends.getInt(4);
            opened.add(receiver);
            opened.add(sender);
            int copy = stop.copyDescriptor(sender);
            try {
                Socket.sendDescriptor(copy, memfd());
            } finally {
                Libc.close(copy);
            }
            return receive(stop, receiver, opened, then);
        });
    }

    private Action receive(TrappedCall stop, int receiver, List<Integer> opened, Supplier<Action> then) {
        long header = stop.scratch(MSGHDR_SIZE + 16 + 8 + CMSG_SPACE_INT);
        long iovec = header + MSGHDR_SIZE;
        long data = iovec + 16;
        long control = data + 8;
        ByteBuffer message = ByteBuffer.allocate(MSGHDR_SIZE + 16).order(ByteOrder.LITTLE_ENDIAN);
        message.putLong(16, iovec).putLong(24, 1).putLong(32, control).putLong(40, CMSG_SPACE_INT);
        message.putLong(MSGHDR_SIZE, data).putLong(MSGHDR_SIZE + 8, 1);
        stop.memory().write(header, message.array());
        return Action.inject(Syscall.of(Sysno.RECVMSG, receiver, header, MSG_DONTWAIT | MSG_CMSG_CLOEXEC), got -> {
            if (!got.succeeded()) return failed(stop, opened, got.errnoOrEintr(), then);
            ByteBuffer cmsg = wrap(stop.memory().read(control, CMSG_SPACE_INT));
            if (got.raw() != 1 || cmsg.getLong(0) != 20 || cmsg.getInt(8) != SOL_SOCKET || cmsg.getInt(12) != SCM_RIGHTS) {
                // Another thread took the message first: the program's own doing.
                return failed(stop, opened, Errno.EAGAIN, then);
            }
            int region = cmsg.getInt(16);
            opened.add(region);
            Syscall map = Syscall.of(Sysno.MMAP, ADDRESS, SIZE, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE, region, 0);
            return Action.inject(map, mapped -> {
                // EEXIST: something is there already, the region (another thread's setup) or
                // not; the seal and the check below tell.
                if (!mapped.succeeded() && mapped.errnoOrEintr() != Errno.EEXIST) {
                    return failed(stop, opened, mapped.errnoOrEintr(), then);
                }
                return Action.inject(Syscall.of(Sysno.MSEAL, ADDRESS, SIZE, 0), sealed -> {
                    boolean ours = mapsRegion(stop.pid());
                    State state;
                    if (!ours) state = State.FOREIGN;
                    else if (sealed.failed() && sealed.errno() == Errno.ENOSYS) state = State.UNSEALED;
                    else state = sealed.failed() ? State.FOREIGN : State.SEALED;
                    if (state == State.UNSEALED && !warnedUnsealed) {
                        warnedUnsealed = true;
                        log.warn("this kernel has no mseal(2): a program could unmap the region of arguments "
                                + "jvisor gives the kernel, and race them");
                    }
                    if (state == State.FOREIGN) {
                        log.warn("{}: the program has a mapping of its own at {}; its AF_UNIX calls that need "
                                + "jvisor's arguments fail with EFAULT", stop, Long.toHexString(ADDRESS));
                    }
                    processes.put(stop.pid(), state);
                    return closing(stop, opened, then);
                });
            });
        });
    }

    private Action failed(TrappedCall stop, List<Integer> opened, Errno errno, Supplier<Action> then) {
        log.debug("{}: the argument region could not be mapped: {}", stop, errno);
        stop.regionFailure(errno);
        return closing(stop, opened, then);
    }

    /** Closes the setup's descriptors in the program, last opened first, then answers with {@code then}. */
    private Action closing(TrappedCall stop, List<Integer> opened, Supplier<Action> then) {
        if (opened.isEmpty()) {
            leftovers.remove(stop.tid());
            return then.get();
        }
        int fd = opened.getLast();
        return Action.inject(Syscall.of(Sysno.CLOSE, fd), closed -> {
            opened.removeLast();
            return closing(stop, opened, then);
        });
    }

    /**
     * Whether {@code pid}'s mapping at {@link #ADDRESS} is exactly the region: one shared,
     * read-only mapping of the memfd, of its whole size (proc(5), /proc/PID/maps).
     */
    private boolean mapsRegion(int pid) {
        String start = Long.toHexString(ADDRESS) + "-" + Long.toHexString(ADDRESS + SIZE) + " ";
        // The lines are in address order: reading stops at the region's line, or at the first
        // mapping above it, so that a large process's table is not generated whole.
        try (var lines = Files.newBufferedReader(Path.of("/proc", Integer.toString(pid), "maps"),
                StandardCharsets.ISO_8859_1)) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (!line.startsWith(start)) {
                    int dash = line.indexOf('-');
                    if (dash > 0 && Long.parseUnsignedLong(line, 0, dash, 16) >= ADDRESS) return false;
                    continue;
                }
                String[] fields = line.trim().split("\\s+");
                return fields.length >= 5 && fields[1].equals("r--s") && Long.parseLong(fields[4]) == memfdInode;
            }
        } catch (IOException | NumberFormatException e) {
            log.debug("/proc/{}/maps: {}", pid, e.toString());
        }
        return false;
    }

    private int memfd() {
        if (memfd < 0) {
            int fd = SharedMemory.create("jvisor-arguments", SIZE, SharedMemory.MFD_CLOEXEC | SharedMemory.MFD_ALLOW_SEALING);
            mapping = SharedMemory.mapWritable(fd, SIZE);
            SharedMemory.addSeals(fd, SharedMemory.F_SEAL_FUTURE_WRITE | SharedMemory.F_SEAL_SHRINK
                    | SharedMemory.F_SEAL_GROW | SharedMemory.F_SEAL_SEAL);
            memfdInode = FileStatus.of(("/proc/self/fd/" + fd).getBytes(StandardCharsets.US_ASCII), 0).inode();
            memfd = fd;
        }
        return memfd;
    }

    private MemorySegment mapping() {
        memfd();
        return mapping;
    }

    private static ByteBuffer wrap(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
