"""Release-day rules, bank holidays, the structured review trigger, the 21-day clock and small-number
suppression: pure functions on fixed dates."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from dateutil.easter import easter
from django.utils import timezone

from throughcare.releases import rules
from throughcare.releases.clocks import engagement_clock
from throughcare.releases.continuity import suppress
from throughcare.releases.models import ItemKind, ItemStatus

D = dt.date


def test_the_bank_holiday_file_covers_2025_to_2028_and_the_current_year():
    holidays = rules.bank_holidays()
    for year in (2025, 2026, 2027, 2028):
        days = [d for d in holidays if d.year == year]
        assert len(days) == 8, year
        assert all(d.weekday() < 5 for d in days), year  # substitute days are given, never the weekend date
        # An independent check: Good Friday and Easter Monday from the date of Easter.
        assert easter(year) - dt.timedelta(days=2) in holidays and easter(year) + dt.timedelta(days=1) in holidays
    assert timezone.localdate().year in rules.years_covered(), "add this year to refdata/bank_holidays.yaml"
    assert holidays[D(2026, 12, 28)] == "Boxing Day (substitute day)"


@pytest.mark.parametrize("day, code", [
    (D(2026, 11, 27), "friday"),  # an ordinary Friday
    (D(2026, 5, 22), "friday"),  # the Friday before the spring bank holiday
    (D(2026, 12, 24), "before_bank_holiday"),  # Thursday, Christmas Eve
    (D(2026, 4, 2), "before_bank_holiday"),  # Thursday before Good Friday
    (D(2026, 4, 3), "not_a_working_day"),  # Good Friday itself
    (D(2026, 11, 28), "not_a_working_day"),  # a Saturday
])
def test_release_days_into_closed_days_are_flagged(day, code):
    flags = rules.release_day_flags(day)
    assert [f.code for f in flags] == [code]


@pytest.mark.parametrize("day", [D(2026, 11, 25), D(2026, 11, 23), D(2026, 4, 7), D(2026, 12, 29)])
def test_ordinary_working_days_are_not_flagged(day):
    assert rules.release_day_flags(day) == []


def test_the_flag_says_when_services_reopen_and_which_holiday():
    friday = rules.release_day_flags(D(2026, 5, 22))[0]
    assert friday.message.startswith("Release on a Friday: services are closed until Tuesday 26 May 2026 "
                                     "(Spring bank holiday)")
    easter_thursday = rules.release_day_flags(D(2026, 4, 2))[0]
    assert "the day before Good Friday" in easter_thursday.message and "Tuesday 7 April 2026" in easter_thursday.message
    saturday = rules.release_day_flags(D(2026, 11, 28))[0]
    assert "working day before (Friday 27 November 2026)" in saturday.message


def _item(kind, status=ItemStatus.DONE, **details):
    return SimpleNamespace(kind=kind, status=status, details=details, appointment_id=None, appointment=None,
                           at=details.pop("at", None))


def test_mitigations_are_checked_against_the_checklist():
    friday = D(2026, 11, 27)
    monday_10 = timezone.make_aware(dt.datetime(2026, 11, 30, 10, 0))
    items = [_item(ItemKind.ACCOMMODATION), _item(ItemKind.NALOXONE), _item(ItemKind.MET_AT_GATE),
             _item(ItemKind.PRESCRIBING, current_script="Methadone 60ml", bridging_until="2026-11-28",
                   pharmacy="Boots, 1 Quay St"),
             _item(ItemKind.FIRST_TREATMENT_APPOINTMENT, at=monday_10)]
    flag = rules.release_day_flags(friday, items)[0]
    assert [m.in_place for m in flag.mitigations] == [True, False, True, True, True]  # the script stops on Saturday
    assert flag.mitigations[1].text == ("Any script is bridged to Sunday 29 November 2026 and the dispensing pharmacy "
                                        "is named")
    items[3].details["bridging_until"] = "2026-11-29"
    assert rules.release_day_flags(friday, items)[0].all_in_place
    items[4].at = monday_10 + dt.timedelta(days=1)  # Tuesday: too late
    assert not rules.release_day_flags(friday, items)[0].all_in_place
    no_script = [i for i in items if i.kind != ItemKind.PRESCRIBING] + [_item(ItemKind.PRESCRIBING, ItemStatus.NOT_NEEDED)]
    assert rules.release_day_flags(friday, no_script)[0].mitigations[1].in_place


def _plan(release_on, completed_on=None, last_reviewed_on=None, moved_from=None):
    return SimpleNamespace(status="open", release_on=release_on, completed_on=completed_on,
                           last_reviewed_on=last_reviewed_on, moved_from=moved_from)


def test_a_moved_date_or_a_plan_completed_long_before_release_needs_a_review():
    release = D(2026, 12, 16)
    assert rules.review_reasons(_plan(release), D(2026, 12, 1), 28) == []
    moved = rules.review_reasons(_plan(release, moved_from=D(2026, 12, 9)), D(2026, 12, 1), 28)
    assert moved == ["The release date moved from Wednesday 9 December 2026 to Wednesday 16 December 2026."]
    early = _plan(release, completed_on=D(2026, 10, 1))
    assert rules.review_reasons(early, D(2026, 11, 17), 28) == []  # 29 days out: not yet
    reasons = rules.review_reasons(early, D(2026, 11, 18), 28)  # 28 days out: now
    assert reasons == ["The plan was last confirmed on Thursday 1 October 2026, more than 28 days before release: "
                       "check that it still holds."]
    reviewed = _plan(release, completed_on=D(2026, 10, 1), last_reviewed_on=D(2026, 11, 20))
    assert rules.review_reasons(reviewed, D(2026, 11, 25), 28) == []
    recent = _plan(release, completed_on=D(2026, 12, 1))
    assert rules.review_reasons(recent, D(2026, 12, 10), 28) == []


@pytest.mark.parametrize("today, alerts, running, engaged", [
    (D(2026, 3, 6), (), True, None),  # day 6
    (D(2026, 3, 7), (7,), True, None),
    (D(2026, 3, 14), (7, 14), True, None),
    (D(2026, 3, 21), (7, 14), True, None),  # day 21: still in time
    (D(2026, 3, 22), (7, 14), False, False),  # day 22: not engaged
])
def test_the_21_day_clock_counts_calendar_days_from_release(today, alerts, running, engaged):
    clock = engagement_clock(D(2026, 2, 28), today)
    assert (clock.alerts_due, clock.running, clock.engaged) == (alerts, running, engaged)
    assert clock.deadline == D(2026, 3, 21)


def test_the_clock_stops_at_the_first_intervention():
    assert engagement_clock(D(2026, 3, 1), D(2026, 4, 30), D(2026, 3, 22)).engaged is True
    late = engagement_clock(D(2026, 3, 1), D(2026, 4, 30), D(2026, 3, 23))
    assert late.engaged is False and late.day == 22 and late.alerts_due == ()


def _rows(*values):
    names = ("releases", "complete_at_release", "engaged_within_21_days", "recalled_within_21_days")
    return [dict(zip(names, (*v, 0) if len(v) == 3 else v, strict=True)) for v in values]


def test_small_numbers_and_what_they_can_be_worked_out_from_are_suppressed():
    rows = _rows((12, 10, 6), (8, 8, 0), (3, 1, 1))
    rows.append({name: sum(r[name] for r in rows) for name in rows[0]})
    hidden = suppress(rows, 5)
    assert hidden[2] == {"releases": True, "complete_at_release": True, "engaged_within_21_days": True,
                         "recalled_within_21_days": True}  # 3 - 0 = 3 not recalled, in a week of 3
    assert hidden[0]["recalled_within_21_days"] is False and hidden[1]["recalled_within_21_days"] is False
    assert hidden[0]["complete_at_release"] is True  # 12 - 10 = 2 people not complete: withheld
    assert hidden[1]["releases"] is True  # the one other releases cell, so week 3 cannot be worked out from the total
    assert hidden[1]["engaged_within_21_days"] is False  # zero is not a small number
    assert hidden[0]["engaged_within_21_days"] is True  # else week 3's 1 = total 7 - 6 - 0
    assert hidden[3]["releases"] is False and hidden[0]["releases"] is False
