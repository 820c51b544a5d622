package dev.jvisor.cli;

import dev.jvisor.platform.Sandbox;
import dev.jvisor.platform.Signals;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.util.Map;

/**
 * Forwards SIGHUP, SIGINT, SIGQUIT and SIGTERM sent to jvisor to the program, so that
 * {@code kill jvisor} reaches the program's handlers. A signal the caller ignored stays
 * ignored: the program inherited it ignored as well.
 */
final class SignalForwarder {
    private static final Logger log = LoggerFactory.getLogger(SignalForwarder.class);
    private static final Map<String, Integer> FORWARDED = Map.of(
            "HUP", Signals.SIGHUP, "INT", Signals.SIGINT, "QUIT", Signals.SIGQUIT, "TERM", Signals.SIGTERM);

    private SignalForwarder() {}

    static void install(Sandbox sandbox, long ignoredMask) {
        FORWARDED.forEach((name, number) -> {
            if ((ignoredMask & Signals.bit(number)) != 0) return;
            try {
                Signal.handle(new Signal(name), signal -> sandbox.forwardSignal(signal.getNumber()));
            } catch (IllegalArgumentException e) {
                // The JVM keeps SIGQUIT for thread dumps unless started with -Xrs.
                log.debug("SIG{} is not forwarded: {}", name, e.getMessage());
            }
        });
    }
}
