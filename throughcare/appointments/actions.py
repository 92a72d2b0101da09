"""Writes for appointments. Each is one transaction: scoped look-up, permission, rows, journey event, audit
entry; the message to the person goes on commit.

Rules (docs/decisions/0009-appointments-and-notifications.md): recording staff of an agency working with the
person book; only the booking agency changes its appointments; a booked appointment can be moved, cancelled
(by the person or the service) or, once its start time has passed, marked attended or did not attend; nothing
else moves. Booking the first appointment from an accepted referral moves the referral to "first appointment
offered", and attending an appointment for that referral starts the intervention, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from throughcare.agencies.models import Staff, staff_of
from throughcare.agencies.roles import CASEWORK_ROLES
from throughcare.appointments.models import OUTCOMES, Appointment, CancelledBy, Mode, Reschedule, Status
from throughcare.appointments.reads import APPOINTMENT_NOT_FOUND, describe_time
from throughcare.audit.recorder import one_entry, record_action
from throughcare.core.categories import Category
from throughcare.core.errors import Forbidden, PreconditionFailed, ValidationFailed
from throughcare.core.ids import parse_uuid
from throughcare.journey.models import Event, EventKind
from throughcare.notifications.reminders import reminder_due_at
from throughcare.people.access import get_person, get_record_about
from throughcare.referrals.actions import transition_referral
from throughcare.referrals.models import Referral
from throughcare.referrals.models import Status as ReferralStatus

logger = logging.getLogger("throughcare.appointments")

MIN_MINUTES, MAX_MINUTES = 5, 480
MAX_DAYS_AHEAD = 2 * 366
MAX_TEXT = 500
#: A referral in one of these states can have appointments booked against it.
BOOKABLE_REFERRAL = (ReferralStatus.ACCEPTED, ReferralStatus.FIRST_APPOINTMENT_OFFERED)


def _event(appointment: Appointment, actor, title: str, body: str = "", occurred_at=None) -> None:
    # Contact and administration: the when and where, never the purpose or a reason (they may be health).
    now = timezone.now()
    Event.objects.create(person_id=appointment.person_id, occurred_at=occurred_at or now, recorded_at=now,
                         kind=EventKind.APPOINTMENT, category=Category.CONTACT_ADMIN, agency_id=appointment.agency_id,
                         author=actor, title=title[:200], body=body, subject_type="appointment",
                         subject_id=str(appointment.pk))


def _audit(actor, appointment: Appointment, grant, action: str, reason: str = "") -> None:
    record_action(actor=actor, action=action, person_id=appointment.person_id, resource="appointment",
                  resource_id=str(appointment.pk), categories=[Category.CONTACT_ADMIN], lawful_basis=grant.basis,
                  purpose=grant.purpose, reason=reason)


def _message_on_commit(appointment: Appointment, template: str) -> None:
    key = f"{template}:{appointment.pk}:v{appointment.version}"
    pk = appointment.pk
    transaction.on_commit(lambda: send_appointment_message(pk, template, key), robust=True)


def send_appointment_message(appointment_id, template: str, key: str):
    """Tell the person (on commit): the appointment as it now stands."""
    from throughcare.notifications.messages import appointment_personalisation
    from throughcare.notifications.service import notify_person

    appointment = Appointment.objects.select_related("person", "agency").get(pk=appointment_id)
    return notify_person(person=appointment.person, template=template, key=key, appointment=appointment,
                         personalisation=appointment_personalisation(appointment))


# --- checking input ---------------------------------------------------------------------------------


def _check_when(errors: dict, starts_at, duration_minutes, *, now: dt.datetime) -> None:
    if starts_at is None or starts_at == "":
        errors["starts_at"] = "Enter the date and time of the appointment"
    elif not isinstance(starts_at, dt.datetime):
        errors["starts_at"] = "Enter the date and time, e.g. 2026-03-02T14:30:00+00:00"
    elif timezone.is_naive(starts_at):
        errors["starts_at"] = "Enter the time with its UTC offset, e.g. 2026-03-02T14:30:00+00:00"
    elif starts_at <= now:
        errors["starts_at"] = "The appointment must start in the future"
    elif starts_at > now + dt.timedelta(days=MAX_DAYS_AHEAD):
        errors["starts_at"] = "The appointment must be within the next 2 years"
    if not isinstance(duration_minutes, int) or isinstance(duration_minutes, bool) or not (
            MIN_MINUTES <= duration_minutes <= MAX_MINUTES):
        errors["duration_minutes"] = f"Enter a duration between {MIN_MINUTES} and {MAX_MINUTES} minutes"


def _check_place(errors: dict, mode, location: str) -> str:
    location = (location or "").strip()
    if mode not in Mode.values:
        errors["mode"] = "Choose in person, phone call or video call"
    elif mode == Mode.IN_PERSON and not location:
        errors["location"] = "Enter where the appointment is"
    if len(location) > 300:
        errors["location"] = "The place must be 300 characters or fewer"
    return location if mode == Mode.IN_PERSON else ""


def _text(errors: dict, name: str, value, *, required: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        errors[name] = required
    elif len(value) > MAX_TEXT:
        errors[name] = f"This must be {MAX_TEXT} characters or fewer"
    return value


def _worker(errors: dict, username: str, staff: Staff):
    if not (username or "").strip():
        return staff.user
    worker = (Staff.objects.select_related("user").filter(user__username=username.strip(), user__is_active=True,
                                                          agency_id=staff.agency_id).first())
    if worker is None or worker.role not in CASEWORK_ROLES:
        errors["worker"] = "Choose a worker at your agency"
        return None
    return worker.user


def _referral(errors: dict, referral_id, person, staff: Staff) -> Referral | None:
    rid = parse_uuid(referral_id)
    referral = (Referral.objects.select_for_update().filter(pk=rid, person=person, to_agency_id=staff.agency_id)
                .first() if rid else None)
    if referral is None:
        errors["referral"] = "Choose a referral made to your agency for this person"
    elif referral.status not in BOOKABLE_REFERRAL:
        errors["referral"] = (f"Only an accepted referral can have an appointment booked: this referral is "
                              f"{ReferralStatus(referral.status).label.lower()}")
    return referral


# --- booking ----------------------------------------------------------------------------------------


def book_appointment(*, actor, person_id, starts_at, duration_minutes: int = 60, mode: str = Mode.IN_PERSON,
                     location: str = "", purpose: str = "", worker: str = "", referral=None) -> Appointment:
    """Book an appointment for the person with a worker at the actor's agency."""
    with transaction.atomic():
        person, grant = get_person(actor, person_id, action="appointment.book", write=True, categories=[])
        if not grant.relationship and grant.basis != "break_glass":
            raise Forbidden("Only an agency working with the person can book their appointments")
        staff = staff_of(actor)
        now = timezone.now()
        errors: dict[str, str] = {}
        _check_when(errors, starts_at, duration_minutes, now=now)
        location = _check_place(errors, mode, location)
        purpose = _text(errors, "purpose", purpose)
        with_worker = _worker(errors, worker, staff)
        linked = _referral(errors, referral, person, staff) if referral else None
        if errors:
            raise ValidationFailed(errors)
        appointment = Appointment.objects.create(
            person=person, agency_id=staff.agency_id, worker=with_worker, booked_by=actor, referral=linked,
            starts_at=starts_at, duration_minutes=duration_minutes, mode=mode, location=location, purpose=purpose,
            status=Status.BOOKED, reminder_due_at=reminder_due_at(starts_at, now), created_at=now, updated_at=now)
        if linked is not None and linked.status == ReferralStatus.ACCEPTED:
            # The waiting-time clock's second mark: the first appointment is offered (in this booking's entry).
            with one_entry():
                transition_referral(actor=actor, referral_id=linked.pk, to=ReferralStatus.FIRST_APPOINTMENT_OFFERED,
                                    first_appointment_on=timezone.localdate(starts_at))
        _event(appointment, actor, f"Appointment booked with {staff.agency.name}", describe_time(appointment) + ".")
        _audit(actor, appointment, grant, "appointment.book",
               reason=f"for referral {linked.pk}" if linked is not None else "")
        _message_on_commit(appointment, "appointment_booked")
    return appointment


