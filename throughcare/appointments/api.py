from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpResponse
from django.urls import reverse
from ninja import Router, Schema
from pydantic import ConfigDict, Field

from throughcare.appointments import actions, icalendar
from throughcare.appointments.models import Appointment
from throughcare.appointments.reads import get_appointment, person_appointments, sees_details
from throughcare.core import idempotency
from throughcare.core.etags import if_match, set_etag

router = Router(tags=["appointments"])


class AppointmentIn(Schema):
    model_config = ConfigDict(extra="forbid")
    starts_at: dt.datetime = Field(description="With its UTC offset, e.g. 2026-03-02T14:30:00+00:00")
    duration_minutes: int = Field(60, description="5 to 480")
    mode: str = Field("in_person", description="in_person, phone or video")
    location: str = Field("", description="Where, for an appointment in person (sent to the person)")
    purpose: str = ""
    worker: str = Field("", description="The worker's username at your agency; you, if empty")
    referral: str | None = Field(None, description="An accepted referral to your agency: booking it offers "
                                                   "the first appointment")


class RescheduleIn(Schema):
    model_config = ConfigDict(extra="forbid")
    starts_at: dt.datetime
    requested_by: str = Field(description="person or service")
    reason: str
    duration_minutes: int | None = None
    mode: str | None = None
    location: str | None = None


class CancelIn(Schema):
    model_config = ConfigDict(extra="forbid")
    cancelled_by: str = Field(description="person or service")
    reason: str


class OutcomeIn(Schema):
    model_config = ConfigDict(extra="forbid")
    outcome: str = Field(description="attended or did_not_attend")


class AgencyRef(Schema):
    id: uuid.UUID
    name: str


class RescheduleOut(Schema):
    previous_starts_at: dt.datetime
    new_starts_at: dt.datetime
    requested_by: str
    reason: str | None
    moved_by: str
    moved_at: dt.datetime


class AppointmentOut(Schema):
    id: uuid.UUID
    person: uuid.UUID
    agency: AgencyRef
    worker: str
    worker_name: str
    referral: uuid.UUID | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    duration_minutes: int
    mode: str
    location: str
    purpose: str | None = Field(description="null when you may not see what the booking agency records")
    status: str
    cancelled_by: str | None
    cancel_reason: str | None
    cancelled_at: dt.datetime | None
    outcome_recorded_at: dt.datetime | None
    version: int
    reschedules: list[RescheduleOut]
    calendar_url: str


def _out(appointment, grant=None) -> dict:
    # The booking agency's own writer (grant None: just audited by the action) sees its own details.
    details = grant is None or sees_details(grant, appointment)
    return {
        "id": appointment.pk, "person": appointment.person_id,
        "agency": {"id": appointment.agency_id, "name": appointment.agency.name},
        "worker": appointment.worker.get_username(),
        "worker_name": appointment.worker.get_full_name() or appointment.worker.get_username(),
        "referral": appointment.referral_id, "starts_at": appointment.starts_at, "ends_at": appointment.ends_at,
        "duration_minutes": appointment.duration_minutes, "mode": appointment.mode, "location": appointment.location,
        "purpose": appointment.purpose if details else None, "status": appointment.status,
        "cancelled_by": appointment.cancelled_by or None,
        "cancel_reason": (appointment.cancel_reason or None) if details else None,
        "cancelled_at": appointment.cancelled_at, "outcome_recorded_at": appointment.outcome_recorded_at,
        "version": appointment.version,
        "reschedules": [{"previous_starts_at": r.previous_starts_at, "new_starts_at": r.new_starts_at,
                         "requested_by": r.requested_by, "reason": r.reason if details else None,
                         "moved_by": r.moved_by.get_username(), "moved_at": r.moved_at}
                        for r in appointment.reschedules.select_related("moved_by")],
        "calendar_url": reverse("api-v1:appointment_calendar", kwargs={"appointment_id": appointment.pk}),
    }


def _respond(request, response: HttpResponse, appointment_id):
    appointment, grant = get_appointment(request.user, appointment_id)
    set_etag(response, appointment.version)
    return _out(appointment, grant)


def _written(response: HttpResponse, appointment):
    """The answer to a write: the action already audited it, so no second read is recorded."""
    appointment = Appointment.objects.select_related("agency", "worker").get(pk=appointment.pk)
    set_etag(response, appointment.version)
    return _out(appointment)


@router.post("/people/{person_id}/appointments", response={200: AppointmentOut, 201: AppointmentOut},
             summary="Book an appointment for the person at your agency; send Idempotency-Key to retry safely")
def book(request, person_id: str, payload: AppointmentIn, response: HttpResponse,
         idempotency_key: str | None = idempotency.KEY_HEADER):
    """A retry with the same Idempotency-Key and booking answers 200 with the appointment the first request
    booked, as it is now (`Idempotent-Replayed: true`), and books nothing (decision 0023)."""
    fields = payload.dict()
    return idempotency.respond_once(
        request, response, idempotency_key,
        request_hash=idempotency.request_hash(fields, scope="appointment.book", person_id=person_id),
        make=lambda: actions.book_appointment(actor=request.user, person_id=person_id, **fields),
        made=lambda appointment: _written(response, appointment),
        replayed=lambda appointment_id: _respond(request, response, appointment_id))


@router.get("/people/{person_id}/appointments", response=list[AppointmentOut],
            summary="The person's appointments with every agency, soonest first")
def list_for_person(request, person_id: str):
    _person, grant, appointments = person_appointments(request.user, person_id)
    return [_out(a, grant) for a in appointments]


@router.get("/appointments/{appointment_id}", response=AppointmentOut,
            summary="One appointment, with its moves; the ETag header carries its version")
def read(request, appointment_id: str, response: HttpResponse):
    return _respond(request, response, appointment_id)


@router.post("/appointments/{appointment_id}/reschedule", response=AppointmentOut,
             summary="Move a booked appointment; If-Match with the ETag is checked")
def reschedule(request, appointment_id: str, payload: RescheduleIn, response: HttpResponse):
    appointment = actions.reschedule_appointment(actor=request.user, appointment_id=appointment_id,
                                   expected_version=if_match(request), **payload.dict())
    return _written(response, appointment)


@router.post("/appointments/{appointment_id}/cancel", response=AppointmentOut,
             summary="Cancel a booked appointment: by the person or the service, with a reason")
def cancel(request, appointment_id: str, payload: CancelIn, response: HttpResponse):
    appointment = actions.cancel_appointment(actor=request.user, appointment_id=appointment_id,
                               expected_version=if_match(request), **payload.dict())
    return _written(response, appointment)


@router.post("/appointments/{appointment_id}/outcome", response=AppointmentOut,
             summary="Attended or did not attend, once the start time has passed")
def outcome(request, appointment_id: str, payload: OutcomeIn, response: HttpResponse):
    appointment = actions.record_outcome(actor=request.user, appointment_id=appointment_id, outcome=payload.outcome,
                           expected_version=if_match(request))
    return _written(response, appointment)


@router.get("/appointments/{appointment_id}/calendar.ics", url_name="appointment_calendar",
            summary="The appointment as an iCalendar file (text/calendar)",
            openapi_extra={"responses": {200: {"description": "An iCalendar file",
                                               "content": {"text/calendar": {}}}}})
def calendar(request, appointment_id: str):
    appointment, _grant = get_appointment(request.user, appointment_id, action="appointment.calendar")
    return calendar_response(appointment)


def calendar_response(appointment) -> HttpResponse:
    response = HttpResponse(icalendar.calendar(appointment), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{icalendar.filename(appointment)}"'
    return response
