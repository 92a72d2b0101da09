"""Health checks for persistent PostgreSQL connections without a round trip.

Django's CONN_HEALTH_CHECKS sends `SELECT 1` before the first query of every request: a whole extra round
trip (and wake-up) per request. A persistent connection that PostgreSQL has dropped — a restart, a
terminated backend, an idle timeout — has something to read on its socket (the server's FATAL message,
or end-of-file), while a healthy idle connection has nothing. So at the start of each request every open
PostgreSQL connection's socket is polled (no wait); only when there is something to read does Django's
own check (`SELECT 1`) run, and a connection that fails it is closed, to be reopened by the next query.
A restarted database costs no failed request, as before (tests/test_db_health.py).
"""

from __future__ import annotations

import select

from django.db import connections


def _readable(wrapper) -> bool:
    try:
        fd = wrapper.connection.pgconn.socket
    except Exception:  # closed or broken: treat as suspect  # noqa: BLE001
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


def check_connections(**kwargs) -> None:
    """request_started: close each open PostgreSQL connection the server has dropped (never mid-transaction)."""
    for wrapper in connections.all(initialized_only=True):
        if wrapper.vendor != "postgresql" or wrapper.connection is None or wrapper.in_atomic_block:
            continue
        if (wrapper.connection.closed or _readable(wrapper)) and not wrapper.is_usable():
            wrapper.close()
