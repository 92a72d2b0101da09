"""Assessments: one instrument's answers for one person, recorded by one agency.

A draft is saved explicitly (each save raises `revision`, its ETag) and seen only by the agency
writing it. Submitting makes it immutable: a correction is an amendment, a new Assessment whose
`previous` is the one it corrects; a re-assessment is a new Assessment pre-filled from the latest,
with `previous` pointing at it. Written only by assessments.actions.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class Kind(models.TextChoices):
    NEW = "new", "Assessment"
    REASSESSMENT = "reassessment", "Re-assessment"
    AMENDMENT = "amendment", "Amendment"


class ImmutableError(Exception):
    pass


class Assessment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="assessments")
    instrument = models.CharField(max_length=40, help_text="The instrument's key, e.g. holistic-assessment")
    instrument_version = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NEW)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    #: The assessment this one amends, or the latest one when a re-assessment started from it.
    previous = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    #: 1 for a new assessment or re-assessment; the amended one's number + 1 for an amendment.
    number = models.PositiveIntegerField(default=1)
    #: The agency whose worker recorded it: each section is that agency's information of its category.
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(default=dict, help_text="{section: {question: value}}")
    revision = models.PositiveIntegerField(default=1, help_text="Rises with each draft save: the ETag")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "instrument", "status", "-submitted_at"],
                                name="assessment_person_latest")]
        constraints = [models.UniqueConstraint(
            fields=["person", "instrument", "agency"], condition=Q(status="draft"),
            name="assessment_one_draft_per_agency")]

    def __str__(self) -> str:
        return f"{self.instrument} v{self.instrument_version} ({self.get_status_display().lower()})"

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored_status = getattr(instance, "status", None)
        return instance

    @property
    def submitted(self) -> bool:
        return self.status == Status.SUBMITTED

    def save(self, *args, **kwargs):
        if not self._state.adding and getattr(self, "_stored_status", None) == Status.SUBMITTED:
            raise ImmutableError("A submitted assessment is never changed: amend it instead")
        super().save(*args, **kwargs)
        self._stored_status = self.status

    def delete(self, *args, **kwargs):
        if self.submitted or getattr(self, "_stored_status", None) == Status.SUBMITTED:
            raise ImmutableError("A submitted assessment is never deleted")
        return super().delete(*args, **kwargs)
