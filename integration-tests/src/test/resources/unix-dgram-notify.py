# The receiving end of sd_notify(3), as a service manager would be: binds a datagram socket
# with SO_PASSCRED at ADDRESS (a path, or @NAME for the abstract name NAME), then runs
# COMMAND with NOTIFY_SOCKET=ADDRESS and prints every datagram it receives until COMMAND has
# exited and nothing is left to read: the text, the sender's address, the credentials and any
# descriptors. Pids are printed as whose they are, never as numbers, so that two runs compare.
#
#   unix-dgram-notify.py ADDRESS COMMAND...
#
# A descriptor that arrives is closed at once: systemd-notify passes one end of a pipe and
# waits for it to be closed (its "barrier") before it exits.
import array
import fcntl
import os
import select
import socket
import stat
import struct
import subprocess
import sys
import time

LIMIT = 20


def address(text):
    return "\0" + text[1:] if text.startswith("@") else text


def whose(pid, child):
    if pid == child:
        return "the command's"
    if pid == os.getpid():
        return "the command's parent's (this receiver's)"
    return "another process's"


def kind(fd):
    mode = os.fstat(fd).st_mode
    name = "a pipe" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a file"
    access = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE
    end = {os.O_RDONLY: "read end", os.O_WRONLY: "write end", os.O_RDWR: "read-write"}[access]
    return f"{name} ({end})"


def describe(message, child):
    for pid, name in ((child, "<command pid>"), (os.getpid(), "<receiver pid>")):
        message = message.replace(f"={pid}".encode(), f"={name}".encode())
    return message.decode(errors="backslashreplace")


def main():
    target = sys.argv[1]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(address(target))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        print("receiver: bound, SO_PASSCRED on", flush=True)
        command = subprocess.Popen(sys.argv[2:], env=dict(os.environ, NOTIFY_SOCKET=target))
        space = socket.CMSG_SPACE(struct.calcsize("iII")) + socket.CMSG_SPACE(16 * 4)
        count = 0
        deadline = time.monotonic() + LIMIT
        while time.monotonic() < deadline:
            if not select.select([sock], [], [], 0.05)[0]:
                if command.poll() is not None:
                    break
                continue
            message, ancillary, flags, sender = sock.recvmsg(4096, space)
            count += 1
            print(f"message {count}: {describe(message, command.pid)!r}, flags {flags},"
                  f" from {'no address' if sender is None else repr(sender)}")
            credentials = descriptors = None
            for level, kind_, data in ancillary:
                if level == socket.SOL_SOCKET and kind_ == socket.SCM_CREDENTIALS:
                    credentials = struct.unpack("iII", data)
                elif level == socket.SOL_SOCKET and kind_ == socket.SCM_RIGHTS:
                    descriptors = array.array("i")
                    descriptors.frombytes(data[:len(data) - len(data) % descriptors.itemsize])
                else:
                    print(f"  unexpected control message {level} {kind_}")
            if credentials is None:
                print("  credentials: none")
            else:
                pid, uid, gid = credentials
                print(f"  credentials: pid {whose(pid, command.pid)}, uid and gid ours"
                      f" {(uid, gid) == (os.getuid(), os.getgid())}")
            if descriptors is None:
                print("  descriptors: none")
            else:
                print(f"  descriptors: {len(descriptors)}: {', '.join(kind(fd) for fd in descriptors)}")
                for fd in descriptors:
                    os.close(fd)
            sys.stdout.flush()
        else:
            print(f"receiver: gave up after {LIMIT} s")
            command.kill()
        print(f"{os.path.basename(sys.argv[2])}: exit {command.wait()}", flush=True)


if __name__ == "__main__":
    main()
