"""Consent to share, other lawful bases, and emergency ("break glass") access (docs/decisions/0006)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class ConsentKind(models.TextChoices):
    SHARE = "share", "Consent to share information"
    TREATMENT = "treatment", "Consent to treatment"
    NATIONAL_RETURN = "national_return", "Consent to the national data return (NDTMS)"


class Purpose(models.TextChoices):
    DIRECT_CARE = "direct_care", "Direct care"
    CARE_COORDINATION = "care_coordination", "Care co-ordination"
    SAFEGUARDING = "safeguarding", "Safeguarding"


class HowGiven(models.TextChoices):
    VERBAL = "verbal", "Verbally"
    WRITTEN = "written", "In writing"
    DIGITAL = "digital", "Digitally"


class Consent(models.Model):
    """What the person agreed: to whom, for what, which categories, from and until when.

    Only SHARE consents open the record to another agency. Withdrawal is recorded, never deleted,
    and takes effect on the very next request (nothing caches a decision).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=20, choices=ConsentKind.choices, default=ConsentKind.SHARE)
    recipient_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="consents_received")
    recipient_kind = models.CharField(max_length=40, blank=True, help_text="Every agency of this kind")
    purposes = models.JSONField(default=list)
    categories = models.JSONField(default=list)
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    how_given = models.CharField(max_length=10, choices=HowGiven.choices)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    recorded_by_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+", null=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     null=True, blank=True)
    withdrawal_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [models.Index(fields=["person", "kind", "withdrawn_at"])]

    def is_active(self, on=None) -> bool:
        on = on or timezone.localdate()
        return (self.withdrawn_at is None and self.valid_from <= on
                and (self.valid_until is None or on <= self.valid_until))


class BasisKind(models.TextChoices):
    SAFEGUARDING_CHILD = "safeguarding_child", "Safeguarding a child"
    SAFEGUARDING_ADULT = "safeguarding_adult", "Safeguarding an adult at risk"
    COURT_ORDER = "court_order", "Court order"


class LawfulBasis(models.Model):
    """A lawful basis other than consent. It has no effect until someone other than the person who recorded it
    approves it: a Caldicott guardian (any basis) or a service manager (a basis recorded by their own agency's
    staff). docs/decisions/0006-access-policy.md."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="lawful_bases")
    basis = models.CharField(max_length=30, choices=BasisKind.choices)
    recipient_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    categories = models.JSONField(default=list)
    reason = models.TextField()
    valid_until = models.DateField(null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    approved = models.BooleanField(null=True)
    decision_note = models.CharField(max_length=500, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["person", "recipient_agency", "approved"])]


class BreakGlass(models.Model):
    """Emergency access by one user to one person, for a few hours, with a reason, reviewed afterwards."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="break_glass")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_outcome = models.CharField(max_length=20, blank=True)  # appropriate | inappropriate
    review_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["person", "user", "expires_at"]), models.Index(fields=["reviewed_at"])]


class Alert(models.Model):
    """Something a Caldicott guardian must look at (break glass, a basis waiting for approval)."""

    created_at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=30)
    message = models.CharField(max_length=300)
    subject_id = models.CharField(max_length=64)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
