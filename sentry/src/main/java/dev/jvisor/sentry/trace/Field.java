package dev.jvisor.sentry.trace;

/** One decoded argument or output of a recorded call: a name and its value as text. */
public record Field(String name, String value) {
    @Override
    public String toString() {
        return name + "=" + value;
    }
}
