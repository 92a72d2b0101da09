"""The timeline of a person with a long history, in a national-size register (issue 12; docs/benchmarks.md).

    nice -n 10 .venv/bin/python benchmarks/timeline.py                  # 1,000,000 people (make bench-timeline)
    nice -n 10 .venv/bin/python benchmarks/timeline.py --people 10000   # the same at 10,000 people, in minutes

Method, in order:

1. A dedicated PostgreSQL database on 127.0.0.1 (throughcare_bench_timeline, or --db) is reused if it holds
   exactly the expected number of people and is marked as a demo; otherwise it is rebuilt with
   `throughcare migrate --demo` and `throughcare demo-world --people N --seed 7` (timed), then
   VACUUM (ANALYZE)d.
2. The "long" person: the first (by id) of the people the demo key worker kw.amara leads on. Their
   history is grown to --events journey events (default 5,000) with the demo's own kinds of rows, bulk-loaded
   (core.bulk): notes in every category and past appointments with their appointment rows and events,
   spread over the last three years. The "short" person: the second of her people, as the demo made them
   (about 30 events). Growing is idempotent: a rerun tops the long person up to --events.
3. EXPLAIN (ANALYZE, BUFFERS) of the timeline's SQL for the long person (captured from
   journey.timeline.timeline_page, as kw.amara), into the results.
4. The app under gunicorn as in production (2 gthread workers of 4 threads, balanced, --preload), an API token for
   kw.amara, and one keep-alive connection: --requests sequential requests each (default 1,000, after
   --warmup), alternating long (page 1) / long (its last page) / short / GET /healthz so that other work on
   the machine falls on all alike. Every timeline request is the real one: token, consent check, audit
   entry, a page of 25.
5. p50, p95, p99 per request kind, the long timeline's p50 and p99 as multiples of the short one's, and the
   goal (long p99 <= 25 ms) met or not, to benchmarks/results/<date>-timeline.json and as markdown.

Nothing but 127.0.0.1 is contacted; gunicorn is always stopped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

try:
    from benchmarks import run
except ImportError:  # run as a script: benchmarks/ itself is on the path
    import run

ROOT = run.ROOT
BIN = run.BIN
RESULTS = run.RESULTS
GOAL_P99_MS = 25.0

GROW_SCRIPT = """
import json, sys
import django
django.setup()
from benchmarks.timeline import grow
print(json.dumps(grow(int(sys.argv[1]), int(sys.argv[2]))))
"""


def grow(events: int, seed: int) -> dict:
    """Inside Django: give kw.amara's first person `events` journey events; explain their timeline's SQL."""
    import random
    import uuid

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from throughcare.appointments.models import Appointment, Mode, Status
    from throughcare.careteam.models import CareTeamMember
    from throughcare.consent.policy import grant_for
    from throughcare.core.bulk import Table, load
    from throughcare.core.categories import Category
    from throughcare.core.demo import NOTE_TEXTS
    from throughcare.journey.models import Event, EventKind
    from throughcare.journey.timeline import timeline_page
    from throughcare.people.models import Person

    amara = get_user_model().objects.get(username=run.KEY_WORKER)
    leads = list(CareTeamMember.objects.filter(worker=amara, is_lead=True, left_at__isnull=True)
                 .order_by("person_id").values_list("person_id", "agency_id")[:2])
    if len(leads) < 2:
        raise SystemExit(f"{run.KEY_WORKER} leads on fewer than two people")
    (long_id, agency_id), (short_id, _agency) = leads
    have = Event.objects.filter(person_id=long_id).count()
    rng = random.Random(f"timeline-{seed}")  # nosec B311 - repeatable; not the demo world's stream (its ids)
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    notes, appointments = Table(Event), Table(Appointment)
    categories = list(NOTE_TEXTS)
    for _ in range(max(0, events - have)):
        day = today - dt.timedelta(days=rng.randint(1, 3 * 365))
        at = dt.datetime.combine(day, dt.time(rng.randint(9, 16), rng.choice([0, 15, 30, 45])), tzinfo=tz)
        if rng.random() < 0.2:
            appointment_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            attended = rng.random() < 0.75
            appointments.add(id=appointment_id, person_id=long_id, agency_id=agency_id, worker_id=amara.pk,
                             booked_by_id=amara.pk, starts_at=at, duration_minutes=45, mode=Mode.IN_PERSON,
                             location="Key working room 2", purpose="Key working session",
                             status=Status.ATTENDED if attended else Status.DID_NOT_ATTEND, outcome_recorded_at=at,
                             outcome_recorded_by_id=amara.pk, created_at=at, updated_at=at, version=2)
            title = ("Attended appointment with " if attended else "Did not attend appointment with ") + \
                "Riverside Recovery Service"
            notes.add_row((long_id, at, at, EventKind.APPOINTMENT, Category.CONTACT_ADMIN, agency_id, amara.pk, title,
                           f"{at:%A %-d %B %Y at %H:%M}.", "appointment", str(appointment_id)))
        else:
            category = rng.choice(categories)
            text = rng.choice(NOTE_TEXTS[category])
            notes.add_row((long_id, at, at, EventKind.NOTE, category, agency_id, amara.pk, text[:120], text, "", ""))
    load([appointments, notes])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics after bulk loads (autovacuum may be off)
    person = Person.objects.get(pk=long_id)
    grant = grant_for(amara, person)
    with CaptureQueriesContext(connection) as queries:
        page = timeline_page(person, grant)
    plans = []
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])  # the ORM's own SQL, parameters inlined
            plans.append({"sql": query["sql"], "plan": [row[0] for row in cursor.fetchall()]})
    return {"long": str(long_id), "short": str(short_id), "added": max(0, events - have),
            "long_events": Event.objects.filter(person_id=long_id).count(),
            "short_events": Event.objects.filter(person_id=short_id).count(),
            "long_visible": page.total, "explain": plans,
            "people": Person.objects.count(), "events": Event.objects.count()}


def measure(port: int, paths: dict[str, str], headers: dict, requests: int, warmup: int) -> dict:
    """Sequential requests on one keep-alive connection, the kinds alternating; milliseconds per 200."""
    conn = http.client.HTTPConnection(run.LOOPBACK, port, timeout=30)
    latencies: dict = {name: [] for name in paths}
    statuses: dict = {name: {} for name in paths}
    try:
        for index in range(warmup + requests):
            for name, path in paths.items():
                started = time.perf_counter()
                conn.request("GET", path, headers=headers if path.startswith("/api/") else {})
                response = conn.getresponse()
                response.read()
                elapsed = (time.perf_counter() - started) * 1000
                if index >= warmup:
                    statuses[name][str(response.status)] = statuses[name].get(str(response.status), 0) + 1
                    if response.status == 200:
                        latencies[name].append(elapsed)
    finally:
        conn.close()
    out = {}
    for name, values in latencies.items():
        ordered = sorted(values)
        out[name] = {"requests": len(ordered), "statuses": statuses[name],
                     "median_ms": round(run.percentile(ordered, 0.5), 2),
                     "p95_ms": round(run.percentile(ordered, 0.95), 2),
                     "p99_ms": round(run.percentile(ordered, 0.99), 2),
                     "max_ms": round(ordered[-1], 2) if ordered else None}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1_000_000, help="people in the register (default 1,000,000)")
    parser.add_argument("--events", type=int, default=5_000, help="the long person's journey events (5,000)")
    parser.add_argument("--requests", type=int, default=1_000, help="measured requests of each kind (1,000)")
    parser.add_argument("--warmup", type=int, default=50, help="warm-up requests of each kind, discarded")
    parser.add_argument("--seed", type=int, default=7, help="demo-world seed (default 7)")
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the database first")
    parser.add_argument("--pg", default=f"postgresql://postgres@{run.LOOPBACK}:5432",
                        help="the PostgreSQL server (loopback only)")
    parser.add_argument("--db", default="throughcare_bench_timeline", help="database name")
    parser.add_argument("--output", type=Path, help="results file (default benchmarks/results/<date>-timeline.json)")
    args = parser.parse_args(argv)

    db_url = run.server_url(args.pg, args.db)
    today = dt.date.today().isoformat()
    output = args.output or RESULTS / f"{today}-timeline.json"
    number = 2
    while args.output is None and output.exists():
        output = RESULTS / f"{today}-timeline-{number}.json"
        number += 1
    workdir = Path(tempfile.mkdtemp(prefix="throughcare-bench-timeline-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("THROUGHCARE_")}
    env.update({"DATABASE_URL": db_url, "THROUGHCARE_DB_CONN_MAX_AGE": "60", "THROUGHCARE_DATA_DIR": str(workdir),
                "THROUGHCARE_SECRET_KEY": run.BENCH_SECRET_KEY, "THROUGHCARE_DEBUG": "false",
                "THROUGHCARE_LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "throughcare.settings",
                "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)})
    env.pop("TZ", None)
    proc = None
    try:
        load_before = [round(x, 2) for x in os.getloadavg()]
        code = run.working_tree()
        database = run.prepare_database(code, args.pg, args.db, args.people, args.seed, args.fresh, env)
        run.log(f"growing one person's history to {args.events:,} events")
        grown = json.loads(run.run_command([str(BIN / "python"), "-c", GROW_SCRIPT, str(args.events), str(args.seed)],
                                           env, 600, capture=True).strip().splitlines()[-1])
        if grown["people"] != args.people:
            raise run.BenchError(f"the database holds {grown['people']} people, not {args.people}")
        run.log(f"long person {grown['long']}: {grown['long_events']:,} events ({grown['long_visible']:,} visible "
                f"to {run.KEY_WORKER}); short person {grown['short_events']} events")
        token = run.run_command([*code.cli, "token", "create", run.KEY_WORKER, "--label", "timeline benchmark"], env,
                                120, capture=True).strip().splitlines()[-1]
        port = run.free_port()
        proc = run.start_gunicorn(code, port, 2, env, workdir)
        run.wait_ready(proc, port, workdir)
        last = -(-grown["long_visible"] // 25)  # the long timeline's last page: OFFSET at its deepest
        paths = {"long": f"/api/v1/people/{grown['long']}/timeline",
                 "long_last_page": f"/api/v1/people/{grown['long']}/timeline?page={last}",
                 "short": f"/api/v1/people/{grown['short']}/timeline", "healthz": "/healthz"}
        run.log(f"{args.requests} sequential requests of each kind, after {args.warmup}")
        figures = measure(port, paths, {"Authorization": f"Bearer {token}"}, args.requests, args.warmup)
        run.stop_gunicorn(proc)
        proc = None
        long, short = figures["long"], figures["short"]
        report = {
            "date": today, "commit": code.commit, "dirty": code.dirty, "machine": run.machine(db_url),
            "load_average": {"before": load_before, "after": [round(x, 2) for x in os.getloadavg()]},
            "dataset": {"people": grown["people"], "events": grown["events"], "database": args.db, "seed": args.seed,
                        **database, "long_person_events": grown["long_events"],
                        "long_person_visible_events": grown["long_visible"],
                        "short_person_events": grown["short_events"], "events_added": grown["added"]},
            "method": {"server": "gunicorn --preload, 2 gthread workers x 4 threads, keep-alive, 127.0.0.1",
                       "client": "one keep-alive connection, sequential, long/long last page/short/healthz alternating",
                       "requests_each": args.requests, "warmup_each": args.warmup,
                       "request": "GET /api/v1/people/<id>/timeline (page 1, 25 events) with a Bearer token"},
            "results": figures,
            "long_over_short": {"median": round(long["median_ms"] / short["median_ms"], 2),
                                "p99": round(long["p99_ms"] / short["p99_ms"], 2)},
            "goal": {"long_p99_ms_at_most": GOAL_P99_MS, "met": long["p99_ms"] <= GOAL_P99_MS},
            "explain": grown["explain"],
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, indent=2) + "\n")
        print(markdown(report))
        print(f"\nResults: {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
        return 0 if all(sum(f["statuses"].values()) == f["statuses"].get("200", 0) for f in figures.values()) else 1
    except (run.BenchError, OSError, ValueError) as exc:
        run.log(f"failed: {exc}")
        return 1
    finally:
        run.stop_gunicorn(proc)
        shutil.rmtree(workdir, ignore_errors=True)


def markdown(report: dict) -> str:
    data = report["dataset"]
    lines = [f"Timeline at {data['people']:,} people, {data['events']:,} events (commit {report['commit']}"
             f"{', uncommitted changes' if report['dirty'] else ''}, load average {report['load_average']})", "",
             "| request | events | p50 ms | p95 ms | p99 ms | max ms | 200s |", "|---|---|---|---|---|---|---|"]
    events = {"long": data["long_person_events"], "long_last_page": data["long_person_events"],
              "short": data["short_person_events"], "healthz": "-"}
    for name, f in report["results"].items():
        lines.append(f"| {name} | {events[name]} | {f['median_ms']} | {f['p95_ms']} | {f['p99_ms']} | {f['max_ms']} | "
                     f"{f['statuses'].get('200', 0)} |")
    ratio = report["long_over_short"]
    lines += ["", f"Long over short: median x{ratio['median']}, p99 x{ratio['p99']}. Goal p99 <= {GOAL_P99_MS} ms: "
              + ("met" if report["goal"]["met"] else "not met")]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
