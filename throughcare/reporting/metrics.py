"""Metric definitions as SQL over the reporting tables (docs/reporting.md has one section per metric).

The SQL takes no parameters: "today" is `rpt_meta.as_of_day`, days are whole numbers, flags 0 or 1, and
only plain SQL is used (CASE, COUNT, COUNT DISTINCT, SUM, AVG, MAX), so the same text runs unchanged on SQLite,
PostgreSQL and DuckDB over a Parquet extract (tests/test_reporting_metrics.py runs all three and compares).
Every metric is grouped by agency; partnership totals and suppression come afterwards.

No metric searches row by row: what would need a correlated EXISTS or a sort of every review is kept by the
refresh (re-presentation, complexity at entry and the last attended day on each episode; each person's
first and latest score in rpt_outcome_pair), so each metric is one scan and a GROUP BY.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass

#: The constants in the SQL: a year is 365 days, six months 182, three weeks 21, twelve weeks 84; treatment
#: episodes are those in any setting but prison (a prison episode is a custody record's). `m.d` is today.


@dataclass(frozen=True)
class Metric:
    name: str
    title: str
    sql: str
    #: Columns that count people or things: the ones suppression looks at.
    counts: tuple[str, ...]


WAITING_TIMES = Metric("waiting_times", "Waiting times", """
WITH m AS (SELECT as_of_day AS d FROM rpt_meta),
w AS (
  SELECT r.to_agency_id AS agency_id, r.started_day - r.received_day AS waited
  FROM rpt_referral r, m
  WHERE r.started_day IS NOT NULL AND r.started_day > m.d - 365 AND r.started_day <= m.d
)
SELECT agency_id,
  COUNT(*) AS started,
  SUM(CASE WHEN waited <= 21 THEN 1 ELSE 0 END) AS within_3_weeks,
  SUM(CASE WHEN waited <= 7 THEN 1 ELSE 0 END) AS days_0_7,
  SUM(CASE WHEN waited BETWEEN 8 AND 14 THEN 1 ELSE 0 END) AS days_8_14,
  SUM(CASE WHEN waited BETWEEN 15 AND 21 THEN 1 ELSE 0 END) AS days_15_21,
  SUM(CASE WHEN waited BETWEEN 22 AND 42 THEN 1 ELSE 0 END) AS days_22_42,
  SUM(CASE WHEN waited > 42 THEN 1 ELSE 0 END) AS days_43_plus
FROM w
GROUP BY agency_id
ORDER BY agency_id
""", ("started", "within_3_weeks", "days_0_7", "days_8_14", "days_15_21", "days_22_42", "days_43_plus"))

#: A person has at most one active place on a worker's care team list (careteam's unique constraint on person and
#: worker while not left), so counting active places counts people without a DISTINCT over a million keys.
CASELOAD = Metric("caseload", "Caseload per worker", """
SELECT agency_id, worker_id, COUNT(*) AS caseload
FROM rpt_care_team
WHERE active = 1
GROUP BY agency_id, worker_id
ORDER BY agency_id, worker_id
""", ("caseload",))

DID_NOT_ATTEND = Metric("did_not_attend", "Did not attend", """
WITH m AS (SELECT as_of_day AS d FROM rpt_meta)
SELECT a.agency_id,
  SUM(CASE WHEN a.status IN ('attended', 'did_not_attend') THEN 1 ELSE 0 END) AS appointments,
  SUM(CASE WHEN a.status = 'did_not_attend' THEN 1 ELSE 0 END) AS did_not_attend
FROM rpt_appointment a, m
WHERE a.day > m.d - 84 AND a.day <= m.d
GROUP BY a.agency_id
ORDER BY a.agency_id
""", ("appointments", "did_not_attend"))

REVIEWS_OVERDUE = Metric("reviews_overdue", "Reviews overdue", """
WITH m AS (SELECT as_of_day AS d FROM rpt_meta)
SELECT p.lead_agency_id AS agency_id,
  COUNT(*) AS plans,
  SUM(CASE WHEN p.next_review_due_day < m.d THEN 1 ELSE 0 END) AS overdue
