"""Release planning: the plan and its checklist, structured reviews, and the handover to the community service.

Written only by releases.actions (and the opening and engagement runs in releases.opening and
releases.engagement). docs/decisions/0012-through-the-gate.md.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class PlanStatus(models.TextChoices):
    OPEN = "open", "Open"
    RELEASED = "released", "Released"
    CLOSED = "closed", "Closed without release"


class ReleasePlan(models.Model):
    """One person's plan for one release. It moves with them when they are transferred."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="release_plans")
    custody = models.ForeignKey("custody.Custody", on_delete=models.PROTECT, related_name="release_plans",
                                help_text="Where the person is held now (changes on transfer)")
    prison = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="release_plans",
                               help_text="The prison that owns the plan (changes on transfer)")
    release_on = models.DateField(help_text="The release date the plan is for")
    status = models.CharField(max_length=20, choices=PlanStatus.choices, default=PlanStatus.OPEN)
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", help_text="None: opened automatically")
    #: When every item was last done or not needed (None while any is outstanding).
    completed_on = models.DateField(null=True, blank=True)
    #: The release date before it last moved, until a structured review confirms the plan.
    moved_from = models.DateField(null=True, blank=True)
    last_reviewed_on = models.DateField(null=True, blank=True)
    #: When "review needed" was last raised (a journey event), so it is raised once each time it falls due;
    #: cleared by a structured review, or when the release date moves back.
    review_flagged_at = models.DateTimeField(null=True, blank=True)
    released_on = models.DateField(null=True, blank=True)
    complete_at_release = models.BooleanField(null=True, blank=True)
    destination_area = models.CharField(max_length=120, blank=True)
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["release_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["custody"], condition=Q(status="open"), name="one_open_plan_per_custody"),
        ]
        indexes = [
            models.Index(fields=["prison", "status", "release_on"], name="release_plan_prison"),
            models.Index(fields=["person", "status"], name="release_plan_person"),
            models.Index(fields=["released_on"], name="release_plan_released"),
        ]

    def __str__(self) -> str:
        return f"Release plan for {self.release_on} ({self.get_status_display()})"


class ItemKind(models.TextChoices):
    ACCOMMODATION = "accommodation", "Accommodation for the night of release"
    GP_REGISTRATION = "gp_registration", "GP registration"
    BENEFITS = "benefits", "Benefits claim and Jobcentre appointment"
    PRESCRIBING = "prescribing", "Prescribing continuity"
    NALOXONE = "naloxone", "Naloxone issued"
    FIRST_TREATMENT_APPOINTMENT = "first_treatment_appointment", "First community treatment appointment"
    PROBATION_APPOINTMENT = "probation_appointment", "Probation appointment"
    MET_AT_GATE = "met_at_gate", "Someone to meet them at the gate"
    ID_AND_BANK = "id_and_bank", "ID and bank account"


class ItemStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    NOT_NEEDED = "not_needed", "Not needed"


#: An item in one of these states no longer holds the plan up.
FINISHED = (ItemStatus.DONE, ItemStatus.NOT_NEEDED)


class ChecklistItem(models.Model):
    """One thing that must be in place by release, owned by one agency.

    Everyone who may see the person sees what it is, who owns it, its status, due date, blocker and the
    when, where and who (contact and administration: `at`, `place`, `phone`, `contact_name`, `worker`,
    `appointment`). `details` hold the rest (accommodation type, the script, the claim) and are seen only
    by those who may see the item's category from its owning agency (releases.checklist).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(ReleasePlan, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=40, choices=ItemKind.choices)
    owner_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=ItemStatus.choices, default=ItemStatus.NOT_STARTED)
    due_on = models.DateField(null=True, blank=True)
    blocker = models.CharField(max_length=500, blank=True, help_text="What is holding it up: seen by every agency")
    at = models.DateTimeField(null=True, blank=True, help_text="When: the appointment or the meeting at the gate")
    place = models.CharField(max_length=300, blank=True, help_text="Where, with the address")
    phone = models.CharField(max_length=40, blank=True, help_text="Who to call: their number")
    contact_name = models.CharField(max_length=200, blank=True)
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="gate_meetings", help_text="Who meets them at the gate")
    appointment = models.ForeignKey("appointments.Appointment", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    details = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["plan", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "kind"], name="one_item_of_each_kind")]
        indexes = [models.Index(fields=["worker", "at"], name="release_item_gate_worker")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


class PlanReview(models.Model):
    """A structured review: each checklist item confirmed as still holding or changed, and why it was due."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(ReleasePlan, on_delete=models.CASCADE, related_name="reviews")
    held_on = models.DateField()
    reasons = models.JSONField(default=list, help_text="Why the review was due, as shown to the worker")
    #: [{"kind": ..., "still_holds": bool, "note": str}] for every item
    confirmations = models.JSONField(default=list)
    persons_view = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-held_on", "-recorded_at"]


class EngagementOutcome(models.TextChoices):
    ENGAGED = "engaged", "Engaged within 21 days"
    NOT_ENGAGED = "not_engaged", "Not engaged within 21 days"
    #: Recalled to custody before day 21 with no community intervention yet: the clock stops, neither way.
    RECALLED = "recalled", "Recalled to custody within 21 days"


class CommunityHandover(models.Model):
    """The handover of the plan to the community service the person goes to, and the 21-day engagement clock."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.OneToOneField(ReleasePlan, on_delete=models.CASCADE, related_name="handover")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    receiving_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="handovers_in")
    note = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+")
    released_on = models.DateField(null=True, blank=True, help_text="The clock starts on the day of release")
    first_intervention_on = models.DateField(null=True, blank=True)
    alerted_day_7_at = models.DateTimeField(null=True, blank=True)
    alerted_day_14_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=EngagementOutcome.choices, blank=True)
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [
            models.Index(fields=["receiving_agency", "acknowledged_at"], name="release_handover_in"),
            models.Index(fields=["outcome", "released_on"], name="release_handover_clock"),
        ]
