"""Throughcare's benchmark: how long the person page and the person APIs take with many people.

    .venv/bin/python benchmarks/run.py            # full: 100,000 people, 2,000 requests per endpoint
    .venv/bin/python benchmarks/run.py --quick    # about a minute: 10,000 people, 300 requests per endpoint

(`make bench` and `make bench-quick` run these.) Method, in order:

1. A dedicated PostgreSQL database on 127.0.0.1 (throughcare_bench, or throughcare_bench_quick for
   --quick) is reused if it holds exactly the expected number of people and is marked as a demo;
   otherwise (or with --fresh) it is dropped and rebuilt with `throughcare migrate --demo` and
   `throughcare demo-world --people N --seed 7`, then VACUUM (ANALYZE)d.
2. An API token is made for the demo key worker kw.amara, and a fixed sample of people kw.amara
   may see is drawn with the access policy itself (throughcare.consent.policy.visible_people).
3. The app is started under gunicorn (2 sync workers) on a free loopback port.
4. This script signs kw.amara in through the /sign-in form (CSRF token and all). A load generator
   in its own process (benchmarks/loadgen.py) gets the session cookie and the Bearer token, warms
   up, then measures every endpoint in interleaved blocks at a fixed concurrency.
5. Median, p95, p99 and throughput per endpoint, each endpoint's median as a multiple of the
   baseline's (/healthz: one SELECT 1 through the same stack), and the gunicorn workers' CPU time
   per request (steadier than latency on a busy machine) go to
   benchmarks/results/<date>-<quick|full>.json and are printed as a markdown table.

Nothing but 127.0.0.1 is contacted. Every step has a time limit, and gunicorn is stopped at the
end whatever happens.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import http.cookies
import io
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

try:
    from benchmarks import headline
except ImportError:  # run as a script: benchmarks/ itself is on the path
    import headline

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
RESULTS = ROOT / "benchmarks" / "results"
LOOPBACK = "127.0.0.1"
KEY_WORKER = "kw.amara"
DEMO_PASSWORD = "throughcare-demo"  # the demo world's password (throughcare.core.demo)
# Benchmark databases hold synthetic people only; a fixed key keeps their audit checkpoints
# verifiable from one run to the next.
BENCH_SECRET_KEY = "throughcare-benchmark-only-synthetic-data-not-a-secret"

PROFILES = {
    # people, measured requests per endpoint, warm-up requests per endpoint, rounds, deadline (s)
    # headline: wrk rounds x seconds per endpoint, and seconds per endpoint at the fixed rate
    "quick": {"people": 10_000, "requests": 300, "warmup": 30, "rounds": 5, "deadline": 300,
              "max_rounds": 3, "max_seconds": 5, "fixed_seconds": 15},
    "full": {"people": 100_000, "requests": 2_000, "warmup": 100, "rounds": 10, "deadline": 1200,
             "max_rounds": 5, "max_seconds": 10, "fixed_seconds": 60},
}

SAMPLE_SCRIPT = """
import json, random, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from throughcare.consent.policy import visible_people
from throughcare.episodes.models import Episode
from throughcare.journey.models import Event
from throughcare.people.models import Person
user = get_user_model().objects.select_related("staff__agency").get(username=sys.argv[1])
ids = sorted(str(pk) for pk in visible_people(user).values_list("id", flat=True))
sample = random.Random(int(sys.argv[3])).sample(ids, min(int(sys.argv[2]), len(ids)))
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from throughcare.careteam.models import CareTeamMember
from throughcare.referrals.models import Referral
client = Client()
client.force_login(user)
client.get("/today/")
with CaptureQueriesContext(connection) as today_queries:
    assert client.get("/today/").status_code == 200
print(json.dumps({"visible": len(ids), "sample": sample, "agency": user.staff.agency.name,
                  "caseload": CareTeamMember.objects.filter(worker=user, left_at__isnull=True).count(),
                  "today_queries": len(today_queries), "referrals": Referral.objects.count(),
                  "people": Person.objects.count(), "episodes": Episode.objects.count(),
                  "events": Event.objects.count()}))
