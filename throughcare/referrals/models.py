"""Referrals between services, with the timestamps the waiting-time clocks need."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Status(models.TextChoices):
    SENT = "sent", "Sent"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    FIRST_APPOINTMENT_OFFERED = "first_appointment_offered", "First appointment offered"
    INTERVENTION_STARTED = "intervention_started", "Intervention started"
    WITHDRAWN = "withdrawn", "Withdrawn"


#: A referral in one of these states no longer opens the person's record to the other agency.
CLOSED_STATUSES = frozenset({Status.DECLINED, Status.WITHDRAWN, Status.INTERVENTION_STARTED})


class Priority(models.TextChoices):
    ROUTINE = "routine", "Routine"
    FAST_TRACK = "fast_track", "Fast track"


class FastTrackReason(models.TextChoices):
    RELEASED_FROM_CUSTODY_7_DAYS = "released_from_custody_7_days", "Released from custody in the last 7 days"
    RECENT_OVERDOSE = "recent_overdose", "Recent overdose"
    PREGNANCY = "pregnancy", "Pregnancy"
    ROUGH_SLEEPING = "rough_sleeping", "Rough sleeping"
    CHILDREN_AT_RISK = "children_at_risk", "Children at risk"
    OTHER = "other", "Other (explain in the note)"


class DeclineReason(models.TextChoices):
    #: Dual diagnosis: declined because of another need, which another service should meet first.
    ANOTHER_NEED_MENTAL_HEALTH = "another_need_mental_health", "Another need: mental health"
    ANOTHER_NEED_SUBSTANCE_USE = "another_need_substance_use", "Another need: substance use"
    ANOTHER_NEED_ALCOHOL = "another_need_alcohol", "Another need: alcohol"
    NOT_ELIGIBLE = "not_eligible", "Not eligible for the service"
    NO_CAPACITY = "no_capacity", "No capacity"
    PERSON_DECLINED = "person_declined", "The person declined"
    DUPLICATE = "duplicate", "Duplicate referral"
    OTHER = "other", "Other (explain in the note)"


class Referral(models.Model):
    """A referral of a person from one agency's service to another's. Written only by referrals.actions."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="referrals")
    from_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="referrals_made")
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="referrals_received")
    service = models.CharField(max_length=200, help_text="The service at the receiving agency")
    #: The directory entry the referral was started from, if it was: its waiting time is worked out from its
    #: referrals whatever the service is called now (directory.waiting).
    directory_service = models.ForeignKey("directory.Service", on_delete=models.SET_NULL, null=True, blank=True,
                                          related_name="referrals")
    reason = models.TextField()
    shared_categories = models.JSONField(default=list, help_text="Information categories the referrer shares")
    priority = models.CharField(max_length=20, choices=Priority.choices, default=Priority.ROUTINE)
    fast_track_reason = models.CharField(max_length=40, choices=FastTrackReason.choices, blank=True)
    fast_track_note = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.SENT)
    received_at = models.DateTimeField(help_text="When the referral was made: the waiting-time clock starts")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    first_appointment_offered_at = models.DateTimeField(null=True, blank=True)
    first_appointment_on = models.DateField(null=True, blank=True)
    intervention_started_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=40, choices=DeclineReason.choices, blank=True)
    decline_note = models.CharField(max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            # "Open referrals to or from my agency for this person" — the policy asks on every read.
            models.Index(fields=["person", "to_agency", "status"], name="referral_person_to"),
            models.Index(fields=["person", "from_agency", "status"], name="referral_person_from"),
            models.Index(fields=["to_agency", "status", "-received_at"], name="referral_incoming"),
            models.Index(fields=["from_agency", "status", "-received_at"], name="referral_outgoing"),
        ]

    def __str__(self) -> str:
        return f"Referral to {self.service} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES
