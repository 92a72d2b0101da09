"""Service dashboards (a service's own staff) and commissioner dashboards (de-identified, suppressed).

Both read only the reporting tables, through the SQL in reporting.metrics. Who may see what:
- the service dashboard: staff who record (key workers, prison teams, partner workers, service managers),
  for their own agency only — the people counted are those with an episode, referral, appointment, care
  team place or release at that agency, the relationship the access policy itself gives the agency — with
  caseloads by worker name. Peer mentors (contact details only), commissioners, Caldicott guardians,
  auditors and administrators see no case figures here;
- the commissioner dashboard: commissioners and service managers, every provider and the partnership,
  counts of 1-4 suppressed with secondary suppression (reporting.suppression).
Every read is written to the audit trail (`report.service`, `report.commissioner`, with the CSV downloads).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from throughcare.agencies.models import staff_of
from throughcare.agencies.roles import RECORDING_ROLES, Role
from throughcare.assessments import instruments
from throughcare.audit.recorder import record_access
from throughcare.core.errors import Forbidden
from throughcare.reporting import casemix, charts, pbr
from throughcare.reporting.keys import from_day
from throughcare.reporting.metrics import METRICS, run_django
from throughcare.reporting.models import RAgency, ReportMeta
from throughcare.reporting.signals import local_intelligence
from throughcare.reporting.suppression import Table, published, shared
from throughcare.reporting.tables import SHAPES, Shape, caseload_by_agency, publish, table_of, unsuppressed

SERVICE_ROLES = RECORDING_ROLES
COMMISSIONER_ROLES = frozenset({Role.COMMISSIONER, Role.SERVICE_MANAGER})
#: A trend in intake complexity needs this many people at a provider before it is shown.
TREND_MIN_PEOPLE = 20
#: The service dashboard's chart of each table: (column, colour) parts, and groups for stacked bars.
SERVICE_PARTS = {
    "did_not_attend": ("Appointments attended and missed", [("attended", charts.BLUE), ("did_not_attend", charts.RED)],
                       None),
    "reviews_overdue": ("Recovery plan reviews", [("on_time", charts.BLUE), ("overdue", charts.RED)], None),
    "exits": ("Exits from treatment", [("planned_exits", charts.BLUE), ("other_exits", charts.GREY)], None),
    "sustained_recovery": ("Re-presentation within six months of a planned exit",
                           [("sustained", charts.BLUE), ("re_presented", charts.GREY)], None),
    "continuity": ("Continuity of care after release",
                   [("plan_complete", charts.BLUE), ("plan_incomplete", charts.GREY), ("engaged", charts.GREEN),
                    ("not_engaged", charts.RED), ("on_clock", charts.GREY)],
                   {"plan_complete": "Release plan", "plan_incomplete": "Release plan", "engaged": "Engagement",
                    "not_engaged": "Engagement", "on_clock": "Engagement"}),
    "parking": ("People in treatment not seen for 8 weeks",
                [("complex_parked", charts.RED), ("complex_seen", charts.BLUE), ("other_parked", charts.GREY),
                 ("other_seen", charts.GREEN)],
                {"complex_parked": "Complex (3+ factors)", "complex_seen": "Complex (3+ factors)",
                 "other_parked": "Others", "other_seen": "Others"}),
    "declines": ("Referrals declined, by reason",
                 [("another_need_mental_health", charts.RED), ("another_need_substance_use", charts.RED),
                  ("another_need_alcohol", charts.RED), ("other_reason", charts.GREY)], None),
}
#: The commissioner dashboard's chart of each table: a rate per provider.
COMMISSIONER_RATES = {
    "waiting_times": ("share_within_3_weeks", "Started within 3 weeks"),
    "did_not_attend": ("dna_rate", "Did not attend"),
    "reviews_overdue": ("overdue_rate", "Reviews overdue"),
    "exits": ("planned_rate", "Planned exits"),
    "sustained_recovery": ("sustained_rate", "Sustained recovery"),
    "continuity": ("engaged_rate", "Engaged within 21 days of release"),
    "parking": ("complex_parked_rate", "Complex people not seen for 8 weeks"),
    "declines": ("another_need_share", "Declines because of another need"),
}


def outcome_scores() -> list[tuple[str, str, str]]:
    """(instrument, score, title): every score of the Treatment Outcomes Profile and the BARC-10 total, from the
    current instrument files, in their order."""
    out = []
    for key in ("top", "barc10"):
        instrument = instruments.get(key)
        prefix = "TOP: " if key == "top" else ""
        for score in instrument.scores if instrument else ():
            out.append((key, score.id, f"{prefix}{score.label} ({score.better} is better)"))
    return out


def _meta() -> dict:
    meta = ReportMeta.objects.filter(pk=1).first()
    return {"as_of": from_day(meta.as_of_day) if meta else None, "refreshed_at": meta.refreshed_at if meta else ""}


def _names() -> dict[str, str]:
    return dict(RAgency.objects.values_list("agency_id", "name"))


def _outcome_shape(instrument: str, score: str, title: str) -> Shape:
    return Shape(f"outcome_{instrument}_{score}", f"Outcome change: {title}", (
        ("people", "People with two reviews"), ("improved", "Better"), ("same", "No change"), ("worse", "Worse")),
        {"same": lambda r: r["people"] - r["improved"] - r["worse"]}, (("people", ("improved", "same", "worse")),),
        (("improved_rate", "improved", "people"),))


def _run() -> dict[str, list[dict]]:
    return {name: run_django(metric) for name, metric in METRICS.items()}


def _metric_rows(results: dict) -> dict[str, list[dict]]:
    rows = {name: results[name] for name in SHAPES if name in results}
    rows["caseload"] = caseload_by_agency(results["caseload"])
    return rows


def _outcome_rows(results: dict, instrument: str, score: str) -> list[dict]:
    return [r for r in results["outcome_change"] if r["instrument"] == instrument and r["score"] == score]


# --- the service dashboard ------------------------------------------------------------------------------


def service_report(user) -> dict:
    staff = staff_of(user)
    if staff is None or staff.role not in SERVICE_ROLES:
        record_access(actor=user, action="report.service", resource="report", outcome="denied",
                      reason="role cannot see service dashboards")
        raise Forbidden("Your role cannot see service dashboards")
    agency_id = str(staff.agency_id)
    results = _run()
    names = _names()
    mine = {name: [r for r in rows if r["agency_id"] == agency_id] for name, rows in _metric_rows(results).items()}
    tables = [unsuppressed(SHAPES[name], mine[name], names) for name in SHAPES]
    for table in tables:
        if table["name"] == "waiting_times":
            table["chart"] = charts.waiting_chart(table)
        elif table["name"] in SERVICE_PARTS:
            title, parts, groups = SERVICE_PARTS[table["name"]]
            table["chart"] = charts.parts_chart(table, title, parts, group_by=groups)
    from django.contrib.auth import get_user_model

    workers = [r for r in results["caseload"] if r["agency_id"] == agency_id]
    users = {u.pk: u.get_full_name() or u.username
             for u in get_user_model().objects.filter(pk__in=[w["worker_id"] for w in workers])}
    caseloads = sorted(({"worker": users.get(w["worker_id"], "A former worker"), "caseload": w["caseload"]}
                        for w in workers), key=lambda w: (-w["caseload"], w["worker"]))
    per_worker = caseload_table(caseloads)
    outcome = service_outcome_table(results, agency_id)
    tables = [per_worker, *tables, outcome]
    record_access(actor=user, action="report.service", resource="report", resource_id=agency_id,
                  reason=f"service dashboard for {staff.agency.name}")
    return {"agency": staff.agency, **_meta(), "tables": tables, "caseloads": caseloads,
            "charts": [t["chart"] for t in tables if t.get("chart")]}


def caseload_table(caseloads: list[dict]) -> dict:
    """People on each worker's caseload at the service, as a table (and chart) like the others."""
    rows = [{"label": w["worker"], "caseload": w["caseload"], "caseload_text": f"{w['caseload']:,}"} for w in caseloads]
    return {"name": "caseload_per_worker", "title": "Caseload per worker (people on active care teams)",
            "row_heading": "Worker", "columns": (("caseload", "People"),), "rates": (), "rate_headings": [],
            "rows": rows, "total": None, "span": 2, "chart": charts.caseload_chart(caseloads)}


