package dev.jvisor.sentry.report;

/**
 * A name outside the sandbox that jvisor refused (the log's {@code refused}).
 *
 * @param call   {@code connect}, {@code sendto}, {@code sendmsg} or {@code sendmmsg}
 * @param inode  the socket the call was made on
 * @param errno  what the program got, as {@code ECONNREFUSED}
 * @param reason why: {@code host-socket}, a name only a host socket holds
 */
public record Refusal(long seq, int pid, String call, long inode, SocketName name, String errno, String reason) {}
