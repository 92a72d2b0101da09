"""The load generator for benchmarks/run.py, run in its own process so it does not share a
Python interpreter (and its GIL) with the code that starts the server and reports.

It reads a plan as JSON on stdin and writes the measurements as JSON on stdout. It only
ever connects to 127.0.0.1. Every request has a timeout and the whole run has a deadline.

The endpoints are measured in interleaved blocks (endpoint A, B, C, D, then A, B, C, D
again ...) so that a burst of noise from other work on the machine lands on all of them
alike, rather than on whichever endpoint happened to be measured at the time.

It also reads the CPU time the server's worker processes used during each block (from
/proc/<pid>/stat), which is much less disturbed by other work on the machine than latency is.

Plan:
    {"port": 8123, "concurrency": 4, "timeout_s": 30, "deadline_s": 900,
     "warmup": 50, "requests": 2000, "rounds": 10, "server_pids": [123, 124],
     "endpoints": {"name": {"paths": ["/healthz", ...], "headers": {"Header": "value"}}}}
"""

from __future__ import annotations

import http.client
import json
import os
import sys
import threading
import time

HOST = "127.0.0.1"
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by these processes (0 for any that has gone)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total / TICKS


def run_block(port: int, paths: list[str], headers: dict, count: int, offset: int, concurrency: int,
              timeout_s: float, deadline: float) -> dict:
    """`count` GETs spread over `concurrency` threads, each with its own connection.

    Returns the latency (ms) of every request answered 200, the count of each status, the bytes
    received, and the block's wall-clock time from the moment all threads are ready until the last
    one finishes.
    """
    lock = threading.Lock()
    next_index = [0]
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    body_bytes = [0]
    barrier = threading.Barrier(concurrency + 1)

    def worker() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=timeout_s)
        mine: list[tuple[float, str, int]] = []
        barrier.wait()
        try:
            while True:
                with lock:
                    i = next_index[0]
                    next_index[0] += 1
                if i >= count or time.monotonic() > deadline:
                    break
                path = paths[(offset + i) % len(paths)]
                started = time.perf_counter()
                try:
                    conn.request("GET", path, headers=headers)
                    response = conn.getresponse()
                    body = response.read()
                    elapsed = (time.perf_counter() - started) * 1000
                    mine.append((elapsed, str(response.status), len(body)))
                    if response.will_close:
                        conn.close()  # gunicorn's sync workers close after each response
                except (OSError, http.client.HTTPException) as exc:
                    elapsed = (time.perf_counter() - started) * 1000
                    mine.append((elapsed, f"error:{type(exc).__name__}", 0))
                    conn.close()
        finally:
            conn.close()
            with lock:
                for elapsed, status, size in mine:
                    if status == "200":
                        latencies.append(elapsed)
                    statuses[status] = statuses.get(status, 0) + 1
                    body_bytes[0] += size

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join(timeout_s * 2 + max(0.0, deadline - time.monotonic()))
    wall = time.perf_counter() - started
    return {"latencies_ms": latencies, "statuses": statuses, "bytes": body_bytes[0], "wall_s": wall}


def main() -> int:
    plan = json.load(sys.stdin)
    port = int(plan["port"])
    concurrency = int(plan["concurrency"])
    timeout_s = float(plan["timeout_s"])
    pids = [int(pid) for pid in plan.get("server_pids", [])]
    deadline = time.monotonic() + float(plan["deadline_s"])
    endpoints: dict = plan["endpoints"]
    rounds = max(1, int(plan["rounds"]))
    total = int(plan["requests"])
    warmup = int(plan["warmup"])

    results = {name: {"latencies_ms": [], "statuses": {}, "bytes": 0, "wall_s": 0.0, "server_cpu_s": 0.0}
               for name in endpoints}
    load_average: list[float] = []
    warmup_statuses: dict[str, dict[str, int]] = {}
    offsets = dict.fromkeys(endpoints, 0)

    # Warm-up: every worker process, connection and cache touched once; discarded.
    for name, spec in endpoints.items():
        block = run_block(port, spec["paths"], spec.get("headers", {}), warmup, offsets[name], concurrency,
                          timeout_s, deadline)
        offsets[name] += warmup
        warmup_statuses[name] = block["statuses"]

    stopped_early = False
    per_round = [total // rounds + (1 if r < total % rounds else 0) for r in range(rounds)]
    for number, count in enumerate(per_round, 1):
        for name, spec in endpoints.items():
            if time.monotonic() > deadline:
                stopped_early = True
                break
            cpu_before = cpu_seconds(pids)
            block = run_block(port, spec["paths"], spec.get("headers", {}), count, offsets[name], concurrency,
                              timeout_s, deadline)
            results[name]["server_cpu_s"] += cpu_seconds(pids) - cpu_before
            offsets[name] += count
            into = results[name]
            into["latencies_ms"].extend(block["latencies_ms"])
            into["bytes"] += block["bytes"]
            into["wall_s"] += block["wall_s"]
            for status, n in block["statuses"].items():
                into["statuses"][status] = into["statuses"].get(status, 0) + n
        load_average.append(round(os.getloadavg()[0], 2))
        print(f"[loadgen] round {number}/{rounds} done; load average {load_average[-1]}", file=sys.stderr, flush=True)
        if stopped_early:
            break
    stopped_early = stopped_early or any(sum(r["statuses"].values()) < total for r in results.values())
    json.dump({"results": results, "warmup_statuses": warmup_statuses, "stopped_early": stopped_early,
               "load_average_per_round": load_average}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
