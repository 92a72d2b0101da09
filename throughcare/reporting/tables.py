"""The published shape of each metric: its count columns, the complements a reader could work out anyway
(so suppression sees every equation), and its row relations. Rows are providers, then the partnership."""

from __future__ import annotations

from dataclasses import dataclass

from throughcare.reporting.suppression import Table, published


@dataclass(frozen=True)
class Shape:
    name: str
    title: str
    columns: tuple[tuple[str, str], ...]  # (column, heading)
    derived: dict  # column -> function of the row giving it (complements)
    relations: tuple[tuple[str, tuple[str, ...]], ...]
    rates: tuple[tuple[str, str, str], ...] = ()  # (name, numerator, denominator)


WAITING = Shape("waiting_times", "Waiting times: referral to intervention started, last 12 months", (
    ("started", "Started"), ("within_3_weeks", "Within 3 weeks"), ("over_3_weeks", "Over 3 weeks"),
    ("days_0_7", "0-7 days"), ("days_8_14", "8-14 days"), ("days_15_21", "15-21 days"),
    ("days_22_42", "22-42 days"), ("days_43_plus", "43 days or more")),
    {"over_3_weeks": lambda r: r["started"] - r["within_3_weeks"]},
    (("started", ("within_3_weeks", "over_3_weeks")), ("within_3_weeks", ("days_0_7", "days_8_14", "days_15_21")),
     ("over_3_weeks", ("days_22_42", "days_43_plus"))),
    (("share_within_3_weeks", "within_3_weeks", "started"),))
DNA = Shape("did_not_attend", "Did not attend: appointments in the last 12 weeks", (
    ("appointments", "Appointments"), ("attended", "Attended"), ("did_not_attend", "Did not attend")),
    {"attended": lambda r: r["appointments"] - r["did_not_attend"]},
    (("appointments", ("attended", "did_not_attend")),), (("dna_rate", "did_not_attend", "appointments"),))
OVERDUE = Shape("reviews_overdue", "Recovery plan reviews overdue (people in treatment, by lead agency)", (
    ("plans", "Plans"), ("on_time", "Not overdue"), ("overdue", "Overdue")),
    {"on_time": lambda r: r["plans"] - r["overdue"]}, (("plans", ("on_time", "overdue")),),
    (("overdue_rate", "overdue", "plans"),))
EXITS = Shape("exits", "Exits from treatment, last 12 months", (
    ("exits", "Exits"), ("planned_exits", "Planned exits"), ("other_exits", "Other exits")),
    {"other_exits": lambda r: r["exits"] - r["planned_exits"]}, (("exits", ("planned_exits", "other_exits")),),
    (("planned_rate", "planned_exits", "exits"),))
SUSTAINED = Shape("sustained_recovery", "Sustained recovery: planned exits 6 to 18 months ago", (
    ("planned_exits", "Planned exits"), ("sustained", "No re-presentation in 6 months"),
    ("re_presented", "Re-presented within 6 months")),
    {"sustained": lambda r: r["planned_exits"] - r["re_presented"]},
    (("planned_exits", ("sustained", "re_presented")),), (("sustained_rate", "sustained", "planned_exits"),))
CONTINUITY = Shape("continuity", "Continuity of care after release, last 12 months (by prison)", (
    ("releases", "Releases"), ("plan_complete", "Plan complete at release"), ("plan_incomplete", "Plan incomplete"),
    ("decided", "21 days passed"), ("on_clock", "Still within 21 days"), ("engaged", "Engaged within 21 days"),
    ("not_engaged", "Not engaged")),
    {"plan_incomplete": lambda r: r["releases"] - r["plan_complete"], "on_clock": lambda r: r["releases"] - r["decided"],
     "not_engaged": lambda r: r["decided"] - r["engaged"]},
    (("releases", ("plan_complete", "plan_incomplete")), ("releases", ("decided", "on_clock")),
     ("decided", ("engaged", "not_engaged"))), (("engaged_rate", "engaged", "decided"),))
PARKING = Shape("parking", "Parking: people in treatment 8 weeks or more with no attended appointment in 8 weeks", (
    ("complex_in_treatment", "Complex (3+ factors)"), ("complex_parked", "Complex, not seen"),
    ("complex_seen", "Complex, seen"), ("other_in_treatment", "Others"), ("other_parked", "Others, not seen"),
    ("other_seen", "Others, seen")),
    {"complex_seen": lambda r: r["complex_in_treatment"] - r["complex_parked"],
     "other_seen": lambda r: r["other_in_treatment"] - r["other_parked"]},
    (("complex_in_treatment", ("complex_parked", "complex_seen")), ("other_in_treatment", ("other_parked", "other_seen"))),
    (("complex_parked_rate", "complex_parked", "complex_in_treatment"),
     ("other_parked_rate", "other_parked", "other_in_treatment")))
