package dev.jvisor.sentry.trace;

import dev.jvisor.platform.SyscallHandler.Clone;
import dev.jvisor.platform.SyscallHandler.CloneKind;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Threads and processes are named by lineage, so that two runs name them alike. */
class ProcessNamesTest {
    @Test
    void namesFollowCreationOrderPerParentWhateverThePids() {
        ProcessNames names = new ProcessNames();
        names.onClone(new Clone(100, 100, 250, 250, CloneKind.FORK));
        names.onClone(new Clone(100, 100, 101, 100, CloneKind.CLONE));
        names.onClone(new Clone(101, 100, 180, 180, CloneKind.VFORK));
        names.onClone(new Clone(250, 250, 251, 251, CloneKind.CLONE));
        names.onClone(new Clone(250, 250, 252, 250, CloneKind.CLONE));

        assertEquals("P1", names.threadName(100));
        assertEquals("P1.1", names.threadName(250));
        assertEquals("P1/t1", names.threadName(101));
        assertEquals("P1.2", names.threadName(180));
        assertEquals("P1.1.1", names.threadName(251));
        assertEquals("P1.1/t1", names.threadName(252));
        assertEquals(Map.of(100, "P1", 250, "P1.1", 180, "P1.2", 251, "P1.1.1"), names.processes());
    }

    @Test
    void theFirstThreadHeardOfIsTheFirstProcess() {
        ProcessNames names = new ProcessNames();
        assertEquals("P1", names.threadName(4242));
        assertEquals("tid7", names.threadName(7));
    }
}
