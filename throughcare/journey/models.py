from __future__ import annotations

from django.conf import settings
from django.db import models

from throughcare.core.categories import Category


class EventKind(models.TextChoices):
    REGISTRATION = "registration", "Registered"
    DETAILS_UPDATED = "details_updated", "Details updated"
    EPISODE_STARTED = "episode_started", "Episode of care started"
    EPISODE_ENDED = "episode_ended", "Episode of care ended"
    NOTE = "note", "Note"
    CONSENT_RECORDED = "consent_recorded", "Consent recorded"
    CONSENT_WITHDRAWN = "consent_withdrawn", "Consent withdrawn"
    BASIS_REQUESTED = "basis_requested", "Lawful basis recorded"
    BASIS_DECIDED = "basis_decided", "Lawful basis decided"
    BREAK_GLASS = "break_glass", "Emergency access"
    REFERRAL_SENT = "referral_sent", "Referral sent"
    REFERRAL_UPDATED = "referral_updated", "Referral updated"
    CARE_TEAM = "care_team", "Care team"
    RECOVERY_PLAN = "recovery_plan", "Recovery plan"
    REVIEW = "review", "Review"
    APPOINTMENT = "appointment", "Appointment"
    ASSESSMENT = "assessment", "Assessment"
    OUTCOME_REVIEW = "outcome_review", "Outcome review"
    CUSTODY = "custody", "Custody"
    RELEASE_PLAN = "release_plan", "Release plan"
    RECORDS_MERGED = "records_merged", "Records merged"
    RECORDS_UNMERGED = "records_unmerged", "Records separated"
    CORRECTION_REQUESTED = "correction_requested", "Correction requested"
    # Later capabilities add their own kinds (assessment, referral, appointment, custody ...).


class Event(models.Model):
    """One thing that happened to or about a person, from any agency: their journey timeline.

    Written only by actions. `category` decides who may see it.
    """

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    kind = models.CharField(max_length=40, choices=EventKind.choices)
    category = models.CharField(max_length=30, choices=Category.choices)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+", null=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    #: What the event is about, e.g. ("episode", "<uuid>"), so later pages can link to it.
    subject_type = models.CharField(max_length=40, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["person", "-occurred_at", "-id"], name="event_person_time"),
            models.Index(fields=["person", "category", "-occurred_at", "-id"], name="event_person_cat_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"
