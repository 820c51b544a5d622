# A thread blocked in recvmsg() (trapped, where recv() without an address is not) while 300
# SIGUSR1 arrive for it, then 100 forked children that each make trapped calls. Under `jvisor run --trace` every trapped call is an injected
# call, so this exercises injected calls interrupted by signals and restarted (PEP 475
# retries recvmsg after EINTR; the kernel restarts it under SA_RESTART).
import os, signal, socket, threading, time

handled = 0


def on_usr1(signum, frame):
    global handled
    handled += 1


signal.signal(signal.SIGUSR1, on_usr1)
a, b = socket.socketpair()
received = []
reader = threading.Thread(target=lambda: received.append(b.recvmsg(10)[0]))
reader.start()
time.sleep(0.1)
for _ in range(300):
    signal.pthread_kill(reader.ident, signal.SIGUSR1)
    time.sleep(0.001)
a.send(b"done")
reader.join()
print("received", received, "handled some:", handled > 0)

children = []
for i in range(100):
    pid = os.fork()
    if pid == 0:
        s = socket.socket(socket.AF_UNIX)
        s.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE)
        os._exit(i % 7)
    children.append(pid)
codes = [os.waitpid(pid, 0)[1] >> 8 for pid in children]
print("children", len(codes), "exit codes sum", sum(codes))
