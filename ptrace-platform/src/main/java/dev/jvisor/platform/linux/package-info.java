/**
 * Host bindings through {@code java.lang.foreign}: one class per area ({@code Libc},
 * {@code Ptrace}, {@code ProcessVm}, {@code SignalRelay}), errno captured per thread, and one
 * class per C struct ({@code UserRegs}, {@code Siginfo}, {@code Iovec}) with its layout.
 * System calls all go through one handle of syscall(2) (NativeLinker: each downcall shape
 * costs a cold JVM a stub and its lambda forms); only libc's own functions (posix_spawn) and
 * the signal relay's have handles of their own. A failed call
 * throws {@link dev.jvisor.platform.ErrnoException}; EINTR is retried where a call can block.
 */
package dev.jvisor.platform.linux;
