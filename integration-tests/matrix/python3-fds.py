# Passes an open file and a pipe's write end with socket.send_fds, first over a socketpair to a
# forked child, then over a connection to a server on a path; the receiver reads the file
# through the passed descriptor and answers through the passed pipe.
import os
import socket


def serve_one(conn):
    """Receives a file and a pipe, writes the file's upper-cased contents to the pipe."""
    msg, fds, flags, addr = socket.recv_fds(conn, 1024, 2)
    file_fd, pipe_fd = fds
    os.lseek(file_fd, 0, os.SEEK_SET)
    data = b""
    while chunk := os.read(file_fd, 65536):
        data += chunk
    with os.fdopen(pipe_fd, "wb") as pipe:
        pipe.write(msg + b":" + data.upper())
    os.close(file_fd)
    conn.sendall(b"done %d fds" % len(fds))


def send_and_check(sock, label, payload):
    with open("fds-%s.txt" % label, "w+b") as f:
        f.write(payload)
        f.flush()
        r, w = os.pipe()
        socket.send_fds(sock, [label.encode()], [f.fileno(), w])
        os.close(w)
        with os.fdopen(r, "rb") as pipe:
            answer = pipe.read()
    ack = sock.recv(1024).decode()
    expected = label.encode() + b":" + payload.upper()
    print("%s: %s, %d bytes back through the pipe, %s" % (
        label, ack, len(answer), "same" if answer == expected else "DIFFERENT"))


payload = b"".join(b"line %d of the passed file\n" % i for i in range(2000))

# Over a socketpair, to a forked child.
parent, child = socket.socketpair()
pid = os.fork()
if pid == 0:
    parent.close()
    serve_one(child)
    os._exit(0)
child.close()
send_and_check(parent, "socketpair", payload)
parent.close()
_, status = os.waitpid(pid, 0)
print("socketpair child exit:", os.waitstatus_to_exitcode(status))

# Over a path connection, to a forked server.
listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind("fds.sock")
listener.listen()
pid = os.fork()
if pid == 0:
    conn, _ = listener.accept()
    listener.close()
    serve_one(conn)
    os._exit(0)
listener.close()
client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
client.connect("fds.sock")
send_and_check(client, "path", payload[::-1])
client.close()
_, status = os.waitpid(pid, 0)
print("path server exit:", os.waitstatus_to_exitcode(status))