FROM rpt_plan p, m
WHERE p.in_treatment = 1
GROUP BY p.lead_agency_id
ORDER BY p.lead_agency_id
""", ("plans", "overdue"))

EXITS = Metric("exits", "Planned exits", """
WITH m AS (SELECT as_of_day AS d FROM rpt_meta)
SELECT e.agency_id,
  COUNT(*) AS exits,
  SUM(e.planned_exit) AS planned_exits
FROM rpt_episode e, m
WHERE e.setting <> 'prison' AND e.end_day IS NOT NULL AND e.end_day > m.d - 365 AND e.end_day <= m.d
GROUP BY e.agency_id
ORDER BY e.agency_id
""", ("exits", "planned_exits"))

SUSTAINED_RECOVERY = Metric("sustained_recovery", "Re-presentation and sustained recovery", """
WITH m AS (SELECT as_of_day AS d FROM rpt_meta)
SELECT e.agency_id,
  COUNT(*) AS planned_exits,
  SUM(e.re_presented_182) AS re_presented
FROM rpt_episode e, m
WHERE e.setting <> 'prison' AND e.planned_exit = 1
  AND e.end_day > m.d - 547 AND e.end_day <= m.d - 182
GROUP BY e.agency_id
ORDER BY e.agency_id
""", ("planned_exits", "re_presented"))

CONTINUITY = Metric("continuity", "Continuity of care after release", """
WITH m AS (SELECT as_of_day AS d FROM rpt_meta)
SELECT r.prison_id AS agency_id,
  COUNT(*) AS releases,
  SUM(r.plan_complete) AS plan_complete,
  SUM(CASE WHEN r.engagement IN ('engaged', 'not_engaged') THEN 1 ELSE 0 END) AS decided,
  SUM(CASE WHEN r.engagement = 'engaged' THEN 1 ELSE 0 END) AS engaged
FROM rpt_release r, m
WHERE r.released_day > m.d - 365 AND r.released_day <= m.d
GROUP BY r.prison_id
ORDER BY r.prison_id
""", ("releases", "plan_complete", "decided", "engaged"))

OUTCOME_CHANGE = Metric("outcome_change", "Outcome change", """
SELECT agency_id, instrument, score,
  COUNT(*) AS people,
  AVG(first_value) AS mean_first,
  AVG(latest_value) AS mean_latest,
  SUM(CASE WHEN (latest_value - first_value) * better > 0 THEN 1 ELSE 0 END) AS improved,
  SUM(CASE WHEN (latest_value - first_value) * better < 0 THEN 1 ELSE 0 END) AS worse
FROM rpt_outcome_pair
WHERE latest_day > first_day
GROUP BY agency_id, instrument, score
ORDER BY agency_id, instrument, score
""", ("people", "improved", "worse"))

CASEMIX_COHORT = Metric("casemix_cohort", "Exits by complexity at entry", """
WITH m AS (SELECT as_of_day AS d FROM rpt_meta)
SELECT e.agency_id, e.assessed, e.housing, e.dual_diagnosis, e.injecting, e.criminal_justice,
  e.alcohol_and_opiates, e.long_use,
  COUNT(*) AS exits,
  SUM(CASE WHEN e.planned_exit = 1 AND e.re_presented_182 = 0 THEN 1 ELSE 0 END) AS sustained
FROM rpt_episode e, m
WHERE e.setting <> 'prison' AND e.end_day IS NOT NULL AND e.end_day > m.d - 547 AND e.end_day <= m.d - 182
GROUP BY e.agency_id, e.assessed, e.housing, e.dual_diagnosis, e.injecting, e.criminal_justice,
  e.alcohol_and_opiates, e.long_use
ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
""", ("exits", "sustained"))

INTAKE_COMPLEXITY = Metric("intake_complexity", "Complexity at intake by quarter", """
WITH m AS (SELECT as_of_day AS d FROM rpt_meta),
i AS (
  SELECT e.agency_id, e.start_day - (m.d - 728) AS since,
    e.housing + e.dual_diagnosis + e.injecting + e.criminal_justice + e.alcohol_and_opiates + e.long_use AS score
  FROM rpt_episode e, m
  WHERE e.setting <> 'prison' AND e.assessed = 1 AND e.start_day > m.d - 728 AND e.start_day <= m.d
)
SELECT agency_id,
  (CASE WHEN since > 91 THEN 1 ELSE 0 END) + (CASE WHEN since > 182 THEN 1 ELSE 0 END)
  + (CASE WHEN since > 273 THEN 1 ELSE 0 END) + (CASE WHEN since > 364 THEN 1 ELSE 0 END)
  + (CASE WHEN since > 455 THEN 1 ELSE 0 END) + (CASE WHEN since > 546 THEN 1 ELSE 0 END)
  + (CASE WHEN since > 637 THEN 1 ELSE 0 END) AS quarter,
  COUNT(*) AS people,
  SUM(score) AS score_sum,
  SUM(score * score) AS score_squares