"""


class BenchError(RuntimeError):
    pass


@dataclass
class Code:
    """The Throughcare code being measured: the working tree, or a clean export of a commit (--ref)."""

    root: Path
    commit: str
    dirty: bool

    @property
    def cli(self) -> list[str]:
        if self.root == ROOT:
            return [str(BIN / "throughcare")]
        return [str(BIN / "python"), "-m", "throughcare.cli"]  # the export comes first on the path


def working_tree() -> Code:
    return Code(ROOT, sh(["git", "rev-parse", "--short", "HEAD"]) or "unknown",
                bool(sh(["git", "status", "--porcelain", "--", "throughcare", "pyproject.toml"])))


def export_commit(ref: str, into: Path) -> Code:
    """A clean copy of the code at `ref` (git archive), so that what is measured is exactly that commit."""
    commit = sh(["git", "rev-parse", "--short", "--verify", f"{ref}^{{commit}}"])
    if not commit:
        raise BenchError(f"{ref!r} is not a commit")
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=ROOT, capture_output=True, timeout=120)
    if archive.returncode != 0:
        raise BenchError(f"git archive {commit} failed: {archive.stderr.decode(errors='replace')}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        if hasattr(tarfile, "data_filter"):  # Python 3.11.4+
            tar.extractall(into, filter="data")
        else:
            tar.extractall(into)  # our own repository's archive
    vendor = ROOT / "throughcare" / "static" / "vendor"  # built assets are not in git
    if vendor.is_dir():
        shutil.copytree(vendor, into / "throughcare" / "static" / "vendor")
    log(f"measuring commit {commit} exported to {into}")
    return Code(into, commit, False)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- database


def server_url(base: str, db: str) -> str:
    parsed = urllib.parse.urlparse(base)
    if parsed.hostname != LOOPBACK:
        raise BenchError(f"--pg must point at {LOOPBACK}, not {parsed.hostname!r}")
    return urllib.parse.urlunparse(parsed._replace(path="/" + db))


def connect(url: str, **kwargs):
    import psycopg

    return psycopg.connect(url, connect_timeout=5, **kwargs)


def database_state(url: str) -> dict | None:
    """People count and demo mark of the benchmark database, or None if it does not exist or is unusable."""
    import psycopg

    try:
        with connect(url) as conn:
            people = conn.execute("SELECT count(*) FROM people_person").fetchone()[0]
            demo = conn.execute("SELECT count(*) FROM core_databasemark WHERE key = %s", ["demo"]).fetchone()[0]
            amara = conn.execute("SELECT count(*) FROM auth_user WHERE username = %s", [KEY_WORKER]).fetchone()[0]
            return {"people": people, "demo": bool(demo), "key_worker": bool(amara)}
    except psycopg.OperationalError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    except psycopg.errors.UndefinedTable:
        return {"people": -1, "demo": False, "key_worker": False}


def recreate_database(base: str, db: str) -> None:
    if not re.fullmatch(r"[a-z0-9_]+", db):
        raise BenchError(f"unexpected database name {db!r}")
    with connect(server_url(base, "postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {db}")


def run_command(args: list[str], env: dict, timeout: float, *, capture: bool = False, cwd: Path = ROOT) -> str:
    log("$ " + " ".join("<script>" if "\n" in arg else arg for arg in args))
    result = subprocess.run(args, cwd=cwd, env=env, timeout=timeout, text=True,
                            stdout=subprocess.PIPE if capture else None, stderr=None)
    if result.returncode != 0:
        raise BenchError(f"{args[0]} exited with {result.returncode}")
    return result.stdout or ""


def prepare_database(code: Code, base: str, db: str, people: int, seed: int, fresh: bool, env: dict) -> dict:
    url = server_url(base, db)
    state = None if fresh else database_state(url)
    wanted = {"people": people, "demo": True, "key_worker": True}
    if state == wanted:
        log(f"reusing {db}: {people:,} people already loaded")
        run_command([*code.cli, "migrate", "--demo"], env, 600, cwd=code.root)
        return {"reused": True, "load_seconds": None}
    log(f"(re)creating {db}: " + ("--fresh" if fresh else f"found {state}, want {wanted}"))
    recreate_database(base, db)
    run_command([*code.cli, "migrate", "--demo"], env, 600, cwd=code.root)
    started = time.monotonic()
    run_command([*code.cli, "demo-world", "--people", str(people), "--seed", str(seed)], env,
                max(900, people * 0.05), cwd=code.root)
    loaded = round(time.monotonic() - started, 1)
    # A bulk load leaves tables without planner statistics or visibility maps, and the first reads
    # of each page set hint bits; measure the steady state instead of racing autovacuum.
    log(f"VACUUM (ANALYZE) {db}")
    with connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    return {"reused": False, "load_seconds": loaded}


# ---------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def request(port: int, method: str, path: str, headers: dict | None = None, body: str | None = None,
            timeout: float = 30):
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def _worker_class(code: Code, worker_class: str) -> str:
    """gthread as `throughcare serve` runs it; plain gthread for a commit (--ref) from before core.serving."""
    if worker_class == "gthread" and (code.root / "throughcare" / "core" / "serving.py").exists():
        from throughcare.core.serving import WORKER_CLASS  # the class path (the export runs its own copy)

        return WORKER_CLASS
    return worker_class


def start_gunicorn(code: Code, port: int, workers: int, env: dict, workdir: Path, *, worker_class: str = "gthread",
                   threads: int = 4) -> subprocess.Popen:
    """The production serving mode (docs/configuration.md): gunicorn, `workers` processes of `threads` threads
    with keep-alive (gthread: `throughcare serve`'s worker, which shares connections out between the workers),
    the app loaded once before the workers fork (--preload)."""
    errors = workdir / "gunicorn.log"
    args = [str(BIN / "gunicorn"), "throughcare.wsgi:application", "--bind", f"{LOOPBACK}:{port}",
            "--workers", str(workers), "--worker-class", _worker_class(code, worker_class), "--preload", "--timeout", "60",
            "--log-level", "warning", "--error-logfile", str(errors)]
    if worker_class == "gthread":
        args += ["--threads", str(threads), "--keep-alive", "5"]
    log("$ " + " ".join(args))
    return subprocess.Popen(args, cwd=code.root, env=env, stdin=subprocess.DEVNULL, start_new_session=True)


def wait_ready(proc: subprocess.Popen, port: int, workdir: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            status, _, _ = request(port, "GET", "/healthz", timeout=5)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    tail = (workdir / "gunicorn.log").read_text(errors="replace")[-3000:] if (workdir / "gunicorn.log").exists() else ""
    raise BenchError(f"gunicorn did not become ready on port {port}\n{tail}")


def worker_pids(proc: subprocess.Popen, workers: int, timeout: float = 30) -> list[int]:
    """The gunicorn master's worker processes (its children), once they have all started."""
    deadline = time.monotonic() + timeout
    found: list[int] = []
    while time.monotonic() < deadline:
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == proc.pid:
                found.append(int(stat.parent.name))
        if len(found) >= workers:
            break
        time.sleep(0.3)
    return sorted(found)


def stop_gunicorn(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    log(f"stopping gunicorn (pid {proc.pid})")
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # its own session: gunicorn and its workers only
        proc.wait(timeout=10)


def sign_in(port: int) -> str:
    """Sign in as the key worker through the form; the session cookie to send."""
    status, headers, body = request(port, "GET", "/sign-in")
    if status != 200:
        raise BenchError(f"GET /sign-in answered {status}")
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    cookies = http.cookies.SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        cookies.load(value)
    if not match or "csrftoken" not in cookies:
        raise BenchError("the sign-in form has no CSRF token")
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": match.group(1).decode(), "username": KEY_WORKER,
                                   "password": DEMO_PASSWORD, "next": ""})
    status, headers, _ = request(port, "POST", "/sign-in", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={cookies['csrftoken'].value}",
    })
    for value in headers.get_all("Set-Cookie") or []:
        cookies.load(value)
    if status != 302 or "sessionid" not in cookies:
        raise BenchError(f"signing in as {KEY_WORKER} failed (status {status})")
    return f"sessionid={cookies['sessionid'].value}"