def service_outcome_table(results: dict, agency_id: str) -> dict:
    """Outcome change at the service, one row per measure (every TOP score and the BARC-10 total): people with
    a first and a later review counted at the agency of their latest, better, no change, worse, and means."""
    by_score = {(r["instrument"], r["score"]): r for r in results["outcome_change"] if r["agency_id"] == agency_id}
    rows = []
    for instrument, score, title in outcome_scores():
        r = by_score.get((instrument, score))
        people = int(r["people"]) if r else 0
        row = {"label": title, "people": people, "improved": int(r["improved"]) if r else 0,
               "worse": int(r["worse"]) if r else 0}
        row["same"] = people - row["improved"] - row["worse"]
        for column in ("people", "improved", "same", "worse"):
            row[f"{column}_text"] = f"{row[column]:,}"
        for column in ("mean_first", "mean_latest"):
            row[column] = r[column] if r else None
            row[f"{column}_text"] = f"{r[column]:.1f}" if r else "–"
        row["improved_rate"] = f"{round(100 * row['improved'] / people)}%" if people else None
        rows.append(row)
    table = {"name": "outcome_change", "title": "Outcome change: first to latest review, by measure",
             "row_heading": "Measure", "columns": (("people", "People with two reviews"), ("improved", "Better"),
                                                   ("same", "No change"), ("worse", "Worse"),
                                                   ("mean_first", "Mean at first review"),
                                                   ("mean_latest", "Mean at latest review")),
             "rates": (("improved_rate", "improved", "people"),),
             "rate_headings": [("improved_rate", "Better (% of people with two reviews)")], "rows": rows,
             "total": None, "span": 8}
    table["chart"] = charts.outcome_chart(table)
    return table


