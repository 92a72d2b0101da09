"""Reviews of the recovery plan: when it was held, who came, how each goal has gone, the person's own view."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Progress(models.TextChoices):
    WORSE = "worse", "Worse"
    SAME = "same", "About the same"
    SOME_PROGRESS = "some_progress", "Some progress"
    ACHIEVED = "achieved", "Achieved"


class Review(models.Model):
    """One review of the plan. Recording it makes a new plan version and resets the due date.

    Held on, attended and the agency are contact and administration; the summary and the person's
    view are substance use information of the reviewing agency (they speak about recovery)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey("plans.RecoveryPlan", on_delete=models.CASCADE, related_name="reviews")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    held_on = models.DateField()
    attended = models.JSONField(default=list, help_text="Who took part, as written (names or roles)")
    summary = models.TextField()
    persons_view = models.TextField(blank=True, help_text="The person's own view, in their words")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    plan_version = models.PositiveIntegerField(help_text="The plan version this review made")

    class Meta:
        ordering = ["-held_on", "-recorded_at"]
        indexes = [models.Index(fields=["person", "-held_on"], name="review_person_held")]


class GoalProgress(models.Model):
    """How one goal has gone since the last review. Keeps its own copy of what decides who may see it,
    so it outlives the goal's removal from the plan."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="progress")
    goal_id = models.UUIDField()
    domain = models.CharField(max_length=30)
    recorded_by_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    in_their_words = models.TextField()
    rating = models.CharField(max_length=20, choices=Progress.choices)
    comment = models.TextField(blank=True)
    status_before = models.CharField(max_length=20)
    status_after = models.CharField(max_length=20)

    class Meta:
        ordering = ["id"]
