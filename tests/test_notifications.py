"""Messages to people: senders, safe-to-contact, reminders sent exactly once, the GOV.UK Notify adapter."""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid

import jwt
import pytest
import requests
from django.conf import settings as django_settings
from django.core import checks
from django.utils import timezone
from typer.testing import CliRunner

from throughcare.appointments.models import Appointment
from throughcare.cli import app
from throughcare.notifications.models import Notification
from throughcare.notifications.reminders import reminder_key, send_due_reminders
from throughcare.notifications.senders import Message, NotifySender, SendFailed
from throughcare.notifications.service import choose_channel, mobile_number
from throughcare.people.models import Person

runner = CliRunner()
SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"throughcare_test-{SERVICE_ID}-{SECRET}"


@pytest.fixture
def outbox(settings, tmp_path):
    settings.NOTIFY_SENDER = "file"
    settings.NOTIFY_OUTBOX = str(tmp_path / "outbox.jsonl")
    settings.APPOINTMENT_REMINDER_HOURS = 24

    def read() -> list[dict]:
        path = tmp_path / "outbox.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    return read


def _contact(world, **fields):
    defaults = {"phone": "07700 900123", "email": "jo@example.org", "safe_to_contact": {"text": True, "email": True}}
    Person.objects.filter(pk=world["jo"].pk).update(**{**defaults, **fields})


def _book(api, world, hours_ahead=72, **overrides):
    starts = (timezone.now() + dt.timedelta(hours=hours_ahead)).replace(second=0, microsecond=0)
    body = {"starts_at": starts.isoformat(), "mode": "in_person", "location": "12 High Street",
            "purpose": "Naloxone training after overdose"}
    response = api("amara").post(f"/people/{world['jo'].pk}/appointments", {**body, **overrides})
    assert response.status_code == 201, response.content
    return response.json()


# --- messages on booking, moving and cancelling -----------------------------------------------------


def test_booking_moving_and_cancelling_tell_the_person_on_commit(api, world, outbox,
                                                                  django_capture_on_commit_callbacks):
    _contact(world)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        booked = _book(api, world)
    assert len(callbacks) == 1
    [message] = outbox()
    assert (message["channel"], message["to"], message["template"]) == ("sms", "07700900123", "appointment_booked")
    assert "Riverside Recovery has booked an appointment for you on " in message["body"]
    assert "at 12 High Street" in message["body"]
    assert "Naloxone" not in json.dumps(message) and "overdose" not in json.dumps(message)
    notification = Notification.objects.get()
    assert notification.status == "sent" and notification.sent_at and notification.sender == "file"
    assert set(notification.personalisation) == {"agency", "date", "time", "place"}
    assert str(notification.appointment_id) == booked["id"] and notification.key.endswith(":v1")
    with django_capture_on_commit_callbacks(execute=True):
        api("amara").post(f"/appointments/{booked['id']}/reschedule", {
            "starts_at": (timezone.now() + dt.timedelta(days=4)).isoformat(), "requested_by": "person",
            "reason": "Court date", "mode": "phone"})
    with django_capture_on_commit_callbacks(execute=True):
        api("amara").post(f"/appointments/{booked['id']}/cancel", {"cancelled_by": "service", "reason": "Ill"})
    sent = outbox()
    assert [m["template"] for m in sent] == ["appointment_booked", "appointment_rescheduled", "appointment_cancelled"]
    assert "has moved to" in sent[1]["body"] and "by phone" in sent[1]["body"]
    assert "Court date" not in json.dumps(sent) and "Ill" not in sent[2]["body"]


