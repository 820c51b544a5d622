# program: tmux
# exercises: a server on its own path socket (-S); clients passing their stdin and stdout with SCM_RIGHTS (a control-mode client, a client attached on a terminal); send-keys, capture-pane, split-window, run-shell, wait-for between clients, kill-server
# needs: tmux script
# packages: tmux bsdutils
source "$MATRIX/lib.sh"

export TERM=xterm
unset TMUX
t() { tmux -S "$PWD/tmux.sock" -f /dev/null "$@"; }

# pane_shows PANE PATTERN [COUNT]: the pane's screen has COUNT (default 1) lines matching PATTERN.
pane_shows() {
  [ "$(t capture-pane -p -t "$1" | grep -c -e "$2")" -ge "${3:-1}" ]
}

# A detached session whose pane runs a shell; keys typed into it and the screen read back.
t new-session -d -s main -n shell -x 80 -y 24 "PS1='> ' ENV= exec sh"
await_socket 20 tmux.sock
await 20 pane_shows main:shell '^>'
t send-keys -t main:shell 'echo "six times seven is $((6 * 7))"' Enter
await 20 pane_shows main:shell '^>' 2
echo "pane after send-keys:"
t capture-pane -p -t main:shell | grep -v '^$'

# A second window running a command, and a split.
t new-window -d -t main -n numbers 'seq 1 5; exec cat'
await 20 pane_shows main:numbers.0 '^5$'
t split-window -d -t main:numbers -v 'echo lower pane; exec cat'
await 20 pane_shows main:numbers.1 '^lower pane$'
echo "numbers, upper pane: $(t capture-pane -p -t main:numbers.0 | grep -v '^$' | paste -sd' ')"
echo "numbers, lower pane: $(t capture-pane -p -t main:numbers.1 | grep -v '^$' | paste -sd' ')"

# Listings and formats: the server sends them to the client, which prints them (here to a pipe).
echo "sessions:"
t list-sessions -F '  #{session_name}: #{session_windows} windows, attached #{session_attached}'
echo "windows:"
t list-windows -t main -F '  #{window_index} #{window_name}: #{window_panes} panes'
t display-message -p -t main:shell 'display-message: session #{session_name}, window #{window_name}, pane command #{pane_current_command}' | cat

# run-shell: a shell command the server runs (here writing a file), and a tmux command (-C).
t run-shell 'echo "run-shell: $((2 + 3)) from the server" > run-shell.out'
cat run-shell.out
t run-shell -C 'display-message -p "run-shell -C: #{session_name} has #{session_windows} windows"'

# wait-for: one client blocks on a channel until another signals it; a command run by the
# server (run-shell -b) is itself a client that signals a second channel.
(t wait-for ready && echo "waiter: woken" >> order) &
waiter=$!
echo "signaller: signalling" >> order
t wait-for -S ready
wait "$waiter"
t run-shell -b "tmux -S '$PWD/tmux.sock' wait-for -S from-server"
t wait-for from-server && echo "from-server" >> order
echo "wait-for order:"
sed 's/^/  /' order

# A control-mode client (-C): the server reads the commands from the client's stdin and writes
# the replies to its stdout, both descriptors passed to it with SCM_RIGHTS. Only the replies
# are shown: the %begin/%end guards carry timestamps, and whether a %session-changed
# notification is sent before the client's input ends varies.
echo "control mode:"
printf '%s\n' 'display-message -p "control: #{session_name} #{window_name}"' \
  'list-windows -F "control: #{window_index} #{window_name}"' \
  | t -C attach-session -t main:shell | grep -v '^%' | sed 's/^/  /'
echo "control client exit: ${PIPESTATUS[1]}"

# A client attached on a terminal (a pty that script provides): the server draws the session on
# the client's terminal, whose descriptor the client passed to it, and a command typed into
# the pane shows on that terminal. The client is read-only (-r): script types the end of its
# own input (here /dev/null) on the terminal, which would otherwise reach the pane's shell.
script -q -f -e -c "tmux -S '$PWD/tmux.sock' -f /dev/null attach-session -r -t main:shell" \
  terminal < /dev/null > /dev/null 2>&1 &
attached=$!
await 20 eval '[ -n "$(t list-clients)" ]'
t list-clients -F 'attached client: #{client_termname} #{client_width}x#{client_height} on #{session_name}, read-only #{client_readonly}'
t send-keys -t main:shell 'echo "seen on the $((1 + 1))nd terminal"' Enter
await 20 grep -a -q 'seen on the 2nd terminal' terminal &&
  echo "the pane's output reached the client's terminal: yes"
t detach-client -s main
wait "$attached"
echo "attached client after detach-client: exit $?, $(grep -a -c 'detached (from session main)' terminal) detach message"

# A client's input sent to the server for load-buffer -.
printf 'line one\nline two\n' | t load-buffer -b passed -
echo "buffer from stdin: $(t show-buffer -b passed | paste -sd'|')"
t save-buffer -b passed - | wc -l | sed 's/^/saved buffer lines: /'

t kill-server
await 20 eval '! t has-session'
echo "after kill-server: $(t has-session 2>&1 | sed "s|$PWD/||"), exit $(t has-session 2>/dev/null; echo $?)"
