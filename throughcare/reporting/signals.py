"""Local intelligence: substances at presentation by month, and partners' aggregate signals (hospital
admissions, police seizures) imported as CSV; both published with the same suppression as every other table.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from django.db import transaction
from django.utils import timezone

from throughcare.agencies.models import staff_of
from throughcare.audit.recorder import record_action
from throughcare.core.errors import Forbidden, ValidationFailed
from throughcare.reporting.models import PartnerSignal
from throughcare.reporting.suppression import Table, published

COLUMNS = ("month", "area", "source", "signal", "count")
SOURCES = {"hospital": "Hospital", "police": "Police", "ambulance": "Ambulance", "public_health": "Public health",
           "other": "Other partner"}
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
MAX_ROWS = 10_000
SUBSTANCE_LABELS = {
    "heroin": "Heroin", "illicit_methadone": "Methadone or buprenorphine (not prescribed)", "crack": "Crack cocaine",
    "cocaine": "Cocaine powder", "amphetamines": "Amphetamines", "cannabis": "Cannabis",
    "benzodiazepines": "Benzodiazepines (not prescribed)", "ketamine": "Ketamine",
    "synthetic_cannabinoids": "Synthetic cannabinoids (NPS)", "other_nps": "Other new psychoactive substances (NPS)",
    "gabapentinoids": "Pregabalin or gabapentin (not prescribed)", "other": "Something else", "alcohol": "Alcohol"}


def import_signals(*, actor, text: str) -> int:
    """All or nothing: every row checked (errors name the row and column), then each (month, area, source,
    signal) stored, replacing an earlier import of the same. Returns the rows imported. `actor` None is the
    command line (the server's operator); a member of staff must be a commissioner or service manager, who
    read these figures on the commissioner dashboard."""
    if actor is not None:
        from throughcare.reporting.dashboards import COMMISSIONER_ROLES

        staff = staff_of(actor)
        if staff is None or staff.role not in COMMISSIONER_ROLES:
            raise Forbidden("Only commissioners and service managers can import partners' figures")
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise ValidationFailed({"file": f"The first line must be the columns {','.join(COLUMNS)}"})
    errors: dict[str, str] = {}
    rows = []
    for number, row in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            raise ValidationFailed({"file": f"Send at most {MAX_ROWS:,} rows at a time"})
        month, area = (row["month"] or "").strip(), (row["area"] or "").strip()
        source, signal, count = (row["source"] or "").strip(), (row["signal"] or "").strip(), (row["count"] or "").strip()
        if not MONTH.match(month):
            errors[f"row {number} month"] = "Enter the month as YYYY-MM, like 2026-10"
        if not area or len(area) > 120:
            errors[f"row {number} area"] = "Enter the area (up to 120 characters)"
        if source not in SOURCES:
            errors[f"row {number} source"] = f"Choose the source from {', '.join(SOURCES)}"
        if not signal or len(signal) > 120:
            errors[f"row {number} signal"] = "Enter what is counted (up to 120 characters)"
        if not count.isdigit() or int(count) > 10_000_000:
            errors[f"row {number} count"] = "Enter the count as a whole number, 0 or more"
        rows.append((month, area, source, signal, count))
    if errors:
        raise ValidationFailed(errors, message=f"{len(errors)} problems: nothing was imported")
    now = timezone.now()
    with transaction.atomic():
        for month, area, source, signal, count in rows:
            PartnerSignal.objects.update_or_create(month=month, area=area, source=source, signal=signal,
                                                   defaults={"count": int(count), "imported_at": now})
        record_action(actor=actor, action="partner_signal.import", resource="partner_signal",
                      reason=f"{len(rows)} rows")
    return len(rows)


def last_months(as_of: dt.date, n: int = 12) -> list[str]:
    year, month = as_of.year, as_of.month
    out = []
    for _ in range(n):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]


def month_table(title: str, rows: dict[str, dict[str, int]], months: list[str], threshold: int) -> dict:
    """Rows (label -> {month: count}) by month, with their sum as the last row, suppressed."""
    labels = sorted(rows)
    values = [[rows[label].get(m, 0) for m in months] for label in labels]
    total = [sum(col) for col in zip(*values, strict=True)] if values else [0] * len(months)
    shown = published(Table(row_labels=[*labels, "All (sum)"], columns=months, values=[*values, total]), threshold)
    for row in shown:
        row["cells"] = [row[f"{m}_text"] for m in months]
    return {"title": title, "months": months, "rows": shown[:-1], "total": shown[-1]}


def local_intelligence(results: dict, as_of: dt.date | None, threshold: int) -> dict:
    months = last_months(as_of or timezone.localdate())
    substances: dict[str, dict[str, int]] = {}
    for r in results["substances"]:
        label = SUBSTANCE_LABELS.get(r["substance"], r["substance"])
        substances.setdefault(label, {})[r["month"]] = r["people"]
    signals: dict[str, dict[str, int]] = {}
    for r in results["partner_signals"]:
        label = f"{SOURCES.get(r['source'], r['source'])}: {r['signal']}"
        signals.setdefault(label, {})[r["month"]] = int(r["total"])
    return {"substances": month_table("People presenting, by substance used in the 28 days before", substances,
                                      months, threshold),
            "signals": month_table("Partners' signals", signals, months, threshold)}
