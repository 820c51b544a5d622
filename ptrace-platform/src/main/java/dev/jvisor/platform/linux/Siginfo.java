package dev.jvisor.platform.linux;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/** siginfo_t (asm-generic/siginfo.h), the members jvisor reads: 128 bytes in all. */
public final class Siginfo {
    /** si_code of a signal the kernel raised itself, e.g. a terminal's SIGINT. */
    public static final int SI_KERNEL = 0x80;

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("si_signo"),
            JAVA_INT.withName("si_errno"),
            JAVA_INT.withName("si_code"),
            MemoryLayout.paddingLayout(4),
            JAVA_INT.withName("si_pid"),
            JAVA_INT.withName("si_uid"),
            MemoryLayout.paddingLayout(104));

    private static final VarHandle SIGNO = LAYOUT.varHandle(groupElement("si_signo"));
    private static final VarHandle CODE = LAYOUT.varHandle(groupElement("si_code"));

    private Siginfo() {}

    public static int signo(MemorySegment siginfo) { return (int) SIGNO.get(siginfo, 0L); }
    public static int code(MemorySegment siginfo) { return (int) CODE.get(siginfo, 0L); }
}
