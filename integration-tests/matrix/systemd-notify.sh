# program: systemd-notify
# exercises: datagrams to a NOTIFY_SOCKET on a path and on an abstract name (@); SCM_CREDENTIALS received with SO_PASSCRED, the sender's own or its parent's pid; the barrier's pipe passed with SCM_RIGHTS
# needs: systemd-notify python3
# packages: systemd python3
source "$MATRIX/lib.sh"

# A service manager's side of sd_notify: a datagram socket with SO_PASSCRED that prints each
# datagram, the credentials the kernel attached and the descriptors passed with it. It
# closes those descriptors at once, which is what systemd-notify's barrier waits for.
cat > receiver.py <<'PY'
import os, socket, stat, sys

name, ready = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind("\0" + name[1:] if name.startswith("@") else name)
open(ready, "w").close()
count = 0
while True:
    data, ancillary, flags, sender = s.recvmsg(4096, socket.CMSG_SPACE(3 * 4) + socket.CMSG_SPACE(16 * 4))
    count += 1
    credentials, descriptors = None, []
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            credentials = [int.from_bytes(payload[i:i + 4], sys.byteorder) for i in (0, 4, 8)]
        elif level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            descriptors += [int.from_bytes(payload[i:i + 4], sys.byteorder) for i in range(0, len(payload) - 3, 4)]
    kinds = []
    for fd in descriptors:
        kinds.append("a pipe" if stat.S_ISFIFO(os.fstat(fd).st_mode) else "something else")
        os.close(fd)
    print("datagram %d: %s" % (count, data.decode().replace("\n", " | ")))
    print("  credentials: pid %d uid %d gid %d" % tuple(credentials) if credentials else "  no credentials")
    print("  descriptors: %s" % (", ".join(kinds) or "none"), flush=True)
PY

# Pids and ids become names: pids differ from run to run.
names() {
  sed -e "s/pid $1 /pid <$2> /; s/MAINPID=$1\b/MAINPID=<$2>/" \
      -e "s/uid $(id -u) gid $(id -g)/uid <ours> gid <ours>/"
}

# A path: systemd-notify --pid=self names itself, in MAINPID= and in its credentials.
python3 receiver.py notify.sock path.ready > path.log &
await 20 test -e path.ready
NOTIFY_SOCKET=$PWD/notify.sock systemd-notify --pid=self --ready --status="started on a path" &
notify=$!
wait "$notify"
echo "systemd-notify exit status: $?"
await 20 grep -q BARRIER path.log
names "$notify" systemd-notify < path.log

# An abstract name, and systemd-notify's default: it sends with the pid of the shell that
# ran it when it may (CAP_SYS_ADMIN), else with its own.
python3 receiver.py "@matrix-notify-$UNIQUE" abstract.ready > abstract.log &
await 20 test -e abstract.ready
NOTIFY_SOCKET="@matrix-notify-$UNIQUE" systemd-notify --status="running on an abstract name" STATE=custom &
notify=$!
wait "$notify"
echo "systemd-notify exit status: $?"
await 20 grep -q BARRIER abstract.log
names "$notify" "systemd-notify or the shell" < abstract.log | names "$$" "systemd-notify or the shell"
