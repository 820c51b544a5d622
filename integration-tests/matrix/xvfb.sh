# program: Xvfb
# exercises: an X server on its abstract name and its socket file in /tmp/.X11-unix; xcb's abstract-then-path connect, and its fallback to the path when the abstract name is refused; readiness by -displayfd; X clients sharing server state (xdpyinfo, xwininfo, xprop); the server's socket and lock files removed
# needs: Xvfb xdpyinfo xwininfo xprop socat cksum
# packages: xvfb x11-utils socat coreutils
source "$MATRIX/lib.sh"

# Two display numbers from UNIQUE, free on this machine: no lock file, no socket file and no
# listening socket (path or abstract) for either.
display_free() {
  [ ! -e "/tmp/.X$1-lock" ] && [ ! -e "/tmp/.X11-unix/X$1" ] && ! grep -q "/tmp/.X11-unix/X$1\$" /proc/net/unix
}
first=$(( $(printf %s "$UNIQUE" | cksum | cut -d' ' -f1) % 800 + 100 ))
until display_free "$first" && display_free $((first + 1)); do first=$((first + 2)); done
second=$((first + 1))

# Whatever way the scenario ends (a signal too), no server is left and neither are its files
# (a server stopped by SIGTERM removes them itself; one that could not is cleaned up after).
x11_dir_existed=$([ -d /tmp/.X11-unix ] && echo yes || echo no)
started=()
xvfb_cleanup() {
  matrix_cleanup
  for n in "${started[@]}"; do rm -f "/tmp/.X$n-lock" "/tmp/.X11-unix/X$n"; done
  [ "$x11_dir_existed" = no ] && rmdir /tmp/.X11-unix 2>/dev/null
  return 0
}
trap xvfb_cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# The usual server: the abstract name @/tmp/.X11-unix/XN and the file /tmp/.X11-unix/XN.
# -displayfd writes the display number once the server accepts clients.
Xvfb ":$first" -nolisten tcp -noreset -screen 0 1024x768x24 -displayfd 3 3> displayfd &
xvfb=$!
await 20 grep -q . displayfd
started+=("$first")
echo "displayfd reports our display: $([ "$(cat displayfd)" = "$first" ] && echo yes || echo no)"
listens() {
  echo "socket file: $([ -S "/tmp/.X11-unix/X$1" ] && echo yes || echo no);" \
    "abstract name: $(socat -u /dev/null "ABSTRACT-CONNECT:/tmp/.X11-unix/X$1" 2>/dev/null && echo accepts || echo refused)"
}
listens "$first"

# xcb tries the abstract name first (the path is only its fallback).
export DISPLAY=":$first"
xdpyinfo > info
grep -E 'vendor string|number of screens|dimensions|depth of root window' info | sed 's/  */ /g; s/^ //'
xwininfo -root | grep -E 'Width|Height|Depth' | sed 's/^ *//'
echo "root properties:" $(xprop -root | cut -d'(' -f1 | sort)
xprop -root -f MATRIX_NOTE 8s -set MATRIX_NOTE "set by one client, read by another"
xprop -root MATRIX_NOTE

# Stopped by SIGTERM, the server removes its socket file.
kill "$xvfb"
wait "$xvfb"
echo "first server exit status: $?; socket file left: $([ -e "/tmp/.X11-unix/X$first" ] && echo yes || echo no)"

# A server that does not listen on the abstract name (-nolisten local): xcb's connect to the
# abstract name is refused and it falls back to the socket file. Without -displayfd the
# server takes a lock file, /tmp/.XN-lock, holding its pid.
Xvfb ":$second" -nolisten tcp -nolisten local -noreset -screen 0 800x600x16 &
xvfb=$!
export DISPLAY=":$second"
await 20 xdpyinfo
started+=("$second")
listens "$second"
echo "lock file holds the server's pid: $([ "$(tr -d ' ' < "/tmp/.X$second-lock")" = "$xvfb" ] && echo yes || echo no)"
xdpyinfo | grep -E 'dimensions|depth of root window' | sed 's/  */ /g; s/^ //'
xwininfo -root | grep -E 'Width|Height|Depth' | sed 's/^ *//'
kill "$xvfb"
wait "$xvfb"
echo "second server exit status: $?; lock file left: $([ -e "/tmp/.X$second-lock" ] && echo yes || echo no); socket file left: $([ -e "/tmp/.X11-unix/X$second" ] && echo yes || echo no)"
