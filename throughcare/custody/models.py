"""Custody: a person's time in one establishment, and what the prison records on reception.

A custody record sits beside the prison-setting `episodes.Episode` that makes the person "held in custody"
at the prison for the access policy (docs/decisions/0006). A transfer ends one and starts the next; the
chain (`transferred_from`) is the person's custody spell.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class ReceptionType(models.TextChoices):
    REMAND = "remand", "Remanded in custody"
    SENTENCED = "sentenced", "Sentenced"
    RECALL = "recall", "Recalled to custody"
    TRANSFER = "transfer", "Transferred from another establishment"


class CustodyStatus(models.TextChoices):
    IN_CUSTODY = "in_custody", "In custody"
    TRANSFERRED = "transferred", "Transferred"
    RELEASED = "released", "Released"


class ReleaseType(models.TextChoices):
    CONDITIONAL = "conditional_release", "Conditional release on licence"
    HOME_DETENTION_CURFEW = "home_detention_curfew", "Home detention curfew"
    PAROLE = "parole", "Parole"
    END_OF_SENTENCE = "end_of_sentence", "End of sentence (no licence)"
    FROM_REMAND = "from_remand", "Released from remand (bail or case ended)"
    OTHER = "other", "Other"


class Custody(models.Model):
    """The person's time in one establishment. Written only by custody.actions."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="custody_records")
    episode = models.OneToOneField("episodes.Episode", on_delete=models.PROTECT, related_name="custody",
                                   help_text="The prison-setting episode: while current, the person is held here")
    prison = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="custody_records")
    reception_type = models.CharField(max_length=20, choices=ReceptionType.choices)
    received_on = models.DateField()
    status = models.CharField(max_length=20, choices=CustodyStatus.choices, default=CustodyStatus.IN_CUSTODY)
    #: The expected release date (None: not known yet, e.g. on remand).
    release_on = models.DateField(null=True, blank=True)
    release_type = models.CharField(max_length=30, choices=ReleaseType.choices, blank=True)
    destination_area = models.CharField(max_length=120, blank=True,
                                        help_text="The local authority area the person goes to on release")
    released_on = models.DateField(null=True, blank=True)
    transferred_on = models.DateField(null=True, blank=True)
    transferred_from = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                            related_name="transferred_to")
    recalled_after = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="recalls", help_text="The release this recall ended")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    #: Increases on every change: the API's ETag.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-received_on", "-created_at"]
        verbose_name_plural = "custody records"
        indexes = [
            models.Index(fields=["person", "status"], name="custody_person_status"),
            models.Index(fields=["prison", "status", "release_on"], name="custody_prison_release"),
        ]

    def __str__(self) -> str:
        return f"Custody at {self.prison} from {self.received_on} ({self.get_status_display()})"

    @property
    def in_custody(self) -> bool:
        return self.status == CustodyStatus.IN_CUSTODY


class ScreenKind(models.TextChoices):
    FIRST_NIGHT = "first_night", "First-night screen"
    FULL = "full", "Fuller assessment"


class WithdrawalRisk(models.TextChoices):
    NONE = "none", "None"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class ReceptionScreen(models.Model):
    """What the prison's substance misuse team records on the first night, and in the fuller assessment
    held later, at a better time (the first night is not the time for trauma: 003 §2.1.5).

    Substance use information: seen by the prison and by whoever the person's consent to share allows.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    custody = models.ForeignKey(Custody, on_delete=models.CASCADE, related_name="screens")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=ScreenKind.choices)
    held_on = models.DateField()
    # The first night: immediate needs only.
    substances = models.CharField(max_length=500, blank=True, help_text="What they use now, in their words")
    on_script = models.BooleanField(default=False)
    script = models.CharField(max_length=200, blank=True, help_text="Medicine and dose, confirmed with the prescriber")
    withdrawal_risk = models.CharField(max_length=10, choices=WithdrawalRisk.choices, blank=True)
    risk_to_self = models.BooleanField(default=False)
    immediate_needs = models.TextField(blank=True)
    # The fuller assessment: one short account per life domain.
    mental_health = models.TextField(blank=True)
    physical_health = models.TextField(blank=True)
    housing = models.TextField(blank=True)
    employment_benefits = models.TextField(blank=True)
    family = models.TextField(blank=True)
    goals = models.TextField(blank=True, help_text="What they want from their time here, in their words")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["held_on", "recorded_at"]