# ---------------------------------------------------------------- measuring


def percentile(ordered: list[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarise(raw: dict) -> dict:
    ok = sorted(raw["latencies_ms"])  # 200 answers only; the others are counted in statuses
    count = len(ok)
    errors = sum(n for status, n in raw["statuses"].items() if status != "200")
    return {
        "requests": count,
        "non_200": errors,
        "statuses": raw["statuses"],
        "median_ms": round(percentile(ok, 0.50), 2),
        "p95_ms": round(percentile(ok, 0.95), 2),
        "p99_ms": round(percentile(ok, 0.99), 2),
        "min_ms": round(ok[0], 2) if ok else None,
        "max_ms": round(ok[-1], 2) if ok else None,
        "mean_ms": round(sum(ok) / count, 2) if count else None,
        "throughput_rps": round(count / raw["wall_s"], 1) if raw["wall_s"] else None,
        # CPU time of the gunicorn workers per request: less disturbed by other work on the machine than latency.
        "server_cpu_ms_per_request": round(raw["server_cpu_s"] * 1000 / count, 2) if count else None,
        "mean_response_bytes": round(raw["bytes"] / count) if count else None,
    }


def run_load(port: int, plan: dict, timeout: float) -> dict:
    log(f"load: {plan['requests']} requests per endpoint after {plan['warmup']} warm-up, "
        f"concurrency {plan['concurrency']}, {plan['rounds']} interleaved rounds")
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "loadgen.py")], input=json.dumps(plan),
                            stdout=subprocess.PIPE, text=True, timeout=timeout, cwd=ROOT)
    if result.returncode != 0:
        raise BenchError(f"the load generator exited with {result.returncode}")
    return json.loads(result.stdout)


