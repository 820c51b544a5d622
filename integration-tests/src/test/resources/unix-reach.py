# Whether an AF_UNIX stream name is reachable, for isolation tests that run it on the host
# and in the sandbox. ADDRESS is a path, or @NAME for the abstract name NAME.
#
#   unix-reach.py connect ADDRESS   prints "connect: OK" or "connect: ERRNO-NAME"
#   unix-reach.py listen ADDRESS    listens on ADDRESS, checks that it can connect to itself,
#                                   prints "ready", then waits for the end of its input and
#                                   prints how many other connections arrived meanwhile
import errno
import socket
import sys


def address(text):
    return "\0" + text[1:] if text.startswith("@") else text


def connect(target):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect(target)
            print("connect: OK", flush=True)
        except OSError as e:
            print("connect:", errno.errorcode.get(e.errno, e.errno), flush=True)


def listen(name):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(name)
        server.listen(16)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as own:
            own.connect(name)
            server.accept()[0].close()
        print("listening: own connection accepted", flush=True)
        print("ready", flush=True)
        sys.stdin.read()
        server.setblocking(False)
        others = 0
        while True:
            try:
                server.accept()[0].close()
                others += 1
            except BlockingIOError:
                break
        print("other connections:", others, flush=True)


if __name__ == "__main__":
    mode, target = sys.argv[1], address(sys.argv[2])
    connect(target) if mode == "connect" else listen(target)
