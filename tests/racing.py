"""Several threads sending the same request at once, each on its own database connection (PostgreSQL only:
SQLite's in-memory test database answers concurrent connections with 'database table is locked')."""

from __future__ import annotations

import threading
from collections.abc import Callable


def race(threads_count: int, send: Callable[[], object]) -> list[tuple[int, object]]:
    """Start `threads_count` threads that wait for each other and then call `send()` together; returns every
    thread's (status code, the answer's "id"). Fails if a thread did not answer within a minute."""
    from django.db import connection

    barrier = threading.Barrier(threads_count)
    results: list = []
    lock = threading.Lock()

    def one():
        try:
            barrier.wait(timeout=30)
            response = send()
            with lock:
                results.append((response.status_code, response.json().get("id")))
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=one) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == threads_count, results
    return results
