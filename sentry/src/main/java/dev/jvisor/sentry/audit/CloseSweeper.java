package dev.jvisor.sentry.audit;

import dev.jvisor.platform.Sandbox;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Bounds how late the audit logs a socket's close: close is not trapped (a stop for every
 * close of every file cost the matrix cases more than the rest of the audit), so every
 * {@link #PERIOD_MILLIS} ms this thread sweeps the audited sockets against the kernel's census
 * between two stops of the sandbox ({@link Sandbox#atRest}). A socket whose last descriptor is
 * closed is logged within one period and one sweep of it, even while the sandbox makes no
 * trapped call. A sweep with no audited socket open makes no host call.
 */
public final class CloseSweeper {
    private static final Logger logger = LoggerFactory.getLogger(CloseSweeper.class);
    /** A close is logged at most this long after it, plus the time one sweep (one sock_diag dump) takes. */
    public static final long PERIOD_MILLIS = 100;

    private final Thread thread;
    private volatile boolean stopped;

    private CloseSweeper(Sandbox sandbox, Auditor auditor) {
        thread = Thread.ofPlatform().daemon().name("jvisor-audit-close-sweeper").unstarted(() -> {
            while (!stopped) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(PERIOD_MILLIS));
                if (stopped) return;
                try {
                    sandbox.atRest(() -> {
                        auditor.sweepClosed();
                        return null;
                    });
                } catch (RuntimeException e) {
                    logger.warn("cannot sweep the audited sockets", e);
                }
            }
        });
    }

    /** Sweeps {@code sandbox}'s sockets for {@code auditor} until {@link #stop}. */
    public static CloseSweeper start(Sandbox sandbox, Auditor auditor) {
        CloseSweeper sweeper = new CloseSweeper(sandbox, auditor);
        sweeper.thread.start();
        return sweeper;
    }

    /** Ends the sweeps; returns once none is running, so that the auditor can finish. */
    public void stop() {
        stopped = true;
        LockSupport.unpark(thread);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
