from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from throughcare.core import refdata


class Setting(models.TextChoices):
    COMMUNITY = "community", "Community"
    PRISON = "prison", "Prison"
    RESIDENTIAL_REHAB = "residential_rehab", "Residential rehabilitation"
    INPATIENT_DETOX = "inpatient_detox", "Inpatient detoxification"


class Episode(models.Model):
    """An episode of care: a spell with one service in one setting, from start to discharge."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="episodes")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="episodes")
    setting = models.CharField(max_length=20, choices=Setting.choices)
    service = models.CharField(max_length=200, help_text="The service within the agency")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    discharge_reason = models.CharField(max_length=36, blank=True, help_text="refdata/discharge_reasons.yaml id")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on"]
        indexes = [
            # "Is this person in a current episode at my agency?" — asked on every read.
            models.Index(fields=["person", "agency", "ended_on"]),
            models.Index(fields=["agency", "ended_on"]),
        ]

    @property
    def is_current(self) -> bool:
        return self.ended_on is None

    @property
    def discharge_reason_entry(self):
        return refdata.by_id("discharge_reasons", self.discharge_reason) if self.discharge_reason else None
