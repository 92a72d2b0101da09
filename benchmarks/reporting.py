"""The full commissioner report at national size on DuckDB (docs/benchmarks.md, "Reporting").

    nice -n 10 .venv/bin/python -m benchmarks.reporting                 # 1,000,000 people (the default)
    nice -n 10 .venv/bin/python -m benchmarks.reporting --people 100000 # a quick look

1. Generates the reporting tables straight into Parquet with DuckDB (not through Django): 1,000,000 people,
   4,000,000 episodes and 6,000,000 outcome-review scores (10,000,000 episodes and reviews), 1,000,000
   referrals, 2,000,000 appointments, 1,000,000 care team places, 600,000 plans, 100,000 releases,
   800,000 complexity rows and 800,000 substances at presentation, with 20 providers and 4 prisons.
   Deterministic (hashes of the row number); person keys are 63-bit integers, as the refresh writes them.
2. Derives what the refresh keeps (timed on its own, "derive"): on each episode, re-presentation within six
   months, complexity at entry and the last attended day at its agency; and rpt_outcome_pair, each person's
   first and latest score. In DuckDB SQL written here from the definitions in docs/reporting.md, not by the
   refresh's code. In service the refresh pays this per person as people change, not per report.
3. The full report: every metric's SQL from throughcare/reporting/metrics.py, unchanged, on DuckDB views over
   the Parquet files (extract.open_extract: 2 threads, no insertion order kept), then the same assembly the
   commissioner dashboard uses (reporting.dashboards: suppression with its linear-programme audit, the
   case-mix model, intake trends, payments, chart specs, and every CSV download).
4. The yardstick (the issue's ratio): a hand-written DuckDB query of every figure the report publishes
   (benchmarks/reporting_figures.py: every metric table, declines, caseloads, outcome change per measure,
   payment domains, case mix and the model's cohort, intake quarters, parking, local intelligence; per provider
   or prison and the partnership), over the same Parquet files, derived tables included. The run checks it
   against the report figure by figure before suppression, and every cell the suppressed report shows against
   its figure, and stops with an error if any differs.
5. A second yardstick, kept from before: the hand-written query of the headline figures only (per provider,
   referrals started and within 3 weeks, exits and planned exits, planned exits re-presented within six
   months, appointments and DNAs, plans and overdue reviews, declines because of another need, people with two
   reviews and improved; per prison, releases and engaged within 21 days), checked against the report too.
   For the record, once each: the report on DuckDB tables loaded first (extract.load_extract) and the headline
   query over the raw tables only (re-presentation and first and latest scores worked out in the query).

Each of the three is timed cold (the first in the process), then `--runs` times (3) interleaved, in wall and CPU
seconds (CPU: every thread of the process, less disturbed by the other work on a shared machine), with the
report's seconds per metric. Ratios: full report / full query (the goal) and full report / headline query.
Results are printed and written to benchmarks/results/<date>-reporting[-N].json, with the load average before
and after (the machine is shared).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import time
from pathlib import Path

from benchmarks.provenance import commit
from benchmarks.reporting_figures import (
    HAND_WRITTEN_FULL,
    disagreements,
    published_figures,
    query_figures,
    report_figures,
    shown_wrongly,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
WORK = Path(os.environ.get("THROUGHCARE_DATA_DIR", ROOT / "data")) / "bench-reporting"
AS_OF = (dt.date(2026, 11, 20) - dt.date(1970, 1, 1)).days
PROVIDERS, PRISONS = 20, 4
THREADS = 2
#: Counts below this are withheld (the default REPORT_SUPPRESS_BELOW).
THRESHOLD = 5
SCORES = ("opiates_days", "crack_days", "alcohol_days", "quality_of_life", "total")
REASONS = ("another_need_mental_health", "another_need_substance_use", "another_need_alcohol", "no_capacity",
           "not_eligible", "person_declined", "duplicate", "other")


def _h(expr: str, salt: int) -> str:
    """A deterministic pseudo-random UBIGINT from a row number (DuckDB's hash)."""
    return f"hash({expr} * 1000003 + {salt})"


def _key(index: str) -> str:
    """Person number `index` as its 63-bit integer key."""
    return f"(hash(CAST({index} AS BIGINT) * 7919 + 17) >> 1)::BIGINT"


def _base_tables(people: int) -> dict[str, str]:
    scale = people / 1_000_000
    n = {"episode": int(4_000_000 * scale), "outcome": int(6_000_000 * scale), "referral": int(1_000_000 * scale),
         "appointment": int(2_000_000 * scale), "care_team": int(1_000_000 * scale), "plan": int(600_000 * scale),
         "release": int(100_000 * scale), "complexity": int(800_000 * scale)}
    d = AS_OF
    pk = _key(f"{_h('i', 1)} % {people}")

    def provider(salt):
        return f"'provider-' || ({_h('i', salt)} % {PROVIDERS})"

    scores = ", ".join(f"'{s}'" for s in SCORES)
    reasons = ", ".join(f"'{r}'" for r in REASONS)
    return {
        "rpt_meta": f"SELECT 1::INTEGER AS id, {d}::INTEGER AS as_of_day, 'benchmark' AS refreshed_at",
        "rpt_agency": f"""SELECT 'provider-' || i AS agency_id, 'Provider ' || i AS name,
                'community_treatment' AS kind, 'Area' AS area FROM range({PROVIDERS}) t(i)
            UNION ALL SELECT 'prison-' || i, 'HMP ' || i, 'prison', 'Area' FROM range({PRISONS}) t(i)""",
        "rpt_person": f"""SELECT {_key('i')} AS person_key, '30-34' AS age_band, 'male' AS sex, 'Area' AS area,
                ({d} - {_h('i', 2)} % 3000)::INTEGER AS registered_day FROM range({people}) t(i)""",
        "episode_base": f"""SELECT md5('e' || i) AS episode_key, {pk} AS person_key, {provider(3)} AS agency_id,
                CASE WHEN {_h('i', 4)} % 20 = 0 THEN 'prison' ELSE 'community' END AS setting,
                s AS start_day,
                CASE WHEN {_h('i', 5)} % 10 < 7 AND s + 30 + {_h('i', 6)} % 300 <= {d}
                     THEN (s + 30 + {_h('i', 6)} % 300)::INTEGER END AS end_day,
                '' AS exit_code,
                CASE WHEN {_h('i', 5)} % 10 < 7 AND s + 30 + {_h('i', 6)} % 300 <= {d} AND {_h('i', 7)} % 100 < 45
                     THEN 1 ELSE 0 END::INTEGER AS planned_exit
            FROM (SELECT i, ({d} - {_h('i', 8)} % 1500)::INTEGER AS s FROM range({n['episode']}) t(i))""",
        "rpt_referral": f"""SELECT md5('r' || i) AS referral_key, {pk} AS person_key, {provider(9)} AS to_agency_id,
                'routine' AS priority,
                CASE WHEN u < 8 THEN 'intervention_started' WHEN u = 8 THEN 'declined' ELSE 'sent' END AS status,
                r AS received_day,
                CASE WHEN u < 8 THEN (r + {_h('i', 11)} % 60)::INTEGER END AS started_day,
                CASE WHEN u < 9 THEN (r + 2)::INTEGER END AS decided_day,
                CASE WHEN u = 8 THEN [{reasons}][({_h('i', 40)} % {len(REASONS)})::BIGINT + 1] ELSE '' END AS decline_reason
            FROM (SELECT i, ({d} - {_h('i', 12)} % 700)::INTEGER AS r, {_h('i', 10)} % 10 AS u
                  FROM range({n['referral']}) t(i))""",
        "rpt_appointment": f"""SELECT md5('a' || i) AS appointment_key, {pk} AS person_key,
                {provider(13)} AS agency_id, ({_h('i', 14)} % 2000)::INTEGER AS worker_id,
                ({d} - {_h('i', 15)} % 200 + 14)::INTEGER AS day,
                CASE {_h('i', 16)} % 10 WHEN 0 THEN 'did_not_attend' WHEN 1 THEN 'did_not_attend'
                     WHEN 2 THEN 'cancelled' ELSE 'attended' END AS status FROM range({n['appointment']}) t(i)""",
        "rpt_care_team": f"""SELECT md5('c' || i) AS member_key, {pk} AS person_key, {provider(17)} AS agency_id,
                ({_h('i', 18)} % 2000)::INTEGER AS worker_id, (i % 2)::INTEGER AS is_lead,
                CASE WHEN {_h('i', 19)} % 10 < 8 THEN 1 ELSE 0 END::INTEGER AS active
            FROM range({n['care_team']}) t(i)""",
        "rpt_plan": f"""SELECT md5('pl' || i) AS plan_key, {_key('i')} AS person_key, {provider(20)} AS lead_agency_id,
                ({d} - 60 + {_h('i', 21)} % 120)::INTEGER AS next_review_due_day,
                CASE WHEN {_h('i', 22)} % 10 < 7 THEN 1 ELSE 0 END::INTEGER AS in_treatment
            FROM range({n['plan']}) t(i)""",
        "rpt_outcome": f"""SELECT md5('o' || i) AS score_key, {pk} AS person_key, {provider(23)} AS agency_id,
                CASE WHEN i % 5 = 4 THEN 'barc10' ELSE 'top' END AS instrument, 'review' AS stage,
                ({d} - {_h('i', 24)} % 700)::INTEGER AS day,
                [{scores}][i % 5 + 1] AS score,
                ({_h('i', 25)} % 29)::DOUBLE AS value,
                CASE WHEN i % 5 >= 3 THEN 1 ELSE -1 END::INTEGER AS better FROM range({n['outcome']}) t(i)""",
        "rpt_release": f"""SELECT md5('rl' || i) AS release_key, {pk} AS person_key,
                'prison-' || ({_h('i', 26)} % {PRISONS}) AS prison_id, {provider(27)} AS receiving_agency_id,
                ({d} - {_h('i', 28)} % 500)::INTEGER AS released_day,
                ({_h('i', 29)} % 2)::INTEGER AS plan_complete,
                CASE {_h('i', 30)} % 3 WHEN 0 THEN 'engaged' WHEN 1 THEN 'not_engaged' ELSE '' END AS engagement
            FROM range({n['release']}) t(i)""",
        "rpt_complexity": f"""SELECT md5('x' || i) AS assessment_key, {_key('i')} AS person_key,
                {provider(31)} AS agency_id, ({d} - {_h('i', 32)} % 1500)::INTEGER AS day,
                ({_h('i', 33)} % 3 = 0)::INTEGER AS housing, ({_h('i', 34)} % 4 = 0)::INTEGER AS dual_diagnosis,
                ({_h('i', 35)} % 4 = 0)::INTEGER AS injecting, ({_h('i', 36)} % 3 = 0)::INTEGER AS criminal_justice,
                ({_h('i', 37)} % 5 = 0)::INTEGER AS alcohol_and_opiates, years_of_use,
                coalesce(years_of_use >= 10, false)::INTEGER AS long_use
            FROM (SELECT i, CASE WHEN {_h('i', 44)} % 5 = 0 THEN NULL ELSE ({_h('i', 45)} % 30)::INTEGER END
                    AS years_of_use FROM range({n['complexity']}) t(i))""",
        "rpt_presentation": f"""SELECT md5('s' || i) AS presentation_key, {pk} AS person_key,
                {provider(38)} AS agency_id, day, strftime(DATE '1970-01-01' + day, '%Y-%m') AS month,
                ['heroin', 'crack', 'cannabis', 'alcohol', 'synthetic_cannabinoids'][i % 5 + 1] AS substance,
                (i % 5 = 4)::INTEGER AS nps
            FROM (SELECT i, ({d} - {_h('i', 39)} % 700)::INTEGER AS day FROM range({n['complexity']}) t(i))""",
        "rpt_partner_signal": """SELECT i::BIGINT AS id, strftime(DATE '2025-12-01' + INTERVAL (i % 12) MONTH, '%Y-%m')
                AS month, 'Area ' || (i // 12) AS area, 'police' AS source, 'Seizures' AS signal,
                (i * 7 % 50)::INTEGER AS count, '2026-11-01' AS imported_at FROM range(120) t(i)""",
    }


#: What the refresh keeps, from its definition (docs/reporting.md): written for DuckDB here, independently of
#: reporting.refresh (which works it out per person in Python).
DERIVED = {
    "rpt_episode": f"""
        WITH treatment AS (SELECT episode_key, person_key, start_day FROM episode_base WHERE setting <> 'prison'),
        back AS (SELECT DISTINCT e.episode_key FROM episode_base e JOIN treatment t ON t.person_key = e.person_key
                 AND t.episode_key <> e.episode_key AND t.start_day BETWEEN e.end_day AND e.end_day + 182
                 WHERE e.end_day IS NOT NULL),
        seen AS (SELECT person_key, agency_id, max(day) AS last_attended_day FROM rpt_appointment
                 WHERE status = 'attended' AND day <= {AS_OF} GROUP BY ALL)
        SELECT e.*, (back.episode_key IS NOT NULL)::SMALLINT AS re_presented_182,
          (c.person_key IS NOT NULL)::SMALLINT AS assessed, coalesce(c.housing, 0)::SMALLINT AS housing,
          coalesce(c.dual_diagnosis, 0)::SMALLINT AS dual_diagnosis, coalesce(c.injecting, 0)::SMALLINT AS injecting,
          coalesce(c.criminal_justice, 0)::SMALLINT AS criminal_justice,
          coalesce(c.alcohol_and_opiates, 0)::SMALLINT AS alcohol_and_opiates,
          coalesce(c.long_use, 0)::SMALLINT AS long_use, seen.last_attended_day
        FROM episode_base e LEFT JOIN back ON back.episode_key = e.episode_key
          LEFT JOIN rpt_complexity c ON c.person_key = e.person_key
          LEFT JOIN seen ON seen.person_key = e.person_key AND seen.agency_id = e.agency_id""",
    "rpt_outcome_pair": """
        SELECT md5(concat(person_key, instrument, score)) AS pair_key, person_key, instrument, score,
          any_value(better) AS better, arg_max(agency_id, (day, score_key)) AS agency_id,
          min(day) AS first_day, arg_min(value, (day, score_key)) AS first_value,
          max(day) AS latest_day, arg_max(value, (day, score_key)) AS latest_value
        FROM rpt_outcome GROUP BY person_key, instrument, score""",
}


def generate(out: Path, people: int) -> tuple[dict[str, int], float, float]:
    """Write the Parquet files. Returns (rows per table, seconds generating, seconds deriving)."""
    import duckdb

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")
    started = time.perf_counter()
    for table, sql in _base_tables(people).items():
        con.execute(f"CREATE TABLE {table} AS {sql}")  # noqa: S608  # nosec B608 (constants)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    for table, sql in DERIVED.items():
        con.execute(f"CREATE TABLE {table} AS {sql}")  # noqa: S608  # nosec B608 (constants)
    derived = time.perf_counter() - started
    counts = {}
    tables = [t for t in _base_tables(people) if t != "episode_base"] + list(DERIVED)
    for table in tables:
        target = str(out / f"{table}.parquet").replace("'", "''")
        con.execute(f"COPY {table} TO '{target}' (FORMAT parquet)")  # noqa: S608  # nosec B608 (constants)
        counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608  # nosec B608
    con.close()
    return counts, generated, derived


HAND_WRITTEN = """
WITH m AS (SELECT as_of_day AS d FROM rpt_meta),
w AS (SELECT to_agency_id AS a, count(*) AS started, count(*) FILTER (WHERE started_day - received_day <= 21) AS within
      FROM rpt_referral, m WHERE started_day > d - 365 AND started_day <= d GROUP BY ALL),
dc AS (SELECT to_agency_id AS a, count(*) FILTER (WHERE decline_reason LIKE 'another_need_%') AS another_need
       FROM rpt_referral, m WHERE status = 'declined' AND decided_day > d - 365 AND decided_day <= d GROUP BY ALL),
tr AS (SELECT agency_id, end_day, planned_exit, re_presented_182 FROM rpt_episode, m
       WHERE setting <> 'prison' AND end_day > d - 547 AND end_day <= d),
x AS (SELECT agency_id AS a, count(*) FILTER (WHERE end_day > d - 365) AS exits,
             count(*) FILTER (WHERE end_day > d - 365 AND planned_exit = 1) AS planned,
             count(*) FILTER (WHERE end_day <= d - 182 AND planned_exit = 1) AS planned_exits,
             count(*) FILTER (WHERE end_day <= d - 182 AND planned_exit = 1 AND re_presented_182 = 1) AS re_presented
      FROM tr, m GROUP BY ALL),
ap AS (SELECT agency_id AS a, count(*) FILTER (WHERE status IN ('attended', 'did_not_attend')) AS appointments,
       count(*) FILTER (WHERE status = 'did_not_attend') AS dna
       FROM rpt_appointment, m WHERE day > d - 84 AND day <= d GROUP BY ALL),
pl AS (SELECT lead_agency_id AS a, count(*) AS plans, count(*) FILTER (WHERE next_review_due_day < d) AS overdue
       FROM rpt_plan, m WHERE in_treatment = 1 GROUP BY ALL),
rl AS (SELECT prison_id AS a, count(*) AS releases, count(*) FILTER (WHERE engagement = 'engaged') AS engaged
       FROM rpt_release, m WHERE released_day > d - 365 AND released_day <= d GROUP BY ALL),
o AS (SELECT agency_id AS a, count(*) AS people,
             count(*) FILTER (WHERE (latest_value - first_value) * better > 0) AS improved
      FROM rpt_outcome_pair WHERE latest_day > first_day GROUP BY ALL)
SELECT * FROM w FULL JOIN dc USING (a) FULL JOIN x USING (a) FULL JOIN ap USING (a) FULL JOIN pl USING (a)
  FULL JOIN rl USING (a) FULL JOIN o USING (a) ORDER BY a
"""


#: The same headline figures from the raw tables only: re-presentation by a join of episodes, first and latest
#: scores by arg_min/arg_max over every review (what the query did before the refresh kept them).
HAND_WRITTEN_RAW = HAND_WRITTEN.replace(
    """tr AS (SELECT agency_id, end_day, planned_exit, re_presented_182 FROM rpt_episode, m
       WHERE setting <> 'prison' AND end_day > d - 547 AND end_day <= d),""",
    """ep AS (SELECT episode_key, person_key, agency_id, start_day, end_day, planned_exit FROM rpt_episode
       WHERE setting <> 'prison'),
back AS (SELECT DISTINCT e.episode_key FROM ep e, m JOIN ep r ON r.person_key = e.person_key
         AND r.episode_key <> e.episode_key AND r.start_day BETWEEN e.end_day AND e.end_day + 182
         WHERE e.planned_exit = 1 AND e.end_day > d - 547 AND e.end_day <= d - 182),
tr AS (SELECT agency_id, end_day, planned_exit, (back.episode_key IS NOT NULL)::INTEGER AS re_presented_182
       FROM ep LEFT JOIN back USING (episode_key), m WHERE end_day > d - 547 AND end_day <= d),""").replace(
    """      FROM rpt_outcome_pair WHERE latest_day > first_day GROUP BY ALL)""",
    """      FROM (SELECT arg_max(agency_id, (day, score_key)) AS agency_id, min(day) AS first_day,
                   max(day) AS latest_day, arg_min(value, (day, score_key)) AS first_value,
                   arg_max(value, (day, score_key)) AS latest_value, any_value(better) AS better
            FROM rpt_outcome GROUP BY person_key, instrument, score)
      WHERE latest_day > first_day GROUP BY ALL)""")


def _clock() -> tuple[float, float]:
    """Wall and CPU seconds now (CPU: every thread of this process, DuckDB's included)."""
    return time.perf_counter(), time.process_time()


def _since(started: tuple[float, float]) -> list[float]:
    wall, cpu = _clock()
    return [wall - started[0], cpu - started[1]]


def full_report(directory: Path, steps: dict | None = None, *, loaded: bool = False) -> tuple:
    """The commissioner report from the Parquet files, as the dashboard assembles it, with every CSV download.
    Returns (report, the metrics' results, agency names, as-of day); `steps` (if given) gets [wall, CPU] seconds
    per step and metric. `loaded`: read the files into DuckDB tables first (extract.load_extract)."""
    from throughcare.reporting.dashboards import assemble_commissioner
    from throughcare.reporting.downloads import commissioner_downloads
    from throughcare.reporting.extract import load_extract, open_extract
    from throughcare.reporting.keys import from_day
    from throughcare.reporting.metrics import METRICS, run_duckdb

    clock = _clock()
    con = (load_extract if loaded else open_extract)(directory, threads=THREADS)
    timings = {"open": _since(clock)}
    results = {}
    for name, metric in METRICS.items():
        clock = _clock()
        results[name] = run_duckdb(metric, con)
        timings[f"sql {name}"] = _since(clock)
    clock = _clock()
    names = dict(con.execute("SELECT agency_id, name FROM rpt_agency").fetchall())
    as_of = from_day(con.execute("SELECT as_of_day FROM rpt_meta").fetchone()[0])
    con.close()
    report = assemble_commissioner(results, names, THRESHOLD, as_of=as_of)
    report["downloads"] = commissioner_downloads(report)
    timings["assemble"] = _since(clock)
    if steps is not None:
        steps.update(timings)
    return report, results, names, as_of


def hand_written(directory: Path, sql: str = HAND_WRITTEN) -> list:
    """A hand-written query's rows (as dicts) over views of the same Parquet files."""
    from throughcare.reporting.extract import open_extract

    con = open_extract(directory, threads=THREADS)
    cursor = con.execute(sql)
    columns = [c[0] for c in cursor.description]
    rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    con.close()
    return rows


def hand_written_full(directory: Path) -> list:
    return [tuple(row.values()) for row in hand_written(directory, HAND_WRITTEN_FULL)]


def _time(fn, *args, **kwargs) -> tuple[list[float], object]:
    """([wall, CPU] seconds, value)."""
    started = _clock()
    value = fn(*args, **kwargs)
    return _since(started), value


def mismatches(report: dict, headline: list[dict]) -> list[tuple]:
    """Headline figures on which the full report and the headline query disagree (none are withheld at
    this size; a withheld figure would count as a disagreement)."""
    tables = {t["name"]: {r["label"]: r for r in t["rows"]} for t in report["tables"]}
    outcome = {}
    for t in report["tables"]:
        if t["name"].startswith("outcome_"):
            for label, r in {r["label"]: r for r in t["rows"]}.items():
                mine = outcome.setdefault(label, {"people": 0, "improved": 0})
                for column in mine:
                    mine[column] += r[column] if r[column] is not None else float("nan")
    checks = (("sustained_recovery", "planned_exits", "planned_exits"),
              ("sustained_recovery", "re_presented", "re_presented"), ("waiting_times", "started", "started"),
              ("waiting_times", "within_3_weeks", "within"), ("exits", "exits", "exits"),
              ("exits", "planned_exits", "planned"), ("did_not_attend", "appointments", "appointments"),
              ("did_not_attend", "did_not_attend", "dna"), ("reviews_overdue", "plans", "plans"),
              ("reviews_overdue", "overdue", "overdue"), ("declines", "another_need", "another_need"))
    out = []
    for row in headline:
        kind, number = row["a"].split("-")
        if kind == "provider":
            label = f"Provider {number}"
            out += [(name, column, row["a"]) for name, column, mine in checks
                    if tables[name][label][column] != row[mine]]
            out += [("outcome", column, row["a"]) for column in ("people", "improved")
                    if outcome[label][column] != row[column]]
        elif kind == "prison":
            label = f"HMP {number}"
            out += [("continuity", column, row["a"]) for column in ("releases", "engaged")
                    if tables["continuity"][label][column] != row[column]]
    return out


def _r(values: list[float]) -> list[float]:
    return [round(v, 3) for v in values]


def _summary(cold: list[float], runs: list[list[float]]) -> dict:
    """Cold [wall, CPU]; each of the runs after it; the best wall and the best CPU among those runs."""
    return {"cold_s": _r(cold), "runs_s": [_r(r) for r in runs], "best_wall_s": round(min(r[0] for r in runs), 3),
            "best_cpu_s": round(min(r[1] for r in runs), 3)}


def _ratio(mine: dict, theirs: dict) -> dict:
    return {"best_wall": round(mine["best_wall_s"] / theirs["best_wall_s"], 2),
            "best_cpu": round(mine["best_cpu_s"] / theirs["best_cpu_s"], 2),
            "cold_wall": round(mine["cold_s"][0] / theirs["cold_s"][0], 2),
            "cold_cpu": round(mine["cold_s"][1] / theirs["cold_s"][1], 2)}


def _steps(steps: dict) -> dict:
    return {k: _r(v) for k, v in sorted(steps.items(), key=lambda kv: -kv[1][0])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="Reuse the Parquet files of an earlier run")
    parser.add_argument("--runs", type=int, default=3, help="Timed runs after the cold one (default 3)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "throughcare.settings")
    import django

    django.setup()
    import duckdb

    load_before = os.getloadavg()
    directory = WORK / f"{args.people}"
    generated = derived = 0.0
    counts: dict = {}
    if not (args.keep and (directory / "rpt_meta.parquet").exists()):
        counts, generated, derived = generate(directory, args.people)
        print(f"generated in {generated:.1f} s, derived in {derived:.1f} s: {counts}", flush=True)
    # Cold (the first in the process), then the three interleaved run by run, so a change in the machine's load
    # falls on all three alike.
    steps_cold: dict = {}
    cold_full, (report, results, names, as_of) = _time(full_report, directory, steps_cold)
    cold_all, every = _time(hand_written_full, directory)
    cold_head, headline = _time(hand_written, directory)
    runs: dict[str, list] = {"full": [], "all": [], "head": []}
    steps_runs = []
    for _run in range(args.runs):
        steps: dict = {}
        runs["full"].append(_time(full_report, directory, steps)[0])
        steps_runs.append(steps)
        runs["all"].append(_time(hand_written_full, directory)[0])
        runs["head"].append(_time(hand_written, directory)[0])
    # For the record, once each: the report on tables loaded first, and the headline query over the raw tables.
    loaded_s, (loaded_report, *_rest) = _time(full_report, directory, loaded=True)
    raw_s, headline_raw = _time(hand_written, directory, HAND_WRITTEN_RAW)

    figures = report_figures(results, names, as_of)
    differ = disagreements(figures, query_figures(every))
    published = published_figures(report)
    wrongly = shown_wrongly(published, figures)
    wrong = mismatches(report, headline) + mismatches(report, headline_raw) + mismatches(loaded_report, headline)
    full, every_s, head = (_summary(c, runs[k]) for c, k in ((cold_full, "full"), (cold_all, "all"),
                                                               (cold_head, "head")))
    best = min(range(args.runs), key=lambda i: runs["full"][i][0])
    result = {
        "date": dt.date.today().isoformat(), "commit": commit(), "machine": f"{platform.node()} {platform.machine()}",
        "cpus": os.cpu_count(), "threads": THREADS, "duckdb": duckdb.__version__, "python": platform.python_version(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "people": args.people, "rows": counts, "generate_s": round(generated, 2), "derive_s": round(derived, 2),
        "full_report": full, "hand_written_full": every_s, "hand_written_headline": head,
        "ratio_to_full_query": _ratio(full, every_s), "ratio_to_headline_query": _ratio(full, head),
        "full_report_loaded_once_s": _r(loaded_s), "hand_written_headline_raw_once_s": _r(raw_s),
        "steps_cold_s": _steps(steps_cold), "steps_best_run_s": _steps(steps_runs[best]),
        "figures_compared": len(figures.keys() | query_figures(every).keys()),
        "figures_withheld_at_threshold": sum(v is None for v in published.values()),
        "figures_agree": not differ, "disagreements": differ[:20], "shown_wrongly": wrongly[:20],
        "headline_agrees": not wrong, "mismatches": wrong[:10],
    }
    print(json.dumps(result, indent=2))
    RESULTS.mkdir(exist_ok=True)
    suffix = "" if args.people == 1_000_000 else f"-{args.people}"
    target = RESULTS / f"{result['date']}-reporting{suffix}.json"
    number = 2
    while target.exists():
        target = RESULTS / f"{result['date']}-reporting{suffix}-{number}.json"
        number += 1
    target.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {target.relative_to(ROOT)}")
    if differ or wrongly or wrong:
        raise SystemExit(f"The report and the hand-written queries disagree: {len(differ)} figures, "
                         f"{len(wrongly)} shown cells, {len(wrong)} headline figures (see {target.name})")


if __name__ == "__main__":
    main()
