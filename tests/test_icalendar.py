"""The iCalendar download (RFC 5545): parsed back by the `icalendar` package, and checked line by line."""

from __future__ import annotations

import datetime as dt

import icalendar as ical
from django.utils import timezone

from throughcare.appointments.icalendar import escape_text, fold

LOCATION = "Flat 3; Ty Gwyn, Heol y Nant, Abertawe\nRing the bell – ask for the café on the second floor, please, 🙂 " * 2


def _book(api, world, **overrides):
    starts = (timezone.localtime() + dt.timedelta(days=3)).replace(hour=14, minute=30, second=0, microsecond=0)
    body = {"starts_at": starts.isoformat(), "duration_minutes": 45, "mode": "in_person",
            "location": "12 High Street", "purpose": "Methadone titration"}
    response = api("amara").post(f"/people/{world['jo'].pk}/appointments", {**body, **overrides})
    assert response.status_code == 201, response.content
    return response.json()


def _ics(api, appointment_id, persona="amara"):
    response = api(persona).get(f"/appointments/{appointment_id}/calendar.ics")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="appointment-')
    return response.content


def _event(raw: bytes):
    calendar = ical.Calendar.from_ical(raw)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    return calendar, events[0]


def test_the_calendar_parses_with_utc_times_and_a_neutral_summary(api, world):
    booked = _book(api, world)
    raw = _ics(api, booked["id"])
    calendar, event = _event(raw)
    assert str(calendar["VERSION"]) == "2.0" and "Throughcare" in str(calendar["PRODID"])
    assert str(event["UID"]) == f"{booked['id']}@throughcare"
    starts = dt.datetime.fromisoformat(booked["starts_at"])
    assert event.decoded("DTSTART") == starts and event.decoded("DTSTART").utcoffset() == dt.timedelta(0)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == dt.timedelta(minutes=45)
    assert "DTSTAMP" in event and event.decoded("DTSTAMP").tzinfo is not None
    assert str(event["SUMMARY"]) == "Appointment with Riverside Recovery"
    assert str(event["STATUS"]) == "CONFIRMED" and int(event["SEQUENCE"]) == 0
    text = raw.decode()
    assert "Methadone" not in text and "Jo" not in text and "Bloggs" not in text  # nothing for a lock screen
    start_line = next(line for line in text.split("\r\n") if line.startswith("DTSTART"))
    assert start_line.endswith("Z") and start_line == f"DTSTART:{starts.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"


def test_crlf_line_endings_folding_at_75_octets_and_escaping(api, world):
    booked = _book(api, world, location=LOCATION[:300])
    raw = _ics(api, booked["id"])
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    lines = raw.split(b"\r\n")[:-1]
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # the long LOCATION was folded
    for line in lines:
        line.decode("utf-8")  # never split inside a character
    _calendar, event = _event(raw)
    assert str(event["LOCATION"]) == LOCATION[:300].strip()  # commas, semicolons and the newline survive the round trip
    unfolded = raw.replace(b"\r\n ", b"").decode()
    assert "LOCATION:Flat 3\\; Ty Gwyn\\, Heol y Nant\\, Abertawe\\nRing" in unfolded


def test_a_move_bumps_the_sequence_and_a_cancellation_is_marked(api, world):
    booked = _book(api, world, mode="phone", location="")
    later = (timezone.localtime() + dt.timedelta(days=5)).replace(hour=9, minute=0, second=0, microsecond=0)
    assert api("amara").post(f"/appointments/{booked['id']}/reschedule", {
        "starts_at": later.isoformat(), "requested_by": "service", "reason": "Rota"}).status_code == 200
    _calendar, event = _event(_ics(api, booked["id"]))
    assert int(event["SEQUENCE"]) == 1 and event.decoded("DTSTART") == later
    assert str(event["LOCATION"]) == "Phone call"
    assert api("amara").post(f"/appointments/{booked['id']}/cancel",
                             {"cancelled_by": "person", "reason": "Away"}).status_code == 200
    _calendar, event = _event(_ics(api, booked["id"]))
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 2
    assert str(event["UID"]) == f"{booked['id']}@throughcare"  # the same event, so calendars update it


def test_the_download_is_scoped_and_audited(api, world):
    from throughcare.audit.models import AuditEntry

    booked = _book(api, world)
    assert api("grace").get(f"/appointments/{booked['id']}/calendar.ics").status_code == 404
    _ics(api, booked["id"])
    assert AuditEntry.objects.filter(action="appointment.calendar", username="amara", outcome="allowed").exists()
    assert AuditEntry.objects.filter(action="appointment.calendar", username="grace", outcome="denied").exists()


def test_fold_and_escape_by_the_rules():
    assert escape_text("a,b;c\\d\r\ne") == "a\\,b\\;c\\\\d\\ne"
    assert fold("X" * 75) == "X" * 75
    folded = fold("X" * 200)
    parts = folded.split("\r\n")
    assert [len(p) for p in parts] == [75, 75, 52] and all(p.startswith(" ") for p in parts[1:])
    assert folded.replace("\r\n ", "") == "X" * 200
    wide = fold("é" * 60)  # 2 octets each
    assert all(len(p.encode()) <= 75 for p in wide.split("\r\n")) and wide.replace("\r\n ", "") == "é" * 60