def test_nothing_is_sent_when_the_booking_fails(api, world, outbox, django_capture_on_commit_callbacks):
    _contact(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = api("amara").post(f"/people/{world['jo'].pk}/appointments",
                                     {"starts_at": "2020-01-01T10:00:00+00:00", "location": "x"})
    assert response.status_code == 422 and outbox() == [] and not Notification.objects.exists()


# --- safe to contact --------------------------------------------------------------------------------


@pytest.mark.parametrize("fields, channel, to, why", [
    ({}, "sms", "07700900123", ""),
    ({"safe_to_contact": {"text": False, "email": True}}, "email", "jo@example.org", ""),
    ({"safe_to_contact": {"text": True, "email": True}, "phone": ""}, "email", "jo@example.org", ""),
    ({"safe_to_contact": {"phone": True, "letter": True}}, "", "", "not recorded as safe to contact by text or email"),
    ({"safe_to_contact": {}}, "", "", "not recorded as safe to contact by text or email"),
    ({"safe_to_contact": {"text": True}, "phone": ""}, "", "", "safe to text but no mobile number is recorded"),
    ({"safe_to_contact": {"text": True}, "phone": "01792 123456"}, "", "",
     "safe to text but the phone number is not a mobile"),
    ({"safe_to_contact": {"email": True}, "email": ""}, "", "", "safe to email but no email address is recorded"),
])
def test_the_channel_follows_safe_to_contact(world, fields, channel, to, why):
    _contact(world, **fields)
    assert choose_channel(Person.objects.get(pk=world["jo"].pk)) == (channel, to, why)


def test_mobile_numbers():
    assert mobile_number("+44 7700 900123") == "07700900123"
    assert mobile_number("(07700) 900-123") == "07700900123"
    assert mobile_number("+353 85 123 4567") == "+353851234567"
    assert mobile_number("01792 123456") == "" and mobile_number("") == ""


def test_not_safe_to_text_is_recorded_and_nothing_goes_out(api, world, outbox, django_capture_on_commit_callbacks):
    _contact(world, safe_to_contact={"phone": True, "text": False})
    with django_capture_on_commit_callbacks(execute=True):
        _book(api, world)
    assert outbox() == []
    notification = Notification.objects.get()
    assert (notification.status, notification.channel, notification.to) == ("skipped", "", "")
    assert notification.error == "not recorded as safe to contact by text or email"


# --- reminders --------------------------------------------------------------------------------------


def test_reminders_are_sent_once_even_when_the_command_runs_twice(api, world, outbox):
    _contact(world)
    due = _book(api, world, hours_ahead=30)
    not_yet = _book(api, world, hours_ahead=80)
    result = runner.invoke(app, ["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert "Reminders due: 0" in result.output and outbox() == []
    later = timezone.now() + dt.timedelta(hours=7)  # 23 hours before the first
    run = send_due_reminders(now=later)
    assert (run.due, run.sent) == (1, 1)
    [message] = outbox()
    assert message["template"] == "appointment_reminder" and message["body"].startswith(
        "Reminder: you have an appointment with Riverside Recovery on ")
    assert Appointment.objects.get(pk=due["id"]).reminder_due_at is None
    again = send_due_reminders(now=later)
    assert (again.due, again.sent) == (0, 0) and len(outbox()) == 1
    assert Notification.objects.filter(template="appointment_reminder").count() == 1
    assert Appointment.objects.get(pk=not_yet["id"]).reminder_due_at is not None


def test_a_reminder_already_claimed_elsewhere_is_not_sent_again(api, world, outbox):
    _contact(world)
    booked = _book(api, world, hours_ahead=10 + 24)
    appointment = Appointment.objects.get(pk=booked["id"])
    # Another run inserted the claim first (the unique key decides the race).
    Notification.objects.create(key=reminder_key(appointment), person=world["jo"], appointment=appointment,
                                template="appointment_reminder", created_at=timezone.now())
    run = send_due_reminders(now=timezone.now() + dt.timedelta(hours=11))
    assert (run.due, run.claimed_elsewhere, run.sent) == (1, 1, 0) and outbox() == []
    # The claim is all-or-nothing: the appointment still shows its reminder as due.
    assert Appointment.objects.get(pk=booked["id"]).reminder_due_at == appointment.reminder_due_at


def test_a_moved_appointment_gets_a_reminder_for_its_new_time_and_a_cancelled_one_none(api, world, outbox):
    _contact(world)
    booked = _book(api, world, hours_ahead=30)
    cancelled = _book(api, world, hours_ahead=30)
    assert send_due_reminders(now=timezone.now() + dt.timedelta(hours=7)).sent == 2
    new_start = timezone.now() + dt.timedelta(hours=60)
    assert api("amara").post(f"/appointments/{booked['id']}/reschedule", {
        "starts_at": new_start.isoformat(), "requested_by": "service", "reason": "Rota"}).status_code == 200
    assert api("amara").post(f"/appointments/{cancelled['id']}/cancel",
                             {"cancelled_by": "person", "reason": "x"}).status_code == 200
    run = send_due_reminders(now=new_start - dt.timedelta(hours=23))
    assert (run.due, run.sent) == (1, 1)
    assert [m["template"] for m in outbox()] == ["appointment_reminder"] * 3
    assert Notification.objects.filter(appointment_id=cancelled["id"], template="appointment_reminder").count() == 1


def test_a_reminder_for_someone_with_no_safe_channel_is_recorded_as_not_sent(api, world, outbox):
    _contact(world, safe_to_contact={"text": True}, phone="")
    _book(api, world, hours_ahead=30)
    run = send_due_reminders(now=timezone.now() + dt.timedelta(hours=7))
    assert (run.due, run.skipped, run.sent) == (1, 1, 0) and outbox() == []
    notification = Notification.objects.get(template="appointment_reminder")
    assert notification.status == "skipped" and notification.error == "safe to text but no mobile number is recorded"
    assert send_due_reminders(now=timezone.now() + dt.timedelta(hours=8)).due == 0  # and not retried


def test_a_failed_send_is_recorded_and_the_command_says_so(api, world, settings, monkeypatch):
    _contact(world)
    settings.NOTIFY_SENDER = "console"
    _book(api, world, hours_ahead=24 + 1)
    Appointment.objects.update(reminder_due_at=timezone.now() - dt.timedelta(minutes=1))  # due now

    def refuse(self, message):
        raise SendFailed("GOV.UK Notify answered 400: Can't send to this recipient using a team-only API key")

    monkeypatch.setattr("throughcare.notifications.senders.ConsoleSender.send", refuse)
    result = runner.invoke(app, ["reminders", "send"])
    assert result.exit_code == 1 and "1 reminder(s) failed" in result.output
    notification = Notification.objects.get()
    assert notification.status == "failed" and "team-only API key" in notification.error


@pytest.mark.skipif(django_settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
                    reason="PostgreSQL only: SQLite's in-memory test database cannot take concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_three_runs_at_once_send_each_reminder_once(audit_trail_flushable, world, outbox):
    _contact(world)
    start = timezone.now() + dt.timedelta(hours=5)
    amara = world["staff"]["amara"].user
    for n in range(6):
        Appointment.objects.create(person=world["jo"], agency=world["agencies"]["riverside"], worker=amara,
                                   booked_by=amara, starts_at=start + dt.timedelta(minutes=n), location="12 High Street",
                                   reminder_due_at=start - dt.timedelta(hours=24), created_at=timezone.now(),
                                   updated_at=timezone.now())
    barrier, runs, lock = threading.Barrier(3), [], threading.Lock()

    def run():
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=30)
            result = send_due_reminders()
            with lock:
                runs.append(result)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(runs) == 3
    assert sum(r.sent for r in runs) == 6 and len(outbox()) == 6
    assert sum(r.due for r in runs) >= 6  # each run saw some of them; only one sent each
    assert Notification.objects.filter(status="sent").count() == 6


# --- GOV.UK Notify ----------------------------------------------------------------------------------


class FakeTransport(requests.adapters.BaseAdapter):
    """Stands in for the network: records each prepared request and answers as Notify would."""

    def __init__(self, status=201, body=None):
        super().__init__()
        self.requests, self.status, self.body = [], status, body

    def send(self, request, **kwargs):
        self.requests.append(request)
        response = requests.Response()
        response.status_code, response.request, response.url = self.status, request, request.url
        response._content = json.dumps(self.body or {"id": "740e5834-3a29-46b4-9a6f-16142fde533a"}).encode()
        response.headers["Content-Type"] = "application/json"
        return response

    def close(self):
        pass


def _notify(transport) -> NotifySender:
    sender = NotifySender(api_key=API_KEY, base_url="https://notify.test", sms_template_id="sms-template",
                          email_template_id="email-template")
    sender.client.request_session.mount("https://", transport)
    return sender


MESSAGE = Message(reference=str(uuid.UUID(int=7)), channel="sms", to="07700900123", template="appointment_reminder",
                  subject="Reminder: your appointment with Riverside Recovery",
                  body="Reminder: you have an appointment with Riverside Recovery on Tuesday 3 March 2026 at 2pm.")


def test_the_notify_adapter_sends_an_sms_request_signed_with_a_jwt():
    transport = FakeTransport()
    assert _notify(transport).send(MESSAGE) == "740e5834-3a29-46b4-9a6f-16142fde533a"
    [request] = transport.requests
    assert request.method == "POST" and request.url == "https://notify.test/v2/notifications/sms"
    body = json.loads(request.body)
    assert body == {"phone_number": "07700900123", "template_id": "sms-template", "reference": MESSAGE.reference,
                    "personalisation": {"subject": MESSAGE.subject, "message": MESSAGE.body}}
    scheme, token = request.headers["Authorization"].split(" ")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert scheme == "Bearer" and claims["iss"] == SERVICE_ID and abs(claims["iat"] - timezone.now().timestamp()) < 60


def test_the_notify_adapter_sends_email_to_the_email_template():
    transport = FakeTransport()
    email = Message(**{**MESSAGE.__dict__, "channel": "email", "to": "jo@example.org"})
    _notify(transport).send(email)
    [request] = transport.requests
    assert request.url == "https://notify.test/v2/notifications/email"
    body = json.loads(request.body)
    assert body["email_address"] == "jo@example.org" and body["template_id"] == "email-template"


def test_a_notify_refusal_becomes_a_reason():
    transport = FakeTransport(status=400, body={"status_code": 400, "errors": [
        {"error": "BadRequestError", "message": "Can't send to this recipient using a team-only API key"}]})
    with pytest.raises(SendFailed) as refused:
        _notify(transport).send(MESSAGE)
    assert refused.value.reason == ("GOV.UK Notify answered 400: Can't send to this recipient using a team-only "
                                    "API key")


def test_notify_through_the_service_records_the_reference(api, world, settings, monkeypatch,
                                                           django_capture_on_commit_callbacks):
    _contact(world)
    settings.NOTIFY_SENDER = "govuk_notify"
    settings.NOTIFY_API_KEY, settings.NOTIFY_BASE_URL = API_KEY, "https://notify.test"
    settings.NOTIFY_SMS_TEMPLATE_ID, settings.NOTIFY_EMAIL_TEMPLATE_ID = "sms-template", "email-template"
    transport = FakeTransport()
    original = requests.Session.__init__

    def session_with_fake_transport(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.mount("https://", transport)

    monkeypatch.setattr(requests.Session, "__init__", session_with_fake_transport)
    with django_capture_on_commit_callbacks(execute=True):
        _book(api, world)
    notification = Notification.objects.get()
    assert notification.status == "sent" and notification.sender == "govuk_notify"
    assert notification.provider_reference == "740e5834-3a29-46b4-9a6f-16142fde533a"
    assert json.loads(transport.requests[0].body)["reference"] == str(notification.pk)


def test_a_misconfigured_sender_fails_the_system_checks(settings):
    from throughcare.notifications.checks import notification_sender

    settings.NOTIFY_SENDER = "pigeon"
    assert [e.id for e in notification_sender()] == ["throughcare.N001"]
    settings.NOTIFY_SENDER, settings.NOTIFY_API_KEY = "govuk_notify", ""
    [error] = notification_sender()
    assert error.id == "throughcare.N002" and "THROUGHCARE_NOTIFY_API_KEY" in error.hint
    assert error.level == checks.ERROR
    settings.NOTIFY_SENDER = "file"
    assert notification_sender() == []
