"""Appointment reminders: due `settings.APPOINTMENT_REMINDER_HOURS` before the start, sent once.

`send_due_reminders` is what `throughcare reminders send` runs (from cron, say every 15 minutes). Each
reminder is claimed by a conditional UPDATE that clears the appointment's `reminder_due_at` only if it
is still booked at the same time, in the same transaction as the Notification row whose key is unique
to the appointment and its start time; so two runs at once, or one run twice, send it once. A run that
dies between the claim and the send leaves the Notification `sending`: at most once, never twice.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from throughcare.notifications.messages import appointment_personalisation
from throughcare.notifications.service import notify_person


def reminder_due_at(starts_at: dt.datetime, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the reminder for an appointment starting at `starts_at` is due; None if that is already past
    (booked inside the reminder window: the booking message tells the person)."""
    due = starts_at - dt.timedelta(hours=settings.APPOINTMENT_REMINDER_HOURS)
    return due if due > (now or timezone.now()) else None


def reminder_key(appointment) -> str:
    return f"appointment_reminder:{appointment.pk}:{appointment.starts_at.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"


@dataclass
class ReminderRun:
    due: int
    counts: Counter

    @property
    def sent(self) -> int:
        return self.counts["sent"]

    @property
    def skipped(self) -> int:
        return self.counts["skipped"]

    @property
    def failed(self) -> int:
        return self.counts["failed"]

    @property
    def claimed_elsewhere(self) -> int:
        return self.counts["claimed_elsewhere"]


def send_due_reminders(now: dt.datetime | None = None, *, limit: int = 5000) -> ReminderRun:
    from throughcare.appointments.models import Appointment, Status

    now = now or timezone.now()
    due = list(Appointment.objects.select_related("person", "agency")
               .filter(status=Status.BOOKED, reminder_due_at__lte=now, starts_at__gt=now)
               .order_by("reminder_due_at")[:limit])
    counts: Counter = Counter()
    for appointment in due:
        def claim(appointment=appointment) -> bool:
            return Appointment.objects.filter(pk=appointment.pk, status=Status.BOOKED,
                                              starts_at=appointment.starts_at,
                                              reminder_due_at=appointment.reminder_due_at).update(
                reminder_due_at=None) == 1

        notification = notify_person(person=appointment.person, template="appointment_reminder",
                                     key=reminder_key(appointment), appointment=appointment,
                                     personalisation=appointment_personalisation(appointment), claim=claim)
        counts["claimed_elsewhere" if notification is None else notification.status] += 1
    return ReminderRun(due=len(due), counts=counts)
