# A server passes an open file and the read end of a pipe to a forked client over a
# filesystem socket with socket.send_fds; the client receives them with socket.recv_fds and
# reads the file (which no longer has a name) and the pipe through the received descriptors.
# The file's offset is shared: the client reads on where the server stopped, and the server
# sees where the client stopped.
import os
import socket
import stat
import sys

PATH = "pass.sock"
FILE = "passed.txt"
TEXT = b"first line, read by the server\nsecond line, read by the client\n"


def client():
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(PATH)
        message, fds, flags, address = socket.recv_fds(sock, 1024, 4)
        print("client: message", message, "descriptors", len(fds), "flags", flags, flush=True)
        ok = len(fds) == 2
        if ok:
            file, pipe = fds
            info = os.fstat(file)
            print("client: file is regular", stat.S_ISREG(info.st_mode), "links", info.st_nlink,
                  "size", info.st_size, "offset", os.lseek(file, 0, os.SEEK_CUR), flush=True)
            print("client: file says", os.read(file, 1024), flush=True)
            print("client: pipe is a fifo", stat.S_ISFIFO(os.fstat(pipe).st_mode), flush=True)
            print("client: pipe says", os.read(pipe, 1024), flush=True)
            os.close(file)
            os.close(pipe)
        sock.sendall(b"done")
    os._exit(0 if ok else 1)


def main():
    for name in (PATH, FILE):
        if os.path.lexists(name):
            os.unlink(name)
    with open(FILE, "wb") as out:
        out.write(TEXT)
    file = os.open(FILE, os.O_RDONLY)
    print("server: read", os.read(file, TEXT.index(b"\n") + 1), flush=True)
    os.unlink(FILE)
    read_end, write_end = os.pipe()
    os.write(write_end, b"through the pipe\n")
    os.close(write_end)

    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(PATH)
    server.listen(1)
    pid = os.fork()
    if pid == 0:
        server.close()
        os.close(file)
        os.close(read_end)
        client()
    conn, _ = server.accept()
    with conn:
        sent = socket.send_fds(conn, [b"a file and a pipe"], [file, read_end])
        os.close(read_end)
        answer = conn.recv(16)
    print("server: sent", sent, "bytes; client answered", answer, flush=True)
    print("server: offset after the client read", os.lseek(file, 0, os.SEEK_CUR), flush=True)
    _, status = os.waitpid(pid, 0)
    print("client: exit", os.waitstatus_to_exitcode(status), flush=True)
    server.close()
    os.unlink(PATH)
    return os.waitstatus_to_exitcode(status)


sys.exit(main())
