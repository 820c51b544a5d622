# For the audit's close sweeps: makes an AF_UNIX socket and closes it, then waits SECONDS
# without a trapped call, an exit or an exec, then makes a second socket. Prints each socket's
# inode, so a test can tell them from sockets libc makes on its own (nscd lookups), then "done".
#
#   unix-close-then-wait.py SECONDS
import os
import socket
import sys
import time

first = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
print("first", os.fstat(first.fileno()).st_ino)
first.close()
time.sleep(float(sys.argv[1]))
second = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
print("second", os.fstat(second.fileno()).st_ino)
print("done")
second.close()
