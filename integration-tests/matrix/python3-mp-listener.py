# A multiprocessing.connection Listener on a path with an authkey: refuses a client with the
# wrong key, then receives objects from the next and answers each with a summary object,
# until it receives None. Creates the file given as its second argument once it listens.
import pathlib
import sys
from multiprocessing import AuthenticationError
from multiprocessing.connection import Listener

with Listener(sys.argv[1], family="AF_UNIX", authkey=b"matrix secret") as listener:
    pathlib.Path(sys.argv[2]).touch()
    while True:
        try:
            conn = listener.accept()
            break
        except AuthenticationError:
            pass
    with conn:
        while (obj := conn.recv()) is not None:
            conn.send({"type": type(obj).__name__, "repr": repr(obj),
                       "size": len(obj) if hasattr(obj, "__len__") else None})
        conn.send("bye")
