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
from throughcare.audit.recorder import record_access
from throughcare.core.errors import Forbidden
from throughcare.reporting import casemix, pbr
from throughcare.reporting.keys import from_day
from throughcare.reporting.metrics import METRICS, run_django
from throughcare.reporting.models import RAgency, ReportMeta
from throughcare.reporting.signals import local_intelligence
from throughcare.reporting.suppression import Table, published, shared
from throughcare.reporting.tables import SHAPES, Shape, caseload_by_agency, publish, table_of, unsuppressed

SERVICE_ROLES = RECORDING_ROLES
COMMISSIONER_ROLES = frozenset({Role.COMMISSIONER, Role.SERVICE_MANAGER})
OUTCOME_SCORES = (("top", "opiates_days", "Days using opiates (fewer is better)"),
                  ("top", "crack_days", "Days using crack (fewer is better)"),
                  ("top", "alcohol_days", "Days drinking (fewer is better)"),
                  ("top", "quality_of_life", "Quality of life (higher is better)"),
                  ("barc10", "total", "Recovery capital, BARC-10 (higher is better)"))
#: A trend in intake complexity needs this many people at a provider before it is shown.
TREND_MIN_PEOPLE = 20


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
    for instrument, score, title in OUTCOME_SCORES:
        rows = [r for r in _outcome_rows(results, instrument, score) if r["agency_id"] == agency_id]
        tables.append(unsuppressed(_outcome_shape(instrument, score, title), rows, names))
    from django.contrib.auth import get_user_model

    workers = [r for r in results["caseload"] if r["agency_id"] == agency_id]
    users = {u.pk: u.get_full_name() or u.username
             for u in get_user_model().objects.filter(pk__in=[w["worker_id"] for w in workers])}
    caseloads = sorted(({"worker": users.get(w["worker_id"], "A former worker"), "caseload": w["caseload"]}
                        for w in workers), key=lambda w: (-w["caseload"], w["worker"]))
    record_access(actor=user, action="report.service", resource="report", resource_id=agency_id,
                  reason=f"service dashboard for {staff.agency.name}")
    waiting = next(t for t in tables if t["name"] == "waiting_times")
    return {"agency": staff.agency, **_meta(), "tables": tables, "caseloads": caseloads,
            "charts": [waiting_chart(waiting)] if waiting["rows"] else []}


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
    for instrument, score, title in OUTCOME_SCORES:
        tables.append(publish(_outcome_shape(instrument, score, title), _outcome_rows(results, instrument, score),
                              names, threshold))
    adjusted = casemix_table(fit, names, threshold, shared_hidden[1])
    trends = trend_table(results["intake_complexity"], names, threshold)
    payments = pbr_table(pbr_counts, pbr_agencies, threshold,
                         tariff or {d: pbr.DEFAULT_TARIFF[d] for d in pbr.DOMAINS}, shared_hidden[2])
    by_name = {t["name"]: t for t in tables}
    return {"threshold": threshold, "tables": tables, "casemix": adjusted, "trends": trends,
            "pbr": payments, "local": local_intelligence(results, as_of, threshold),
            "charts": [c for c in (rate_chart(by_name["sustained_recovery"], "sustained_rate", "Sustained recovery"),
                                   rate_chart(by_name["waiting_times"], "share_within_3_weeks",
                                              "Started within 3 weeks"),
                                   casemix_chart(adjusted)) if c["spec"]["data"]["values"]]}


def casemix_table_of(adjusted: list, names: dict) -> Table:
    return Table(row_labels=[names.get(a.agency_id, "Unknown") for a in adjusted] + ["Partnership"],
                 columns=["exits", "sustained", "not_sustained"],
                 values=[[a.exits, a.observed, a.exits - a.observed] for a in adjusted]
                 + [[sum(a.exits for a in adjusted), sum(a.observed for a in adjusted),
                     sum(a.exits - a.observed for a in adjusted)]],
                 relations=[("exits", ("sustained", "not_sustained"))])


