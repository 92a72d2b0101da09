"""The person-held record: a person's own account, their sign-in codes, and their requests for correction.

A person account is never staff: it links one Django user to exactly one person, and the user has no
Staff record (myrecord.actions refuses to make one for a user who has). docs/decisions/0013.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class SignInChannel(models.TextChoices):
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"


class PersonAccount(models.Model):
    """One person's sign-in to their own record. `address` is where codes go (a mobile or an email),
    kept normalised so the person can type it in any usual form."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="person_account")
    person = models.OneToOneField("people.Person", on_delete=models.CASCADE, related_name="account")
    channel = models.CharField(max_length=10, choices=SignInChannel.choices)
    address = models.CharField(max_length=254, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_signed_in_at = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Person account ({self.get_channel_display()})"


class SignInCode(models.Model):
    """A one-time code and link sent to a person. Only their HMACs are kept; each works once, until
    `expires_at`, and a few wrong guesses spend it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(PersonAccount, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    link_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["account", "expires_at"])]


class CorrectionStatus(models.TextChoices):
    OPEN = "open", "Waiting for your lead worker"
    DONE = "done", "Answered"


class CorrectionRequest(models.Model):
    """The person asks for something in their record to be put right: a task for their lead worker."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="correction_requests")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    what = models.CharField(max_length=300, help_text="Which part of the record, in the person's words")
    correction = models.TextField(help_text="What it should say, in the person's words")
    #: The lead professional when it was asked (or, with none, nobody: the registering agency's list).
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="corrections",
                                    null=True, blank=True)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=CorrectionStatus.choices, default=CorrectionStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    null=True, blank=True)
    answer = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["assigned_to", "status"]), models.Index(fields=["agency", "status"])]
