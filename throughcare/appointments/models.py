"""Appointments between a person and a worker at an agency, and the history of their moves."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Mode(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "Phone call"
    VIDEO = "video", "Video call"


class Status(models.TextChoices):
    BOOKED = "booked", "Booked"
    CANCELLED = "cancelled", "Cancelled"
    ATTENDED = "attended", "Attended"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"


#: Outcomes a worker records once the start time has passed.
OUTCOMES = (Status.ATTENDED, Status.DID_NOT_ATTEND)


class CancelledBy(models.TextChoices):
    PERSON = "person", "The person"
    SERVICE = "service", "The service"


class Appointment(models.Model):
    """One appointment. Written only by appointments.actions."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="appointments")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="appointments",
                               help_text="The booking agency: only it changes the appointment")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments",
                               help_text="The worker the person will see")
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="appointments", help_text="The referral this appointment answers")
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField(default=60)
    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.IN_PERSON)
    location = models.CharField(max_length=300, blank=True, help_text="Where, for an appointment in person")
    purpose = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.BOOKED)
    cancelled_by = models.CharField(max_length=20, choices=CancelledBy.choices, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    outcome_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                            blank=True, related_name="+")
    #: When the reminder falls due (None: none is sent, e.g. booked inside the reminder window).
    reminder_due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    #: Increases on every change: the API's ETag, and the iCalendar SEQUENCE (version - 1).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["person", "starts_at"], name="appointment_person_time"),
            # A worker's day ("today" page) and the reminder run's due list.
            models.Index(fields=["worker", "starts_at"], name="appointment_worker_time"),
            models.Index(fields=["status", "reminder_due_at"], name="appointment_reminder_due"),
        ]

    def __str__(self) -> str:
        return f"Appointment with {self.agency} at {self.starts_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"

    @property
    def ends_at(self):
        import datetime as dt

        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)

    @property
    def place(self) -> str:
        """Where it happens, in words a text message can carry."""
        if self.mode == Mode.IN_PERSON:
            return self.location
        return "by phone" if self.mode == Mode.PHONE else "by video call"


class Reschedule(models.Model):
    """One move of an appointment: where it was, who moved it and why."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reschedules")
    previous_starts_at = models.DateTimeField()
    previous_duration_minutes = models.PositiveIntegerField()
    previous_mode = models.CharField(max_length=20, choices=Mode.choices)
    previous_location = models.CharField(max_length=300, blank=True)
    new_starts_at = models.DateTimeField()
    requested_by = models.CharField(max_length=20, choices=CancelledBy.choices,
                                    help_text="Who asked for the move: the person or the service")
    reason = models.CharField(max_length=500, blank=True)
    moved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    moved_at = models.DateTimeField()

    class Meta:
        ordering = ["moved_at", "id"]