FROM i
GROUP BY 1, 2
ORDER BY 1, 2
""", ("people",))

PARKING = Metric("parking", "Complex clients with no intervention for 8 weeks", """
WITH m AS (SELECT as_of_day AS d FROM rpt_meta),
seen AS (
  SELECT e.agency_id,
    e.housing + e.dual_diagnosis + e.injecting + e.criminal_justice + e.alcohol_and_opiates + e.long_use AS score,
    CASE WHEN e.last_attended_day > m.d - 56 AND e.last_attended_day <= m.d THEN 0 ELSE 1 END AS parked
  FROM rpt_episode e, m
  WHERE e.setting <> 'prison' AND e.end_day IS NULL AND e.start_day <= m.d - 56
)
SELECT agency_id,
  SUM(CASE WHEN score >= 3 THEN 1 ELSE 0 END) AS complex_in_treatment,
  SUM(CASE WHEN score >= 3 THEN parked ELSE 0 END) AS complex_parked,
  SUM(CASE WHEN score < 3 THEN 1 ELSE 0 END) AS other_in_treatment,
  SUM(CASE WHEN score < 3 THEN parked ELSE 0 END) AS other_parked
FROM seen
GROUP BY agency_id
ORDER BY agency_id
""", ("complex_in_treatment", "complex_parked", "other_in_treatment", "other_parked"))

OUTCOME_DOMAINS = Metric("outcome_domains", "Outcomes achieved by domain", """
WITH achieved AS (
  SELECT agency_id, person_key,
    CASE
      WHEN score IN ('opiates_days', 'crack_days') AND first_value > 0 AND latest_value = 0 THEN 'drug_use'
      WHEN score = 'alcohol_days' AND first_value > 0 AND latest_value * 2 <= first_value THEN 'alcohol'
      WHEN score IN ('shoplifting_days', 'selling_drugs_days') AND first_value > 0 AND latest_value = 0
        THEN 'offending'
      WHEN score = 'housing_problems' AND first_value > 0 AND latest_value = 0 THEN 'housing'
      WHEN score IN ('paid_work_days', 'education_days') AND first_value = 0 AND latest_value > 0 THEN 'employment'
      WHEN score = 'quality_of_life' AND latest_value - first_value >= 4 THEN 'health_wellbeing'
    END AS domain
  FROM rpt_outcome_pair
  WHERE instrument = 'top' AND latest_day > first_day
    AND score IN ('opiates_days', 'crack_days', 'alcohol_days', 'shoplifting_days', 'selling_drugs_days',
                  'housing_problems', 'paid_work_days', 'education_days', 'quality_of_life')
)
SELECT agency_id, domain, COUNT(DISTINCT person_key) AS people
FROM achieved
WHERE domain IS NOT NULL
GROUP BY agency_id, domain
ORDER BY agency_id, domain
""", ("people",))

SUBSTANCES = Metric("substances", "Substances at presentation by month", """
WITH m AS (SELECT as_of_day AS d FROM rpt_meta)
SELECT p.month, p.substance, MAX(p.nps) AS nps, COUNT(DISTINCT p.person_key) AS people
FROM rpt_presentation p, m
WHERE p.day > m.d - 365 AND p.day <= m.d
GROUP BY p.month, p.substance
ORDER BY p.month, p.substance
""", ("people",))

#: Decline reasons of the dual-diagnosis catch-22: declined because of another need (referrals.models).
ANOTHER_NEED = ("another_need_mental_health", "another_need_substance_use", "another_need_alcohol")

DECLINES = Metric("declines", "Referrals declined, and why", """
WITH m AS (SELECT as_of_day AS d FROM rpt_meta)
SELECT r.to_agency_id AS agency_id,
  COUNT(*) AS decided,
  SUM(CASE WHEN r.status = 'declined' THEN 1 ELSE 0 END) AS declined,
  SUM(CASE WHEN r.status = 'declined' AND r.decline_reason IN
      ('another_need_mental_health', 'another_need_substance_use', 'another_need_alcohol') THEN 1 ELSE 0 END)
    AS another_need,
  SUM(CASE WHEN r.status = 'declined' AND r.decline_reason = 'another_need_mental_health' THEN 1 ELSE 0 END)
    AS another_need_mental_health,
  SUM(CASE WHEN r.status = 'declined' AND r.decline_reason = 'another_need_substance_use' THEN 1 ELSE 0 END)
    AS another_need_substance_use,
  SUM(CASE WHEN r.status = 'declined' AND r.decline_reason = 'another_need_alcohol' THEN 1 ELSE 0 END)
    AS another_need_alcohol