# --- changing a booked appointment ------------------------------------------------------------------


def _locked(actor, appointment_id, action: str) -> tuple[Appointment, object, Staff]:
    """The appointment, locked, if the actor may see its person and works at the booking agency."""
    appointment, grant = get_record_about(actor, Appointment.objects.select_for_update().select_related("agency"),
                                          appointment_id, resource="appointment", not_found=APPOINTMENT_NOT_FOUND,
                                          action=action, categories=[], write=True)
    staff = staff_of(actor)
    if staff.agency_id != appointment.agency_id:
        raise Forbidden(f"Only {appointment.agency.name}, which booked this appointment, can change it")
    return appointment, grant, staff


def _refuse_unless_booked(appointment: Appointment, doing: str) -> None:
    if appointment.status == Status.CANCELLED:
        raise ValidationFailed({"status": f"A cancelled appointment cannot be {doing}: book a new one"})
    if appointment.status in OUTCOMES:
        raise ValidationFailed({"status": f"An appointment already recorded as "
                                          f"{appointment.get_status_display().lower()} cannot be {doing}"})


def _check_version(appointment: Appointment, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != appointment.version:
        raise PreconditionFailed(f"The appointment has changed since version {expected_version}: it is now "
                                 f"version {appointment.version}. Reload it and try again.")


def _who(errors: dict, name: str, value) -> str:
    if value not in CancelledBy.values:
        errors[name] = "Choose the person or the service"
    return value


def reschedule_appointment(*, actor, appointment_id, starts_at, requested_by: str, reason: str = "",
                           duration_minutes: int | None = None, mode: str | None = None, location: str | None = None,
                           expected_version: int | None = None) -> Appointment:
    """Move a booked appointment to a new time (and place), keeping where it was, who moved it and why."""
    with transaction.atomic():
        appointment, grant, staff = _locked(actor, appointment_id, "appointment.reschedule")
        _refuse_unless_booked(appointment, "rescheduled")
        now = timezone.now()
        errors: dict[str, str] = {}
        duration = appointment.duration_minutes if duration_minutes is None else duration_minutes
        new_mode = mode or appointment.mode
        _check_when(errors, starts_at, duration, now=now)
        new_location = _check_place(errors, new_mode, appointment.location if location is None else location)
        _who(errors, "requested_by", requested_by)
        reason = _text(errors, "reason", reason, required="Say why the appointment is moving")
        if not errors and (starts_at, duration, new_mode, new_location) == (
                appointment.starts_at, appointment.duration_minutes, appointment.mode, appointment.location):
            errors["starts_at"] = "Enter a different time or place: this is when and where it already is"
        if errors:
            raise ValidationFailed(errors)
        _check_version(appointment, expected_version)
        before = describe_time(appointment)
        Reschedule.objects.create(
            appointment=appointment, previous_starts_at=appointment.starts_at,
            previous_duration_minutes=appointment.duration_minutes, previous_mode=appointment.mode,
            previous_location=appointment.location, new_starts_at=starts_at, requested_by=requested_by,
            reason=reason, moved_by=actor, moved_at=now)
        appointment.starts_at, appointment.duration_minutes = starts_at, duration
        appointment.mode, appointment.location = new_mode, new_location
        appointment.reminder_due_at = reminder_due_at(starts_at, now)
        appointment.updated_at, appointment.version = now, appointment.version + 1
        appointment.save(update_fields=["starts_at", "duration_minutes", "mode", "location", "reminder_due_at",
                                        "updated_at", "version"])
        asked = "the person" if requested_by == CancelledBy.PERSON else "the service"
        _event(appointment, actor, f"Appointment moved: {staff.agency.name}",
               f"From {before} to {describe_time(appointment)}, at the request of {asked}.")
        _audit(actor, appointment, grant, "appointment.reschedule", reason=f"requested by {requested_by}")
        _message_on_commit(appointment, "appointment_rescheduled")
    return appointment


def cancel_appointment(*, actor, appointment_id, cancelled_by: str, reason: str,
                       expected_version: int | None = None) -> Appointment:
    """Cancel a booked appointment, saying who cancelled it (the person or the service) and why."""
    with transaction.atomic():
        appointment, grant, staff = _locked(actor, appointment_id, "appointment.cancel")
        if appointment.status == Status.CANCELLED:
            raise ValidationFailed({"status": "This appointment is already cancelled"})
        _refuse_unless_booked(appointment, "cancelled")
        errors: dict[str, str] = {}
        _who(errors, "cancelled_by", cancelled_by)
        reason = _text(errors, "reason", reason, required="Say why the appointment is cancelled")
        if errors:
            raise ValidationFailed(errors)
        _check_version(appointment, expected_version)
        now = timezone.now()
        appointment.status, appointment.cancelled_by, appointment.cancel_reason = Status.CANCELLED, cancelled_by, reason
        appointment.cancelled_at = appointment.updated_at = now
        appointment.reminder_due_at = None
        appointment.version += 1
        appointment.save(update_fields=["status", "cancelled_by", "cancel_reason", "cancelled_at", "reminder_due_at",
                                        "updated_at", "version"])
        by = "the person" if cancelled_by == CancelledBy.PERSON else "the service"
        _event(appointment, actor, f"Appointment cancelled by {by}: {staff.agency.name}",
               f"It was {describe_time(appointment)}.")
        _audit(actor, appointment, grant, "appointment.cancel", reason=f"cancelled by {cancelled_by}")
        if appointment.starts_at > now:
            _message_on_commit(appointment, "appointment_cancelled")
    return appointment


def record_outcome(*, actor, appointment_id, outcome: str, expected_version: int | None = None) -> Appointment:
    """Attended or did not attend, once the start time has passed. Attending an appointment for a referral
    whose first appointment was offered starts the intervention (the waiting-time clock stops)."""
    with transaction.atomic():
        appointment, grant, staff = _locked(actor, appointment_id, "appointment.outcome")
        if outcome not in OUTCOMES:
            raise ValidationFailed({"outcome": "Choose attended or did not attend"})
        if appointment.status == Status.CANCELLED:
            raise ValidationFailed({"status": "A cancelled appointment has no outcome to record"})
        if appointment.status in OUTCOMES:
            raise ValidationFailed({"status": f"The outcome is already recorded: "
                                              f"{appointment.get_status_display().lower()}"})
        now = timezone.now()
        if appointment.starts_at > now:
            raise ValidationFailed({"outcome": f"You can record the outcome once the appointment has started: it "
                                               f"starts {describe_time(appointment)}"})
        _check_version(appointment, expected_version)
        appointment.status, appointment.outcome_recorded_at, appointment.outcome_recorded_by = outcome, now, actor
        appointment.reminder_due_at, appointment.updated_at = None, now
        appointment.version += 1
        appointment.save(update_fields=["status", "outcome_recorded_at", "outcome_recorded_by", "reminder_due_at",
                                        "updated_at", "version"])
        if outcome == Status.ATTENDED and appointment.referral_id:
            referral = Referral.objects.filter(pk=appointment.referral_id).only("status", "to_agency_id").first()
            if (referral is not None and referral.status == ReferralStatus.FIRST_APPOINTMENT_OFFERED
                    and referral.to_agency_id == staff.agency_id):
                with one_entry():  # in this outcome's entry
                    transition_referral(actor=actor, referral_id=referral.pk, to=ReferralStatus.INTERVENTION_STARTED)
        title = ("Attended appointment with " if outcome == Status.ATTENDED
                 else "Did not attend appointment with ") + staff.agency.name
        _event(appointment, actor, title, f"{describe_time(appointment)}.", occurred_at=appointment.starts_at)
        _audit(actor, appointment, grant, "appointment.outcome", reason=outcome)
    return appointment
