package dev.jvisor.cli;

import dev.jvisor.platform.Sandbox;
import dev.jvisor.platform.Signals;
import dev.jvisor.platform.linux.SignalRelay;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

/**
 * Forwards SIGHUP, SIGINT, SIGQUIT and SIGTERM sent to jvisor to the program, so that
 * {@code kill jvisor} reaches the program's handlers. A signal the caller ignored stays
 * ignored: the program inherited it ignored as well.
 *
 * <p>The JVM runs with -Xrs (bin/jvisor): its own handlers would keep SIGQUIT for thread
 * dumps and turn the others into a JVM shutdown. The signals arrive through
 * {@link SignalRelay} instead, which is installed before the program starts; a signal that
 * comes before the program exists is forwarded once it does.
 *
 * <p>With {@code --stats}, SIGUSR1 is jvisor's own: it prints the statistics so far, as
 * dd(1) prints its progress.
 */
final class SignalForwarder {
    private static final Logger log = LoggerFactory.getLogger(SignalForwarder.class);
    private static final int[] FORWARDED = {Signals.SIGHUP, Signals.SIGINT, Signals.SIGQUIT, Signals.SIGTERM};

    private final CompletableFuture<Sandbox> sandbox = new CompletableFuture<>();
    private final SignalRelay relay;
    private Thread thread;

    private SignalForwarder(SignalRelay relay) {
        this.relay = relay;
    }

    /** Starts receiving the signals; {@code relayLibrary} is native-stubs' signal relay. */
    static SignalForwarder start(Path relayLibrary, long ignoredMask) {
        return start(relayLibrary, ignoredMask, null);
    }

    /**
     * As {@link #start(Path, long)}, and SIGUSR1 runs {@code onUsr1} (on the signal thread)
     * rather than ending jvisor, when it is not null.
     */
    static SignalForwarder start(Path relayLibrary, long ignoredMask, Runnable onUsr1) {
        IntStream forwarded = Arrays.stream(FORWARDED).filter(s -> (ignoredMask & Signals.bit(s)) == 0);
        int[] signals = (onUsr1 == null ? forwarded : IntStream.concat(forwarded, IntStream.of(Signals.SIGUSR1)))
                .toArray();
        SignalRelay relay = SignalRelay.install(relayLibrary, signals);
        SignalForwarder forwarder = new SignalForwarder(relay);
        forwarder.thread = Thread.ofPlatform().name("jvisor-signals").daemon(true).start(() -> {
            while (true) {
                int signal = relay.next();
                if (signal == SignalRelay.STOPPED) return;
                if (signal == Signals.SIGUSR1) {
                    onUsr1.run();
                    continue;
                }
                Sandbox target = forwarder.sandbox.join();
                log.debug("forwarding signal {} to {}", signal, target.pid());
                target.forwardSignal(signal);
            }
        });
        return forwarder;
    }

    /** From now on, signals go to {@code target}'s program. */
    void forwardTo(Sandbox target) {
        sandbox.complete(target);
    }

    /**
     * Ends the signal thread, once the program is gone, so that the JVM can exit at once
     * ({@link SignalRelay}: a thread in read(2) holds the exit up to 300 ms). A signal that
     * comes later stays unread in the relay's pipe: the program it was meant for is gone.
     */
    void stop() {
        relay.stop();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
