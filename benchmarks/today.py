"""The worker's "today" page on a large database, in-process, with PostgreSQL's JIT on and off.

    DATABASE_URL=postgresql://.../tc_scale .venv/bin/python -m benchmarks.today off   # or: on

On the database `throughcare demo-world --people 1000000 --seed 7` builds: kw.amara's page, 15 times warm after
one, through Django's test client (the whole middleware, the access rule and the audit entry; no HTTP server).
Prints the median and range of wall time, the application's CPU and the queries. Results: docs/benchmarks.md.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import time


def main(jit: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "throughcare.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    client.force_login(get_user_model().objects.get(username="kw.amara"))

    def set_jit():
        with connection.cursor() as cursor:
            cursor.execute("SET jit = on" if jit == "on" else "SET jit = off")

    set_jit()
    client.get("/today/")
    walls, cpus = [], []
    for _ in range(15):
        set_jit()
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get("/today/")
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get("/today/")
    shown = re.findall(r"<strong>(\d+)</strong> (people on your caseload|referrals? waiting)",
                        response.content.decode())
    print(f"jit={jit}: median {statistics.median(walls):.0f} ms wall, {statistics.median(cpus):.0f} ms application "
          f"CPU, {min(walls):.0f} to {max(walls):.0f} ms; {len(queries)} queries; {shown}; load average "
          f"{os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "off")
