# Whether an AF_UNIX datagram name is reachable, for isolation tests that run it on the host
# and in the sandbox. ADDRESS is a path, or @NAME for the abstract name NAME.
#
#   unix-dgram-reach.py send ADDRESS TEXT   sends TEXT to ADDRESS twice, as programs do:
#                                           with sendto on an unconnected socket, then with
#                                           connect and send; prints "sendto: OK" or
#                                           "sendto: ERRNO-NAME", the same for connect and
#                                           (when connect succeeded) for send
#   unix-dgram-reach.py receive ADDRESS     binds ADDRESS, checks that a datagram it sends to
#                                           itself arrives, prints "ready", then waits for the
#                                           end of its input and prints the datagrams that
#                                           arrived meanwhile
import errno
import socket
import sys


def address(text):
    return "\0" + text[1:] if text.startswith("@") else text


def attempt(name, call):
    try:
        call()
        print(f"{name}: OK", flush=True)
        return True
    except OSError as e:
        print(f"{name}:", errno.errorcode.get(e.errno, e.errno), flush=True)
        return False


def send(target, text):
    data = text.encode()
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        attempt("sendto", lambda: sock.sendto(data + b" (sendto)", target))
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        if attempt("connect", lambda: sock.connect(target)):
            attempt("send", lambda: sock.send(data + b" (send)"))


def receive(name):
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(name)
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as own:
            own.sendto(b"own", name)
        sock.settimeout(10)
        own_arrived = sock.recv(64) == b"own"
        print("receiving: own datagram arrived", own_arrived, flush=True)
        print("ready", flush=True)
        sys.stdin.read()
        sock.setblocking(False)
        others = []
        while True:
            try:
                others.append(sock.recv(4096).decode(errors="backslashreplace"))
            except BlockingIOError:
                break
        print("other datagrams:", others, flush=True)


if __name__ == "__main__":
    mode, target = sys.argv[1], address(sys.argv[2])
    send(target, sys.argv[3]) if mode == "send" else receive(target)
