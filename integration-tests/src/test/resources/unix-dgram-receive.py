# A datagram receiver for programs that send to a named AF_UNIX socket (logger -u): binds
# ADDRESS (a path, or @NAME for the abstract name NAME), receives COUNT datagrams and prints
# each on a line of its own with its length and its sender's address, then exits. It gives up
# after a while without a datagram, so that a lost one fails the test instead of hanging it.
#
#   unix-dgram-receive.py ADDRESS COUNT
import socket
import sys

QUIET_LIMIT = 10


def address(text):
    return "\0" + text[1:] if text.startswith("@") else text


def main():
    target, count = address(sys.argv[1]), int(sys.argv[2])
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(target)
        sock.settimeout(QUIET_LIMIT)
        for number in range(1, count + 1):
            try:
                message, sender = sock.recvfrom(65536)
            except TimeoutError:
                print(f"datagram {number}: none within {QUIET_LIMIT} s", flush=True)
                sys.exit(1)
            text = message.decode(errors="backslashreplace")
            print(f"datagram {number} ({len(message)} bytes, from {'no address' if sender is None else repr(sender)}):"
                  f" {text}", flush=True)


if __name__ == "__main__":
    main()
