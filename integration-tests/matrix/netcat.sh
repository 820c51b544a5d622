# program: nc.openbsd
# exercises: stream on path and abstract names, half-close (-N) in both directions, 1 MiB each way; datagrams with the reply sent back to the client's own path or abstract name
# needs: nc.openbsd cmp
# packages: netcat-openbsd coreutils diffutils
source "$MATRIX/lib.sh"
# A server that accepts one connection is stopped when its client fails, not waited for.

# Stream on a path: each side sends a line; both half-close when their input ends.
echo "hello from the server" > server-says
nc.openbsd -N -lU stream.sock < server-says > server-got &
server=$!
await_socket 20 stream.sock
echo "hello from the client" | nc.openbsd -N -U stream.sock > client-got || kill "$server"
wait "$server"
echo "stream path, client got: $(cat client-got)"
echo "stream path, server got: $(cat server-got)"

# 1 MiB each way, one direction at a time: nc stops when its peer's side reaches end of
# file, even with input of its own left to send.
head -c 1048576 /dev/urandom > client-sends
head -c 1048576 /dev/urandom > server-sends
nc.openbsd -lU upload.sock > server-received &
server=$!
await_socket 20 upload.sock
nc.openbsd -N -U upload.sock < client-sends || kill "$server"
wait "$server"
nc.openbsd -N -lU download.sock < server-sends &
server=$!
await_socket 20 download.sock
nc.openbsd -d -U download.sock > client-received || kill "$server"
wait "$server"
same() { cmp -s "$1" "$2" && echo yes || echo no; }
echo "1 MiB to the server: $(stat -c %s server-received) bytes, same: $(same client-sends server-received)"
echo "1 MiB to the client: $(stat -c %s client-received) bytes, same: $(same server-sends client-received)"

# An abstract name, a server that keeps listening (-k), three clients one after another.
abstract="@matrix-nc-$UNIQUE"
nc.openbsd -klU "$abstract" > abstract-got &
await 20 nc.openbsd -zU "$abstract"
for name in one two three; do
  echo "client $name" | nc.openbsd -N -U "$abstract"
done
await 20 grep -q three abstract-got
echo "stream abstract, server got:"
cat abstract-got

# Datagrams: the server answers the first sender, whose socket is bound to a path (-s).
echo "reply to a path" > dgram-reply
nc.openbsd -luU dgram.sock < dgram-reply > dgram-got &
await_socket 20 dgram.sock
echo "datagram from a path" | nc.openbsd -W 1 -uU -s client.sock dgram.sock > dgram-client-got
await 20 grep -q datagram dgram-got
echo "datagram path, server got: $(cat dgram-got)"
echo "datagram path, client got: $(cat dgram-client-got)"

# The same with abstract names for both ends.
echo "reply to an abstract name" > abstract-dgram-reply
nc.openbsd -luU "@matrix-nc-dgram-$UNIQUE" < abstract-dgram-reply > abstract-dgram-got &
await 20 nc.openbsd -zuU -s probe.sock "@matrix-nc-dgram-$UNIQUE"
echo "datagram from an abstract name" |
  nc.openbsd -W 1 -uU -s "@matrix-nc-client-$UNIQUE" "@matrix-nc-dgram-$UNIQUE" > abstract-dgram-client-got
await 20 grep -q datagram abstract-dgram-got
echo "datagram abstract, server got: $(cat abstract-dgram-got)"
echo "datagram abstract, client got: $(cat abstract-dgram-client-got)"
