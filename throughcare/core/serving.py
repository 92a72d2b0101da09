"""gunicorn's threaded worker, with connections shared out between the workers (decision 0019).

Every gthread worker watches the same listening socket and accepts whatever it is woken for. A client
that opens its keep-alive connections in a burst — a TLS proxy's pool, a load balancer, a load generator
— often finds them all taken by whichever worker ran first, and keeps them: one process (one GIL, about
one core) then serves everything while the others idle. On two cores that halved the throughput of every
read in the benchmark, at random, run to run (16 of 16 connections on one worker, seen with `ss`).

`BalancedThreadWorker` accepts a connection only when it holds no more connections than the least loaded
of its live siblings. Otherwise it stops watching the socket for a moment (`DEFER` seconds), so a sibling,
woken by the same connection, takes it; after `DEFER_AT_MOST` it takes the connection itself, so a stuck or
dying sibling never leaves a client waiting. The workers' connection counts live in a small table in
shared memory, made in the master before it forks and written by each worker as its event loop turns
(pid, connections, heartbeat); a slot whose heartbeat is older than `STALE` seconds is a worker gone.
The table only steers where a connection goes; nothing depends on it being exact.
"""

from __future__ import annotations

import mmap
import os
import struct
import time

from gunicorn.workers.gthread import ThreadWorker

#: Slots in the table: a worker writes to slot `age % SLOTS` (gunicorn numbers the workers it starts).
SLOTS = 64
_SLOT = struct.Struct("qqd")  # pid, connections, heartbeat (time.monotonic(): one clock for the machine)
#: How long a worker that is not the least loaded leaves a new connection to its siblings.
DEFER = 0.002
#: After this long it takes the connection itself.
DEFER_AT_MOST = 0.05
#: A sibling silent this long is gone (the event loop turns at least once a second).
STALE = 3.0

#: The class path to give gunicorn (`--worker-class`): `throughcare serve`, the benchmarks and the crash test.
WORKER_CLASS = f"{__name__}.BalancedThreadWorker"

# Anonymous shared memory, made when gunicorn's master loads this class, before it forks the workers.
_TABLE = mmap.mmap(-1, SLOTS * _SLOT.size)


def _read(slot: int) -> tuple[int, int, float]:
    return _SLOT.unpack_from(_TABLE, slot * _SLOT.size)


class BalancedThreadWorker(ThreadWorker):
    """gthread, but a new connection goes to the least loaded worker (see the module's docstring)."""

    def run(self):
        self._slot = self.age % SLOTS
        self._deferred_since: float | None = None  # when the connection now waiting was first left to others
        self._last_deferral = 0.0
        self._resume_at = 0.0
        self._publish()
        try:
            super().run()
        finally:
            _SLOT.pack_into(_TABLE, self._slot * _SLOT.size, 0, 0, 0.0)

    def _publish(self) -> None:
        _SLOT.pack_into(_TABLE, self._slot * _SLOT.size, os.getpid(), self.nr_conns, time.monotonic())

    def _least_loaded(self, now: float) -> bool:
        me = os.getpid()
        for slot in range(SLOTS):
            pid, connections, heartbeat = _read(slot)
            if pid and pid != me and now - heartbeat < STALE and connections < self.nr_conns:
                return False
        return True

    def accept(self, listener):
        now = time.monotonic()
        if not self._least_loaded(now):
            if self._deferred_since is None or now - self._last_deferral > 10 * DEFER:
                self._deferred_since = now  # (a new connection, not the one left a moment ago)
            self._last_deferral = now
            if now - self._deferred_since < DEFER_AT_MOST:
                self._resume_at = now + DEFER
                self.set_accept_enabled(False)  # a sibling woken by the same connection takes it
                return
        self._deferred_since = None
        super().accept(listener)
        self._publish()

    def set_accept_enabled(self, enabled):
        if enabled and time.monotonic() < self._resume_at:
            return  # still leaving new connections to the siblings
        super().set_accept_enabled(enabled)

    def wait_for_and_dispatch_events(self, timeout):
        if not self._accepting and self._resume_at:
            timeout = min(timeout, max(0.0, self._resume_at - time.monotonic()))
        super().wait_for_and_dispatch_events(timeout)
        self._publish()  # connections finished or closed while waiting
