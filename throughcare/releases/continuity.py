"""The continuity dashboard: releases, plans complete at release and people engaged with community treatment
within 21 days, by week, per prison or per partnership area (the destination area recorded at release).

Aggregate figures only, never case data, so commissioners may see it. Small numbers are suppressed
(`CONTINUITY_SUPPRESS_BELOW`, default 5): a count from 1 to N-1 shows as "fewer than N", and so does a
count whose complement in its row (releases minus it) is that small, or the next smallest in its column when
only one cell there is suppressed (so it cannot be worked out from the total). A rate is shown only when
both of its counts are. Weeks less than 21 days old are provisional: their people are still on the clock.

A release followed by a recall to custody within 21 days (a reception of type recall linked to it) is counted in
`recalled_within_21_days`, and left out of the engagement rate's denominator: the person did not have their
21 days in the community, so counting them as "not engaged" would blame the service for a recall and
counting them as engaged would be false (their handover's clock records "recalled": releases.engagement).
The rate is `engaged / (releases - recalled)`, shown only when all three counts are. Releases without a
handover still count as not engaged (decision 0012).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count, DateField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from throughcare.agencies.models import Agency, staff_of
from throughcare.agencies.roles import AgencyKind, Role
from throughcare.audit.recorder import record_access
from throughcare.core.errors import Forbidden, ValidationFailed
from throughcare.core.ids import parse_uuid
from throughcare.custody.models import Custody, CustodyStatus
from throughcare.releases.clocks import ENGAGEMENT_DAYS

#: Roles that may see the dashboard (aggregates only): not peer mentors, administrators or auditors.
DASHBOARD_ROLES = frozenset({Role.COMMISSIONER, Role.SERVICE_MANAGER, Role.PRISON_TEAM, Role.KEY_WORKER,
                             Role.PARTNER_WORKER})
COUNTS = ("releases", "complete_at_release", "engaged_within_21_days", "recalled_within_21_days")
MAX_WEEKS = 104


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def suppress(rows: list[dict], threshold: int) -> list[dict]:
    """Mark cells to withhold: rows are {count name: int}; returns {count name: bool suppressed} per row,
    the last row being the total."""
    hidden = [{name: 0 < row[name] < threshold for name in COUNTS} for row in rows]
    for row, mask in zip(rows, hidden, strict=True):
        for name in COUNTS[1:]:
            if 0 < row["releases"] - row[name] < threshold:
                mask[name] = True
    weeks = list(zip(rows[:-1], hidden[:-1], strict=True))
    for name in COUNTS:
        masked = [mask for _row, mask in weeks if mask[name]]
        if len(masked) == 1 and not hidden[-1][name]:
            others = sorted(((row[name], i) for i, (row, mask) in enumerate(weeks) if row[name] and not mask[name]))
            if others:
                weeks[others[0][1]][1][name] = True
            else:
                hidden[-1][name] = True
    return hidden


def _text(value: int, hidden: bool, threshold: int) -> str:
    return f"fewer than {threshold}" if hidden else str(value)


def _rate(part: int, whole: int, hidden: bool) -> str | None:
    if hidden or not whole:
        return None
    return f"{round(100 * part / whole)}%"


def continuity_report(user, *, prison: str = "", area: str = "", weeks: int = 12,
                      today: dt.date | None = None) -> dict:
    staff = staff_of(user)
    if staff is None or staff.role not in DASHBOARD_ROLES:
        raise Forbidden("Your role cannot see the continuity dashboard")
    errors = {}
    if not isinstance(weeks, int) or not 1 <= weeks <= MAX_WEEKS:
        errors["weeks"] = f"Enter a number of weeks from 1 to {MAX_WEEKS}"
    prison_agency = None
    if prison:
        prison_agency = Agency.objects.filter(pk=parse_uuid(prison), kind=AgencyKind.PRISON).first()
        if prison_agency is None:
            errors["prison"] = "Choose a prison from the list"
    area = (area or "").strip()
    if prison and area:
        errors["area"] = "Choose a prison or an area, not both"
    if errors:
        raise ValidationFailed(errors)
    today = today or timezone.localdate()
    threshold = settings.CONTINUITY_SUPPRESS_BELOW
    first = week_start(today) - dt.timedelta(weeks=weeks - 1)
    released = Custody.objects.filter(status=CustodyStatus.RELEASED, released_on__gte=first, released_on__lte=today)
    if prison_agency is not None:
        released = released.filter(prison=prison_agency)
    elif area:
        released = released.filter(destination_area__iexact=area)
    by_week = {row["week"]: row for row in released.annotate(week=TruncWeek("released_on")).values("week").annotate(
        releases=Count("pk", distinct=True),
        complete_at_release=Count("pk", distinct=True, filter=Q(release_plans__status="released",
                                                                release_plans__complete_at_release=True)),
        engaged_within_21_days=Count("pk", distinct=True, filter=Q(release_plans__handover__outcome="engaged")),
        # Back in custody (a recall linked to this release) by day 21: not counted as engaged or as not engaged.
        recalled_within_21_days=Count("pk", distinct=True, filter=Q(
            recalls__received_on__lte=ExpressionWrapper(F("released_on") + dt.timedelta(days=ENGAGEMENT_DAYS),
                                                        output_field=DateField()))),
    )}
    rows = []
    for index in range(weeks):
        start = first + dt.timedelta(weeks=index)
        found = next((row for week, row in by_week.items()
                      if (week.date() if isinstance(week, dt.datetime) else week) == start), None)
        rows.append({"week_starting": start, **{name: (found or {}).get(name, 0) for name in COUNTS},
                     "provisional": today - (start + dt.timedelta(days=6)) < dt.timedelta(days=ENGAGEMENT_DAYS)})
    total = {"week_starting": None, **{name: sum(r[name] for r in rows) for name in COUNTS}, "provisional": False}
    hidden = suppress([*rows, total], threshold)
    shown = []
    for row, mask in zip([*rows, total], hidden, strict=True):
        shown.append({
            "week_starting": row["week_starting"], "provisional": row["provisional"],
            **{name: None if mask[name] else row[name] for name in COUNTS},
            **{f"{name}_text": _text(row[name], mask[name], threshold) for name in COUNTS},
            "complete_rate": _rate(row["complete_at_release"], row["releases"],
                                   mask["complete_at_release"] or mask["releases"]),
            # Of the releases that had their 21 days in the community (recalled ones left out).
            "engaged_rate": _rate(row["engaged_within_21_days"], row["releases"] - row["recalled_within_21_days"],
                                  mask["engaged_within_21_days"] or mask["releases"]
                                  or mask["recalled_within_21_days"]),
        })
    scope = (f"prison {prison_agency.name}" if prison_agency else f"area {area}" if area else "the partnership")
    record_access(actor=user, action="continuity.read", resource="continuity",
                  reason=f"{scope}; {weeks} weeks to {today}")
    return {"scope": scope, "threshold": threshold, "from": first, "to": today, "weeks": shown[:-1],
            "total": shown[-1]}
