package dev.jvisor.sentry.report;

import java.util.List;

/**
 * What a process ran: from its {@code start} or {@code fork} event, then one per {@code exec}.
 * {@code uid} and {@code gid} are null when the log does not say.
 */
public record Program(long seq, String exe, List<String> argv, Long uid, Long gid) {
    public Program {
        argv = List.copyOf(argv);
    }

    /** The program's own name and its first arguments: argv[0]'s last path part, else the executable's. */
    public String shortName() {
        String command = argv.isEmpty() ? (exe == null ? "?" : exe) : argv.getFirst();
        StringBuilder name = new StringBuilder(command.substring(command.lastIndexOf('/') + 1));
        for (String argument : argv.subList(Math.min(1, argv.size()), argv.size())) name.append(' ').append(argument);
        return Visible.text(name.toString());
    }
}
