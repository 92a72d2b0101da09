"""The hand-written DuckDB query of every figure the commissioner report publishes, and the cross-check that
the report and the query agree on each one (benchmarks/reporting.py; docs/benchmarks.md, "Reporting").

`HAND_WRITTEN_FULL` was written for DuckDB from the definitions in docs/reporting.md, not from
throughcare/reporting/metrics.py: FILTER-style `count_if`, `GROUP BY ALL`, PIVOT and UNPIVOT with `COLUMNS(*)`,
`starts_with`, one pass over the referrals for waiting times and declines, one over the first and latest scores
for outcome change and payment domains, one over exits six to eighteen months ago for sustained recovery, case
mix and the model's cohort. It reads the same Parquet files as the report (the derived columns and
rpt_outcome_pair included) and returns every figure as (figure, row, column, value): per provider or prison and
the partnership (their sum), for every metric table, every outcome-change table, case mix, payments, local
intelligence, and the inputs of the case-mix model (exits and sustained recoveries per provider and complexity
pattern) and of the cream-skimming trend (people, sum and sum of squares of factors per provider and quarter).

`report_figures` takes the same figures from the report: the commissioner report assembled with a threshold of
1 (nothing withheld) from the metrics' results, plus the two model inputs from the results themselves.
`disagreements` lists every figure on which the two differ; a figure one side leaves out counts as 0 (a provider
with nothing to count has no row in one and a row of noughts in the other).
"""

from __future__ import annotations

