/**
 * The ptrace platform: runs a program and everything it starts under one tracer thread, and
 * hands each syscall the seccomp filter traps to a {@link dev.jvisor.platform.SyscallHandler}.
 *
 * <p>{@link dev.jvisor.platform.Sandbox} spawns the launcher and starts the
 * {@code Tracer}, which follows processes and threads ({@code Tracee}), keeps job control
 * working, and turns each seccomp stop into a {@link dev.jvisor.platform.SyscallStop}. The
 * handler answers with an {@link dev.jvisor.platform.Action}: pass through, return, fail with
 * an {@link dev.jvisor.platform.Errno}, rewrite, or inject calls into the tracee, each with a
 * continuation that receives its {@link dev.jvisor.platform.InjectionResult}. Nothing here
 * knows AF_UNIX; the host calls themselves are in {@code dev.jvisor.platform.linux}.
 */
package dev.jvisor.platform;
