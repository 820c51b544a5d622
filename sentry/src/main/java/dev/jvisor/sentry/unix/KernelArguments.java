package dev.jvisor.sentry.unix;

import dev.jvisor.platform.SyscallStop;

import java.util.Arrays;

/**
 * What the sentry hands the kernel in a call it rewrites or injects (a hidden name, a path to
 * make or check, a msghdr copy): placed where the program cannot write it
 * ({@link SyscallStop#sealedScratch}), so that what the kernel reads is what the sentry
 * decided on, whatever the program's other threads do meanwhile (DESIGN.md, rule 9).
 */
final class KernelArguments {
    private KernelArguments() {}

    /** {@code bytes} at an address of the sealed scratch; returns the address. */
    static long place(SyscallStop stop, byte[] bytes) {
        long address = stop.sealedScratch(bytes.length);
        stop.writeSealed(address, bytes);
        return address;
    }

    /** {@code bytes} and a terminating NUL, a path for the kernel. */
    static long string(SyscallStop stop, byte[] bytes) {
        return place(stop, Arrays.copyOf(bytes, bytes.length + 1));
    }
}
