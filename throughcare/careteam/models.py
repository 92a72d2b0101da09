"""The care team: the workers and agencies involved with a person, and one named lead professional."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class CareTeamMember(models.Model):
    """A worker on the person's care team. Membership gives the worker's agency a legitimate relationship."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="care_team")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="care_teams")
    is_lead = models.BooleanField(default=False)
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-is_lead", "joined_at"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(is_lead=True, left_at__isnull=True),
                                    name="one_lead_professional_per_person"),
            models.UniqueConstraint(fields=["person", "worker"], condition=Q(left_at__isnull=True),
                                    name="care_team_member_once"),
        ]
        indexes = [models.Index(fields=["person", "agency", "left_at"])]


class Handover(models.Model):
    """Passing the lead role to another worker. It takes effect only when that worker acknowledges it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="handovers")
    from_worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    to_worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="handovers_to_me")
    to_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-proposed_at"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(acknowledged_at__isnull=True, declined_at__isnull=True),
                                    name="one_open_handover_per_person"),
        ]

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None and self.declined_at is None
