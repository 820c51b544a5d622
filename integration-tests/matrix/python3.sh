# program: python3
# exercises: socket.send_fds/recv_fds (a file and a pipe over a socketpair and a path connection); an asyncio unix server with 50 concurrent clients; multiprocessing.connection with an authkey; a forkserver Pool
# needs: python3
# packages: python3
source "$MATRIX/lib.sh"

# An open file and a pipe passed with SCM_RIGHTS.
python3 "$MATRIX/python3-fds.py"

# asyncio: 50 concurrent clients, 20 round trips each.
python3 "$MATRIX/python3-asyncio-server.py" asyncio.sock asyncio.ready &
await 20 test -e asyncio.ready
python3 "$MATRIX/python3-asyncio-clients.py" asyncio.sock

# multiprocessing.connection: objects both ways, authenticated with an HMAC challenge.
python3 "$MATRIX/python3-mp-listener.py" mp.sock mp.ready &
listener=$!
await 20 test -e mp.ready
python3 "$MATRIX/python3-mp-client.py" mp.sock
wait "$listener"
echo "listener exit: $?"

# multiprocessing with the forkserver start method (its server listens on a socket in TMPDIR
# and hands each new process its descriptors with SCM_RIGHTS).
python3 "$MATRIX/python3-forkserver.py"
