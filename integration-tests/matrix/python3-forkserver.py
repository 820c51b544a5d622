# A multiprocessing Pool with the forkserver start method: a map over 100 items.
import multiprocessing


def work(n):
    return n * n + 1


if __name__ == "__main__":
    ctx = multiprocessing.get_context("forkserver")
    with ctx.Pool(4) as pool:
        results = pool.map(work, range(100), chunksize=5)
    print("forkserver pool: %d results, sum %d" % (len(results), sum(results)))
