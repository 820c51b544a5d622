package dev.jvisor.sentry.report;

import java.util.List;

/**
 * A box of the IPC map.
 *
 * @param id     unique in the map: {@code group-N}, {@code process-PID}, {@code listener-N}, {@code host}
 * @param kind   what it stands for
 * @param parent the expanded group a process box is drawn in, else null
 * @param lines  its text, first line in bold; "within" notes for exchanges inside it come last
 * @param title  the whole story, shown on hover
 * @param pids   the processes it stands for (a group's members; empty for a listener or the host)
 * @param name   a listener's socket name as the program gave it ({@code @} first for an abstract
 *               one), else null
 */
public record MapNode(String id, Kind kind, String parent, List<String> lines, String title, List<Integer> pids,
                      String name) {
    public MapNode {
        lines = List.copyOf(lines);
        pids = List.copyOf(pids);
    }

    public enum Kind {
        /** A process group drawn as one box with a count. */
        GROUP("group"),
        /** A process group opened up: a frame around its members' boxes. */
        EXPANDED_GROUP("group expanded"),
        /** One member of an expanded group. */
        PROCESS("process"),
        /** A name that connects groups: a listening socket, or a bound datagram socket others send to. */
        LISTENER("listener"),
        /** Outside the sandbox: refused names, and peers the log does not show. */
        HOST("host");

        private final String cssClass;

        Kind(String cssClass) {
            this.cssClass = cssClass;
        }

        public String cssClass() {
            return cssClass;
        }
    }
}
