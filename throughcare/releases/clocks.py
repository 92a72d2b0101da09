"""The 21-day engagement clock: the national continuity-of-care measure counts a person released from
prison with a treatment need as engaged if their first community intervention is within three weeks of
release. Pure functions of dates: days are calendar days in the service's time zone (as referrals.clocks).

Day 0 is the day of release. Alerts fall due on days 7 and 14 while nobody has seen the person; on day 21,
with no intervention, the outcome is "not engaged".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

ENGAGEMENT_DAYS = 21
ALERT_DAYS = (7, 14)


def engaged_in_time(released_on: dt.date, first_intervention_on: dt.date) -> bool:
    return 0 <= (first_intervention_on - released_on).days <= ENGAGEMENT_DAYS


@dataclass(frozen=True)
class EngagementClock:
    released_on: dt.date
    deadline: dt.date  # the last day that still counts as engaged
    day: int  # days since release (today), or to the first intervention once there is one
    running: bool
    engaged: bool | None  # None while the clock runs
    days_left: int
    alerts_due: tuple[int, ...]  # of ALERT_DAYS, those reached with nobody seen yet
    outcome_due: bool  # day 21 has passed with no intervention


def engagement_clock(released_on: dt.date, today: dt.date,
                     first_intervention_on: dt.date | None = None) -> EngagementClock:
    deadline = released_on + dt.timedelta(days=ENGAGEMENT_DAYS)
    if first_intervention_on is not None:
        day = (first_intervention_on - released_on).days
        return EngagementClock(released_on, deadline, day, False, day <= ENGAGEMENT_DAYS,
                               (deadline - first_intervention_on).days, (), False)
    day = (today - released_on).days
    overdue = day > ENGAGEMENT_DAYS
    return EngagementClock(released_on, deadline, day, not overdue, False if overdue else None,
                           (deadline - today).days, tuple(d for d in ALERT_DAYS if day >= d), overdue)
