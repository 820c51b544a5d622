# 50 concurrent asyncio clients, each doing 20 request/response round trips on one connection.
import asyncio
import sys

CLIENTS = 50
ROUNDS = 20


async def client(path, number):
    reader, writer = await asyncio.open_unix_connection(path)
    good = 0
    for i in range(ROUNDS):
        n = number * 1000 + i
        writer.write(b"%d\n" % n)
        await writer.drain()
        if await reader.readline() == b"%d squared is %d\n" % (n, n * n):
            good += 1
    writer.close()
    await writer.wait_closed()
    return good


async def main(path):
    results = await asyncio.gather(*(client(path, c) for c in range(CLIENTS)))
    print("asyncio: %d clients, %d correct answers of %d" % (
        len(results), sum(results), CLIENTS * ROUNDS))


asyncio.run(main(sys.argv[1]))