# --- the commissioner dashboard -------------------------------------------------------------------------


def _require_commissioner(user):
    staff = staff_of(user)
    if staff is None or staff.role not in COMMISSIONER_ROLES:
        record_access(actor=user, action="report.commissioner", resource="report", outcome="denied",
                      reason="role cannot see commissioner dashboards")
        raise Forbidden("Only commissioners and service managers can see commissioner dashboards")
    return staff


def commissioner_report(user, *, tariff: dict | None = None, audit: bool = True) -> dict:
    _require_commissioner(user)
    meta = _meta()
    report = assemble_commissioner(_run(), _names(), settings.REPORT_SUPPRESS_BELOW, tariff, as_of=meta["as_of"])
    if audit:
        record_access(actor=user, action="report.commissioner", resource="report",
                      reason="commissioner dashboard (de-identified, suppressed)")
    return {**meta, **report}


def assemble_commissioner(results: dict, names: dict, threshold: int, tariff: dict | None = None,
                          as_of: dt.date | None = None) -> dict:
    """The commissioner report from the metrics' results (from any engine): suppressed tables, case mix,
    intake trends, payments and chart specs. Pure: no database (benchmarks/reporting.py runs it on DuckDB)."""
    rows = _metric_rows(results)
    # Sustained recovery appears in three tables (its own, case mix, payments): withheld in all or none.
    fit = casemix.adjust(results["casemix_cohort"])
    pbr_counts, pbr_agencies = pbr_table_of(results, names)
    shared_hidden = shared([(table_of(SHAPES["sustained_recovery"], rows["sustained_recovery"], names), "sustained"),
                            (casemix_table_of(fit[1], names), "sustained"), (pbr_counts, "sustained_recovery")],
                           threshold)
    tables = [publish(SHAPES[name], rows[name], names, threshold,
                      shared_hidden[0] if name == "sustained_recovery" else None) for name in SHAPES]
    for table in tables:
        if table["name"] in COMMISSIONER_RATES:
            rate, title = COMMISSIONER_RATES[table["name"]]
            table["chart"] = charts.rate_chart(table, rate, title)
    for instrument, score, title in outcome_scores():
        tables.append(publish(_outcome_shape(instrument, score, title), _outcome_rows(results, instrument, score),
                              names, threshold))
    adjusted = casemix_table(fit, names, threshold, shared_hidden[1])
    adjusted["chart"] = charts.casemix_chart(adjusted)
    trends = trend_table(results["intake_complexity"], names, threshold)
    payments = pbr_table(pbr_counts, pbr_agencies, threshold,
                         tariff or {d: pbr.DEFAULT_TARIFF[d] for d in pbr.DOMAINS}, shared_hidden[2])
    return {"threshold": threshold, "tables": tables, "casemix": adjusted, "trends": trends,
            "pbr": payments, "local": local_intelligence(results, as_of, threshold),
            "charts": [c for c in [*(t.get("chart") for t in tables), adjusted["chart"]] if c]}


def casemix_table_of(adjusted: list, names: dict) -> Table:
    return Table(row_labels=[names.get(a.agency_id, "Unknown") for a in adjusted] + ["Partnership"],
                 columns=["exits", "sustained", "not_sustained"],
                 values=[[a.exits, a.observed, a.exits - a.observed] for a in adjusted]
                 + [[sum(a.exits for a in adjusted), sum(a.observed for a in adjusted),
                     sum(a.exits - a.observed for a in adjusted)]],
                 relations=[("exits", ("sustained", "not_sustained"))])


