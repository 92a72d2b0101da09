"""The full commissioner report at national size on DuckDB (docs/benchmarks.md, "Reporting").

    nice -n 10 .venv/bin/python -m benchmarks.reporting                 # 1,000,000 people (the default)
    nice -n 10 .venv/bin/python -m benchmarks.reporting --people 100000 # a quick look

1. Generates the reporting tables straight into Parquet with DuckDB (not through Django): 1,000,000 people,
   4,000,000 episodes and 6,000,000 outcome-review scores (10,000,000 episodes and reviews), 1,000,000
   referrals, 2,000,000 appointments, 1,000,000 care team places, 600,000 plans, 100,000 releases and
   800,000 complexity rows and 800,000 substances at presentation, with 20 providers and 4 prisons. Deterministic (hashes of the row number).
2. The full report: every metric's SQL from throughcare/reporting/metrics.py, unchanged, on DuckDB over the
   Parquet files, then the same assembly the commissioner dashboard uses (reporting.dashboards:
   suppression with its linear-programme audit, the case-mix model, intake trends, payments, chart specs).
3. A hand-written DuckDB query of the same headline figures (per provider: referrals started and within 3
   weeks, exits and planned exits, planned exits re-presented within six months, appointments and DNAs,
   plans and overdue reviews, releases and engaged, people with two reviews and improved), in the same run.

Each is timed cold (a fresh connection) and then best of three; the ratio is full report / hand-written.
Results are printed and written to benchmarks/results/<date>-reporting.json.
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

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
WORK = Path(os.environ.get("THROUGHCARE_DATA_DIR", ROOT / "data")) / "bench-reporting"
AS_OF = (dt.date(2026, 11, 20) - dt.date(1970, 1, 1)).days
PROVIDERS, PRISONS = 20, 4


def _h(expr: str, salt: int) -> str:
    """A deterministic pseudo-random UBIGINT from a row number (DuckDB's hash)."""
    return f"hash({expr} * 1000003 + {salt})"


def generate(out: Path, people: int) -> dict[str, int]:
    import duckdb

    scale = people / 1_000_000
    n = {"episode": int(4_000_000 * scale), "outcome": int(6_000_000 * scale), "referral": int(1_000_000 * scale),
         "appointment": int(2_000_000 * scale), "care_team": int(1_000_000 * scale), "plan": int(600_000 * scale),
         "release": int(100_000 * scale), "complexity": int(800_000 * scale)}
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    con = duckdb.connect()
    d = AS_OF
    pk = f"md5('p' || ({_h('i', 1)} % {people}))"

    def provider(salt):
        return f"'provider-' || ({_h('i', salt)} % {PROVIDERS})"

    tables = {
        "rpt_meta": f"SELECT 1::INTEGER AS id, {d}::INTEGER AS as_of_day, 'benchmark' AS refreshed_at",
        "rpt_agency": f"""SELECT 'provider-' || i AS agency_id, 'Provider ' || i AS name,
                'community_treatment' AS kind, 'Area' AS area FROM range({PROVIDERS}) t(i)
            UNION ALL SELECT 'prison-' || i, 'HMP ' || i, 'prison', 'Area' FROM range({PRISONS}) t(i)""",
        "rpt_person": f"""SELECT md5('p' || i) AS person_key, '30-34' AS age_band, 'male' AS sex, 'Area' AS area,
                ({d} - {_h('i', 2)} % 3000)::INTEGER AS registered_day FROM range({people}) t(i)""",
        "rpt_episode": f"""SELECT md5('e' || i) AS episode_key, {pk} AS person_key, {provider(3)} AS agency_id,
                CASE WHEN {_h('i', 4)} % 20 = 0 THEN 'prison' ELSE 'community' END AS setting,
                s AS start_day,
                CASE WHEN {_h('i', 5)} % 10 < 7 AND s + 30 + {_h('i', 6)} % 300 <= {d}
                     THEN (s + 30 + {_h('i', 6)} % 300)::INTEGER END AS end_day,
                '' AS exit_code,
                CASE WHEN {_h('i', 5)} % 10 < 7 AND s + 30 + {_h('i', 6)} % 300 <= {d} AND {_h('i', 7)} % 100 < 45
                     THEN 1 ELSE 0 END::INTEGER AS planned_exit
            FROM (SELECT i, ({d} - {_h('i', 8)} % 1500)::INTEGER AS s FROM range({n['episode']}) t(i))""",
        "rpt_referral": f"""SELECT md5('r' || i) AS referral_key, {pk} AS person_key, {provider(9)} AS to_agency_id,
                'routine' AS priority, 'intervention_started' AS status, r AS received_day,
                CASE WHEN {_h('i', 10)} % 10 < 8 THEN (r + {_h('i', 11)} % 60)::INTEGER END AS started_day
            FROM (SELECT i, ({d} - {_h('i', 12)} % 700)::INTEGER AS r FROM range({n['referral']}) t(i))""",
        "rpt_appointment": f"""SELECT md5('a' || i) AS appointment_key, {pk} AS person_key,
                {provider(13)} AS agency_id, ({_h('i', 14)} % 2000)::INTEGER AS worker_id,
                ({d} - {_h('i', 15)} % 200 + 14)::INTEGER AS day,
                CASE {_h('i', 16)} % 10 WHEN 0 THEN 'did_not_attend' WHEN 1 THEN 'did_not_attend'
                     WHEN 2 THEN 'cancelled' ELSE 'attended' END AS status FROM range({n['appointment']}) t(i)""",
        "rpt_care_team": f"""SELECT md5('c' || i) AS member_key, {pk} AS person_key, {provider(17)} AS agency_id,
                ({_h('i', 18)} % 2000)::INTEGER AS worker_id, (i % 2)::INTEGER AS is_lead,
                CASE WHEN {_h('i', 19)} % 10 < 8 THEN 1 ELSE 0 END::INTEGER AS active
            FROM range({n['care_team']}) t(i)""",
        "rpt_plan": f"""SELECT md5('pl' || i) AS plan_key, md5('p' || i) AS person_key, {provider(20)} AS lead_agency_id,
                ({d} - 60 + {_h('i', 21)} % 120)::INTEGER AS next_review_due_day,
                CASE WHEN {_h('i', 22)} % 10 < 7 THEN 1 ELSE 0 END::INTEGER AS in_treatment
            FROM range({n['plan']}) t(i)""",
        "rpt_outcome": f"""SELECT md5('o' || i) AS score_key, {pk} AS person_key, {provider(23)} AS agency_id,
                CASE WHEN i % 5 = 4 THEN 'barc10' ELSE 'top' END AS instrument, 'review' AS stage,
                ({d} - {_h('i', 24)} % 700)::INTEGER AS day,
                ['opiates_days', 'crack_days', 'alcohol_days', 'quality_of_life', 'total'][i % 5 + 1] AS score,
                ({_h('i', 25)} % 29)::DOUBLE AS value,
                CASE WHEN i % 5 >= 3 THEN 1 ELSE -1 END::INTEGER AS better FROM range({n['outcome']}) t(i)""",
        "rpt_release": f"""SELECT md5('rl' || i) AS release_key, {pk} AS person_key,
                'prison-' || ({_h('i', 26)} % {PRISONS}) AS prison_id, {provider(27)} AS receiving_agency_id,
                ({d} - {_h('i', 28)} % 500)::INTEGER AS released_day,
                ({_h('i', 29)} % 2)::INTEGER AS plan_complete,
                CASE {_h('i', 30)} % 3 WHEN 0 THEN 'engaged' WHEN 1 THEN 'not_engaged' ELSE '' END AS engagement
            FROM range({n['release']}) t(i)""",
        "rpt_complexity": f"""SELECT md5('x' || i) AS assessment_key, md5('p' || i) AS person_key,
                {provider(31)} AS agency_id, ({d} - {_h('i', 32)} % 1500)::INTEGER AS day,
                ({_h('i', 33)} % 3 = 0)::INTEGER AS housing, ({_h('i', 34)} % 4 = 0)::INTEGER AS dual_diagnosis,
                ({_h('i', 35)} % 4 = 0)::INTEGER AS injecting, ({_h('i', 36)} % 3 = 0)::INTEGER AS criminal_justice,
                ({_h('i', 37)} % 5 = 0)::INTEGER AS alcohol_and_opiates, NULL::INTEGER AS years_of_use
            FROM range({n['complexity']}) t(i)""",
        "rpt_presentation": f"""SELECT md5('s' || i) AS presentation_key, {pk} AS person_key,
                {provider(38)} AS agency_id, day, strftime(DATE '1970-01-01' + day, '%Y-%m') AS month,
                ['heroin', 'crack', 'cannabis', 'alcohol', 'synthetic_cannabinoids'][i % 5 + 1] AS substance,
                (i % 5 = 4)::INTEGER AS nps
            FROM (SELECT i, ({d} - {_h('i', 39)} % 700)::INTEGER AS day FROM range({n['complexity']}) t(i))""",
        "rpt_partner_signal": """SELECT i::BIGINT AS id, strftime(DATE '2025-12-01' + INTERVAL (i % 12) MONTH, '%Y-%m')
                AS month, 'Area ' || (i // 12) AS area, 'police' AS source, 'Seizures' AS signal,
                (i * 7 % 50)::INTEGER AS count, '2026-11-01' AS imported_at FROM range(120) t(i)""",
    }
    counts = {}
    for table, sql in tables.items():
        target = str(out / f"{table}.parquet").replace("'", "''")
        con.execute(f"COPY ({sql}) TO '{target}' (FORMAT parquet)")  # noqa: S608  # nosec B608 (constants)
        counts[table] = con.execute(f"SELECT count(*) FROM read_parquet('{target}')").fetchone()[0]  # noqa: S608
    con.close()
    return counts


HAND_WRITTEN = """
WITH m AS (SELECT as_of_day AS d FROM rpt_meta),
w AS (SELECT to_agency_id AS a, count(*) AS started, count(*) FILTER (WHERE started_day - received_day <= 21) AS within
      FROM rpt_referral, m WHERE started_day > d - 365 AND started_day <= d GROUP BY ALL),
tr AS (SELECT * FROM rpt_episode WHERE setting <> 'prison'),
x AS (SELECT agency_id AS a, count(*) AS exits, sum(planned_exit) AS planned
      FROM tr, m WHERE end_day > d - 365 AND end_day <= d GROUP BY ALL),
pe AS (SELECT episode_key, person_key, agency_id, end_day FROM tr, m
       WHERE planned_exit = 1 AND end_day > d - 547 AND end_day <= d - 182),
back AS (SELECT DISTINCT pe.episode_key FROM pe JOIN tr ON tr.person_key = pe.person_key
         AND tr.episode_key <> pe.episode_key AND tr.start_day BETWEEN pe.end_day AND pe.end_day + 182),
s AS (SELECT agency_id AS a, count(*) AS planned_exits, count(back.episode_key) AS re_presented
      FROM pe LEFT JOIN back USING (episode_key) GROUP BY ALL),
ap AS (SELECT agency_id AS a, count(*) FILTER (WHERE status IN ('attended', 'did_not_attend')) AS appointments,
       count(*) FILTER (WHERE status = 'did_not_attend') AS dna
       FROM rpt_appointment, m WHERE day > d - 84 AND day <= d GROUP BY ALL),
pl AS (SELECT lead_agency_id AS a, count(*) AS plans, count(*) FILTER (WHERE next_review_due_day < d) AS overdue
       FROM rpt_plan, m WHERE in_treatment = 1 GROUP BY ALL),
rl AS (SELECT prison_id AS a, count(*) AS releases, count(*) FILTER (WHERE engagement = 'engaged') AS engaged
       FROM rpt_release, m WHERE released_day > d - 365 AND released_day <= d GROUP BY ALL),
oc AS (SELECT arg_max(agency_id, (day, score_key)) AS a, arg_min(value, (day, score_key)) AS first_value,
              arg_max(value, (day, score_key)) AS latest_value, min(day) AS first_day, max(day) AS last_day,
              any_value(better) AS better
       FROM rpt_outcome GROUP BY person_key, instrument, score),
o AS (SELECT a, count(*) AS people, count(*) FILTER (WHERE (latest_value - first_value) * better > 0) AS improved
      FROM oc WHERE last_day > first_day GROUP BY ALL)
SELECT * FROM w FULL JOIN x USING (a) FULL JOIN s USING (a) FULL JOIN ap USING (a) FULL JOIN pl USING (a)
  FULL JOIN rl USING (a) FULL JOIN o USING (a) ORDER BY a
"""


def full_report(directory: Path) -> dict:
    from throughcare.reporting.dashboards import assemble_commissioner
    from throughcare.reporting.extract import open_extract
    from throughcare.reporting.metrics import METRICS, run_duckdb

    con = open_extract(directory)
    results = {name: run_duckdb(metric, con) for name, metric in METRICS.items()}
    names = dict(con.execute("SELECT agency_id, name FROM rpt_agency").fetchall())
    con.close()
    return assemble_commissioner(results, names, 5)


def hand_written(directory: Path) -> list:
    from throughcare.reporting.extract import open_extract

    con = open_extract(directory)
    cursor = con.execute(HAND_WRITTEN)
    columns = [c[0] for c in cursor.description]
    rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    con.close()
    return rows


def _time(fn, *args) -> tuple[float, object]:
    started = time.perf_counter()
    value = fn(*args)
    return time.perf_counter() - started, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="Reuse the Parquet files of an earlier run")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "throughcare.settings")
    import django

    django.setup()
    import duckdb

    directory = WORK / f"{args.people}"
    if args.keep and (directory / "rpt_meta.parquet").exists():
        generated, counts = 0.0, {}
    else:
        generated, counts = _time(generate, directory, args.people)
        print(f"generated in {generated:.1f} s: {counts}")
    cold_full, report = _time(full_report, directory)
    cold_hand, headline = _time(hand_written, directory)
    full_times = [_time(full_report, directory)[0] for _ in range(3)]
    hand_times = [_time(hand_written, directory)[0] for _ in range(3)]
    # The two must agree on the headline figures (nothing is small enough to be withheld at this size).
    tables = {t["name"]: {r["label"]: r for r in t["rows"]} for t in report["tables"]}
    checks = (("sustained_recovery", "planned_exits", "planned_exits"), ("sustained_recovery", "re_presented",
              "re_presented"), ("waiting_times", "started", "started"), ("waiting_times", "within_3_weeks", "within"),
              ("exits", "planned_exits", "planned"), ("did_not_attend", "did_not_attend", "dna"),
              ("reviews_overdue", "overdue", "overdue"))
    mismatches = [(name, column, row["a"]) for row in headline if row["a"].startswith("provider-")
                  for name, column, mine in checks
                  if tables[name][f"Provider {row['a'].split('-')[1]}"][column] != row[mine]]
    result = {
        "date": dt.date.today().isoformat(), "machine": f"{platform.node()} {platform.machine()}",
        "cpus": os.cpu_count(), "duckdb": duckdb.__version__, "python": platform.python_version(),
        "people": args.people, "rows": counts, "generate_s": round(generated, 2),
        "full_report_cold_s": round(cold_full, 3), "full_report_best_s": round(min(full_times), 3),
        "hand_written_cold_s": round(cold_hand, 3), "hand_written_best_s": round(min(hand_times), 3),
        "ratio_best": round(min(full_times) / min(hand_times), 2), "ratio_cold": round(cold_full / cold_hand, 2),
        "headline_agrees": not mismatches, "mismatches": mismatches[:10],
    }
    print(json.dumps(result, indent=2))
    RESULTS.mkdir(exist_ok=True)
    suffix = "" if args.people == 1_000_000 else f"-{args.people}"
    (RESULTS / f"{result['date']}-reporting{suffix}.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
