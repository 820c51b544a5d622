# Shared by the matrix scenarios: waiting for servers and cleaning up after them.

# Background jobs are killed when the scenario ends, however it ends.
matrix_cleanup() {
  local jobs
  jobs=$(jobs -pr)
  [ -n "$jobs" ] && kill $jobs 2>/dev/null
  wait 2>/dev/null
  return 0
}
trap matrix_cleanup EXIT
# A shell killed by a signal skips its EXIT trap: turn the usual ones into an exit.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# await SECONDS COMMAND...: runs COMMAND until it succeeds; fails after SECONDS.
await() {
  local limit=$1
  shift
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "timed out waiting for: $*"
      return 1
    fi
    sleep 0.05
  done
}

# await_socket SECONDS PATH: waits until PATH is a socket file.
await_socket() {
  await "$1" test -S "$2"
}