def casemix_table(fit: tuple, names: dict, threshold: int, hidden=None) -> dict:
    model, adjusted, overall = fit
    shown = published(casemix_table_of(adjusted, names), threshold, hidden)
    rows = []
    for row, a in zip(shown[:-1], adjusted, strict=True):
        visible = row["exits"] is not None and row["sustained"] is not None
        rows.append({**row, "expected": f"{a.expected:.1f}" if visible else None,
                     "observed_rate": _pct(a.observed_rate) if visible else None,
                     "expected_rate": _pct(a.expected_rate) if visible else None,
                     "adjusted_rate": _pct(a.adjusted_rate) if visible else None,
                     "interval": f"{_pct(a.low)} to {_pct(a.high)}" if visible and a.low is not None else None,
                     "adjusted": a.adjusted_rate if visible else None, "low": a.low if visible else None,
                     "high": a.high if visible else None})
    coefficients = [{"factor": casemix.LABELS[c], "coefficient": f"{b:+.2f}"} for c, b in model.coefficients.items()]
    return {"rows": rows, "total": shown[-1], "overall": _pct(overall), "coefficients": coefficients,
            "intercept": f"{model.intercept:+.2f}"}


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


# --- Vega-Lite specs (the same figures are in the tables beside them) -------------------------------------


def _spec(title: str, values: list[dict], encoding: dict, mark="bar", layer=None) -> dict:
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "title": title, "width": "container",
            "height": 220, "data": {"values": values},
            "description": f"{title}; the same figures are in the tables on this page."}
    if layer:
        spec["layer"] = layer
    else:
        spec.update({"mark": mark, "encoding": encoding})
    return {"id": title.lower().replace(" ", "-"), "title": title, "spec": spec}


def waiting_chart(table: dict) -> dict:
    values = [{"band": h, "referrals": table["rows"][0][c]} for c, h in table["columns"] if c.startswith("days_")]
    return _spec("Waiting time distribution", values, {
        "x": {"field": "band", "type": "ordinal", "sort": None, "title": "Wait"},
        "y": {"field": "referrals", "type": "quantitative", "title": "Referrals started"}})


def rate_chart(table: dict, rate: str, title: str) -> dict:
    values = [{"provider": r["label"], "percent": int(r[rate].rstrip("%"))} for r in table["rows"] if r.get(rate)]
    return _spec(title, values, {
        "x": {"field": "percent", "type": "quantitative", "title": "Per cent", "scale": {"domain": [0, 100]}},
        "y": {"field": "provider", "type": "nominal", "title": None}})


def casemix_chart(table: dict) -> dict:
    values = [{"provider": r["label"], "adjusted": round(100 * r["adjusted"], 1), "low": round(100 * r["low"], 1),
               "high": round(100 * r["high"], 1)} for r in table["rows"] if r["adjusted"] is not None]
    y = {"field": "provider", "type": "nominal", "title": None}
    return _spec("Sustained recovery adjusted for case mix", values, {}, layer=[
        {"mark": "rule", "encoding": {"y": y, "x": {"field": "low", "type": "quantitative", "title": "Per cent",
                                                    "scale": {"domain": [0, 100]}}, "x2": {"field": "high"}}},
        {"mark": {"type": "point", "filled": True},
         "encoding": {"y": y, "x": {"field": "adjusted", "type": "quantitative"}}}])


def csv_rows(table: dict) -> list[list[str]]:
    """A published (or service) table as CSV rows: withheld cells as [c], rates as shown."""
    header = ["Provider", *[h for _c, h in table["columns"]], *[n.replace("_", " ") for n, _p, _w in table["rates"]]]
    body = []
    for row in [*table["rows"], *([table["total"]] if table.get("total") else [])]:
        body.append([row["label"], *[row[f"{c}_text"] for c, _h in table["columns"]],
                     *[row.get(n) or "" for n, _p, _w in table["rates"]]])
    return [header, *body]


def as_of_text(as_of: dt.date | None) -> str:
    return as_of.strftime("%-d %B %Y") if as_of else "never: run throughcare reports refresh"
