"""Scoped reads of appointments.

Who sees an appointment: anyone who may see the person (`get_person`): when, where and with which agency
are contact and administration. The purpose and the reasons given for moves and cancellations are seen
only by those who may see what the booking agency records (`sees_details`): they can say more about the
person's care than the time and place do.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from throughcare.appointments.models import Appointment
from throughcare.audit.recorder import record_access
from throughcare.consent.policy import visible_person_ids
from throughcare.core.categories import CATEGORY_BY_AGENCY_KIND, IDENTITY_CATEGORY, Category
from throughcare.people.access import get_person, get_record_about

APPOINTMENT_NOT_FOUND = "Appointment not found"


def describe_time(appointment: Appointment) -> str:
    """'Thursday 5 March 2026 at 14:30, in person' in the service's time zone (no place: events stay neutral)."""
    local = timezone.localtime(appointment.starts_at)
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M}, {appointment.get_mode_display().lower()}"


def sees_details(grant, appointment: Appointment) -> bool:
    """May the caller see the purpose and reasons: what the booking agency records about the person."""
    category = CATEGORY_BY_AGENCY_KIND.get(appointment.agency.kind, Category.CONTACT_ADMIN)
    return grant.allows(category, appointment.agency_id)


def _related(queryset):
    return queryset.select_related("agency", "worker", "referral")


def get_appointment(user, appointment_id, *, action: str = "appointment.read") -> tuple[Appointment, object]:
    """One appointment as `user` may see it, with the caller's Grant for its person; else NotFound."""
    return get_record_about(user, _related(Appointment.objects), appointment_id, resource="appointment",
                            not_found=APPOINTMENT_NOT_FOUND, action=action)


def person_appointments(user, person_id) -> tuple[object, object, list[Appointment]]:
    """(person, grant, every appointment of the person, soonest first): from every agency."""
    person, grant = get_person(user, person_id, action="appointment.list", categories=[IDENTITY_CATEGORY])
    appointments = list(_related(Appointment.objects.filter(person=person)).prefetch_related("reschedules"))
    return person, grant, appointments


def split_upcoming(appointments: list[Appointment], now: dt.datetime | None = None):
    """(upcoming booked ones, soonest first; everything else, latest first)."""
    now = now or timezone.now()
    upcoming = [a for a in appointments if a.status == "booked" and a.ends_at >= now]
    past = sorted((a for a in appointments if a not in upcoming), key=lambda a: a.starts_at, reverse=True)
    return upcoming, past


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The start of `day` and of the next day in the service's time zone (23 or 25 hours apart when the
    clocks change)."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def appointments_on(user, day: dt.date, *, include_cancelled: bool = False, audit: bool = True) -> list[Appointment]:
    """The user's own appointments (as the worker) on a local day, for people they may still see.

    One query, whatever the number of appointments: person and agency come joined.
    """
    start, end = day_bounds(day)
    queryset = (Appointment.objects.select_related("person", "agency")
                .filter(worker=user, starts_at__gte=start, starts_at__lt=end,
                        person__in=visible_person_ids(user))
                .order_by("starts_at", "id"))
    if not include_cancelled:
        queryset = queryset.exclude(status="cancelled")
    appointments = list(queryset)
    if audit:  # a page that shows them with other things names them in its own entry instead
        record_access(actor=user, action="appointment.list", resource="appointment", categories=[IDENTITY_CATEGORY],
                      subjects=list(dict.fromkeys(str(a.person_id) for a in appointments)), reason=f"day {day}")
    return appointments
