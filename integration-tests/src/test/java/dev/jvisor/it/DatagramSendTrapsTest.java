package dev.jvisor.it;

import dev.jvisor.it.support.RunResult;
import dev.jvisor.it.support.Runner;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * sendmsg is trapped only in processes that made an AF_UNIX datagram socket, from that
 * socket on: in all their threads, those already running included, and in the children they
 * fork afterwards; not in a child forked before, nor in a process that makes none. A stream
 * program's messages with descriptors thus never stop in the tracer.
 */
class DatagramSendTrapsTest {
    private static final String SCRIPT = """
            import os, socket, threading
            a, b = socket.socketpair()
            go_thread, go_child = threading.Event(), os.pipe()
            def later():
                go_thread.wait()
                for _ in range(6): a.sendmsg([b"t"])
            thread = threading.Thread(target=later); thread.start()
            early = os.fork()
            if early == 0:
                os.read(go_child[0], 1)
                for _ in range(2): a.sendmsg([b"e"])
                os._exit(0)
            for _ in range(3): a.sendmsg([b"x"])
            d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            for _ in range(4): a.sendmsg([b"y"])
            go_thread.set(); thread.join()
            os.write(go_child[1], b"g"); os.waitpid(early, 0)
            late = os.fork()
            if late == 0:
                for _ in range(5): a.sendmsg([b"z"])
                os._exit(0)
            os.waitpid(late, 0)
            a.close()
            received = b""
            while chunk := b.recv(100): received += chunk
            print(sorted(received.decode()))
            """;

    @Test
    void sendsAreTrappedFromTheFirstDatagramSocketOn() {
        RunResult nativeRun = Runner.runNative("python3", "-c", SCRIPT);
        RunResult sandboxed = Runner.runSandboxedWithStats("python3", "-c", SCRIPT);

        assertEquals(0, nativeRun.exitCode(), nativeRun::toString);
        assertEquals(nativeRun.stdout(), sandboxed.stdout(), sandboxed::toString);
        Map<String, Long> trapped = Runner.trappedCalls(sandboxed);
        assertEquals(1L, trapped.getOrDefault("socket", 0L), trapped::toString);
        // 4 after the socket, 6 from the thread, 5 from the late child; not the first 3 nor the early child's 2.
        assertEquals(15L, trapped.getOrDefault("sendmsg", 0L), trapped::toString);
    }

    @Test
    void aStreamProgramTrapsNoSend() {
        String script = "import socket\na, b = socket.socketpair()\n"
                + "for _ in range(10): a.sendmsg([b'x'], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, bytes(4))])\n"
                + "print(len(b.recv(100)))";
        RunResult sandboxed = Runner.runSandboxedWithStats("python3", "-c", script);
        assertEquals(0, sandboxed.exitCode(), sandboxed::toString);
        Map<String, Long> trapped = Runner.trappedCalls(sandboxed);
        assertEquals(0L, trapped.getOrDefault("sendmsg", 0L), trapped::toString);
        assertEquals(0L, trapped.getOrDefault("socket", 0L), trapped::toString);
    }
}
