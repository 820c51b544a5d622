# program: redis-server, redis-cli
# exercises: a server on a path only (--port 0, --unixsocketperm); SET/GET, INCR from four concurrent clients, a pipelined batch of 1000 commands (--pipe), PUBLISH/SUBSCRIBE between two clients, SHUTDOWN NOSAVE
# needs: redis-server redis-cli
# packages: redis-server redis-tools
source "$MATRIX/lib.sh"

# No persistence, no TCP port, everything in the working directory.
redis-server --port 0 --unixsocket "$PWD/redis.sock" --unixsocketperm 700 \
  --save '' --appendonly no --dir "$PWD" --logfile "$PWD/redis.log" --daemonize no &
server=$!
await 20 redis-cli -s redis.sock PING
cli() { redis-cli -s redis.sock "$@"; }
echo "socket mode: $(stat -c %a redis.sock)"
echo "PING: $(cli PING)"
echo "SET: $(cli SET greeting 'hello over AF_UNIX')"
echo "GET: $(cli GET greeting)"

# Four clients at once, 250 INCRs each.
clients=()
for i in 1 2 3 4; do
  cli -r 250 INCR counter > "incr-$i" &
  clients+=($!)
done
for pid in "${clients[@]}"; do wait "$pid"; done
echo "counter after 4 x 250 concurrent INCR: $(cli GET counter)"

# A batch of 1000 commands in the Redis protocol, pipelined through one connection.
for i in $(seq 1 1000); do
  printf '*3\r\n$3\r\nSET\r\n$%d\r\nkey:%d\r\n$%d\r\nvalue %d\r\n' "$(( ${#i} + 4 ))" "$i" "$(( ${#i} + 6 ))" "$i"
done > batch
cli --pipe < batch | grep '^errors'
echo "DBSIZE: $(cli DBSIZE)"
echo "key:500 = $(cli GET key:500)"

# PUBLISH/SUBSCRIBE: one client subscribes, another publishes three messages.
redis-cli -s redis.sock SUBSCRIBE news > subscribed &
subscriber=$!
one_subscriber() { [ "$(cli PUBSUB NUMSUB news | tail -n 1)" = 1 ]; }
await 20 one_subscriber
for message in first second third; do
  echo "PUBLISH $message: $(cli PUBLISH news "$message") receiver(s)"
done
await 20 grep -qx third subscribed
kill "$subscriber"
echo "the subscriber got:"
cat subscribed

# The server closes the connection without a reply (redis-cli says so on stderr) and exits.
cli SHUTDOWN NOSAVE 2>/dev/null
wait "$server"
echo "after SHUTDOWN NOSAVE: server exit status $?, socket file removed: $([ -e redis.sock ] && echo no || echo yes)"
echo "files left: $(ls | grep -c -E '\.rdb$|\.aof$|appendonlydir')"