# ---------------------------------------------------------------- reporting


def sh(args: list[str]) -> str:
    try:
        return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def machine(pg_url: str) -> dict:
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    total = re.search(r"MemTotal:\s+(\d+) kB", meminfo)
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    with connect(pg_url) as conn:
        pg_version = conn.execute("SHOW server_version").fetchone()[0]
        pg_settings = {name: conn.execute(f"SHOW {name}").fetchone()[0]
                       for name in ("shared_buffers", "work_mem", "autovacuum", "synchronous_commit", "max_connections")}

    def version(package: str) -> str:
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as v

        try:
            return v(package)
        except PackageNotFoundError:
            return "?"

    return {
        "uname": sh(["uname", "-a"]),
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_model": model.group(1).strip() if model else platform.processor(),
        "memory_gb": round(int(total.group(1)) / 1024 / 1024, 1) if total else None,
        "python": platform.python_version(),
        "postgres": pg_version,
        "postgres_settings": pg_settings,
        "django": version("django"),
        "django_ninja": version("django-ninja"),
        "gunicorn": version("gunicorn"),
        "psycopg": version("psycopg"),
    }


ENDPOINT_LABELS = {
    "baseline": "Baseline: GET /healthz (SELECT 1)",
    "person_page": "Person page: GET /people/<id>/ (HTML, session)",
    "timeline_api": "Timeline API: GET /api/v1/people/<id>/timeline (Bearer)",
    "person_api": "Person API: GET /api/v1/people/<id> (Bearer)",
    "person_api_unchecked": "Same read, no consent check, no audit (benchmark-only route)",
    "bare_django": "Bare Django read of the same row, no token (benchmark-only route)",
    "today_page": "Today page: GET /today/ (HTML, session; the key worker's caseload)",
}


def backend_pids(url: str, db: str) -> list[int]:
    """The database server's processes serving the benchmark database (for their CPU time)."""
    with connect(server_url(url, "postgres")) as conn:
        return [row[0] for row in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [db])]


