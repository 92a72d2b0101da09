"""Outcome reviews: one outcome instrument (TOP, BARC-10) completed with the person on one day.

Recorded once and never changed: a mistake is put right by a correction, a new review whose
`replaces` is the one it corrects (which then drops out of charts and distance travelled). `scores` are computed from `answers` when it is recorded, with the
instrument version it was recorded with. Written only by outcomes.actions.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Stage(models.TextChoices):
    START = "start", "Start of treatment"
    REVIEW = "review", "Review (every six months)"
    EXIT = "exit", "Exit from treatment"
    POST_EXIT = "post_exit", "After exit"


class ImmutableError(Exception):
    pass


class OutcomeReview(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="outcome_reviews")
    instrument = models.CharField(max_length=40)
    instrument_version = models.PositiveSmallIntegerField()
    stage = models.CharField(max_length=20, choices=Stage.choices)
    completed_on = models.DateField(help_text="The day it was completed with the person")
    answers = models.JSONField(default=dict, help_text="{section: {question: value}}")
    scores = models.JSONField(default=dict, help_text="{score id: value or null}")
    #: The agency whose worker recorded it: each section (and its scores) is that agency's information.
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    replaces = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="replaced_by", help_text="The review this one corrects")

    class Meta:
        indexes = [models.Index(fields=["person", "completed_on"], name="outcome_person_day")]

    def __str__(self) -> str:
        return f"{self.instrument} ({self.get_stage_display()}, {self.completed_on})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableError("An outcome review is never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("An outcome review is never deleted")


class OutcomeDraft(models.Model):
    """An outcome review being recorded one question a page: saved explicitly (each save raises `revision`, the
    If-Match of the pages), seen only by the agency recording it, one per person, measure and agency. Nothing
    in it is a review until it is recorded, when it becomes an OutcomeReview and the draft is gone. Written only
    by outcomes.drafts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    instrument = models.CharField(max_length=40)
    instrument_version = models.PositiveSmallIntegerField()
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    answers = models.JSONField(default=dict, help_text="{section: {question: value}}")
    revision = models.PositiveIntegerField(default=1, help_text="Rises with each save: what the pages send back")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "instrument", "agency"],
                                               name="outcome_one_draft_per_agency")]

    def __str__(self) -> str:
        return f"{self.instrument} v{self.instrument_version} (draft)"
