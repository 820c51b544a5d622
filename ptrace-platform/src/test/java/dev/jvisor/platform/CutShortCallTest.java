package dev.jvisor.platform;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the tracer does with a call that an ignored signal cut short, and which signals do nothing. */
class CutShortCallTest {
    private static final long EINTR = -Errno.EINTR.number();
    private static final long ERESTARTSYS = -512;

    @Test
    void eintrOfASocketCallOrAnEndlessEpollWaitIsMadeAgain() {
        for (int number : new int[] {Sysno.RECVFROM, Sysno.SENDTO, Sysno.RECVMSG, Sysno.ACCEPT, Sysno.ACCEPT4,
                Sysno.CONNECT, Sysno.READ, Sysno.WRITE}) {
            assertEquals(Optional.of(new CutShortCall.Restart()), CutShortCall.of(Syscall.of(number, 3, 0, 10), EINTR));
        }
        assertEquals(Optional.of(new CutShortCall.Restart()),
                CutShortCall.of(Syscall.of(Sysno.EPOLL_WAIT, 4, 0x1000, 8, 0xffffffffL), EINTR));
        assertEquals(Optional.empty(), CutShortCall.of(Syscall.of(Sysno.EPOLL_WAIT, 4, 0x1000, 8, 50), EINTR),
                "a timeout would start again");
        assertEquals(Optional.empty(), CutShortCall.of(Syscall.of(Sysno.EPOLL_PWAIT2, 4, 0x1000, 8, 0x2000), EINTR));
        assertEquals(Optional.empty(), CutShortCall.of(Syscall.of(Sysno.FUTEX, 0x1000, 0, 1), EINTR));
    }

    @Test
    void aRestartCodeIsTheKernelsToRestart() {
        assertEquals(Optional.empty(), CutShortCall.of(Syscall.of(Sysno.RECVFROM, 3, 0x1000, 10), ERESTARTSYS));
    }

    @Test
    void aShortWaitallReceiveAsksForTheRest() {
        Syscall recv = Syscall.of(Sysno.RECVFROM, 3, 0x1000, 10, CutShortCall.MSG_WAITALL, 0x2000, 0x3000);
        assertEquals(Optional.of(new CutShortCall.Carry(4,
                        Syscall.of(Sysno.RECVFROM, 3, 0x1004, 6, CutShortCall.MSG_WAITALL, 0, 0))),
                CutShortCall.of(recv, 4), "the sender's address is written by the first part");
        assertEquals(Optional.empty(), CutShortCall.of(Syscall.of(Sysno.RECVFROM, 3, 0x1000, 10, 0), 4),
                "without MSG_WAITALL a short receive is Linux's answer");
        assertEquals(Optional.empty(), CutShortCall.of(Syscall.of(Sysno.RECVFROM, 3, 0x1000, 10,
                CutShortCall.MSG_WAITALL | CutShortCall.MSG_DONTWAIT), 4));
        assertEquals(Optional.empty(), CutShortCall.of(recv, 10), "complete");
    }

    @Test
    void aShortBlockingSendOrWriteSendsTheRest() {
        assertEquals(Optional.of(new CutShortCall.Carry(100, Syscall.of(Sysno.SENDTO, 5, 0x1064, 900, 0, 0, 0))),
                CutShortCall.of(Syscall.of(Sysno.SENDTO, 5, 0x1000, 1000, 0, 0, 0), 100));
        assertEquals(Optional.empty(), CutShortCall.of(Syscall.of(Sysno.SENDTO, 5, 0x1000, 1000, 0, 0x2000, 16), 100),
                "a datagram to a name");
        assertEquals(Optional.of(new CutShortCall.Carry(100, Syscall.of(Sysno.WRITE, 5, 0x1064, 900))),
                CutShortCall.of(Syscall.of(Sysno.WRITE, 5, 0x1000, 1000), 100));
        assertEquals(Optional.empty(), CutShortCall.of(Syscall.of(Sysno.SENDMSG, 5, 0x1000, 0), 100),
                "a msghdr's iovecs are not carried on");
        assertEquals(Optional.empty(), CutShortCall.of(Syscall.of(Sysno.READ, 5, 0x1000, 1000), 100),
                "a short read is Linux's answer");
    }

    @Test
    void ignoredSignalsAreThoseSetToSigIgnOrLeftAtAnIgnoringDefault() {
        long sigchld = Signals.bit(17), sigusr1 = Signals.bit(10), sigwinch = Signals.bit(28);
        SignalMasks defaults = new SignalMasks(0, 0, 0, 0, 0);
        assertTrue(defaults.discards(17));
        assertTrue(defaults.discards(28));
        assertFalse(defaults.discards(10));
        assertFalse(defaults.discards(18), "SIGCONT may end a stop, after which Linux gives EINTR itself");
        SignalMasks handled = new SignalMasks(0, 0, 0, sigusr1, sigchld);
        assertFalse(handled.discards(17), "SIGCHLD with a handler");
        assertTrue(handled.discards(10), "SIGUSR1 set to SIG_IGN");
        assertFalse(new SignalMasks(sigwinch, 0, 0, 0, 0).deliverablePending(), "pending SIGWINCH does nothing");
        assertTrue(new SignalMasks(0, sigusr1, 0, 0, sigusr1).deliverablePending(), "a handled SIGUSR1");
        assertFalse(new SignalMasks(0, sigusr1, sigusr1, 0, sigusr1).deliverablePending(), "blocked");
    }
}
