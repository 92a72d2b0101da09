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
