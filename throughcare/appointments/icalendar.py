"""An appointment as an iCalendar file (RFC 5545), written by hand: one VEVENT, times in UTC, TEXT values
escaped, lines folded at 75 octets, CRLF line endings.

The SUMMARY is "Appointment with <agency>": it shows on a phone's lock screen, so it names neither the
person nor the purpose nor the kind of service (docs/decisions/0009-appointments-and-notifications.md).
"""

from __future__ import annotations

import datetime as dt

from throughcare.appointments.models import Appointment, Mode, Status

PRODID = "-//Throughcare//Appointments 1.0//EN"
MAX_OCTETS = 75


def escape_text(value: str) -> str:
    """RFC 5545 3.3.11: backslash, semicolon, comma and newline are escaped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n"))


def fold(line: str) -> str:
    """RFC 5545 3.1: lines longer than 75 octets are split, each continuation starting with one space,
    never inside a UTF-8 character."""
    out: list[str] = []
    current, size, limit = [], 0, MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append("".join(current))
            current, size, limit = [" "], 1, MAX_OCTETS
        current.append(char)
        size += width
    out.append("".join(current))
    return "\r\n".join(out)


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def summary(appointment: Appointment) -> str:
    return f"Appointment with {appointment.agency.name}"


def calendar(appointment: Appointment, *, host: str = "throughcare") -> str:
    if appointment.mode == Mode.IN_PERSON:
        location = appointment.location
    else:
        location = appointment.get_mode_display()
    description = (f"{appointment.get_mode_display()} with {appointment.agency.name}. "
                   f"If you cannot make it, please contact {appointment.agency.name}.")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "BEGIN:VEVENT",
        f"UID:{appointment.pk}@{host}",
        f"DTSTAMP:{_utc(appointment.updated_at)}",
        f"DTSTART:{_utc(appointment.starts_at)}",
        f"DTEND:{_utc(appointment.ends_at)}",
        f"SEQUENCE:{appointment.version - 1}",
        f"STATUS:{'CANCELLED' if appointment.status == Status.CANCELLED else 'CONFIRMED'}",
        f"SUMMARY:{escape_text(summary(appointment))}",
        f"LOCATION:{escape_text(location)}",
        f"DESCRIPTION:{escape_text(description)}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)


def filename(appointment: Appointment) -> str:
    from django.utils import timezone

    return f"appointment-{timezone.localtime(appointment.starts_at):%Y-%m-%d}.ics"
