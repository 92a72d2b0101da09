"""Release-day rules and the structured review trigger. Pure functions of dates and the plan: tests pass
fixed dates.

- Nobody should be released on a Friday afternoon without support in place (001 C2), nor on the day before
  a bank holiday: services are closed for the days that follow. Such a release is flagged with the
  mitigations that must be in place, each marked as in place or not.
- A release date on a weekend or bank holiday is flagged too: releases due then normally happen on the
  working day before, so the date should be checked.
- A plan whose release date moved, or that was completed (or last reviewed) long before release, needs a
  structured review (003 §3.3.9: plans begin too soon and needs change by the day).

Bank holidays come from throughcare/refdata/bank_holidays.yaml (England and Wales).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import yaml
from django.conf import settings
from django.utils import timezone

from throughcare.core.refdata import REFDATA_DIR
from throughcare.releases.models import ItemKind, ItemStatus


@cache
def bank_holidays() -> dict[dt.date, str]:
    """{date: name} for every bank holiday in the data file."""
    raw = yaml.safe_load((REFDATA_DIR / "bank_holidays.yaml").read_text(encoding="utf-8"))
    holidays: dict[dt.date, str] = {}
    for year, entries in raw.items():
        for entry in entries:
            day = entry["date"]
            if day.year != int(year):
                raise ValueError(f"bank_holidays.yaml: {day} is listed under {year}")
            holidays[day] = entry["name"]
    return holidays


def years_covered() -> set[int]:
    return {day.year for day in bank_holidays()}


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in bank_holidays()


def next_working_day(day: dt.date) -> dt.date:
    """The first working day after `day`."""
    following = day + dt.timedelta(days=1)
    while not is_working_day(following):
        following += dt.timedelta(days=1)
    return following


def previous_working_day(day: dt.date) -> dt.date:
    before = day - dt.timedelta(days=1)
    while not is_working_day(before):
        before -= dt.timedelta(days=1)
    return before


def long_date(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Mitigation:
    text: str
    in_place: bool


@dataclass(frozen=True)
class DayFlag:
    code: str  # friday | before_bank_holiday | not_a_working_day
    message: str
    mitigations: tuple[Mitigation, ...] = ()

    @property
    def all_in_place(self) -> bool:
        return all(m.in_place for m in self.mitigations)


def _done(items: dict, kind: str):
    item = items.get(kind)
    return item if item is not None and item.status == ItemStatus.DONE else None


def mitigations(items, release_on: dt.date) -> tuple[Mitigation, ...]:
    """What must be in place before a release into closed days, each checked against the checklist."""
    by_kind = {item.kind: item for item in items}
    reopens = next_working_day(release_on)
    covered_to = reopens - dt.timedelta(days=1)
    prescribing = by_kind.get(ItemKind.PRESCRIBING)
    script_ok = False
    if prescribing is not None and prescribing.status == ItemStatus.NOT_NEEDED:
        script_ok = True
    elif _done(by_kind, ItemKind.PRESCRIBING):
        details = prescribing.details
        bridging = details.get("bridging_until")
        script_ok = bool(details.get("pharmacy")) and (
            not details.get("current_script") or (bridging is not None and dt.date.fromisoformat(bridging) >= covered_to))
    first = _done(by_kind, ItemKind.FIRST_TREATMENT_APPOINTMENT)
    first_at = (first.appointment.starts_at if first is not None and first.appointment_id else
                first.at if first is not None else None)
    return (
        Mitigation("Accommodation for the night of release is confirmed", bool(_done(by_kind, ItemKind.ACCOMMODATION))),
        Mitigation(f"Any script is bridged to {long_date(covered_to)} and the dispensing pharmacy is named",
                   script_ok),
        Mitigation("Naloxone is issued", bool(_done(by_kind, ItemKind.NALOXONE))),
        Mitigation("Someone meets them at the gate", bool(_done(by_kind, ItemKind.MET_AT_GATE))),
        Mitigation(f"The first community treatment appointment is on {long_date(reopens)} or sooner",
                   first_at is not None and timezone.localtime(first_at).date() <= reopens),
    )


def release_day_flags(release_on: dt.date, items=()) -> list[DayFlag]:
    """Flags for a release on `release_on`, with the mitigations checked against `items`."""
    flags = []
    holidays = bank_holidays()
    if not is_working_day(release_on):
        what = holidays.get(release_on) or f"a {release_on:%A}"
        flags.append(DayFlag("not_a_working_day", f"{long_date(release_on)} is {what}: releases due then normally "
                                                  f"happen on the working day before "
                                                  f"({long_date(previous_working_day(release_on))}). "
                                                  "Check the release date."))
        return flags
    following = release_on + dt.timedelta(days=1)
    if is_working_day(following):
        return flags
    reopens = next_working_day(release_on)
    if release_on.weekday() == 4:
        code = "friday"
        holiday = next((holidays[d] for d in _days(following, reopens) if d in holidays), "")
        message = (f"Release on a Friday: services are closed until {long_date(reopens)}"
                   + (f" ({holiday})" if holiday else "") + ". These must be in place:")
    else:
        code = "before_bank_holiday"
        message = (f"Release the day before {holidays.get(following, 'a bank holiday')}: services are closed until "
                   f"{long_date(reopens)}. These must be in place:")
    flags.append(DayFlag(code, message, mitigations(items, release_on)))
    return flags


def _days(start: dt.date, end: dt.date):
    day = start
    while day < end:
        yield day
        day += dt.timedelta(days=1)


def review_reasons(plan, today: dt.date, review_days: int | None = None) -> list[str]:
    """Why the plan needs a structured review now (empty: it does not)."""
    if plan.status != "open":
        return []
    review_days = settings.RELEASE_REVIEW_DAYS if review_days is None else review_days
    reasons = []
    if plan.moved_from and plan.moved_from != plan.release_on:
        reasons.append(f"The release date moved from {long_date(plan.moved_from)} to {long_date(plan.release_on)}.")
    confirmed = max(filter(None, [plan.completed_on, plan.last_reviewed_on]), default=None)
    window_opens = plan.release_on - dt.timedelta(days=review_days)
    if plan.completed_on and confirmed < window_opens and today >= window_opens:
        reasons.append(f"The plan was last confirmed on {long_date(confirmed)}, more than {review_days} days "
                       "before release: check that it still holds.")
    return reasons
