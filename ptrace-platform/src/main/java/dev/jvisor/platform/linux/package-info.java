/**
 * Host bindings through {@code java.lang.foreign}: one class per area ({@code Libc},
 * {@code Ptrace}, {@code ProcessVm}, {@code SignalRelay}) with one static final handle per C
 * function, errno captured per thread, and one class per C struct ({@code UserRegs},
 * {@code Siginfo}, {@code Iovec}) with its layout. A failed call
 * throws {@link dev.jvisor.platform.ErrnoException}; EINTR is retried where a call can block.
 */
package dev.jvisor.platform.linux;
