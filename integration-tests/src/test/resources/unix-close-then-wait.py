# For the audit's close sweeps: makes an AF_UNIX socket and closes it, then waits SECONDS
# without a trapped call, an exit or an exec, then makes a second socket and prints "done".
#
#   unix-close-then-wait.py SECONDS
import socket
import sys
import time

first = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
first.close()
time.sleep(float(sys.argv[1]))
second = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
print("done")
second.close()
