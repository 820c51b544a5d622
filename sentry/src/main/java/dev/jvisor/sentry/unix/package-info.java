/**
 * AF_UNIX for sandboxed programs: connection-oriented sockets (SOCK_STREAM,
 * SOCK_SEQPACKET) whose names live in the sandbox's own namespaces.
 *
 * <p>{@link dev.jvisor.sentry.unix.UnixSockets} is the syscall-facing layer: it decodes a
 * trapped call, reads and writes tracee memory, and decides what the kernel runs. Every
 * sandbox socket is the kernel socket the program created; the sentry learns of it by inode
 * ({@code DescriptorInodes}, {@code UnixDiag}) and keeps an {@code Endpoint} for it in
 * {@code Endpoints}: its name, its peer, and for a listener the hidden kernel name its
 * connections are made to. Names are held by {@code AbstractNamespace} (per socket type) and
 * {@code FilesystemNames} (by the socket file's inode); both release a name once the kernel
 * says its socket is gone ({@code Liveness}). {@code UnixAddress} is the sockaddr_un value
 * with Linux's parsing and reporting rules; {@code AddressCopy} moves addresses in and out of
 * tracee memory as net/socket.c does; {@code TraceeCredentials} remembers which threads may
 * override file permissions. {@code ProcNetUnix} answers a read-only open of /proc/net/unix
 * with the sandbox's own lines of it, named as the sandbox named them, from the sandbox
 * processes' descriptor tables ({@code TraceeProcesses}); {@code ListedSockets} is the rule
 * of which sockets those are. {@code SockDiagSockets} answers sock_diag by the same rule: it
 * traps the reads and sends of a program's NETLINK_SOCK_DIAG socket and hands the program
 * each datagram as {@code DiagReplies} rewrites it, remembering its by-inode requests in a
 * {@code DiagExchange}.
 */
package dev.jvisor.sentry.unix;
