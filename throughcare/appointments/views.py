from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from throughcare.agencies.models import Staff, staff_of
from throughcare.agencies.roles import CASEWORK_ROLES
from throughcare.appointments import actions
from throughcare.appointments.api import calendar_response
from throughcare.appointments.forms import BookForm, CancelForm, OutcomeForm, RescheduleForm
from throughcare.appointments.models import Status
from throughcare.appointments.reads import (
    describe_time,
    get_appointment,
    person_appointments,
    sees_details,
    split_upcoming,
)
from throughcare.core.errors import Forbidden
from throughcare.core.ids import parse_uuid
from throughcare.core.views import form_page, staff_page
from throughcare.people.access import get_person
from throughcare.referrals.models import Referral


def _list_url(person_id) -> str:
    return reverse("appointments:list", kwargs={"person_id": person_id})


def _detail_url(appointment) -> str:
    return reverse("appointments:detail", kwargs={"appointment_id": appointment.pk})


@staff_page
def person_list(request, person_id):
    person, grant, appointments = person_appointments(request.user, person_id)
    upcoming, past = split_upcoming(appointments)
    return render(request, "appointments/list.html", {
        "person": person, "grant": grant, "upcoming": upcoming, "past": past,
        "can_book": grant.can_write and (bool(grant.relationship) or grant.basis == "break_glass"),
        "details": {a.pk: sees_details(grant, a) for a in appointments},
    })


@staff_page
def book(request, person_id):
    person, grant = get_person(request.user, person_id, action="appointment.form", categories=[], write=True)
    staff = staff_of(request.user)
    workers = [(s.user.username, s.display_name) for s in Staff.objects.select_related("user")
               .filter(agency_id=staff.agency_id, role__in=CASEWORK_ROLES, user__is_active=True)
               .order_by("user__first_name", "user__username")]
    referral_id = request.GET.get("referral", "")
    referral = (Referral.objects.select_related("from_agency").filter(
        pk=parse_uuid(referral_id), person=person, to_agency_id=staff.agency_id).first()
        if parse_uuid(referral_id) else None)
    form = BookForm(request.POST or None, workers=workers, initial={"worker": request.user.username})
    intro = (f"This books the first appointment for the referral from {referral.from_agency.name} "
             f"({referral.service}): the referral moves to first appointment offered." if referral else "")
    return form_page(request, form,
                     run=lambda _data: actions.book_appointment(actor=request.user, person_id=person.pk,
                                                                referral=referral_id or None, **form.action_fields()),
                     success=lambda a: f"Appointment booked: {describe_time(a)}",
                     redirect_to=_detail_url, heading="Book an appointment", caption=person.display_name,
                     intro=intro, submit="Book appointment", cancel_url=_list_url(person.pk))


@staff_page
def detail(request, appointment_id):
    appointment, grant = get_appointment(request.user, appointment_id)
    staff = staff_of(request.user)
    return render(request, "appointments/detail.html", {
        "appointment": appointment, "grant": grant, "when": describe_time(appointment),
        "details": sees_details(grant, appointment),
        "reschedules": list(appointment.reschedules.select_related("moved_by")),
        "can_change": grant.can_write and staff.agency_id == appointment.agency_id,
        "booked": appointment.status == Status.BOOKED,
        "started": appointment.starts_at <= timezone.now(),
        "list_url": _list_url(appointment.person_id),
    })


def _changeable(request, appointment_id):
    """The appointment for a change page: the booking agency's recording staff only."""
    appointment, grant = get_appointment(request.user, appointment_id, action="appointment.form")
    if not grant.can_write:
        raise Forbidden("Your role cannot add to this person's record")
    if staff_of(request.user).agency_id != appointment.agency_id:
        raise Forbidden(f"Only {appointment.agency.name}, which booked this appointment, can change it")
    return appointment


def _seen(form, appointment) -> int:
    """The version the worker saw (the hidden field), so a change made meanwhile is refused."""
    seen = form.cleaned_data.get("version")
    return appointment.version if seen is None else seen


@staff_page
def reschedule(request, appointment_id):
    appointment = _changeable(request, appointment_id)
    local = timezone.localtime(appointment.starts_at)
    form = RescheduleForm(request.POST or None, initial={
        "date": local.date(), "time": f"{local:%H:%M}", "duration_minutes": appointment.duration_minutes,
        "mode": appointment.mode, "location": appointment.location, "version": appointment.version})
    return form_page(request, form,
                     run=lambda _data: actions.reschedule_appointment(
                         actor=request.user, appointment_id=appointment.pk, expected_version=_seen(form, appointment),
                         **form.action_fields()),
                     success=lambda a: f"Appointment moved to {describe_time(a)}", redirect_to=_detail_url,
                     heading="Move the appointment", caption=f"Now {describe_time(appointment)}",
                     submit="Move appointment", cancel_url=_detail_url(appointment))


@staff_page
def cancel(request, appointment_id):
    appointment = _changeable(request, appointment_id)
    form = CancelForm(request.POST or None, initial={"version": appointment.version})
    return form_page(request, form,
                     run=lambda data: actions.cancel_appointment(
                         actor=request.user, appointment_id=appointment.pk, cancelled_by=data.get("cancelled_by", ""),
                         reason=data.get("reason", ""), expected_version=_seen(form, appointment)),
                     success="Appointment cancelled", redirect_to=_detail_url,
                     heading="Cancel the appointment", caption=describe_time(appointment), submit="Cancel appointment",
                     danger=True, cancel_url=_detail_url(appointment))


@staff_page
def outcome(request, appointment_id):
    appointment = _changeable(request, appointment_id)
    form = OutcomeForm(request.POST or None, initial={"version": appointment.version})
    return form_page(request, form,
                     run=lambda data: actions.record_outcome(
                         actor=request.user, appointment_id=appointment.pk, outcome=data.get("outcome", ""),
                         expected_version=_seen(form, appointment)),
                     success=lambda a: f"Recorded: {a.get_status_display().lower()}", redirect_to=_detail_url,
                     heading="Record the outcome", caption=describe_time(appointment), submit="Save outcome",
                     cancel_url=_detail_url(appointment))


@staff_page
def calendar(request, appointment_id):
    appointment, _grant = get_appointment(request.user, appointment_id, action="appointment.calendar")
    return calendar_response(appointment)
