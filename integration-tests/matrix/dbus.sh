# program: dbus-daemon
# exercises: a private bus on a path and an abstract name; EXTERNAL authentication (SCM_CREDENTIALS) and the caller's uid and pid from SO_PEERCRED; libdbus clients (dbus-send, python3-dbus) and GDBus (gdbus, a Python Gio service); Unix descriptors sent through the bus both ways (SCM_RIGHTS on both hops)
# needs: dbus-daemon dbus-send gdbus python3
# packages: dbus-daemon dbus-bin libglib2.0-bin python3 python3-gi python3-dbus
source "$MATRIX/lib.sh"

# Debian's python3 has the gi and dbus modules; a python3 earlier on PATH may not.
for python in python3 /usr/bin/python3; do
  "$python" -c 'import gi, dbus' 2>/dev/null && break
done

# A service written with GDBus (Python's Gio): it echoes strings, reads a descriptor it is
# sent and answers with a descriptor (a pipe) of its own. argv[1] is the bus address.
cat > service.py <<'EOF'
import os
import sys

from gi.repository import Gio, GLib

INTERFACE = """
<node>
  <interface name="org.example.Matrix">
    <method name="Echo"><arg type="s" direction="in"/><arg type="s" direction="out"/></method>
    <method name="ReadFd"><arg type="h" direction="in"/><arg type="s" direction="out"/></method>
    <method name="OpenPipe"><arg type="s" direction="in"/><arg type="h" direction="out"/></method>
  </interface>
</node>
"""


def read_all(fd):
    data = b""
    while chunk := os.read(fd, 65536):
        data += chunk
    return data


def on_call(connection, sender, path, interface, method, params, invocation):
    if method == "Echo":
        invocation.return_value(GLib.Variant("(s)", ("echo: " + params[0],)))
    elif method == "ReadFd":
        fd = invocation.get_message().get_unix_fd_list().get(params[0])
        data = read_all(fd)
        os.close(fd)
        lines = data.decode().splitlines()
        invocation.return_value(GLib.Variant("(s)", (f"{len(data)} bytes, {len(lines)} lines, first: {lines[0]}",)))
    elif method == "OpenPipe":
        reader, writer = os.pipe()
        os.write(writer, f"written by the service for {params[0]}\n".encode())
        os.close(writer)
        fds = Gio.UnixFDList.new_from_array([reader])
        invocation.return_value_with_unix_fd_list(GLib.Variant("(h)", (0,)), fds)


connection = Gio.DBusConnection.new_for_address_sync(
    sys.argv[1],
    Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
    None, None)
node = Gio.DBusNodeInfo.new_for_xml(INTERFACE)
connection.register_object("/org/example/Matrix", node.interfaces[0], on_call, None, None)
loop = GLib.MainLoop()
Gio.bus_own_name_on_connection(connection, "org.example.Matrix", Gio.BusNameOwnerFlags.NONE,
                               None, lambda *args: loop.quit())
loop.run()
EOF

# A libdbus client (python3-dbus): sends a pipe's read end to the service and reads the pipe
# the service sends back. argv[1] is the bus address.
cat > client.py <<'EOF'
import os
import sys

import dbus

bus = dbus.bus.BusConnection(sys.argv[1])
service = dbus.Interface(bus.get_object("org.example.Matrix", "/org/example/Matrix"), "org.example.Matrix")

reader, writer = os.pipe()
os.write(writer, b"written by the libdbus client\nsecond line\n")
os.close(writer)
print("libdbus client sent a pipe:", service.ReadFd(dbus.types.UnixFd(reader)))
os.close(reader)

received = service.OpenPipe("the libdbus client").take()
with os.fdopen(received, "rb") as pipe:
    print("libdbus client got a pipe:", pipe.read().decode().strip())
EOF

# The bus: a session bus of its own, listening on a socket file and an abstract name.
cat > bus.conf <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$PWD/bus.sock</listen>
  <listen>unix:abstract=matrix-dbus-$UNIQUE</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