def _overhead(full: dict | None, bare: dict | None) -> dict | None:
    if not full or not bare or not bare.get("median_ms"):
        return None
    result = {"median_ratio": round(full["median_ms"] / bare["median_ms"], 3),
              "p95_ratio": round(full["p95_ms"] / bare["p95_ms"], 3) if bare.get("p95_ms") else None}
    if full.get("server_cpu_ms_per_request") and bare.get("server_cpu_ms_per_request"):
        result["server_cpu_ratio"] = round(full["server_cpu_ms_per_request"] / bare["server_cpu_ms_per_request"], 3)
    return result


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        f"**{report['date']}**, {report['profile']} run: {report['dataset']['people']:,} people, "
        f"commit `{report['commit']}`{' plus uncommitted changes' if report['dirty'] else ''}; "
        f"{m['nproc']} CPUs ({m['cpu_model']}), {m['memory_gb']} GB, Python {m['python']}, "
        f"PostgreSQL {m['postgres']}; load average {report['load_average']['before']} before, "
        f"{report['load_average']['after']} after.",
        "",
        "| Endpoint | Requests | Median ms | p95 ms | p99 ms | Req/s | Median × baseline | Server CPU ms/req "
        "| Non-200 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, stats in report["endpoints"].items():
        ratio = "1.0" if name == "baseline" else f"{stats['median_x_baseline']:.1f}"
        lines.append(f"| {ENDPOINT_LABELS.get(name, name)} | {stats['requests']:,} | {stats['median_ms']:.1f} | "
                     f"{stats['p95_ms']:.1f} | {stats['p99_ms']:.1f} | {stats['throughput_rps']:.0f} | "
                     f"{ratio} | {stats['server_cpu_ms_per_request']:.1f} | {stats['non_200']} |")
    data = report["dataset"]
    if "caseload" in data:
        lines += ["", f"Today page: {KEY_WORKER} has {data['caseload']} people on her caseload; the page ran "
                      f"{data['today_queries']} queries (counted in-process against the same database)."]
    overhead = report.get("access_control_overhead")
    if overhead:
        lines += ["", f"Consent check + audit entry vs the same read without them: median × {overhead['median_ratio']}, "
                      f"p95 × {overhead['p95_ratio']}, server CPU × {overhead.get('server_cpu_ratio')} (goal ≤ 1.25)."]
    return "\n".join(lines)


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10,000 people and 300 requests per endpoint")
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the benchmark database first")
    parser.add_argument("--people", type=int, help="how many people (default 100,000; 10,000 with --quick)")
    parser.add_argument("--requests", type=int, help="measured requests per endpoint (2,000; 300 with --quick)")
    parser.add_argument("--warmup", type=int, help="warm-up requests per endpoint, discarded")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"],
                        help="gunicorn worker class (default gthread: threads and keep-alive, the production mode)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker (default 4)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections for the headline (default 16)")
    parser.add_argument("--rate", type=float, default=300, help="the headline's fixed rate, requests/s (default 300)")
    parser.add_argument("--no-headline", action="store_true", help="skip the headline (wrk and the fixed rate)")
    parser.add_argument("--sample", type=int, default=1000, help="how many different people to request")
    parser.add_argument("--seed", type=int, default=7, help="demo-world seed (default 7)")
    parser.add_argument("--pg", default=f"postgresql://postgres@{LOOPBACK}:5432",
                        help="the PostgreSQL server (loopback only)")
    parser.add_argument("--db", help="database name (default throughcare_bench, throughcare_bench_quick)")
    parser.add_argument("--ref", help="measure this commit (a clean git export, e.g. HEAD) instead of the working tree")
    parser.add_argument("--output", type=Path, help="results file (default benchmarks/results/<date>-<profile>.json, "
                        "or -2, -3 ... if that exists)")
    args = parser.parse_args(argv)

    profile_name = "quick" if args.quick else "full"
    profile = dict(PROFILES[profile_name])
    people = args.people if args.people is not None else profile["people"]
    if args.people is not None and args.people != profile["people"]:
        profile_name += "-custom"
    db = args.db or ("throughcare_bench_quick" if args.quick else "throughcare_bench")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        log("psycopg is missing: run this with .venv/bin/python (make bench does)")
        return 2
    try:
        db_url = server_url(args.pg, db)
    except BenchError as exc:
        log(str(exc))
        return 2
    today = dt.date.today().isoformat()
    output = args.output or RESULTS / f"{today}-{profile_name}.json"
    number = 2
    while args.output is None and output.exists():  # keep earlier runs of the day
        output = RESULTS / f"{today}-{profile_name}-{number}.json"
        number += 1

    workdir = Path(tempfile.mkdtemp(prefix="throughcare-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("THROUGHCARE_")}
    env.update({
        "DATABASE_URL": db_url,
        "THROUGHCARE_DB_CONN_MAX_AGE": "60",
        "THROUGHCARE_DATA_DIR": str(workdir),
        "THROUGHCARE_SECRET_KEY": BENCH_SECRET_KEY,
        "THROUGHCARE_DEBUG": "false",
        "THROUGHCARE_LOG_LEVEL": "WARNING",
        # The real settings plus one benchmark-only route (benchmarks/bench_urls.py): the same person read
        # without the consent check and audit entry, to measure what those cost in the same run.
        "DJANGO_SETTINGS_MODULE": "benchmarks.bench_settings",
        "PYTHONUNBUFFERED": "1",
    })
    env.pop("TZ", None)
    env["PYTHONPATH"] = str(ROOT)  # so that benchmarks.bench_settings imports (--ref points it at the export)
    proc = None
    started = time.monotonic()
    try:
        load_before = [round(x, 2) for x in os.getloadavg()]
        code = export_commit(args.ref, workdir / "src") if args.ref else working_tree()
        if args.ref:
            env["PYTHONPATH"] = str(code.root)
        where = run_command([str(BIN / "python"), "-c", "import throughcare; print(throughcare.__file__)"], env, 60,
                            capture=True, cwd=code.root).strip()
        if not Path(where).is_relative_to(code.root):
            raise BenchError(f"throughcare is imported from {where}, not from {code.root}")
        database = prepare_database(code, args.pg, db, people, args.seed, args.fresh, env)
        token = run_command([*code.cli, "token", "create", KEY_WORKER, "--label", "benchmark"], env,
                            120, capture=True, cwd=code.root).strip().splitlines()[-1]
        if not token.startswith("tc_"):
            raise BenchError("no API token was printed")
        log(f"drawing {args.sample} people {KEY_WORKER} may see")
        dataset = json.loads(run_command([str(BIN / "python"), "-c", SAMPLE_SCRIPT, KEY_WORKER, str(args.sample),
                                          str(args.seed)], env, 600, capture=True,
                                         cwd=code.root).strip().splitlines()[-1])
        sample = dataset.pop("sample")
        if dataset["people"] != people or not sample:
            raise BenchError(f"the database holds {dataset['people']} people, not {people}, or none are visible")
        log(f"{dataset['people']:,} people, {dataset['events']:,} events; {KEY_WORKER} may see "
            f"{dataset['visible']:,}; sampled {len(sample)}; caseload {dataset['caseload']}, "
            f"today page {dataset['today_queries']} queries")

        port = free_port()
        proc = start_gunicorn(code, port, args.workers, env, workdir, worker_class=args.worker_class,
                              threads=args.threads)
        wait_ready(proc, port, workdir)
        pids = worker_pids(proc, args.workers)
        if len(pids) != args.workers:
            raise BenchError(f"expected {args.workers} gunicorn workers, found {pids}")
        cookie = sign_in(port)
        bearer = {"Authorization": f"Bearer {token}"}
        checks = {
            "person_page": request(port, "GET", f"/people/{sample[0]}/", headers={"Cookie": cookie})[0],
            "timeline_api": request(port, "GET", f"/api/v1/people/{sample[0]}/timeline", headers=bearer)[0],
            "person_api": request(port, "GET", f"/api/v1/people/{sample[0]}", headers=bearer)[0],
            "person_api_unchecked": request(port, "GET", f"/bench/v1/people/{sample[0]}", headers=bearer)[0],
            "bare_django": request(port, "GET", f"/bench/bare/people/{sample[0]}")[0],
            "today_page": request(port, "GET", "/today/", headers={"Cookie": cookie})[0],
        }
        if any(status != 200 for status in checks.values()):
            raise BenchError(f"a first request did not answer 200: {checks}")

        plan = {
            "port": port,
            "concurrency": args.concurrency,
            "server_pids": pids,
            "timeout_s": 30,
            "deadline_s": profile["deadline"],
            "warmup": args.warmup if args.warmup is not None else profile["warmup"],
            "requests": args.requests if args.requests is not None else profile["requests"],
            "rounds": profile["rounds"],
            "endpoints": {
                "baseline": {"paths": ["/healthz"]},
                "person_page": {"paths": [f"/people/{pid}/" for pid in sample], "headers": {"Cookie": cookie}},
                "timeline_api": {"paths": [f"/api/v1/people/{pid}/timeline" for pid in sample], "headers": bearer},
                "person_api": {"paths": [f"/api/v1/people/{pid}" for pid in sample], "headers": bearer},
                "person_api_unchecked": {"paths": [f"/bench/v1/people/{pid}" for pid in sample], "headers": bearer},
                "bare_django": {"paths": [f"/bench/bare/people/{pid}" for pid in sample]},
                "today_page": {"paths": ["/today/"], "headers": {"Cookie": cookie}},
            },
        }
        load = run_load(port, plan, timeout=profile["deadline"] + 300)
        top = None
        if not args.no_headline:
            top = headline.run(port, sample, token, workdir, server_pids=pids, db_pids=lambda: backend_pids(db_url, db),
                               rounds=profile["max_rounds"], seconds=profile["max_seconds"],
                               connections=args.connections, rate=args.rate, fixed_seconds=profile["fixed_seconds"],
                               log=log)
        stop_gunicorn(proc)
        proc = None

        endpoints = {name: summarise(raw) for name, raw in load["results"].items()}
        base = endpoints["baseline"]["median_ms"]
        for name, stats in endpoints.items():
            stats["median_x_baseline"] = round(stats["median_ms"] / base, 2) if base else None
            stats["p95_x_baseline"] = round(stats["p95_ms"] / base, 2) if base else None
        report = {
            "date": today,
            "profile": profile_name,
            "commit": code.commit,
            "dirty": code.dirty,
            "code": f"clean export of {args.ref}" if args.ref else "working tree",
            "machine": machine(db_url),
            "load_average": {"before": load_before, "after": [round(x, 2) for x in os.getloadavg()],
                             "per_round_1min": load["load_average_per_round"]},
            "dataset": {**dataset, "seed": args.seed, "database": db, **database, "sampled_people": len(sample)},
            "method": {
                "server": (f"gunicorn --preload, {args.workers} {args.worker_class} workers"
                           + (f" x {args.threads} threads, keep-alive" if args.worker_class == "gthread" else "")
                           + f", 127.0.0.1:{port}"),
                "database": "PostgreSQL on 127.0.0.1, THROUGHCARE_DB_CONN_MAX_AGE=60",
                "client": f"{args.concurrency} threads in a separate process, http.client, loopback only",
                "warmup_per_endpoint": plan["warmup"],
                "requests_per_endpoint": plan["requests"],
                "rounds": plan["rounds"],
                "order": "endpoints interleaved in rounds; each endpoint cycles through the sampled people",
                "baseline": "GET /healthz: SELECT 1 through the whole middleware stack",
            },
            "warmup_statuses": load["warmup_statuses"],
            "stopped_early": load["stopped_early"],
            "endpoints": endpoints,
            # What the consent check and the audit entry cost: the real person read against the same read
            # without them, measured side by side in this run (goal: at most 1.25).
            "access_control_overhead": _overhead(endpoints.get("person_api"), endpoints.get("person_api_unchecked")),
            "headline": top,
            "total_seconds": round(time.monotonic() - started, 1),
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".tmp")
        partial.write_text(json.dumps(report, indent=2) + "\n")
        partial.replace(output)
        print(markdown(report) + ("\n".join(headline.markdown(top)) if top else ""))
        print(f"\nResults: {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
        failures = sum(s["non_200"] for s in endpoints.values())
        total = sum(s["requests"] for s in endpoints.values())
        if load["stopped_early"]:
            log("the run hit its deadline: fewer requests than planned were measured")
        if failures:
            log(f"{failures} of {total} requests did not answer 200")
        return 1 if load["stopped_early"] or failures > total * 0.01 else 0
    except (BenchError, subprocess.TimeoutExpired) as exc:
        log(f"failed: {exc}")
        return 1
    finally:
        stop_gunicorn(proc)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