CASELOAD = Shape("caseload", "Caseloads (people on active care teams)", (
    ("workers", "Workers with a caseload"), ("people", "Places on caseloads")), {}, ())
DECLINES = Shape("declines", "Referrals decided in the last 12 months: declined, and declined because of another need", (
    ("decided", "Decided"), ("accepted", "Accepted"), ("declined", "Declined"),
    ("another_need", "Another need"), ("another_need_mental_health", "Another need: mental health"),
    ("another_need_substance_use", "Another need: substance use"), ("another_need_alcohol", "Another need: alcohol"),
    ("other_reason", "Other reason")),
    {"accepted": lambda r: r["decided"] - r["declined"], "other_reason": lambda r: r["declined"] - r["another_need"]},
    (("decided", ("accepted", "declined")), ("declined", ("another_need", "other_reason")),
     ("another_need", ("another_need_mental_health", "another_need_substance_use", "another_need_alcohol"))),
    (("decline_rate", "declined", "decided"), ("another_need_share", "another_need", "declined")))

SHAPES = {s.name: s for s in (WAITING, DNA, OVERDUE, EXITS, SUSTAINED, CONTINUITY, PARKING, CASELOAD, DECLINES)}


def rate_headings(shape: Shape) -> list[tuple[str, str]]:
    """(rate name, heading): the numerator's heading as a share of the denominator's."""
    heading = dict(shape.columns)
    return [(name, f"{heading[part]} (% of {heading[whole].lower()})") for name, part, whole in shape.rates]


def caseload_by_agency(rows: list[dict]) -> list[dict]:
    out: dict[str, dict] = {}
    for r in rows:
        row = out.setdefault(r["agency_id"], {"agency_id": r["agency_id"], "workers": 0, "people": 0})
        row["workers"] += 1
        row["people"] += r["caseload"]
    return list(out.values())


def _rate(part, whole) -> str | None:
    if part is None or whole is None or not whole:
        return None
    return f"{round(100 * part / whole)}%"


def shaped(shape: Shape, rows: list[dict], names: dict[str, str]) -> tuple[list[str], list[list[int]]]:
    labels, values = [], []
    for r in sorted(rows, key=lambda r: names.get(r["agency_id"], r["agency_id"] or "")):
        full = {**r, **{col: fn(r) for col, fn in shape.derived.items()}}
        labels.append(names.get(r["agency_id"]) or ("No lead professional" if not r["agency_id"] else "Unknown"))
        values.append([int(full[c] or 0) for c, _h in shape.columns])
    return labels, values


def table_of(shape: Shape, rows: list[dict], names: dict[str, str]) -> Table:
    """The metric as a table to suppress: providers, then the partnership (their sum)."""
    labels, values = shaped(shape, rows, names)
    total = [sum(col) for col in zip(*values, strict=True)] if values else [0] * len(shape.columns)
    return Table(row_labels=[*labels, "Partnership"], columns=[c for c, _h in shape.columns],
                 values=[*values, total], relations=list(shape.relations))


def publish(shape: Shape, rows: list[dict], names: dict[str, str], threshold: int, hidden=None) -> dict:
    """A metric's table for commissioners: providers and the partnership, suppressed, with rates."""
    shown = published(table_of(shape, rows, names), threshold, hidden)
    for row in shown:
        for name, part, whole in shape.rates:
            row[name] = _rate(row[part], row[whole])
    return {"name": shape.name, "title": shape.title, "columns": shape.columns, "rates": shape.rates,
            "rate_headings": rate_headings(shape), "rows": shown[:-1], "total": shown[-1], "span": span(shape)}


def unsuppressed(shape: Shape, rows: list[dict], names: dict[str, str]) -> dict:
    """The same table for a service's own staff: their own figures, not suppressed."""
    labels, values = shaped(shape, rows, names)
    out = []
    for label, vals in zip(labels, values, strict=True):
        row = {"label": label}
        for (c, _h), v in zip(shape.columns, vals, strict=True):
            row[c], row[f"{c}_text"] = v, f"{v:,}"
        for name, part, whole in shape.rates:
            row[name] = _rate(row[part], row[whole])
        out.append(row)
    return {"name": shape.name, "title": shape.title, "columns": shape.columns, "rates": shape.rates,
            "rate_headings": rate_headings(shape), "rows": out, "total": None, "span": span(shape)}


def span(shape) -> int:
    """Columns in the table as shown: the row heading, the counts and the rates."""
    return 1 + len(shape.columns) + len(shape.rates)
