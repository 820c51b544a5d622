# Both ends of a connection between a host server and a sandboxed client that
# `jvisor run --allow-host-socket PATH` lets through: the connection must be real, with
# descriptors and credentials passing both ways.
#
#   host-socket-peer.py server PATH     (on the host) prints "ready", serves one client:
#                                       its credentials, a file it passes, a pipe passed back
#   host-socket-peer.py client ADDRESS  (sandboxed) connects, passes a file, reads the pipe
#   host-socket-peer.py dgram-server PATH   answers one datagram to its sender
#   host-socket-peer.py dgram-client ADDRESS  sends one datagram and prints the answer
#   host-socket-peer.py creds-server PATH    (on the host) a socket file anyone may connect
#                                       to; prints the credentials of one client
#   host-socket-peer.py threaded-client ADDRESS   (sandboxed) the client, while a second
#                                       thread of the process is alive
#   host-socket-peer.py threaded-dgram-client ADDRESS   (sandboxed) the datagram client,
#                                       likewise
#   host-socket-peer.py nobody-client ADDRESS   (sandboxed, as root) becomes uid and gid
#                                       65534, connects and states its pid
import errno
import os
import socket
import struct
import sys
import tempfile


def server(path):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(path)
        listener.listen(4)
        print("ready", flush=True)
        connection, _ = listener.accept()
        with connection:
            pid, uid, gid = struct.unpack("3i", connection.getsockopt(
                socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
            message, fds, _, _ = socket.recv_fds(connection, 64, 1)
            stated = int(message.decode())
            print("server: peer credentials name the client:", pid == stated, "uid", uid == os.getuid(), flush=True)
            with os.fdopen(fds[0], "r") as passed:
                print("server: the passed file says:", passed.read().strip(), flush=True)
            read_end, write_end = os.pipe()
            os.write(write_end, b"through the host's pipe\n")
            os.close(write_end)
            socket.send_fds(connection, [b"pipe"], [read_end])
            os.close(read_end)
            connection.recv(1)
    os.unlink(path)


def client(address):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect(address)
        except OSError as e:
            print("connect:", errno.errorcode.get(e.errno, e.errno), flush=True)
            return
        print("connect: OK", flush=True)
        print("peer name:", sock.getpeername(), flush=True)
        with tempfile.TemporaryFile("w+") as note:
            note.write("written in the sandbox\n")
            note.flush()
            note.seek(0)
            socket.send_fds(sock, [str(os.getpid()).encode()], [note.fileno()])
        message, fds, _, _ = socket.recv_fds(sock, 64, 1)
        with os.fdopen(fds[0], "r") as pipe:
            print("client: got", message.decode(), "saying:", pipe.read().strip(), flush=True)
        sock.send(b"x")


def dgram_server(path):
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(path)
        print("ready", flush=True)
        data, sender = sock.recvfrom(64)
        print("server: datagram", data.decode(), "from a named sender:", bool(sender), flush=True)
        sock.sendto(b"answer to " + data, sender)
    os.unlink(path)


def dgram_client(address):
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("")
        try:
            sock.sendto(b"hello", address)
        except OSError as e:
            print("sendto:", errno.errorcode.get(e.errno, e.errno), flush=True)
            return
        sock.settimeout(30)
        print("client:", sock.recv(64).decode(), flush=True)


def creds_server(path):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(path)
        os.chmod(path, 0o777)
        listener.listen(4)
        print("ready", flush=True)
        connection, _ = listener.accept()
        with connection:
            pid, uid, gid = struct.unpack("3i", connection.getsockopt(
                socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
            stated = int(connection.recv(64).decode())
            print("server: peer pid is the client's:", pid == stated, "uid", uid, "gid", gid, flush=True)
    os.unlink(path)


def nobody_client(address):
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect(address)
        except OSError as e:
            print("connect:", errno.errorcode.get(e.errno, e.errno), flush=True)
            return
        print("connect: OK as uid", os.getuid(), flush=True)
        sock.send(str(os.getpid()).encode())


def with_another_thread(body, address):
    import threading
    done = threading.Event()
    waiter = threading.Thread(target=done.wait)
    waiter.start()
    try:
        body(address)
    finally:
        done.set()
        waiter.join()


if __name__ == "__main__":
    mode, target = sys.argv[1], sys.argv[2]
    {"server": server, "client": client, "dgram-server": dgram_server, "dgram-client": dgram_client,
     "creds-server": creds_server, "nobody-client": nobody_client,
     "threaded-client": lambda a: with_another_thread(client, a),
     "threaded-dgram-client": lambda a: with_another_thread(dgram_client, a)}[mode](target)
