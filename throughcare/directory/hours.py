"""Opening hours: "open now" in the service's own time zone, and the one-line-per-session text form.

Pure functions of the sessions and `now`, so tests pass fixed clocks. A session whose closing time is
at or before its opening time runs past midnight into the next day; 00:00 to 00:00 is open all day.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from throughcare.directory.vocab import Weekday

MIDNIGHT = dt.time(0, 0)


@dataclass(frozen=True)
class Session:
    weekday: int
    opens_at: dt.time
    closes_at: dt.time

    @property
    def overnight(self) -> bool:
        return self.closes_at <= self.opens_at

    def label(self) -> str:
        day = Weekday(self.weekday).label
        if self.opens_at == MIDNIGHT and self.closes_at == MIDNIGHT:
            return f"{day} all day"
        return f"{day} {self.opens_at:%H:%M} to {self.closes_at:%H:%M}"


@cache
def zone(name: str) -> ZoneInfo | None:
    if name not in _zone_names():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def is_open(sessions: Iterable, now: dt.datetime, time_zone: str) -> bool:
    """Is any session open at `now` (an aware datetime), read on the service's wall clock?"""
    tz = zone(time_zone)
    if tz is None:
        return False
    local = now.astimezone(tz)
    today, yesterday, clock = local.weekday(), (local.weekday() - 1) % 7, local.time().replace(tzinfo=None)
    for session in sessions:
        opens, closes = session.opens_at, session.closes_at
        overnight = closes <= opens
        if session.weekday == today and (clock >= opens and (overnight or clock < closes)):
            return True
        if session.weekday == yesterday and overnight and clock < closes:
            return True
    return False


_LINE = re.compile(r"^\s*(?P<day>[A-Za-z]+)\s+(?:(?P<all>all\s+day)|(?P<opens>\d{1,2}[:.]\d{2})\s*"
                   r"(?:-|–|to)\s*(?P<closes>\d{1,2}[:.]\d{2}))\s*$", re.IGNORECASE)
_DAYS = {label.lower(): value for value, label in Weekday.choices} | {
    label.lower()[:3]: value for value, label in Weekday.choices}


def _time(text: str) -> dt.time:
    hours, minutes = re.split(r"[:.]", text)
    return dt.time(int(hours), int(minutes))


def parse_hours(text: str) -> list[Session]:
    """Sessions from lines like "Monday 09:00 to 17:00", "Tue 18:30-20:00" or "Sunday all day".

    Raises ValueError with a message naming the line that is wrong.
    """
    sessions = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        day = _DAYS.get(match.group("day").lower()) if match else None
        if match is None or day is None:
            raise ValueError(f"Line {number}: write a day and times, for example \"Monday 09:00 to 17:00\"")
        if match.group("all"):
            sessions.append(Session(day, MIDNIGHT, MIDNIGHT))
            continue
        try:
            sessions.append(Session(day, _time(match.group("opens")), _time(match.group("closes"))))
        except ValueError:
            raise ValueError(f"Line {number}: times must be real times on a 24-hour clock, like 09:00 or 17:30") \
                from None
    return sessions


def format_hours(sessions: Iterable) -> str:
    return "\n".join(Session(s.weekday, s.opens_at, s.closes_at).label() for s in sessions)