dbus-daemon --config-file=bus.conf --nofork --print-address=3 3> addresses &
bus=$!
await 20 grep -q path= addresses
tr ';' '\n' < addresses | sed -e 's/,guid=.*//' -e "s|$PWD|.|" -e "s/$UNIQUE/UNIQUE/" | sort | sed 's/^/bus listens on: /'
path=unix:path=$PWD/bus.sock
abstract=unix:abstract=matrix-dbus-$UNIQUE

# The bus's own methods, through libdbus (dbus-send) and GDBus (gdbus).
list_names() {
  dbus-send --bus="$1" --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.ListNames | sed -n 's/^ *string "\(.*\)"$/\1/p' | sort
}
# The first client is the bus's first connection, :1.0.
echo "names on the bus:" $(list_names "$path")
echo "gdbus NameHasOwner: $(gdbus call --address "$abstract" -d org.freedesktop.DBus -o /org/freedesktop/DBus \
  -m org.freedesktop.DBus.NameHasOwner org.freedesktop.DBus)"

# A service on the bus; the bus knows its owner's uid and pid from the connection.
"$python" service.py "$path" &
service=$!
await 20 gdbus wait --address "$abstract" --timeout 1 org.example.Matrix
echo "well-known names with the service:" $(list_names "$abstract" | grep -v '^:')
uid=$(dbus-send --bus="$path" --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
  org.freedesktop.DBus.GetConnectionUnixUser string:org.example.Matrix | awk '{print $2}')
pid=$(dbus-send --bus="$abstract" --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
  org.freedesktop.DBus.GetConnectionUnixProcessID string:org.example.Matrix | awk '{print $2}')
echo "GetConnectionUnixUser is our uid: $([ "$uid" = "$(id -u)" ] && echo yes || echo "no ($uid)")"
echo "GetConnectionUnixProcessID is the service's pid: $([ "$pid" = "$service" ] && echo yes || echo "no ($pid)")"
credentials=$(gdbus call --address "$path" -d org.freedesktop.DBus -o /org/freedesktop/DBus \
  -m org.freedesktop.DBus.GetConnectionCredentials org.example.Matrix)
echo "GetConnectionCredentials has:" $(grep -o "'[A-Za-z]*':" <<< "$credentials" | tr -d "':" | sort)
[[ $credentials == *"'UnixUserID': <uint32 $(id -u)>"* ]] && echo "  UnixUserID: ours"
[[ $credentials == *"'ProcessID': <uint32 $service>"* ]] && echo "  ProcessID: the service's"

# Calls to the service.
echo "dbus-send Echo: $(dbus-send --bus="$path" --print-reply=literal --dest=org.example.Matrix \
  /org/example/Matrix org.example.Matrix.Echo string:'from dbus-send' | sed 's/^ *//')"
echo "gdbus Echo: $(gdbus call --address "$abstract" -d org.example.Matrix -o /org/example/Matrix \
  -m org.example.Matrix.Echo 'from gdbus')"

# Descriptors through the bus: gdbus sends its descriptor 3 (a file), the libdbus client a pipe,
# and the service answers with a pipe of its own.
printf 'a file sent by gdbus\nline two\nline three\n' > sent.txt
echo "gdbus sent a file: $(gdbus call --address "$path" -d org.example.Matrix -o /org/example/Matrix \
  -m org.example.Matrix.ReadFd 'handle 3' 3< sent.txt)"
"$python" client.py "$abstract"

# The bus sees the service leave; then the bus stops and removes its socket file.
kill "$service"
wait "$service" 2>/dev/null
service_gone() {
  [ "$(gdbus call --address "$path" -d org.freedesktop.DBus -o /org/freedesktop/DBus \
    -m org.freedesktop.DBus.NameHasOwner org.example.Matrix)" = "(false,)" ]
}
await 20 service_gone
echo "well-known names after the service left:" $(list_names "$path" | grep -v '^:')
kill "$bus"
wait "$bus"
echo "bus exit status after SIGTERM: $?; bus.sock left: $([ -e bus.sock ] && echo yes || echo no)"
