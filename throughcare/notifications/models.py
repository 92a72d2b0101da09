"""Every message Throughcare sends (or decided not to send, and why)."""

from __future__ import annotations

import uuid

from django.db import models


class Channel(models.TextChoices):
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"


class NotificationStatus(models.TextChoices):
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Not sent"


class Notification(models.Model):
    """One message to a person. `key` is unique: inserting the row claims the message, so it goes once.

    `personalisation` carries only what the message says (date, time, place, agency): never health or
    service-type information.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key = models.CharField(max_length=200, unique=True, help_text="e.g. reminder:<appointment>:<start time>")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="notifications")
    appointment = models.ForeignKey("appointments.Appointment", on_delete=models.CASCADE, null=True, blank=True,
                                    related_name="notifications")
    template = models.CharField(max_length=60)
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    to = models.CharField(max_length=254, blank=True)
    personalisation = models.JSONField(default=dict)
    sender = models.CharField(max_length=30, blank=True, help_text="console, file or govuk_notify")
    status = models.CharField(max_length=20, choices=NotificationStatus.choices, default=NotificationStatus.SENDING)
    provider_reference = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=500, blank=True, help_text="Why it failed or was not sent")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["person", "-created_at"], name="notification_person_time")]

    def __str__(self) -> str:
        return f"{self.template} ({self.get_status_display()})"
