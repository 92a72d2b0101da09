"""Appointments: booking, moves, cancellation, outcomes, the referral link, access, audit and pages."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from throughcare.appointments.models import Appointment, Reschedule
from throughcare.appointments.reads import appointments_on
from throughcare.audit.models import AuditEntry
from throughcare.episodes.models import Episode
from throughcare.journey.models import Event
from throughcare.referrals.models import Referral

NOWHERE = "00000000-0000-4000-8000-000000000000"


def _soon(days=3, hour=14, minute=30) -> dt.datetime:
    local = timezone.localtime() + dt.timedelta(days=days)
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0)


def _body(**overrides) -> dict:
    body = {"starts_at": _soon().isoformat(), "duration_minutes": 45, "mode": "in_person",
            "location": "12 High Street, Swansea", "purpose": "Prescribing review after detox"}
    return {**body, **overrides}


def _book(api, world, persona="amara", **overrides):
    return api(persona).post(f"/people/{world['jo'].pk}/appointments", _body(**overrides))


def _booked(api, world, **overrides) -> dict:
    response = _book(api, world, **overrides)
    assert response.status_code == 201, response.content
    return response.json()


def _post(api, persona, path, body, **headers):
    client = api(persona)
    return client.client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json",
                              headers={**client.headers, **headers})


def _started(appointment_id, minutes_ago=30):
    Appointment.objects.filter(pk=appointment_id).update(starts_at=timezone.now() - dt.timedelta(minutes=minutes_ago))


def _open_door_works_with_jo(world):
    Episode.objects.create(person=world["jo"], agency=world["agencies"]["peer"], setting="community",
                           service="Peer support", started_on=dt.date(2026, 1, 5),
                           created_by=world["staff"]["xena"].user)


# --- booking ----------------------------------------------------------------------------------------


def test_booking_is_saved_journeyed_audited_and_schedules_a_reminder(api, world, settings):
    settings.APPOINTMENT_REMINDER_HOURS = 24
    response = _book(api, world)
    assert response.status_code == 201, response.content
    booked = response.json()
    assert response["ETag"] == '"1"'
    assert booked["status"] == "booked" and booked["agency"]["name"] == "Riverside Recovery"
    assert booked["worker"] == "amara" and booked["duration_minutes"] == 45 and booked["version"] == 1
    assert dt.datetime.fromisoformat(booked["starts_at"]) == _soon()
    assert dt.datetime.fromisoformat(booked["ends_at"]) == _soon() + dt.timedelta(minutes=45)
    assert booked["purpose"] == "Prescribing review after detox"
    appointment = Appointment.objects.get(pk=booked["id"])
    assert appointment.reminder_due_at == appointment.starts_at - dt.timedelta(hours=24)
    event = Event.objects.get(kind="appointment")
    assert (event.category, event.agency_id, event.subject_id) == (
        "contact_admin", world["agencies"]["riverside"].pk, booked["id"])
    assert event.title == "Appointment booked with Riverside Recovery"
    assert "detox" not in event.body and "High Street" not in event.body  # neutral: no purpose, no place
    entry = AuditEntry.objects.get(action="appointment.book")
    assert entry.person_id == world["jo"].pk and entry.resource_id == booked["id"] and entry.username == "amara"
    assert not AuditEntry.objects.filter(action="appointment.read").exists()  # one entry for the write


def test_booked_inside_the_reminder_window_has_no_reminder(api, world, settings):
    settings.APPOINTMENT_REMINDER_HOURS = 24
    booked = _booked(api, world, starts_at=(timezone.now() + dt.timedelta(hours=3)).isoformat())
    assert Appointment.objects.get(pk=booked["id"]).reminder_due_at is None


def test_booking_with_another_worker_at_the_agency(api, world):
    booked = _booked(api, world, worker="ben", mode="phone", location="")
    assert booked["worker"] == "ben" and booked["mode"] == "phone" and booked["location"] == ""
    assert Appointment.objects.get(pk=booked["id"]).booked_by.username == "amara"


@pytest.mark.parametrize("overrides, field, message", [
    ({"location": " "}, "location", "Enter where the appointment is"),
    ({"mode": "carrier_pigeon"}, "mode", "Choose in person, phone call or video call"),
    ({"duration_minutes": 2}, "duration_minutes", "Enter a duration between 5 and 480 minutes"),
    ({"duration_minutes": 600}, "duration_minutes", "Enter a duration between 5 and 480 minutes"),
    ({"starts_at": "2020-01-01T10:00:00+00:00"}, "starts_at", "The appointment must start in the future"),
    ({"starts_at": "2099-01-01T10:00:00+00:00"}, "starts_at", "The appointment must be within the next 2 years"),
    ({"starts_at": "2030-01-01T10:00:00"}, "starts_at", "Enter the time with its UTC offset"),
    ({"starts_at": "next tuesday"}, "starts_at", "Enter a date and time with its UTC offset"),
    ({"worker": "nobody"}, "worker", "Choose a worker at your agency"),
    ({"worker": "xena"}, "worker", "Choose a worker at your agency"),
    ({"worker": "alan"}, "worker", "Choose a worker at your agency"),
    ({"referral": NOWHERE}, "referral", "Choose a referral made to your agency for this person"),
    ({"purpose": "x" * 501}, "purpose", "This must be 500 characters or fewer"),
    ({"colour": "blue"}, "colour", "This field is not recognised"),
])
def test_bad_input_names_the_field_and_saves_nothing(api, world, overrides, field, message):
    response = _book(api, world, **overrides)
    assert response.status_code == 422, response.content
    assert response.json()["error"]["fields"][field].startswith(message)
    assert not Appointment.objects.exists() and not Event.objects.filter(kind="appointment").exists()


def test_an_unseen_person_is_not_found_before_any_input_error(api, world):
    for persona in ("grace", "yusuf", "sam", "alan"):
        assert _book(api, world, persona, location="").status_code == 404
        assert api(persona).get(f"/people/{world['jo'].pk}/appointments").status_code == 404
    booked = _booked(api, world)
    for path in (f"/appointments/{booked['id']}", f"/appointments/{booked['id']}/calendar.ics"):
        assert api("grace").get(path).status_code == 404
        assert api("amara").get(path.replace(booked["id"], NOWHERE)).status_code == 404
    response = api("grace").post(f"/appointments/{booked['id']}/cancel", {"cancelled_by": "person", "reason": "x"})
    assert response.status_code == 404 and response.json()["error"]["message"] == "Appointment not found"
    assert AuditEntry.objects.filter(action="appointment.cancel", outcome="denied", username="grace").exists()
    assert Appointment.objects.get(pk=booked["id"]).status == "booked"


def test_a_peer_mentor_sees_appointments_but_cannot_book_or_see_the_purpose(api, world):
    _open_door_works_with_jo(world)
    response = _book(api, world, "una")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Your role cannot add to this person's record"
    booked = _booked(api, world)
    seen = api("una").get(f"/appointments/{booked['id']}")
    assert seen.status_code == 200
    assert seen.json()["starts_at"] == booked["starts_at"] and seen.json()["purpose"] is None
    listed = api("una").get(f"/people/{world['jo'].pk}/appointments").json()
    assert [a["id"] for a in listed] == [booked["id"]] and listed[0]["purpose"] is None


def test_only_the_booking_agency_changes_its_appointments(api, world):
    _open_door_works_with_jo(world)
    booked = _booked(api, world)
    for verb, body in [("reschedule", {"starts_at": _soon(4).isoformat(), "requested_by": "person", "reason": "x"}),
                       ("cancel", {"cancelled_by": "service", "reason": "x"}),
                       ("outcome", {"outcome": "attended"})]:
        response = api("xena").post(f"/appointments/{booked['id']}/{verb}", body)
        assert response.status_code == 403, verb
        assert response.json()["error"]["message"] == (
            "Only Riverside Recovery, which booked this appointment, can change it")
    assert api("xena").get(f"/appointments/{booked['id']}").json()["purpose"] is None  # no consent to share
    # A colleague at the booking agency may change it.
    response = api("ben").post(f"/appointments/{booked['id']}/cancel", {"cancelled_by": "service", "reason": "Ill"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"


def test_an_agency_without_a_relationship_cannot_book_on_a_safeguarding_basis_alone(api, world):
    from throughcare.consent.models import LawfulBasis

    LawfulBasis.objects.create(person=world["jo"], basis="safeguarding", recipient_agency=world["agencies"]["prison"],
                               categories=["contact_admin"], reason="Risk to children", approved=True,
                               requested_by=world["staff"]["amara"].user)
    assert api("grace").get(f"/people/{world['jo'].pk}/appointments").status_code == 200
    response = _book(api, world, "grace")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Only an agency working with the person can book their appointments"


# --- moving, cancelling, outcomes -------------------------------------------------------------------


def test_rescheduling_keeps_the_history_and_bumps_the_version(api, world, settings):
    settings.APPOINTMENT_REMINDER_HOURS = 24
    booked = _booked(api, world)
    new_time = _soon(5, 10, 0)
    response = _post(api, "amara", f"/appointments/{booked['id']}/reschedule",
                     {"starts_at": new_time.isoformat(), "requested_by": "person", "reason": "Job interview",
                      "mode": "video"}, **{"If-Match": '"1"'})
    assert response.status_code == 200, response.content
    moved = response.json()
    assert response["ETag"] == '"2"' and moved["version"] == 2
    assert dt.datetime.fromisoformat(moved["starts_at"]) == new_time and moved["mode"] == "video"
    assert moved["location"] == ""
    assert len(moved["reschedules"]) == 1
    history = Reschedule.objects.get()
    assert history.previous_starts_at == _soon() and history.new_starts_at == new_time
    assert history.previous_location == "12 High Street, Swansea" and history.previous_mode == "in_person"
    assert (history.moved_by.username, history.requested_by, history.reason) == ("amara", "person", "Job interview")
    appointment = Appointment.objects.get(pk=booked["id"])
    assert appointment.reminder_due_at == new_time - dt.timedelta(hours=24)
    event = Event.objects.filter(kind="appointment").latest("id")
    assert event.title == "Appointment moved: Riverside Recovery" and "Job interview" not in event.body
    assert "at the request of the person" in event.body
    assert AuditEntry.objects.get(action="appointment.reschedule").resource_id == booked["id"]
    # A stale If-Match is refused and changes nothing.
    stale = _post(api, "amara", f"/appointments/{booked['id']}/reschedule",
                  {"starts_at": _soon(6).isoformat(), "requested_by": "service", "reason": "Rota"}, **{"If-Match": '"1"'})
    assert stale.status_code == 412 and "now version 2" in stale.json()["error"]["message"]
    assert Reschedule.objects.count() == 1


@pytest.mark.parametrize("body, field, message", [
    ({"requested_by": "person", "reason": ""}, "reason", "Say why the appointment is moving"),
    ({"requested_by": "the moon", "reason": "x"}, "requested_by", "Choose the person or the service"),
    ({"requested_by": "person", "reason": "x", "starts_at": "2020-01-01T10:00:00+00:00"}, "starts_at",
     "The appointment must start in the future"),
    ({"requested_by": "person", "reason": "x", "starts_at": "SAME"}, "starts_at", "Enter a different time or place"),
])
def test_a_move_needs_a_new_future_time_who_asked_and_why(api, world, body, field, message):
    booked = _booked(api, world)
    body = {"starts_at": _soon(4).isoformat(), **body}
    if body["starts_at"] == "SAME":
        body["starts_at"] = booked["starts_at"]
    response = api("amara").post(f"/appointments/{booked['id']}/reschedule", body)
    assert response.status_code == 422
    assert response.json()["error"]["fields"][field].startswith(message)
    assert Appointment.objects.get(pk=booked["id"]).version == 1


def test_cancelling_records_who_and_why(api, world):
    booked = _booked(api, world)
    response = api("amara").post(f"/appointments/{booked['id']}/cancel", {"cancelled_by": "person", "reason": "Unwell"})
    assert response.status_code == 200, response.content
    cancelled = response.json()
    assert (cancelled["status"], cancelled["cancelled_by"], cancelled["cancel_reason"]) == ("cancelled", "person",
                                                                                           "Unwell")
    assert cancelled["cancelled_at"] and cancelled["version"] == 2
    assert Appointment.objects.get(pk=booked["id"]).reminder_due_at is None
    assert Event.objects.filter(title="Appointment cancelled by the person: Riverside Recovery").exists()
    assert AuditEntry.objects.get(action="appointment.cancel").reason.startswith("cancelled by person")


@pytest.mark.parametrize("body, field, message", [
    ({"cancelled_by": "person", "reason": " "}, "reason", "Say why the appointment is cancelled"),
    ({"cancelled_by": "", "reason": "x"}, "cancelled_by", "Choose the person or the service"),
])
def test_a_cancellation_needs_who_and_why(api, world, body, field, message):
    booked = _booked(api, world)
    response = api("amara").post(f"/appointments/{booked['id']}/cancel", body)
    assert response.status_code == 422 and response.json()["error"]["fields"][field] == message


def _in_state(api, world, state) -> str:
    booked = _booked(api, world)
    if state == "cancelled":
        assert api("amara").post(f"/appointments/{booked['id']}/cancel",
                                  {"cancelled_by": "service", "reason": "Rota"}).status_code == 200
    elif state in ("attended", "did_not_attend"):
        _started(booked["id"])
        assert api("amara").post(f"/appointments/{booked['id']}/outcome", {"outcome": state}).status_code == 200
    return booked["id"]


MOVES = {
    "reschedule": lambda: {"starts_at": _soon(8).isoformat(), "requested_by": "service", "reason": "Rota"},
    "cancel": lambda: {"cancelled_by": "service", "reason": "Rota"},
    "attended": lambda: {"outcome": "attended"},
    "did_not_attend": lambda: {"outcome": "did_not_attend"},
}
REFUSALS = {
    ("cancelled", "reschedule"): "A cancelled appointment cannot be rescheduled: book a new one",
    ("cancelled", "cancel"): "This appointment is already cancelled",
    ("cancelled", "attended"): "A cancelled appointment has no outcome to record",
    ("cancelled", "did_not_attend"): "A cancelled appointment has no outcome to record",
    ("attended", "reschedule"): "An appointment already recorded as attended cannot be rescheduled",
    ("attended", "cancel"): "An appointment already recorded as attended cannot be cancelled",
    ("attended", "attended"): "The outcome is already recorded: attended",
    ("attended", "did_not_attend"): "The outcome is already recorded: attended",
    ("did_not_attend", "reschedule"): "An appointment already recorded as did not attend cannot be rescheduled",
    ("did_not_attend", "cancel"): "An appointment already recorded as did not attend cannot be cancelled",
    ("did_not_attend", "attended"): "The outcome is already recorded: did not attend",
    ("did_not_attend", "did_not_attend"): "The outcome is already recorded: did not attend",
}


@pytest.mark.parametrize("state, move", [(s, m) for s in ("booked", "cancelled", "attended", "did_not_attend")
                                         for m in MOVES])
def test_every_move_from_every_state_is_allowed_or_refused_with_the_reason(api, world, state, move):
    appointment_id = _in_state(api, world, state)
    if state == "booked" and move in ("attended", "did_not_attend"):
        _started(appointment_id)
    path = "outcome" if move in ("attended", "did_not_attend") else move
    before = Appointment.objects.get(pk=appointment_id).version
    response = api("amara").post(f"/appointments/{appointment_id}/{path}", MOVES[move]())
    if state == "booked":
        assert response.status_code == 200, response.content
        expected = {"reschedule": "booked", "cancel": "cancelled"}.get(move, move)
        assert response.json()["status"] == expected
    else:
        assert response.status_code == 422, response.content
        assert response.json()["error"]["fields"]["status"] == REFUSALS[(state, move)]
        assert Appointment.objects.get(pk=appointment_id).version == before


def test_the_outcome_waits_for_the_start_time(api, world):
    booked = _booked(api, world)
    response = api("amara").post(f"/appointments/{booked['id']}/outcome", {"outcome": "attended"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["outcome"].startswith(
        "You can record the outcome once the appointment has started: it starts ")
    assert Appointment.objects.get(pk=booked["id"]).status == "booked"
    _started(booked["id"], minutes_ago=1)
    response = api("amara").post(f"/appointments/{booked['id']}/outcome", {"outcome": "maybe"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["outcome"] == "Choose attended or did not attend"
    response = api("amara").post(f"/appointments/{booked['id']}/outcome", {"outcome": "did_not_attend"})
    assert response.status_code == 200 and response.json()["status"] == "did_not_attend"
    assert response.json()["outcome_recorded_at"]
    event = Event.objects.filter(kind="appointment").latest("id")
    assert event.title == "Did not attend appointment with Riverside Recovery"
    assert AuditEntry.objects.filter(action="appointment.outcome").latest("seq").reason.startswith("did_not_attend")


# --- the referral link ------------------------------------------------------------------------------


def _accepted_referral(api, world) -> str:
    referral = api("amara").post(f"/people/{world['jo'].pk}/referrals", {
        "to_agency": str(world["agencies"]["peer"].pk), "service": "Peer support group",
        "reason": "Mutual aid"}).json()
    for to in ("acknowledged", "accepted"):
        assert api("xena").post(f"/referrals/{referral['id']}/transition", {"to": to}).status_code == 200
    return referral["id"]


def test_booking_from_an_accepted_referral_offers_the_first_appointment_and_attending_starts_it(api, world):
    referral_id = _accepted_referral(api, world)
    starts = _soon(2, 9, 15)
    response = _book(api, world, "xena", referral=referral_id, starts_at=starts.isoformat(), location="Open Door hall")
    assert response.status_code == 201, response.content
    booked = response.json()
    assert booked["referral"] == referral_id
    referral = Referral.objects.get(pk=referral_id)
    assert referral.status == "first_appointment_offered"
    assert referral.first_appointment_on == starts.date() and referral.first_appointment_offered_at is not None
    # The booking and the offer it made are one request: one audit entry, which names the offer.
    entry = AuditEntry.objects.get(action="appointment.book", resource_id=booked["id"])
    assert f"referral.offer_appointment referral {referral_id}" in entry.reason
    assert AuditEntry.objects.filter(request_id=entry.request_id).count() == 1
    clock = api("amara").get(f"/referrals/{referral_id}").json()["clock"]
    assert clock["days_to_first_offer"] == 0 and clock["running"] is True
    # The referral cannot be offered twice: another booking only links to it.
    again = _book(api, world, "xena", referral=referral_id, location="Open Door hall",
                  starts_at=_soon(9).isoformat())
    assert again.status_code == 201 and Referral.objects.get(pk=referral_id).version == referral.version
    # Did not attend: the clock keeps running.
    _started(booked["id"])
    _started(again.json()["id"], minutes_ago=10)
    assert api("xena").post(f"/appointments/{booked['id']}/outcome", {"outcome": "did_not_attend"}).status_code == 200
    assert Referral.objects.get(pk=referral_id).status == "first_appointment_offered"
    # Attended: the intervention starts and the waiting-time clock stops.
    assert api("xena").post(f"/appointments/{again.json()['id']}/outcome", {"outcome": "attended"}).status_code == 200
    referral = Referral.objects.get(pk=referral_id)
    assert referral.status == "intervention_started" and referral.intervention_started_at is not None
    # One entry for the request: the outcome, naming the intervention it started and the episode that opened.
    entry = AuditEntry.objects.get(action="appointment.outcome", resource_id=again.json()["id"])
    assert f"referral.start_intervention referral {referral_id}" in entry.reason and "episode.start episode" in entry.reason
    assert AuditEntry.objects.filter(request_id=entry.request_id).count() == 1


def test_attending_an_appointment_not_for_a_referral_leaves_referrals_alone(api, world):
    referral_id = _accepted_referral(api, world)
    _open_door_works_with_jo(world)
    booked = _booked(api, world, location="Open Door hall")  # Riverside's own, no referral
    _started(booked["id"])
    assert api("amara").post(f"/appointments/{booked['id']}/outcome", {"outcome": "attended"}).status_code == 200
    assert Referral.objects.get(pk=referral_id).status == "accepted"


def test_only_an_accepted_referral_to_your_agency_can_be_booked(api, world):
    referral = api("amara").post(f"/people/{world['jo'].pk}/referrals", {
        "to_agency": str(world["agencies"]["peer"].pk), "service": "Peer support group", "reason": "x"}).json()
    response = _book(api, world, "xena", referral=referral["id"])
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["referral"] == (
        "Only an accepted referral can have an appointment booked: this referral is sent")
    # Riverside made the referral; it is not to Riverside.
    response = _book(api, world, "amara", referral=referral["id"])
    assert response.json()["error"]["fields"]["referral"] == "Choose a referral made to your agency for this person"
    assert Referral.objects.get(pk=referral["id"]).status == "sent" and not Appointment.objects.exists()


# --- a worker's day ---------------------------------------------------------------------------------


def test_appointments_on_a_day_in_a_fixed_number_of_queries(api, world):
    amara = world["staff"]["amara"].user
    day = _soon(2).date()

    def on_day(hour, minute=0):
        return timezone.localtime().replace(year=day.year, month=day.month, day=day.day, hour=hour, minute=minute,
                                            second=0, microsecond=0)

    _booked(api, world, starts_at=on_day(9).isoformat())
    _booked(api, world, starts_at=on_day(23, 45).isoformat())  # late evening: still that local day
    _booked(api, world, starts_at=(on_day(0) + dt.timedelta(days=1)).isoformat())  # the next day
    _booked(api, world, starts_at=on_day(11).isoformat(), worker="ben")  # someone else's

    def count():
        user = get_user_model().objects.get(pk=amara.pk)  # nothing cached
        with CaptureQueriesContext(connection) as queries:
            found = appointments_on(user, day)
            [(a.person.display_name, a.agency.name) for a in found]
        return found, len(queries)

    found, few = count()
    assert [timezone.localtime(a.starts_at).hour for a in found] == [9, 23]
    for hour in (10, 12, 13, 15, 16, 17):
        _booked(api, world, starts_at=on_day(hour).isoformat())
    found, many = count()
    assert len(found) == 8 and many == few
    cancelled = found[0]
    api("amara").post(f"/appointments/{cancelled.pk}/cancel", {"cancelled_by": "service", "reason": "x"})
    assert cancelled.pk not in [a.pk for a in appointments_on(amara, day)]
    assert cancelled.pk in [a.pk for a in appointments_on(amara, day, include_cancelled=True)]


# --- pages ------------------------------------------------------------------------------------------


def _form(day: dt.date, **overrides) -> dict:
    data = {"date-day": str(day.day), "date-month": str(day.month), "date-year": str(day.year), "time": "2:30pm",
            "duration_minutes": "50", "mode": "in_person", "location": "12 High Street", "worker": "amara",
            "purpose": ""}
    return {**data, **overrides}


def test_booking_page_books_in_local_time(browser_client, world):
    client = browser_client("amara")
    url = f"/people/{world['jo'].pk}/appointments/new"
    page = client.get(url)
    assert page.status_code == 200 and b"Book an appointment" in page.content and b'name="date-day"' in page.content
    day = _soon(3).date()
    response = client.post(url, _form(day))
    assert response.status_code == 302, response.content.decode()[:2000]
    appointment = Appointment.objects.get()
    assert timezone.localtime(appointment.starts_at).replace(tzinfo=None) == dt.datetime.combine(day, dt.time(14, 30))
    assert response["Location"] == f"/appointments/{appointment.pk}"
    detail = client.get(response["Location"])
    assert detail.status_code == 200 and b"calendar.ics" in detail.content and b"Move" in detail.content
    listing = client.get(f"/people/{world['jo'].pk}/appointments")
    assert listing.status_code == 200 and str(appointment.pk).encode() in listing.content
    download = client.get(f"/appointments/{appointment.pk}/calendar.ics")
    assert download["Content-Type"].startswith("text/calendar") and b"BEGIN:VEVENT" in download.content


@pytest.mark.parametrize("overrides, message", [
    ({"time": "25:00"}, "Enter a real start time, like 14:30 or 2:30pm"),
    ({"time": ""}, "Enter the start time"),
    ({"date-day": "", "date-month": "", "date-year": ""}, "Enter the appointment date"),
    ({"date-day": "31", "date-month": "2"}, "Appointment date must be a real date"),
    ({"location": ""}, "Enter where the appointment is"),
    ({"date-year": "2020"}, "The appointment must start in the future"),
])
def test_booking_page_errors_name_the_field(browser_client, world, overrides, message):
    response = browser_client("amara").post(f"/people/{world['jo'].pk}/appointments/new",
                                            _form(_soon(3).date(), **overrides))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Appointment.objects.exists()


def test_booking_page_from_an_accepted_referral(api, browser_client, world):
    referral_id = _accepted_referral(api, world)
    client = browser_client("xena")
    url = f"/people/{world['jo'].pk}/appointments/new?referral={referral_id}"
    page = client.get(url)
    assert page.status_code == 200 and b"first appointment for the referral from Riverside Recovery" in page.content
    response = client.post(url, _form(_soon(3).date(), worker="xena"))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Referral.objects.get(pk=referral_id).status == "first_appointment_offered"
    assert str(Appointment.objects.get().referral_id) == referral_id


def test_change_pages(api, browser_client, world):
    booked = _booked(api, world)
    client = browser_client("amara")
    day = _soon(6).date()
    response = client.post(f"/appointments/{booked['id']}/reschedule",
                           _form(day, time="10:00", requested_by="service", reason="Rota"))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert timezone.localtime(Appointment.objects.get().starts_at).hour == 10
    response = client.post(f"/appointments/{booked['id']}/outcome", {"outcome": "attended"})
    assert response.status_code == 422 and "once the appointment has started" in response.content.decode()
    response = client.post(f"/appointments/{booked['id']}/cancel", {"cancelled_by": "", "reason": ""})
    assert response.status_code == 422 and "Choose the person or the service" in response.content.decode()
    response = client.post(f"/appointments/{booked['id']}/cancel", {"cancelled_by": "person", "reason": "Moved away"})
    assert response.status_code == 302 and Appointment.objects.get().status == "cancelled"
    _open_door_works_with_jo(world)
    other = browser_client("xena").get(f"/appointments/{booked['id']}/cancel")
    assert other.status_code == 403 and b"Only Riverside Recovery" in other.content
    assert browser_client("grace").get(f"/appointments/{booked['id']}").status_code == 404
    assert browser_client("grace").get(f"/people/{world['jo'].pk}/appointments").status_code == 404


def test_the_person_page_links_to_appointments(browser_client, world):
    page = browser_client("amara").get(f"/people/{world['jo'].pk}/")
    assert page.status_code == 200
    assert f'href="/people/{world["jo"].pk}/appointments"'.encode() in page.content
    assert f'href="/people/{world["jo"].pk}/appointments/new"'.encode() in page.content


def test_the_demo_world_has_appointments_with_lead_professionals(db):
    from throughcare.careteam.models import CareTeamMember
    from throughcare.core.demo import build_world as build_demo
    from throughcare.episodes.models import Episode

    build_demo(people=60, seed=3)
    appointments = list(Appointment.objects.all())
    assert appointments and {a.status for a in appointments} <= {"booked", "attended", "did_not_attend"}
    leads = set(CareTeamMember.objects.filter(is_lead=True).values_list("person_id", "worker_id"))
    booked = [a for a in appointments if a.status == "booked"]
    assert booked and all((a.person_id, a.worker_id) in leads for a in booked)
    # The history before them: appointments during an episode at the agency (core.demo's bulk load).
    episodes = set(Episode.objects.values_list("person_id", "agency_id"))
    assert all((a.person_id, a.worker_id) in leads or (a.person_id, a.agency_id) in episodes for a in appointments)
    now = timezone.now()
    assert all(a.starts_at > now for a in appointments if a.status == "booked")
    assert all(a.starts_at < now for a in appointments if a.status != "booked")


def test_a_change_page_refuses_a_version_someone_else_has_moved_on(browser_client, world):
    client = browser_client("amara")
    client.post(f"/people/{world['jo'].pk}/appointments/new", _form(_soon(3).date()))
    appointment = Appointment.objects.get()
    page = client.get(f"/appointments/{appointment.pk}/cancel").content.decode()
    assert f'name="version" value="{appointment.version}"' in page
    # Meanwhile a colleague moves it.
    client.post(f"/appointments/{appointment.pk}/reschedule",
                {**_form(_soon(4).date()), "requested_by": "service", "reason": "Room",
                 "version": str(appointment.version)})
    appointment.refresh_from_db()
    assert appointment.version == 2
    stale = client.post(f"/appointments/{appointment.pk}/cancel",
                        {"cancelled_by": "person", "reason": "Unwell", "version": "1"})
    assert stale.status_code == 422
    assert "Someone else changed this while you had the page open" in stale.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == "booked"


def test_a_booking_sent_again_with_its_idempotency_key_books_once(api, world):
    """A client whose answer was lost books again with the same key: the appointment the first request booked
    comes back (200, Idempotent-Replayed), and there is one appointment and one appointment.book entry."""
    from throughcare.audit.models import AuditEntry

    body = _body()
    first = _post(api, "amara", f"/people/{world['jo'].pk}/appointments", body, **{"Idempotency-Key": "book-1"})
    assert first.status_code == 201, first.content
    again = _post(api, "amara", f"/people/{world['jo'].pk}/appointments", body, **{"Idempotency-Key": "book-1"})
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"] and again["ETag"] == first["ETag"]
    assert Appointment.objects.count() == 1
    assert AuditEntry.objects.filter(action="appointment.book").count() == 1
    other = _post(api, "amara", f"/people/{world['jo'].pk}/appointments", {**body, "location": "Elsewhere"},
                  **{"Idempotency-Key": "book-1"})
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["error"]["fields"]
    assert _post(api, "amara", f"/people/{world['jo'].pk}/appointments", body,
                 **{"Idempotency-Key": "book-2"}).status_code == 201
    assert Appointment.objects.count() == 2