HAND_WRITTEN_FULL = """
WITH m AS (SELECT as_of_day AS d FROM rpt_meta),
-- Referrals: started in the year (waiting times) and decided in the year (declines), one pass.
referrals AS (
  SELECT to_agency_id AS agency_id,
    count_if(started) AS started, count_if(started AND wait <= 21) AS within_3_weeks,
    count_if(started AND wait > 21) AS over_3_weeks, count_if(started AND wait <= 7) AS days_0_7,
    count_if(started AND wait BETWEEN 8 AND 14) AS days_8_14, count_if(started AND wait BETWEEN 15 AND 21) AS days_15_21,
    count_if(started AND wait BETWEEN 22 AND 42) AS days_22_42, count_if(started AND wait >= 43) AS days_43_plus,
    count_if(decided) AS decided, count_if(decided AND NOT declined) AS accepted,
    count_if(decided AND declined) AS declined, count_if(decided AND declined AND another_need) AS another_need,
    count_if(decided AND declined AND decline_reason = 'another_need_mental_health') AS another_need_mental_health,
    count_if(decided AND declined AND decline_reason = 'another_need_substance_use') AS another_need_substance_use,
    count_if(decided AND declined AND decline_reason = 'another_need_alcohol') AS another_need_alcohol,
    count_if(decided AND declined AND NOT another_need) AS other_reason
  FROM (SELECT to_agency_id, decline_reason, started_day - received_day AS wait,
          coalesce(started_day BETWEEN d - 364 AND d, false) AS started,
          coalesce(decided_day BETWEEN d - 364 AND d, false) AS decided, status = 'declined' AS declined,
          starts_with(decline_reason, 'another_need_') AS another_need
        FROM rpt_referral, m WHERE started_day BETWEEN d - 364 AND d OR decided_day BETWEEN d - 364 AND d)
  GROUP BY ALL),
appointments AS (
  SELECT agency_id, count_if(status IN ('attended', 'did_not_attend')) AS appointments,
    count_if(status = 'attended') AS attended, count_if(status = 'did_not_attend') AS did_not_attend
  FROM rpt_appointment, m WHERE day BETWEEN d - 83 AND d GROUP BY ALL),
plans AS (
  SELECT lead_agency_id AS agency_id, count(*) AS plans, count_if(next_review_due_day >= d) AS on_time,
    count_if(next_review_due_day < d) AS overdue
  FROM rpt_plan, m WHERE in_treatment = 1 GROUP BY ALL),
releases AS (
  SELECT prison_id AS agency_id, count(*) AS releases, count_if(plan_complete = 1) AS plan_complete,
    count_if(plan_complete = 0) AS plan_incomplete, count_if(engagement IN ('engaged', 'not_engaged')) AS decided,
    count_if(engagement NOT IN ('engaged', 'not_engaged')) AS on_clock, count_if(engagement = 'engaged') AS engaged,
    count_if(engagement = 'not_engaged') AS not_engaged
  FROM rpt_release, m WHERE released_day BETWEEN d - 364 AND d GROUP BY ALL),
caseloads AS (
  SELECT agency_id, count(DISTINCT worker_id) AS workers, count(*) AS people
  FROM rpt_care_team WHERE active = 1 GROUP BY ALL),
-- Treatment episodes (every setting but prison), each window read once: exits in the year; exits six to
-- eighteen months ago by complexity pattern (sustained recovery, case mix and the model's cohort); current
-- episodes eight weeks old or more (parking); assessed intakes in the last 728 days by quarter (cream-skimming).
exits AS (
  SELECT agency_id, count(*) AS exits, count_if(planned_exit = 1) AS planned_exits,
    count_if(planned_exit = 0) AS other_exits
  FROM rpt_episode, m WHERE setting <> 'prison' AND end_day BETWEEN d - 364 AND d GROUP BY ALL),
cohort AS (
  SELECT agency_id, assessed, housing, dual_diagnosis, injecting, criminal_justice, alcohol_and_opiates, long_use,
    count(*) AS exits, count_if(planned_exit = 1) AS planned_exits,
    count_if(planned_exit = 1 AND re_presented_182 = 0) AS sustained,
    count_if(planned_exit = 1 AND re_presented_182 = 1) AS re_presented
  FROM rpt_episode, m WHERE setting <> 'prison' AND end_day BETWEEN d - 546 AND d - 182 GROUP BY ALL),
matured AS (
  SELECT agency_id, sum(exits) AS exits, sum(planned_exits) AS planned_exits, sum(sustained) AS sustained,
    sum(re_presented) AS re_presented, sum(exits - sustained) AS not_sustained
  FROM cohort GROUP BY ALL),
parking AS (
  SELECT agency_id, count_if(complex) AS complex_in_treatment, count_if(complex AND NOT seen) AS complex_parked,
    count_if(complex AND seen) AS complex_seen, count_if(NOT complex) AS other_in_treatment,
    count_if(NOT complex AND NOT seen) AS other_parked, count_if(NOT complex AND seen) AS other_seen
  FROM (SELECT agency_id, coalesce(last_attended_day BETWEEN d - 55 AND d, false) AS seen,
          housing + dual_diagnosis + injecting + criminal_justice + alcohol_and_opiates + long_use >= 3 AS complex
        FROM rpt_episode, m WHERE setting <> 'prison' AND end_day IS NULL AND start_day <= d - 56)
  GROUP BY ALL),
intake AS (
  SELECT agency_id, (start_day - (d - 727)) // 91 AS quarter, count(*) AS people, sum(factors) AS score_sum,
    sum(factors * factors) AS score_squares
  FROM (SELECT agency_id, start_day, d,
          housing + dual_diagnosis + injecting + criminal_justice + alcohol_and_opiates + long_use AS factors
        FROM rpt_episode, m WHERE setting <> 'prison' AND assessed = 1 AND start_day BETWEEN d - 727 AND d)
  GROUP BY ALL),
-- First and latest scores, read once: change per measure, and the payment domain a pair achieves.
pairs AS (
  SELECT agency_id, person_key, 'outcome_' || instrument || '_' || score AS measure,
    sign((latest_value - first_value) * better) AS moved,
    CASE WHEN instrument <> 'top' THEN NULL
      WHEN score IN ('opiates_days', 'crack_days') AND first_value > 0 AND latest_value = 0 THEN 'drug_use'
      WHEN score = 'alcohol_days' AND first_value > 0 AND latest_value <= first_value / 2 THEN 'alcohol'
      WHEN score IN ('shoplifting_days', 'selling_drugs_days') AND first_value > 0 AND latest_value = 0
        THEN 'offending'
      WHEN score = 'housing_problems' AND first_value > 0 AND latest_value = 0 THEN 'housing'
      WHEN score IN ('paid_work_days', 'education_days') AND first_value = 0 AND latest_value > 0 THEN 'employment'
      WHEN score = 'quality_of_life' AND latest_value >= first_value + 4 THEN 'health_wellbeing' END AS domain
  FROM rpt_outcome_pair WHERE latest_day > first_day),
change AS (
  SELECT measure, agency_id, count(*) AS people, count_if(moved > 0) AS improved, count_if(moved = 0) AS same,
    count_if(moved < 0) AS worse
  FROM pairs GROUP BY ALL),
-- A person counts once per domain at an agency (drug use from opiates or crack, and so on).
payments AS (
  SELECT * FROM (PIVOT (SELECT agency_id, domain, count(DISTINCT person_key) AS people FROM pairs
                        WHERE domain IS NOT NULL GROUP BY ALL)
                 ON domain IN ('drug_use', 'alcohol', 'offending', 'housing', 'employment', 'health_wellbeing')
                 USING sum(people) GROUP BY agency_id)
    FULL JOIN (SELECT agency_id, sustained AS sustained_recovery FROM matured) USING (agency_id)),
-- Every figure per agency as (figure, agency, column, value); the partnership is their sum.
figures AS (
  UNPIVOT (SELECT 'waiting_times' AS figure, agency_id, started, within_3_weeks, over_3_weeks, days_0_7, days_8_14,
             days_15_21, days_22_42, days_43_plus FROM referrals)
    ON COLUMNS(* EXCLUDE (figure, agency_id)) INTO NAME col VALUE value
  UNION ALL
  UNPIVOT (SELECT 'declines' AS figure, agency_id, decided, accepted, declined, another_need,
             another_need_mental_health, another_need_substance_use, another_need_alcohol, other_reason FROM referrals)
    ON COLUMNS(* EXCLUDE (figure, agency_id)) INTO NAME col VALUE value
  UNION ALL
  UNPIVOT (SELECT 'did_not_attend' AS figure, * FROM appointments)
    ON COLUMNS(* EXCLUDE (figure, agency_id)) INTO NAME col VALUE value
  UNION ALL
  UNPIVOT (SELECT 'reviews_overdue' AS figure, * FROM plans) ON COLUMNS(* EXCLUDE (figure, agency_id))
    INTO NAME col VALUE value
  UNION ALL
  UNPIVOT (SELECT 'continuity' AS figure, * FROM releases) ON COLUMNS(* EXCLUDE (figure, agency_id))
    INTO NAME col VALUE value
  UNION ALL
  UNPIVOT (SELECT 'caseload' AS figure, * FROM caseloads) ON COLUMNS(* EXCLUDE (figure, agency_id))
    INTO NAME col VALUE value
  UNION ALL
  UNPIVOT (SELECT 'exits' AS figure, * FROM exits) ON COLUMNS(* EXCLUDE (figure, agency_id)) INTO NAME col VALUE value
  UNION ALL
  UNPIVOT (SELECT 'sustained_recovery' AS figure, agency_id, planned_exits, sustained, re_presented FROM matured)
    ON COLUMNS(* EXCLUDE (figure, agency_id)) INTO NAME col VALUE value
  UNION ALL
  UNPIVOT (SELECT 'casemix' AS figure, agency_id, exits, sustained, not_sustained FROM matured)
    ON COLUMNS(* EXCLUDE (figure, agency_id)) INTO NAME col VALUE value
  UNION ALL
  UNPIVOT (SELECT 'parking' AS figure, * FROM parking) ON COLUMNS(* EXCLUDE (figure, agency_id))
    INTO NAME col VALUE value
  UNION ALL
  UNPIVOT (SELECT measure AS figure, agency_id, people, improved, same, worse FROM change)
    ON COLUMNS(* EXCLUDE (figure, agency_id)) INTO NAME col VALUE value
  UNION ALL
  UNPIVOT (SELECT 'payments' AS figure, * FROM payments) ON COLUMNS(* EXCLUDE (figure, agency_id))
    INTO NAME col VALUE value),
-- Local intelligence over the last twelve calendar months to the as-of day; the last row is the sum.
months AS (
  SELECT strftime(date_trunc('month', DATE '1970-01-01' + d) - INTERVAL 11 MONTH, '%Y-%m') AS first_month,
    strftime(DATE '1970-01-01' + d, '%Y-%m') AS last_month FROM m),
local AS (
  SELECT 'local_substances' AS figure, substance AS row, month AS col, count(DISTINCT person_key) AS value
  FROM rpt_presentation, m, months
  WHERE day BETWEEN d - 364 AND d AND month BETWEEN first_month AND last_month GROUP BY ALL
  UNION ALL
  SELECT 'local_signals', source || ': ' || signal, month, sum(count)
  FROM rpt_partner_signal, months WHERE month BETWEEN first_month AND last_month GROUP BY ALL)
SELECT figure, CASE WHEN a.name IS NOT NULL THEN a.name WHEN coalesce(agency_id, '') = '' THEN 'No lead professional'
    ELSE 'Unknown' END AS row, col, value::BIGINT AS value
FROM figures LEFT JOIN rpt_agency a USING (agency_id)
UNION ALL
SELECT figure, 'Partnership', col, sum(value)::BIGINT FROM figures GROUP BY ALL
UNION ALL
SELECT 'casemix_cohort', a.name || ' / ' || concat_ws(',', assessed, housing, dual_diagnosis, injecting,
    criminal_justice, alcohol_and_opiates, long_use), col, value::BIGINT
FROM (UNPIVOT (SELECT * EXCLUDE (planned_exits, re_presented) FROM cohort) ON exits, sustained
      INTO NAME col VALUE value) LEFT JOIN rpt_agency a USING (agency_id)
UNION ALL
SELECT 'intake_complexity', a.name || ' / quarter ' || quarter, col, value::BIGINT
FROM (UNPIVOT intake ON people, score_sum, score_squares INTO NAME col VALUE value) LEFT JOIN rpt_agency a
  USING (agency_id)
UNION ALL
SELECT figure, row, col, value::BIGINT FROM local
UNION ALL
SELECT figure, 'All (sum)', col, sum(value)::BIGINT FROM local GROUP BY ALL
"""

