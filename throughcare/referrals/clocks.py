"""Waiting-time clocks. Pure functions of the referral's timestamps and `now`: tests pass fixed clocks.

The national waiting-time definition counts from the date the referral was received to the date of the
first intervention. Days are calendar days in the service's time zone (settings.TIME_ZONE), so a
referral received late in the evening and started early one morning counts the days a worker would.

- `days_to_first_offer`: received → first appointment offered (None until offered).
- `days_to_intervention`: received → intervention started (None until started).
- `days_waiting`: received → intervention start, or → the day the clock stopped (declined, withdrawn),
  or → today while the person is still waiting.
- `breached`: more than `TARGET_DAYS` days passed without the intervention starting.
- `due_soon`: still waiting, not breached, and breaching within `DUE_SOON_DAYS` days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

#: The waiting-time standard: the first intervention within 3 weeks of referral.
TARGET_DAYS = 21
#: "Due soon" within this many days of breaching.
DUE_SOON_DAYS = 3


@dataclass(frozen=True)
class Clock:
    received_on: dt.date
    breach_after: dt.date  # the last day that still meets the target
    days_waiting: int
    days_to_first_offer: int | None
    days_to_intervention: int | None
    running: bool
    breached: bool
    due_soon: bool
    days_left: int  # to the end of `breach_after`; negative once breached


def local_day(moment: dt.datetime, tz=None) -> dt.date:
    """The calendar day of `moment` in the service's time zone (or `tz`)."""
    return timezone.localtime(moment, tz or timezone.get_default_timezone()).date()


def days_between(start: dt.datetime, end: dt.datetime, tz=None) -> int:
    return (local_day(end, tz) - local_day(start, tz)).days


def clock(*, received_at: dt.datetime, now: dt.datetime, first_appointment_offered_at: dt.datetime | None = None,
          intervention_started_at: dt.datetime | None = None, stopped_at: dt.datetime | None = None,
          tz=None) -> Clock:
    """The clock of one referral at `now`. `stopped_at`: when it was declined or withdrawn, if it was."""
    received_on = local_day(received_at, tz)
    breach_after = received_on + dt.timedelta(days=TARGET_DAYS)
    end = intervention_started_at or stopped_at
    running = end is None
    days_waiting = days_between(received_at, end or now, tz)
    days_left = (breach_after - local_day(end or now, tz)).days
    breached = days_waiting > TARGET_DAYS
    return Clock(
        received_on=received_on,
        breach_after=breach_after,
        days_waiting=days_waiting,
        days_to_first_offer=days_between(received_at, first_appointment_offered_at, tz)
        if first_appointment_offered_at else None,
        days_to_intervention=days_between(received_at, intervention_started_at, tz)
        if intervention_started_at else None,
        running=running,
        breached=breached,
        due_soon=running and not breached and days_left <= DUE_SOON_DAYS,
        days_left=days_left,
    )


#: The Referral fields `referral_clock` reads (for a query that loads only what it shows).
CLOCK_FIELDS = ("received_at", "first_appointment_offered_at", "intervention_started_at", "withdrawn_at",
                "decided_at", "status")


def referral_clock(referral, now: dt.datetime, tz=None) -> Clock:
    """`clock` for a Referral (or anything with the same timestamps)."""
    return clock(received_at=referral.received_at, now=now,
                 first_appointment_offered_at=referral.first_appointment_offered_at,
                 intervention_started_at=referral.intervention_started_at,
                 stopped_at=referral.withdrawn_at or (referral.decided_at if referral.status == "declined" else None),
                 tz=tz)


def with_clocks(referrals, now: dt.datetime | None = None) -> list[tuple[object, Clock]]:
    """(referral, its clock) for each referral, all at the same `now`."""
    now = now or timezone.now()
    return [(referral, referral_clock(referral, now)) for referral in referrals]