FROM rpt_referral r, m
WHERE r.decided_day IS NOT NULL AND r.decided_day > m.d - 365 AND r.decided_day <= m.d
GROUP BY r.to_agency_id
ORDER BY r.to_agency_id
""", ("decided", "declined", "another_need", "another_need_mental_health", "another_need_substance_use",
      "another_need_alcohol"))

PARTNER_SIGNALS = Metric("partner_signals", "Partners' signals by month", """
SELECT month, source, signal, SUM(count) AS total
FROM rpt_partner_signal
GROUP BY month, source, signal
ORDER BY month, source, signal
""", ("total",))

METRICS = {m.name: m for m in (WAITING_TIMES, CASELOAD, DID_NOT_ATTEND, REVIEWS_OVERDUE, EXITS, SUSTAINED_RECOVERY,
                               CONTINUITY, OUTCOME_CHANGE, CASEMIX_COHORT, INTAKE_COMPLEXITY, PARKING,
                               OUTCOME_DOMAINS, DECLINES, SUBSTANCES, PARTNER_SIGNALS)}

#: The columns the metrics read, per table: what a report loads from a Parquet extract (extract.load_extract).
#: tests/test_reporting_metrics.py runs every metric on a connection holding only these.
REPORT_COLUMNS = {
    "rpt_meta": ("as_of_day",),
    "rpt_agency": ("agency_id", "name"),
    "rpt_episode": ("agency_id", "setting", "start_day", "end_day", "planned_exit", "re_presented_182", "assessed",
                    "housing", "dual_diagnosis", "injecting", "criminal_justice", "alcohol_and_opiates",
                    "long_use", "last_attended_day"),
    "rpt_referral": ("to_agency_id", "status", "received_day", "started_day", "decided_day", "decline_reason"),
    "rpt_appointment": ("agency_id", "day", "status"),
    "rpt_care_team": ("agency_id", "worker_id", "person_key", "active"),
    "rpt_plan": ("lead_agency_id", "next_review_due_day", "in_treatment"),
    "rpt_outcome_pair": ("person_key", "agency_id", "instrument", "score", "better", "first_day", "first_value",
                         "latest_day", "latest_value"),
    "rpt_release": ("prison_id", "released_day", "plan_complete", "engagement"),
    "rpt_presentation": ("person_key", "day", "month", "substance", "nps"),
    "rpt_partner_signal": ("month", "source", "signal", "count"),
}


def _plain(value):
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def run_django(metric: Metric, using: str = "default") -> list[dict]:
    """The metric on the Django database (SQLite or PostgreSQL)."""
    from django.db import connections

    with connections[using].cursor() as cursor:
        cursor.execute(metric.sql)
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, map(_plain, row), strict=True)) for row in cursor.fetchall()]


def run_duckdb(metric: Metric, con) -> list[dict]:
    """The metric on a DuckDB connection whose rpt_* names are the Parquet extract (extract.open_extract). DuckDB
    gives Python ints and floats here (no DECIMAL columns), so the rows need no conversion."""
    cursor = con.execute(metric.sql)
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
