"""The recovery plan: one current plan per person, goals per life domain, a stage, and every version kept.

Written only by plans.actions (and reviews.actions, through the same `edit_plan`).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from throughcare.core.categories import Category


class Stage(models.TextChoices):
    HARM_REDUCTION = "harm_reduction", "Harm reduction"
    STABILITY = "stability", "Stability"
    REDUCED_USE = "reduced_use", "Reduced use"
    ABSTINENCE = "abstinence", "Abstinence"
    REINTEGRATION = "reintegration", "Reintegration"


class Domain(models.TextChoices):
    SUBSTANCE_USE = "substance_use", "Substance use"
    ALCOHOL = "alcohol", "Alcohol"
    MENTAL_HEALTH = "mental_health", "Mental health"
    PHYSICAL_HEALTH = "physical_health", "Physical health"
    OFFENDING = "offending", "Offending"
    HOUSING = "housing", "Housing"
    EMPLOYMENT_BENEFITS = "employment_benefits", "Employment and benefits"
    FAMILY_SAFEGUARDING = "family_safeguarding", "Family and safeguarding"
    WELLBEING = "wellbeing", "Wellbeing and social"


#: The information category of a goal in each domain: who may see it follows consent for that category.
#: Wellbeing goals ("get back to the allotment", "see my sister") are recovery content in the person's
#: words, so they are substance use, not contact and administration (which every peer mentor sees).
DOMAIN_CATEGORY: dict[str, str] = {
    Domain.SUBSTANCE_USE: Category.SUBSTANCE_USE,
    Domain.ALCOHOL: Category.ALCOHOL,
    Domain.MENTAL_HEALTH: Category.MENTAL_HEALTH,
    Domain.PHYSICAL_HEALTH: Category.PHYSICAL_HEALTH,
    Domain.OFFENDING: Category.OFFENDING,
    Domain.HOUSING: Category.HOUSING,
    Domain.EMPLOYMENT_BENEFITS: Category.EMPLOYMENT_BENEFITS,
    Domain.FAMILY_SAFEGUARDING: Category.FAMILY_SAFEGUARDING,
    Domain.WELLBEING: Category.SUBSTANCE_USE,
}
#: The stage says where someone is with their drug or alcohol use: substance use information.
STAGE_CATEGORY = Category.SUBSTANCE_USE


class GoalStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    ACHIEVED = "achieved", "Achieved"
    STOPPED = "stopped", "Stopped"


DEFAULT_REVIEW_WEEKS = 12
MIN_REVIEW_WEEKS, MAX_REVIEW_WEEKS = 1, 52


class RecoveryPlan(models.Model):
    """The person's one current plan, created on its first save. `version` is its ETag."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.OneToOneField("people.Person", on_delete=models.CASCADE, related_name="recovery_plan")
    stage = models.CharField(max_length=30, choices=Stage.choices, blank=True)
    #: The agency that last set the stage: the stage is seen as that agency's substance use information.
    stage_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+", null=True)
    review_every_weeks = models.PositiveSmallIntegerField(default=DEFAULT_REVIEW_WEEKS)
    created_on = models.DateField(help_text="The day the plan was first saved, in the service's time zone")
    last_reviewed_on = models.DateField(null=True, blank=True)
    #: (last review, or creation) + cadence; stored so due lists are one indexed query.
    next_review_due = models.DateField()
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["next_review_due"], name="plan_next_review_due")]

    def __str__(self) -> str:
        return f"Recovery plan (version {self.version})"

    def due_date(self) -> dt.date:
        return (self.last_reviewed_on or self.created_on) + dt.timedelta(weeks=self.review_every_weeks)


class Goal(models.Model):
    """One goal, in the person's own words. Seen by whoever may see its domain's category from
    the agency that recorded it (`recorded_by_agency`, fixed when it is added)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(RecoveryPlan, on_delete=models.CASCADE, related_name="goals")
    domain = models.CharField(max_length=30, choices=Domain.choices)
    in_their_words = models.TextField()
    owner_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    recorded_by_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    target_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=GoalStatus.choices, default=GoalStatus.NOT_STARTED)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "created_at"]

    @property
    def category(self) -> str:
        return DOMAIN_CATEGORY[self.domain]


class GoalAction(models.Model):
    """A step towards a goal: what, who, by when, and whether it is done."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="actions")
    text = models.CharField(max_length=500)
    who = models.CharField(max_length=200)
    target_date = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]


class StageMove(models.Model):
    """The stage moved, either way: recovery is not a one-way street."""

    plan = models.ForeignKey(RecoveryPlan, on_delete=models.CASCADE, related_name="stage_moves")
    from_stage = models.CharField(max_length=30, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=30, choices=Stage.choices)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    moved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    moved_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(help_text="The plan version this move made")

    class Meta:
        ordering = ["-moved_at", "-id"]

    @property
    def direction(self) -> str:
        order = Stage.values
        if not self.from_stage:
            return "set"
        return "forward" if order.index(self.to_stage) > order.index(self.from_stage) else "back"


class ImmutableError(Exception):
    pass


class PlanVersion(models.Model):
    """The whole plan as it stood after one save, never changed: any earlier version can be shown."""

    plan = models.ForeignKey(RecoveryPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    changes = models.JSONField(default=list, help_text="What kind of change made it, in neutral words")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="plan_version_once")]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableError("A plan version is never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("A plan version is never deleted")
