"""An open-loop load generator: requests at a fixed rate, latency measured from when each was due.

wrk (and any closed-loop client) sends the next request only when a connection is free, so when the server
stalls it quietly sends fewer requests and never sees the queue it would have built: "coordinated
omission". Here request i is due at start + i / rate whatever happened before it. It goes out on a free
keep-alive connection, or on a new one (up to --max-connections; beyond that it waits for one, and the
wait counts), and its latency is measured from its due time to the end of the response. So a stall
shows up in the percentiles as the users behind it would have felt it.

    python benchmarks/fixedrate.py --port 8000 --rate 300 --seconds 30 --paths paths.txt \\
        --header "Authorization: Bearer tc_..."

Prints JSON: requests, statuses, achieved rate, latency percentiles (ms), connections opened, and how late
the generator itself was in sending (so an overloaded client is visible, not mistaken for the server).
Loopback only; every request has a timeout and the run a deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

HOST = "127.0.0.1"


def percentile(ordered: list[float], fraction: float) -> float | None:
    if not ordered:
        return None
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class Pool:
    """Keep-alive connections to the server: an idle one if there is one, else a new one (up to a limit)."""

    def __init__(self, port: int, limit: int):
        self.port, self.limit = port, limit
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.open = 0
        self.opened = 0
        self.freed = asyncio.Condition()

    async def get(self, fresh: bool = False):
        """(reader, writer, reused): an idle connection (unless `fresh`), else a new one."""
        async with self.freed:
            if fresh and self.idle and self.open >= self.limit:
                self.idle.pop()[1].close()  # make room for the new one
                self.open -= 1
            while self.open >= self.limit and not (self.idle and not fresh):
                await self.freed.wait()
            if self.idle and not fresh:
                return (*self.idle.pop(), True)
            self.open += 1
        self.opened += 1
        try:
            return (*await asyncio.open_connection(HOST, self.port), False)
        except OSError:
            await self.drop(None)
            raise

    async def put(self, conn) -> None:
        async with self.freed:
            self.idle.append(conn)
            self.freed.notify()

    async def drop(self, conn) -> None:
        if conn is not None:
            conn[1].close()
        async with self.freed:
            self.open -= 1
            self.freed.notify()


async def one(pool: Pool, request: bytes, timeout: float, fresh: bool = False) -> tuple[str, int]:
    try:
        reader, writer, reused = await pool.get(fresh)
    except OSError as exc:
        return f"error:{type(exc).__name__}", 0
    conn = (reader, writer)
    try:
        writer.write(request)
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        except (OSError, asyncio.IncompleteReadError) as exc:
            if reused and not getattr(exc, "partial", b""):
                # The server had closed this idle keep-alive connection: send it again on a new one, as
                # every HTTP client does (the request never reached the application).
                await pool.drop(conn)
                return await one(pool, request, timeout, fresh=True)
            raise
        lines = head.decode("latin-1").split("\r\n")
        status = lines[0].split(" ", 2)[1]
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        body = await asyncio.wait_for(reader.readexactly(int(headers.get("content-length", "0"))), timeout)
    except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, IndexError, ValueError) as exc:
        await pool.drop(conn)
        return f"error:{type(exc).__name__}", 0
    if headers.get("connection", "").lower() == "close":
        await pool.drop(conn)  # gunicorn's sync workers close after every response
    else:
        await pool.put(conn)
    return status, len(body)


async def run(port: int, rate: float, seconds: float, paths: list[str], headers: dict[str, str],
              max_connections: int, timeout: float, offset: int = 0) -> dict:
    pool = Pool(port, max_connections)
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    requests = [f"GET {p} HTTP/1.1\r\nHost: {HOST}:{port}\r\n{extra}\r\n".encode() for p in paths]
    total = int(rate * seconds)
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    send_lag: list[float] = []
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.2

    async def fire(i: int, due: float) -> None:
        status, _size = await one(pool, requests[(offset + i) % len(requests)], timeout)
        done = loop.time()
        statuses[status] = statuses.get(status, 0) + 1
        if status == "200":
            latencies.append((done - due) * 1000)

    tasks = []
    for i in range(total):
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        send_lag.append(max(0.0, loop.time() - due) * 1000)
        tasks.append(asyncio.ensure_future(fire(i, due)))
    # Requests still waiting long after the last was due are given up, and counted as failed.
    _done, pending = await asyncio.wait(tasks, timeout=max(30.0, seconds) + timeout)
    for task in pending:
        task.cancel()
    if pending:
        statuses["error:gave_up"] = len(pending)
    elapsed = loop.time() - start
    for reader_writer in pool.idle:
        reader_writer[1].close()
    latencies.sort()
    send_lag.sort()
    return {
        "rate_requested": rate,
        "requests": total,
        "statuses": statuses,
        "achieved_rps": round(len(latencies) / elapsed, 1),  # answered 200, from the first due time to the last answer
        "p50_ms": _round(percentile(latencies, 0.50)),
        "p95_ms": _round(percentile(latencies, 0.95)),
        "p99_ms": _round(percentile(latencies, 0.99)),
        "max_ms": _round(latencies[-1] if latencies else None),
        "connections_opened": pool.opened,
        "generator_send_lag_p99_ms": _round(percentile(send_lag, 0.99)),
        "latencies_ms": [round(x, 3) for x in latencies],
    }


def _round(value):
    return None if value is None else round(value, 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--paths", required=True, help="a file with one path per line, requested in turn")
    parser.add_argument("--header", action="append", default=[], help="'Name: value', repeatable")
    parser.add_argument("--max-connections", type=int, default=256)
    parser.add_argument("--timeout", type=float, default=10)
    parser.add_argument("--offset", type=int, default=0, help="start this far into the paths")
    parser.add_argument("--all-latencies", action="store_true", help="also print every latency (ms), sorted")
    args = parser.parse_args(argv)
    with open(args.paths) as handle:
        paths = [line.strip() for line in handle if line.strip()]
    headers = dict(h.split(":", 1) for h in args.header)
    headers = {k.strip(): v.strip() for k, v in headers.items()}
    result = asyncio.run(run(args.port, args.rate, args.seconds, paths, headers, args.max_connections, args.timeout,
                             args.offset))
    if not args.all_latencies:
        del result["latencies_ms"]
    json.dump(result, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
