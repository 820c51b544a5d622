# An asyncio server on a path: answers each line "N" with "N squared is N*N". Creates the file
# given as its second argument once it listens.
import asyncio
import pathlib
import sys


async def handle(reader, writer):
    while line := await reader.readline():
        n = int(line)
        writer.write(b"%d squared is %d\n" % (n, n * n))
        await writer.drain()
    writer.close()
    await writer.wait_closed()


async def main(path, ready):
    server = await asyncio.start_unix_server(handle, path)
    pathlib.Path(ready).touch()
    async with server:
        await server.serve_forever()


asyncio.run(main(sys.argv[1], sys.argv[2]))
