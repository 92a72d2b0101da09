"""Identity matching: trained models, the blocking keys of the register, merge proposals and merges.

docs/decisions/0014-identity-matching.md explains the design.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class MatchModel(models.Model):
    """One trained version of the matching model: Splink's model JSON, never changed once saved."""

    version = models.PositiveIntegerField(unique=True)
    trained_at = models.DateTimeField()
    trained_by = models.CharField(max_length=150, blank=True, help_text="Username, or empty for the command line")
    source = models.CharField(max_length=40, help_text="register, or the data set it was trained on")
    records = models.PositiveIntegerField()
    parameters = models.JSONField(help_text="Splink's model JSON (settings with the trained m and u)")
    notes = models.JSONField(default=dict, blank=True, help_text="Timings and training summary")

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"matching model v{self.version}"


class MatchProfile(models.Model):
    """What the matcher compares for one person, kept in step by the people actions (index.index_person).

    `data`: {"names": [[given, surname], ...], "dob", "sex", "postcode", "nhs_number", "prison_number",
    "probation_reference"}, already normalised as records.record() does.
    """

    person = models.OneToOneField("people.Person", on_delete=models.CASCADE, primary_key=True,
                                  related_name="match_profile")
    data = models.JSONField()


class MatchKey(models.Model):
    """A blocking key of one person (e.g. "d:1985-03-27"): candidates for a new record are the people who
    share at least one key with it, found through the index on `key`."""

    key = models.CharField(max_length=120)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["key"], name="matchkey_key")]
        constraints = [models.UniqueConstraint(fields=["person", "key"], name="matchkey_unique")]


class ProposalStatus(models.TextChoices):
    OPEN = "open", "Waiting for review"
    MERGED = "merged", "Merged"
    REJECTED = "rejected", "Not the same person"
    SUPERSEDED = "superseded", "No longer applies"


class MergeProposal(models.Model):
    """Two records the matching job thinks are one person, waiting for a reviewer."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person_a = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField()
    fields = models.JSONField(default=list, help_text="[{column, title, level, weight, outcome}] per field")
    model_version = models.PositiveIntegerField()
    proposed_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.OPEN)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-probability", "proposed_at"]
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], condition=Q(status="open"),
                                    name="mergeproposal_one_open_per_pair"),
        ]
        indexes = [models.Index(fields=["status", "probability"])]


class PersonMerge(models.Model):
    """One record merged into another. The merged record's row stays (so nothing is lost and the merge can be
    undone); every row that belonged to it now belongs to the surviving record, and `moved` lists them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    merged_person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    into_person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    #: The agency that registered the merged record keeps its relationship with the person (consent.policy).
    merged_registered_by_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    proposal = models.ForeignKey(MergeProposal, on_delete=models.PROTECT, null=True, blank=True, related_name="merges")
    reason = models.CharField(max_length=500)
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField()
    #: {"app_label.model": [primary keys]}: the rows moved from the merged record to the surviving one.
    moved = models.JSONField(default=dict)
    #: Names whose kind changed on the way (the merged record's usual name became an alias): [[pk, old kind]].
    renamed = models.JSONField(default=list)
    #: Other fields changed so the rows could share a record (a second lead stepped aside):
    #: [[model label, pk, field, old value]].
    changes = models.JSONField(default=list)
    unmerged_at = models.DateTimeField(null=True, blank=True)
    unmerged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    unmerge_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-merged_at"]
        constraints = [
            models.UniqueConstraint(fields=["merged_person"], condition=Q(unmerged_at__isnull=True),
                                    name="personmerge_one_active_per_record"),
        ]
        indexes = [models.Index(fields=["into_person", "unmerged_at"])]

    @property
    def is_active(self) -> bool:
        return self.unmerged_at is None


class AccessOutcome(models.TextChoices):
    OPEN = "open", "Waiting for the agency that holds the record"
    AGREED = "agreed", "The person agreed"
    NOT_AGREED = "not_agreed", "Not agreed"


class AccessDecision(models.TextChoices):
    CONSENT = "consent", "The person agreed: record their consent"
    PERSON_DECLINED = "person_declined", "The person did not agree"
    NOT_THIS_PERSON = "not_this_person", "This is not the person"


class AccessRequest(models.Model):
    """An agency asks to work with a person it may not see: a possible match, found while registering, that
    another agency holds. It goes to the agencies working with the person (never revealing the person to the
    requester); they answer by recording the person's consent or declining, and the requester learns only
    the outcome. docs/decisions/0021-access-requests.md."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    #: One ask can reach several possible matches; the requester sees the ask, never how many it reached.
    enquiry = models.UUIDField(db_index=True)
    #: The possible match (a named relation, so a merge moves the request with the rest of the record).
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="access_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requesting_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    #: What the requester entered (their own words, shown to the holding agency to compare).
    given_names = models.CharField(max_length=120)
    family_name = models.CharField(max_length=120)
    date_of_birth = models.DateField()
    reason = models.TextField()
    asked_at = models.DateTimeField()
    outcome = models.CharField(max_length=12, choices=AccessOutcome.choices, default=AccessOutcome.OPEN)
    decision = models.CharField(max_length=20, choices=AccessDecision.choices, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    #: The consent the answer recorded: the only thing that opens the record to the requesting agency.
    consent = models.ForeignKey("consent.Consent", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    joined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-asked_at"]
        indexes = [models.Index(fields=["person", "outcome"]), models.Index(fields=["requesting_agency", "asked_at"])]
