"""The headline figures of issues 12 and 3, for benchmarks/run.py: the authenticated, consent-checked, audited
person read against the same read without the check and the audit entry, and against a bare Django read of
the same row, in the same run, on the same server.

1. Most requests per second: wrk (`apt-get install wrk`), closed loop, `connections` keep-alive
   connections, the endpoints taking turns in `rounds` blocks so that other work on the machine falls on
   each alike. Latency percentiles here are wrk's (closed loop: they describe a saturated server).
2. Latency at a fixed 300 requests/s: benchmarks/fixedrate.py, open loop, latency from when each
   request was due (no coordinated omission), each endpoint in turn.

For every block it also records the CPU time the server's workers and the database's backends used per
request: on a shared machine that moves far less than latency does. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ENDPOINTS = {
    "checked": "/api/v1/people/{}",
    "unchecked": "/bench/v1/people/{}",
    "bare": "/bench/bare/people/{}",
}
LABELS = {
    "checked": "Person API `GET /api/v1/people/<id>`: Bearer token, consent check, audit entry",
    "unchecked": "The same read without the consent check and the audit entry",
    "bare": "Bare Django read of the same row (plain view, `values()`, no token)",
}
GOALS = {"max_rps": 620, "p99_ms_at_300": 50, "bare_ratio": 0.75, "overhead": 1.25}

WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("TC_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'TC_RESULT {"requests": %d, "duration_us": %d, "errors": %d, "non_2xx": %d, '
    .. '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds used so far by each of these processes that is still running."""
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            found[pid] = (int(fields[11]) + int(fields[12])) / TICKS
        except (OSError, IndexError, ValueError):
            pass
    return found


class CpuMeter:
    """CPU used by the server's workers and the database's backends during a block. A backend that starts
    during the block counts from zero; one that ends during it is lost (an undercount, never negative)."""

    def __init__(self, server_pids: list[int], db_pids):
        self.server_pids, self.db_pids = server_pids, db_pids

    def __enter__(self):
        self.server0, self.db0 = cpu_by_pid(self.server_pids), cpu_by_pid(self.db_pids())
        return self

    def __exit__(self, *exc):
        server1, db1 = cpu_by_pid(self.server_pids), cpu_by_pid(self.db_pids())
        self.server = sum(v - self.server0.get(p, 0.0) for p, v in server1.items())
        self.db = sum(v - self.db0.get(p, 0.0) for p, v in db1.items())
        return False


def _paths_file(workdir: Path, name: str, sample: list[str]) -> Path:
    path = workdir / f"paths-{name}.txt"
    path.write_text("\n".join(ENDPOINTS[name].format(pid) for pid in sample) + "\n")
    return path


