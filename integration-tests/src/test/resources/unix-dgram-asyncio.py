# Request and reply over AF_UNIX datagrams with asyncio's create_datagram_endpoint, server
# and client in two processes. The server is bound to SERVER (a path, or @NAME for the
# abstract name NAME) and answers every request to the address it came from; the client,
# started by the server once it is bound, is bound to the path CLIENT or, for CLIENT
# "autobind", to a name the kernel picks; it sends COUNT requests and waits for as many
# replies. Addresses are printed as what they are (the names of a run are its own).
#
#   unix-dgram-asyncio.py SERVER CLIENT COUNT
#
# A path client connects to the server (asyncio's remote_addr: it sends without an
# address); an autobound one sends each request to the server's address.
import asyncio
import os
import re
import socket
import sys

LIMIT = 10


def address(text):
    return "\0" + text[1:] if text.startswith("@") else text


def describe(name, server):
    if name is None or name == "":
        return "no address"
    if isinstance(name, str):
        return repr(name)
    if name == server.encode():
        return "the server's abstract name"
    if re.fullmatch(rb"\0[0-9a-f]{5}", name):
        return "an autobound abstract name"
    return f"the abstract name {name!r}"


class Server(asyncio.DatagramProtocol):
    def __init__(self):
        self.senders = []

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, sender):
        self.senders.append(sender)
        self.transport.sendto(b"reply to " + data, sender)

    def error_received(self, error):
        print("server: error", type(error).__name__, flush=True)


class Client(asyncio.DatagramProtocol):
    def __init__(self):
        self.replies = asyncio.Queue()

    def datagram_received(self, data, sender):
        self.replies.put_nowait((data, sender))

    def error_received(self, error):
        self.replies.put_nowait((error, None))


async def serve(server, client, count):
    loop = asyncio.get_running_loop()
    server_address = address(server)
    transport, protocol = await loop.create_datagram_endpoint(
        Server, local_addr=server_address, family=socket.AF_UNIX)
    print("server: bound to", describe(transport.get_extra_info("sockname"), server_address), flush=True)
    process = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "client", server, client, str(count), stdout=asyncio.subprocess.PIPE)
    try:
        output, _ = await asyncio.wait_for(process.communicate(), LIMIT * 2)
    except asyncio.TimeoutError:
        process.kill()
        output, _ = await process.communicate()
        print("server: the client did not finish")
    sys.stdout.write(output.decode())
    print("client: exit", process.returncode)
    senders = {describe(sender, server_address) for sender in protocol.senders}
    print(f"server: {len(protocol.senders)} requests, from {', '.join(sorted(senders))}")
    transport.close()
    print("files left:", sorted(os.listdir(".")))


async def request(server, client, count):
    loop = asyncio.get_running_loop()
    server_address = address(server)
    if client == "autobind":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind("")
        transport, protocol = await loop.create_datagram_endpoint(Client, sock=sock)
        send = lambda data: transport.sendto(data, server_address)
    else:
        transport, protocol = await loop.create_datagram_endpoint(
            Client, local_addr=client, remote_addr=server_address, family=socket.AF_UNIX)
        send = transport.sendto
    print("client: bound to", describe(transport.get_extra_info("sockname"), server_address))
    requests = [f"request {number}".encode() for number in range(1, count + 1)]
    for data in requests:
        send(data)
    for data in requests:
        try:
            reply, sender = await asyncio.wait_for(protocol.replies.get(), LIMIT)
        except asyncio.TimeoutError:
            print(f"client: no reply to {data!r} within {LIMIT} s")
            sys.exit(1)
        if isinstance(reply, Exception):
            print(f"client: error {type(reply).__name__} waiting for the reply to {data!r}")
            sys.exit(1)
        print(f"client: {reply!r} from {describe(sender, server_address)},"
              f" answers {data!r}: {reply == b'reply to ' + data}")
    transport.close()


if __name__ == "__main__":
    if sys.argv[1] == "client":
        asyncio.run(request(sys.argv[2], sys.argv[3], int(sys.argv[4])))
    else:
        asyncio.run(serve(sys.argv[1], sys.argv[2], int(sys.argv[3])))
