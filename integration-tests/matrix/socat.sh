# program: socat
# exercises: stream, seqpacket and datagram; path and abstract names; a forking server; 1 MiB echoed through a half-closed connection
# needs: socat sha256sum
# packages: socat coreutils
source "$MATRIX/lib.sh"

# A forking stream server on a path, three clients at once.
socat UNIX-LISTEN:stream.sock,fork EXEC:'tr a-z A-Z' &
await_socket 20 stream.sock
clients=()
for name in one two three; do
  echo "client $name" | socat -t 30 - UNIX-CONNECT:stream.sock > "reply-$name" &
  clients+=($!)
done
for i in 0 1 2; do wait "${clients[i]}"; done
for name in one two three; do echo "stream path: $(cat "reply-$name")"; done

# The same on an abstract name.
socat "ABSTRACT-LISTEN:matrix-socat-$UNIQUE,fork" EXEC:'tr a-z A-Z' &
await 20 socat -u /dev/null "ABSTRACT-CONNECT:matrix-socat-$UNIQUE"
echo "stream abstract: $(echo hello | socat -t 30 - "ABSTRACT-CONNECT:matrix-socat-$UNIQUE")"

# Seqpacket: each message comes back whole.
socat UNIX-LISTEN:seqpacket.sock,type=5,fork EXEC:cat &
await_socket 20 seqpacket.sock
echo "seqpacket: $(echo packet | socat -t 30 - UNIX-CONNECT:seqpacket.sock,type=5)"

# Datagrams: a receiver prints what two senders send.
socat -u UNIX-RECV:dgram.sock,type=2 OPEN:datagrams,creat,append &
receiver=$!
await_socket 20 dgram.sock
echo "first datagram" | socat -u - UNIX-SENDTO:dgram.sock
await 20 grep -q first datagrams
echo "second datagram" | socat -u - "UNIX-SENDTO:dgram.sock,bind=sender.sock"
await 20 grep -q second datagrams
kill "$receiver"
echo "datagrams:"
cat datagrams

# 1 MiB through an echo server: the client half-closes after sending and reads to the end.
head -c 1048576 /dev/urandom > sent
socat UNIX-LISTEN:echo.sock EXEC:cat &
await_socket 20 echo.sock
socat -t 60 UNIX-CONNECT:echo.sock - < sent > echoed
echo "1 MiB echo: $(stat -c %s echoed) bytes, same: $(cmp -s sent echoed && echo yes || echo no)"
