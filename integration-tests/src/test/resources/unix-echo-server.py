# An echo server and three forked clients over a filesystem socket in the working directory.
# The clients connect at once; the server answers each line, each client checks its answer
# and reports it back, and the server prints what it learned in a fixed order (sorted), so
# the transcript is the same however the connections interleave.
import os
import socket
import struct
import sys

PATH = "echo.sock"
NAMES = ("one", "two", "three")


def client(name):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(PATH)
        stream = sock.makefile("rwb", buffering=0)
        stream.write(f"hello from client {name}\n".encode())
        reply = stream.readline().decode()
        expected = f"echo: hello from client {name}\n"
        stream.write(f"client {name} peer {sock.getpeername()!r} reply ok {reply == expected}\n".encode())
    os._exit(0 if reply == expected else 1)


def main():
    if os.path.lexists(PATH):
        os.unlink(PATH)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(PATH)
    server.listen(len(NAMES))
    print("server: bound", repr(server.getsockname()), "socket file", os.path.exists(PATH), flush=True)

    pids = {}
    for name in NAMES:
        pid = os.fork()
        if pid == 0:
            server.close()
            client(name)
        pids[pid] = name

    reports = []
    for _ in NAMES:
        conn, address = server.accept()
        with conn:
            pid, uid, gid = struct.unpack("3i", conn.getsockopt(
                socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
            stream = conn.makefile("rwb", buffering=0)
            line = stream.readline().decode()
            stream.write(f"echo: {line}".encode())
            verdict = stream.readline().decode().rstrip("\n")
            end = stream.read()
            from_that_client = line == f"hello from client {pids.get(pid)}\n"
            reports.append(f"{line.rstrip()} | accepted from {address!r} | peer is that client "
                           f"{from_that_client} | uid {uid == os.getuid()}"
                           f" | then {verdict} | then {len(end)} bytes and eof")
    for report in sorted(reports):
        print("server:", report)

    statuses = sorted((pids[pid], os.waitstatus_to_exitcode(status))
                      for pid, status in (os.waitpid(pid, 0) for pid in pids))
    print("clients:", statuses)
    server.close()
    os.unlink(PATH)
    return 0 if all(code == 0 for _, code in statuses) else 1


sys.exit(main())
