package dev.jvisor.it;

import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * The kernel's io_uring rules on which the sandbox's answer to io_uring_setup rests
 * (docs/design-notes.md, "io_uring: rings restricted before the program gets them"), checked on the kernel the
 * tests run on, natively: a change of kernel that changes one of them shows here.
 */
class RingRulesTest {

    @Test
    void theKernelAppliesTheRulesTheDesignRestsOn() {
        RunResult run = Runner.runNative(Runner.probe("uring-rules"));
        assumeFalse(run.stdout().contains("setup disabled: -1"),
                () -> "not checked: this kernel or its policy (kernel.io_uring_disabled) gives no ring:\n" + run);
        assertEquals(new RunResult(0, String.join("\n",
                // io_uring_create writes the params back before it installs the descriptor: a
                // ring cannot be made from arguments the program cannot write.
                "setup with read-only params: -1 EFAULT",
                "new descriptors: 0",
                "setup disabled: ok",
                "io_uring_enter on a disabled ring: -1 EBADFD",
                // Restrictions name only opcodes the kernel has (IORING_OP_LAST, from the probe).
                "restrictions naming an opcode past the kernel's last: -1 EINVAL",
                "probe: ok",
                "restrictions: ok",
                // Registered once; refused on an enabled ring (EACCES when no register
                // opcode is allowed, as here, before EBADFD).
                "restrictions again: -1 EBUSY",
                "enable: ok",
                "restrictions on an enabled ring: -1 EACCES",
                // A refused opcode completes with EACCES in its CQE; an allowed one with SQE
                // flags runs when the flags are allowed.
                "socket: cqe EACCES",
                "connect: cqe EACCES",
                "nop, linked: cqe ok",
                // A ring's descriptor never crosses an AF_UNIX socket, nor reopens through
                // /proc; pidfd_getfd copies it.
                "SCM_RIGHTS of a ring: -1 EINVAL",
                "open /proc/self/fd of a ring: -1 ENXIO",
                "pidfd_getfd of a ring: ok",
                // An SQPOLL ring made disabled submits nothing until it is enabled, and then
                // obeys the restrictions registered before.
                "setup sqpoll disabled: ok",
                "completions while disabled: 0",
                "restrictions: ok",
                "enable: ok",
                "socket queued before enable: cqe EACCES",
                ""), ""), run);
    }
}
