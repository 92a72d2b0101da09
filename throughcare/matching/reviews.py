"""What a Caldicott guardian reads to decide a proposed merge: identity details of both records, no case
content. Every read is written to the audit trail, naming both people."""

from __future__ import annotations

from dataclasses import dataclass

from throughcare.audit.recorder import record_access
from throughcare.core.categories import IDENTITY_CATEGORY
from throughcare.core.errors import NotFound, ValidationFailed
from throughcare.matching.actions import DATA_QUALITY, require_reviewer
from throughcare.matching.models import MergeProposal, PersonMerge, ProposalStatus
from throughcare.people.models import Person

#: The most proposals listed at once (strongest first).
LIST_LIMIT = 200


@dataclass
class RecordView:
    id: object
    names: list[str]
    date_of_birth: object
    sex: str
    postcode: str
    identifiers: list[str]
    registered_by: str
    registered_on: object


def _views(person_ids) -> dict:
    from django.utils import timezone

    people = (Person.objects.filter(pk__in=list(person_ids)).select_related("registered_by_agency")
              .prefetch_related("names", "identifiers"))
    return {str(p.pk): RecordView(
        id=p.pk, names=[f"{n.given_names} {n.family_name} ({n.get_kind_display().lower()})" for n in p.names.all()],
        date_of_birth=p.date_of_birth, sex=p.get_sex_display(), postcode=p.postcode,
        identifiers=[f"{i.get_scheme_display()} {i.value}" for i in p.identifiers.all()],
        registered_by=p.registered_by_agency.name, registered_on=timezone.localtime(p.registered_at).date(),
    ) for p in people}


def _audit(user, action: str, person_ids, resource_id: str = "") -> None:
    staff = require_reviewer(user)
    record_access(actor=user, action=action, categories=[IDENTITY_CATEGORY], subjects=list(person_ids),
                  resource="merge_proposal", resource_id=resource_id, purpose=DATA_QUALITY,
                  lawful_basis="role:" + staff.role)


def proposals(user, *, status: str = ProposalStatus.OPEN) -> list[tuple[MergeProposal, dict]]:
    require_reviewer(user)
    if status not in ProposalStatus.values:
        raise ValidationFailed({"status": "Choose open, merged, rejected or superseded"})
    items = list(MergeProposal.objects.filter(status=status).order_by("-probability", "proposed_at")[:LIST_LIMIT])
    ids = {str(pid) for p in items for pid in (p.person_a_id, p.person_b_id)}
    views = _views(ids)
    _audit(user, "merge_proposal.list", sorted(ids))
    return [(p, views) for p in items]


def proposal(user, proposal_id, *, audit: bool = True) -> tuple[MergeProposal, dict]:
    require_reviewer(user)
    found = MergeProposal.objects.filter(pk=proposal_id).first()
    if found is None:
        raise NotFound("Proposal not found")
    views = _views([found.person_a_id, found.person_b_id])
    if audit:
        _audit(user, "merge_proposal.read", [found.person_a_id, found.person_b_id], str(found.pk))
    return found, views


def proposal_view(found: MergeProposal, views: dict) -> dict:
    return {
        "id": found.pk, "status": found.status, "probability": found.probability, "model_version": found.model_version,
        "proposed_at": found.proposed_at, "note": found.note, "version": found.version,
        "records": [views[str(found.person_a_id)].__dict__, views[str(found.person_b_id)].__dict__],
        "fields": [{"field": f["column"], "title": f["title"], "outcome": f["outcome"], "level": f["level"],
                    "weight": f["weight"]} for f in found.fields],
    }


def merges_of(user, limit: int = 100) -> list[PersonMerge]:
    """Recent merges, for the guardian's page (to unmerge one)."""
    require_reviewer(user)
    return list(PersonMerge.objects.select_related("into_person", "merged_person", "merged_by")
                .order_by("-merged_at")[:limit])
