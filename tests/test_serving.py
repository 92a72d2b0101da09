"""The production server's worker (throughcare.core.serving.BalancedThreadWorker): keep-alive connections
opened in a burst are shared out between the workers, and a worker that cannot hand a connection on (its
sibling stopped) still takes it. Real gunicorn processes on loopback; Linux only (/proc)."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from benchmarks.crash import _children, free_port  # a process's children (from /proc); a free loopback port
from throughcare.core.serving import WORKER_CLASS as WORKER

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")


@pytest.fixture
def server():
    """gunicorn with two balanced workers of four threads, as `throughcare serve --workers 2` runs it."""
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603 - this interpreter's gunicorn, fixed arguments
        [sys.executable, "-m", "gunicorn", "tests.serving_app:app", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--worker-class", WORKER, "--threads", "4", "--keep-alive", "30", "--log-level", "warning"],
        cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while len(_children(proc.pid)) < 2 or not _answers(port):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "gunicorn did not start two workers in 30 s"
            time.sleep(0.1)
        workers = _children(proc.pid)
        # Both workers have written their slot once their event loop turns (at least once a second).
        pids = set()
        while pids != set(workers):
            pids |= {int(_get(port)) for _ in range(4)}  # each answer says which worker served it
            assert time.monotonic() < deadline, f"only {pids} of {workers} answered"
        time.sleep(1.2)  # every worker's loop has turned since its last connection closed
        yield port, workers
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _answers(port: int) -> bool:
    try:
        _get(port)
        return True
    except OSError:
        return False


def _get(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/", headers={"Connection": "close"})
        return conn.getresponse().read().decode()
    finally:
        conn.close()


def _burst(port: int, clients: int) -> tuple[Counter, list[http.client.HTTPConnection]]:
    """`clients` keep-alive connections opened at once, one request each, left open: who served each."""
    conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(clients)]
    for conn in conns:
        conn.connect()

    def ask(conn: http.client.HTTPConnection) -> int:
        conn.request("GET", "/")
        return int(conn.getresponse().read())

    with ThreadPoolExecutor(clients) as pool:
        served = Counter(pool.map(ask, conns))
    return served, conns


def test_a_burst_of_keep_alive_connections_is_shared_between_the_workers(server):
    port, workers = server
    served, conns = _burst(port, 16)
    try:
        assert set(served) == set(workers)
        # The least loaded worker takes each connection: 8 and 8, give or take the table's lag.
        assert min(served.values()) >= 6, served
        # Each connection stays with its worker: a second request on each is served by the same one.
        again = Counter()
        for conn in conns:
            conn.request("GET", "/")
            again[int(conn.getresponse().read())] += 1
        assert again == served
    finally:
        for conn in conns:
            conn.close()


def test_a_worker_whose_sibling_has_stopped_still_takes_every_connection(server):
    port, workers = server
    stopped, running = workers
    os.kill(stopped, signal.SIGSTOP)  # alive to the table (its heartbeat is recent) but taking nothing
    try:
        started = time.monotonic()
        served, conns = _burst(port, 8)
        for conn in conns:
            conn.close()
        assert served == Counter({running: 8})
        # Each connection waited at most DEFER_AT_MOST (50 ms) for the stopped sibling, not a timeout.
        assert time.monotonic() - started < 5
    finally:
        os.kill(stopped, signal.SIGCONT)


def test_throughcare_serve_runs_gunicorn_with_the_balanced_worker(monkeypatch):
    from gunicorn.util import load_class
    from typer.testing import CliRunner

    from throughcare import cli
    from throughcare.core.serving import BalancedThreadWorker

    execs = []

    def execvp(file, args):  # exec replaces the process: here the command ends
        execs.append(args)
        raise SystemExit(0)

    monkeypatch.setattr(cli, "setup", lambda: None)
    monkeypatch.setattr(cli.os, "execvp", execvp)
    result = CliRunner().invoke(cli.app, ["serve", "--workers", "2", "--threads", "4"])
    assert result.exit_code == 0, result.output
    [args] = execs
    from throughcare.core.serving import WORKER_CLASS

    assert args[args.index("--worker-class") + 1] == WORKER_CLASS
    assert args[args.index("--workers") + 1] == "2" and args[args.index("--threads") + 1] == "4"
    assert load_class(WORKER_CLASS) is BalancedThreadWorker