def _wrk(port: int, paths: Path, script: Path, token: str, connections: int, seconds: float) -> dict:
    args = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", str(script),
            "-H", f"Authorization: Bearer {token}", f"http://127.0.0.1:{port}"]
    out = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 60,
                         env={**os.environ, "TC_PATHS": str(paths)})
    line = next((x for x in out.stdout.splitlines() if x.startswith("TC_RESULT ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed: {out.stdout[-500:]} {out.stderr[-500:]}")
    return json.loads(line.removeprefix("TC_RESULT "))


def _fixed(port: int, paths: Path, token: str, rate: float, seconds: float, offset: int = 0) -> dict:
    args = [sys.executable, str(Path(__file__).with_name("fixedrate.py")), "--port", str(port), "--rate", str(rate),
            "--seconds", str(seconds), "--paths", str(paths), "--header", f"Authorization: Bearer {token}",
            "--offset", str(offset), "--all-latencies"]
    out = subprocess.run(args, capture_output=True, text=True, timeout=2 * seconds + 180)
    if out.returncode != 0:
        raise RuntimeError(f"fixedrate failed: {out.stderr[-1000:]}")
    return json.loads(out.stdout)


def run(port: int, sample: list[str], token: str, workdir: Path, *, server_pids: list[int], db_pids, rounds: int,
        seconds: float, connections: int, rate: float, fixed_seconds: float, log=print) -> dict:
    """`db_pids()`: the database backends serving the benchmark database, read when each block starts."""
    result: dict = {"method": {
        "max": f"wrk -t1 -c{connections}, {rounds} rounds of {seconds:g} s per endpoint, endpoints in turn",
        "fixed": f"benchmarks/fixedrate.py, open loop at {rate:g} requests/s, {rounds} rounds of "
                 f"{fixed_seconds / rounds:g} s per endpoint, latency from each request's due time",
    }, "max": {}, "fixed": {}}
    paths = {name: _paths_file(workdir, name, sample) for name in ENDPOINTS}
    if shutil.which("wrk") is None:
        log("wrk is not installed (apt-get install wrk): skipping the maximum-throughput runs")
        result["max"] = None
    else:
        script = workdir / "bench.lua"
        script.write_text(WRK_SCRIPT)
        for name in ENDPOINTS:  # warm every worker, thread and connection; discarded
            _wrk(port, paths[name], script, token, connections, 2)
        totals = {name: {"requests": 0, "seconds": 0.0, "errors": 0, "non_2xx": 0, "server_cpu_s": 0.0,
                         "db_cpu_s": 0.0, "blocks": []} for name in ENDPOINTS}
        for number in range(1, rounds + 1):
            for name in ENDPOINTS:
                with CpuMeter(server_pids, db_pids) as cpu:
                    block = _wrk(port, paths[name], script, token, connections, seconds)
                total = totals[name]
                total["server_cpu_s"] += cpu.server
                total["db_cpu_s"] += cpu.db
                total["requests"] += block["requests"]
                total["seconds"] += block["duration_us"] / 1e6
                total["errors"] += block["errors"]
                total["non_2xx"] += block["non_2xx"]
                total["blocks"].append({k: block[k] for k in ("requests", "p50_us", "p95_us", "p99_us", "max_us")}
                                       | {"rps": round(block["requests"] / (block["duration_us"] / 1e6), 1)})
            log(f"max throughput: round {number}/{rounds}: " + ", ".join(
                f"{name} {totals[name]['blocks'][-1]['rps']:.0f}/s" for name in ENDPOINTS)
                + f"; load average {os.getloadavg()[0]:.2f}")
        for name, total in totals.items():
            blocks = total["blocks"]
            result["max"][name] = {
                "rps": round(total["requests"] / total["seconds"], 1),
                "requests": total["requests"],
                "errors": total["errors"],
                "non_2xx": total["non_2xx"],
                # wrk's percentiles per block; the median block's, so one noisy block does not decide it
                "p50_ms": _median_block(blocks, "p50_us"),
                "p99_ms": _median_block(blocks, "p99_us"),
                "server_cpu_ms_per_request": round(total["server_cpu_s"] * 1000 / max(1, total["requests"]), 2),
                "db_cpu_ms_per_request": round(total["db_cpu_s"] * 1000 / max(1, total["requests"]), 2),
                "blocks": blocks,
            }
    # The fixed rate, in rounds too: each read in turn for fixed_seconds / rounds, the rounds pooled.
    for name in ENDPOINTS:
        _fixed(port, paths[name], token, rate, 3)  # warm-up at the same rate, discarded
    pooled = {name: {"latencies": [], "statuses": {}, "requests": 0, "seconds": 0.0, "server": 0.0, "db": 0.0,
                     "lag": [], "opened": 0} for name in ENDPOINTS}
    block_seconds = fixed_seconds / rounds
    for number in range(1, rounds + 1):
        for name in ENDPOINTS:
            with CpuMeter(server_pids, db_pids) as cpu:
                block = _fixed(port, paths[name], token, rate, block_seconds, offset=(number - 1) * 997)
            into = pooled[name]
            into["latencies"] += block.pop("latencies_ms")
            for status, n in block["statuses"].items():
                into["statuses"][status] = into["statuses"].get(status, 0) + n
            into["requests"] += block["requests"]
            into["server"] += cpu.server
            into["db"] += cpu.db
            into["lag"].append(block["generator_send_lag_p99_ms"] or 0)
            into["opened"] += block["connections_opened"]
            into.setdefault("blocks", []).append(block)
        log(f"fixed {rate:g}/s: round {number}/{rounds}: " + ", ".join(
            f"{name} p99 {pooled[name]['blocks'][-1]['p99_ms']} ms" for name in ENDPOINTS)
            + f"; load average {os.getloadavg()[0]:.2f}")
    for name, into in pooled.items():
        ordered = sorted(into["latencies"])
        result["fixed"][name] = {
            "rate_requested": rate, "requests": into["requests"], "statuses": into["statuses"],
            "p50_ms": _pct(ordered, 0.50), "p95_ms": _pct(ordered, 0.95), "p99_ms": _pct(ordered, 0.99),
            "max_ms": round(ordered[-1], 2) if ordered else None,
            "achieved_rps_per_block": [b["achieved_rps"] for b in into["blocks"]],
            "connections_opened": into["opened"],
            "generator_send_lag_p99_ms_worst_block": max(into["lag"]),
            "server_cpu_ms_per_request": round(into["server"] * 1000 / max(1, into["requests"]), 2),
            "db_cpu_ms_per_request": round(into["db"] * 1000 / max(1, into["requests"]), 2),
            "blocks": into["blocks"],
        }
    result["ratios"] = ratios(result)
    result["goals"] = goals(result)
    return result


def _pct(ordered: list[float], fraction: float) -> float | None:
    if not ordered:
        return None
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 2)


def _median_block(blocks: list[dict], key: str) -> float:
    values = sorted(b[key] for b in blocks)
    return round(values[len(values) // 2] / 1000, 2)


def ratios(result: dict) -> dict:
    out: dict = {}
    best = result.get("max")
    if best:
        out["checked_vs_bare_rps"] = round(best["checked"]["rps"] / best["bare"]["rps"], 3)
        out["unchecked_vs_checked_rps"] = round(best["unchecked"]["rps"] / best["checked"]["rps"], 3)
        out["checked_vs_unchecked_cpu"] = round(
            (best["checked"]["server_cpu_ms_per_request"] + best["checked"]["db_cpu_ms_per_request"])
            / max(0.001, best["unchecked"]["server_cpu_ms_per_request"] + best["unchecked"]["db_cpu_ms_per_request"]), 3)
    fixed = result["fixed"]
    for q in ("p50_ms", "p99_ms"):
        if fixed["checked"].get(q) and fixed["unchecked"].get(q):
            out[f"checked_vs_unchecked_{q.removesuffix('_ms')}_at_fixed_rate"] = round(
                fixed["checked"][q] / fixed["unchecked"][q], 3)
    return out


def goals(result: dict) -> list[dict]:
    best, fixed, r = result.get("max"), result["fixed"], result["ratios"]
    rows = []
    if best:
        rows.append({"goal": f"checked read ≥ {GOALS['max_rps']} requests/s on 2 cores", "value": best["checked"]["rps"],
                     "met": best["checked"]["rps"] >= GOALS["max_rps"]})
        rows.append({"goal": f"checked read ≥ {GOALS['bare_ratio']} of the bare Django read's throughput",
                     "value": r["checked_vs_bare_rps"], "met": r["checked_vs_bare_rps"] >= GOALS["bare_ratio"]})
        rows.append({"goal": "consent check + audit cost ≤ 25% in throughput (unchecked ÷ checked ≤ 1.25)",
                     "value": r["unchecked_vs_checked_rps"], "met": r["unchecked_vs_checked_rps"] <= GOALS["overhead"]})
    p99, rate = fixed["checked"].get("p99_ms"), fixed["checked"]["rate_requested"]
    rows.append({"goal": f"checked read p99 ≤ {GOALS['p99_ms_at_300']} ms at a fixed {rate:g} requests/s"
                         + ("" if rate == 300 else " (the goal is at 300/s)"), "value": p99,
                 "met": rate >= 300 and p99 is not None and p99 <= GOALS["p99_ms_at_300"]
                 and fixed["checked"]["statuses"] == {"200": fixed["checked"]["requests"]}})
    p50 = r.get("checked_vs_unchecked_p50_at_fixed_rate")
    rows.append({"goal": "consent check + audit cost ≤ 25% in latency (median at the fixed rate, checked ÷ unchecked)",
                 "value": p50, "met": p50 is not None and p50 <= GOALS["overhead"]})
    return rows


def markdown(result: dict) -> list[str]:
    rate = f"{result['fixed']['checked']['rate_requested']:g}/s"
    lines = ["", "**Headline (issues 12 and 3)**: " + result["method"]["max"] + "; " + result["method"]["fixed"] + ".",
             "", f"| Read | Max req/s | p50 ms (max) | p99 ms (max) | p50 ms at {rate} | p95 ms at {rate} | p99 ms at {rate} "
             "| Server CPU ms/req (max) | DB CPU ms/req (max) | Errors |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    best = result.get("max") or {}
    for name in ENDPOINTS:
        b, f = best.get(name, {}), result["fixed"][name]
        errors = (b.get("errors", 0) + b.get("non_2xx", 0)) + sum(n for s, n in f["statuses"].items() if s != "200")
        lines.append(f"| {LABELS[name]} | {b.get('rps', '—')} | {b.get('p50_ms', '—')} | {b.get('p99_ms', '—')} | "
                     f"{f['p50_ms']} | {f['p95_ms']} | {f['p99_ms']} | {b.get('server_cpu_ms_per_request', '—')} | "
                     f"{b.get('db_cpu_ms_per_request', '—')} | {errors} |")
    lines += ["", "| Goal | Value | Met |", "|---|---:|---|"]
    for goal in result["goals"]:
        lines.append(f"| {goal['goal']} | {goal['value']} | {'yes' if goal['met'] else '**no**'} |")
    return lines