def casemix_table(fit: tuple, names: dict, threshold: int, hidden=None) -> dict:
    """The case-mix table as published. Expected counts and rates are shown for a provider only when both of
    its counts are shown and so are the partnership's: the expected counts add up to the partnership's
    sustained recoveries (the model's intercept makes them), and the adjusted rates are scaled by the
    partnership rate, so either would give a withheld partnership figure away."""
    model, adjusted, overall = fit
    shown = published(casemix_table_of(adjusted, names), threshold, hidden)
    total = shown[-1]
    overall_shown = total["exits"] is not None and total["sustained"] is not None
    rows = []
    for row, a in zip(shown[:-1], adjusted, strict=True):
        visible = overall_shown and row["exits"] is not None and row["sustained"] is not None
        rows.append({**row, "expected": f"{a.expected:.1f}" if visible else None,
                     "observed_rate": _pct(a.observed_rate) if visible else None,
                     "expected_rate": _pct(a.expected_rate) if visible else None,
                     "adjusted_rate": _pct(a.adjusted_rate) if visible else None,
                     "interval": f"{_pct(a.low)} to {_pct(a.high)}" if visible and a.low is not None else None,
                     "adjusted": a.adjusted_rate if visible else None, "low": a.low if visible else None,
                     "high": a.high if visible else None})
    coefficients = [{"factor": casemix.LABELS[c], "coefficient": f"{b:+.2f}"} for c, b in model.coefficients.items()]
    return {"rows": rows, "total": total, "overall": _pct(overall) if overall_shown else None,
            "coefficients": coefficients, "intercept": f"{model.intercept:+.2f}"}


def trend_table(rows: list[dict], names: dict, threshold: int) -> list[dict]:
    out = []
    for t in casemix.intake_trends(rows):
        enough = t.people >= max(TREND_MIN_PEOPLE, threshold)
        out.append({"provider": names.get(t.agency_id, "Unknown"), "people": t.people if enough else None,
                    "people_text": f"{t.people:,}" if enough else "too few to tell",
                    "first": f"{t.first_half_mean:.2f}" if enough and t.first_half_mean is not None else None,
                    "second": f"{t.second_half_mean:.2f}" if enough and t.second_half_mean is not None else None,
                    "slope": (f"{t.slope_per_year:+.2f} ({t.low:+.2f} to {t.high:+.2f})"
                              if enough and t.slope_per_year is not None else None),
                    "falling": enough and t.falling})
    return out


def pbr_table_of(results: dict, names: dict) -> tuple[Table, list[str]]:
    domains = list(pbr.DOMAINS)
    counts: dict[str, dict[str, int]] = {}
    for r in results["outcome_domains"]:
        counts.setdefault(r["agency_id"], {})[r["domain"]] = r["people"]
    for r in results["sustained_recovery"]:
        counts.setdefault(r["agency_id"], {})["sustained_recovery"] = r["planned_exits"] - r["re_presented"]
    agencies = sorted(counts, key=lambda a: names.get(a, a))
    values = [[counts[a].get(d, 0) for d in domains] for a in agencies]
    total = [sum(col) for col in zip(*values, strict=True)] if values else [0] * len(domains)
    return Table(row_labels=[names.get(a, "Unknown") for a in agencies] + ["Partnership"],
                 columns=domains, values=[*values, total]), agencies


def pbr_table(counts: Table, agencies: list[str], threshold: int, tariff: dict, hidden=None) -> dict:
    domains = list(pbr.DOMAINS)
    shown = published(counts, threshold, hidden)
    pay = pbr.payments({i: {d: row[d] for d in domains} for i, row in enumerate(shown)}, tariff)
    if any(pay[i] is None for i in range(len(agencies))):
        pay[len(agencies)] = None  # the total less the shown payments would give a withheld one away
    for i, row in enumerate(shown):
        row["payment"] = f"£{pay[i]:,.2f}" if pay[i] is not None else None
    return {"domains": [(d, pbr.DOMAINS[d]) for d in domains], "tariff": tariff, "rows": shown[:-1],
            "total": shown[-1]}


def _pct(value) -> str | None:
    return None if value is None else f"{100 * value:.0f}%"


def as_of_text(as_of: dt.date | None) -> str:
    return as_of.strftime("%-d %B %Y") if as_of else "never: run throughcare reports refresh"
