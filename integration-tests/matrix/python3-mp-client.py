# Tries a wrong authkey, then sends objects to the Listener and prints its answers.
import sys
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client

try:
    Client(sys.argv[1], family="AF_UNIX", authkey=b"wrong secret")
    print("wrong authkey: accepted")
except AuthenticationError as e:
    print("wrong authkey:", e)

objects = [42, "hello", [1, 2, 3], {"a": (1, 2), "b": {3, 4}}, b"\x00\x01" * 50000]
with Client(sys.argv[1], family="AF_UNIX", authkey=b"matrix secret") as conn:
    for obj in objects:
        conn.send(obj)
        answer = conn.recv()
        if answer["type"] == "bytes":
            answer["repr"] = "(%d bytes)" % answer["size"]
        print("sent %s, got back %s %s size=%s" % (
            type(obj).__name__, answer["type"], answer["repr"], answer["size"]))
    conn.send(None)
    print("last answer:", conn.recv())
