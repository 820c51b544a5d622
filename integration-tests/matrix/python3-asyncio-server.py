# An asyncio echo-style server on a path: answers each line "N" with "N squared is N*N".
import asyncio
import sys


async def handle(reader, writer):
    while line := await reader.readline():
        n = int(line)
        writer.write(b"%d squared is %d\n" % (n, n * n))
        await writer.drain()
    writer.close()
    await writer.wait_closed()


async def main(path):
    server = await asyncio.start_unix_server(handle, path)
    async with server:
        await server.serve_forever()


asyncio.run(main(sys.argv[1]))