#: The columns of the case-mix model's complexity pattern, in the order the query joins them.
PATTERN = ("assessed", "housing", "dual_diagnosis", "injecting", "criminal_justice", "alcohol_and_opiates",
           "long_use")

Figures = dict[tuple[str, str, str], int]


def _cells(figure: str, rows: list[dict], columns) -> Figures:
    return {(figure, row["label"], column): row[column] for row in rows for column in columns}


def published_figures(report: dict) -> Figures:
    """Every count in the published report, a withheld one as None."""
    out: Figures = {}
    for table in report["tables"]:
        out |= _cells(table["name"], [*table["rows"], table["total"]], [c for c, _h in table["columns"]])
    out |= _cells("casemix", [*report["casemix"]["rows"], report["casemix"]["total"]],
                  ("exits", "sustained", "not_sustained"))
    out |= _cells("payments", [*report["pbr"]["rows"], report["pbr"]["total"]], [d for d, _l in report["pbr"]["domains"]])
    for name in ("substances", "signals"):
        table = report["local"][name]
        out |= _cells(f"local_{name}", [*table["rows"], table["total"]], table["months"])
    return out


def report_figures(results: dict, names: dict, as_of) -> Figures:
    """The report's figures before suppression, from the metrics' results (the same code as the dashboard)."""
    from throughcare.reporting.dashboards import assemble_commissioner

    out = published_figures(assemble_commissioner(results, names, 1, as_of=as_of))
    for r in results["casemix_cohort"]:
        pattern = ",".join(str(r[c]) for c in PATTERN)
        for column in ("exits", "sustained"):
            out[("casemix_cohort", f"{names.get(r['agency_id'])} / {pattern}", column)] = r[column]
    for r in results["intake_complexity"]:
        for column in ("people", "score_sum", "score_squares"):
            out[("intake_complexity", f"{names.get(r['agency_id'])} / quarter {r['quarter']}", column)] = r[column]
    return out


def query_figures(rows) -> Figures:
    """The hand-written query's rows as figures, substances and partners' sources by the labels the page uses."""
    from throughcare.reporting.signals import SOURCES, SUBSTANCE_LABELS

    out: Figures = {}
    for figure, row, column, value in rows:
        if figure == "local_substances" and row != "All (sum)":
            row = SUBSTANCE_LABELS.get(row, row)
        elif figure == "local_signals" and row != "All (sum)":
            source, _sep, signal = row.partition(": ")
            row = f"{SOURCES.get(source, source)}: {signal}"
        out[(figure, row, column)] = int(value)
    return out


def disagreements(mine: Figures, theirs: Figures) -> list[tuple]:
    """(figure, row, column, mine, theirs) for every figure that differs, a missing one taken as 0."""
    return [(*key, mine.get(key, 0), theirs.get(key, 0)) for key in sorted(mine.keys() | theirs.keys())
            if mine.get(key, 0) != theirs.get(key, 0)]


def shown_wrongly(published: Figures, figures: Figures) -> list[tuple]:
    """Cells the suppressed report shows with a value other than the figure (none should be)."""
    return [(*key, value, figures.get(key)) for key, value in sorted(published.items())
            if value is not None and value != figures.get(key)]
