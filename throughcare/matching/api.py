"""Identity matching over the API: candidates before registering, joining an existing record, and the
Caldicott guardian's review of proposed merges (merge, unmerge, reject)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from throughcare.core.etags import if_match, set_etag
from throughcare.matching import actions, reviews
from throughcare.matching.access_api import router as access_router
from throughcare.matching.candidates import find_candidates
from throughcare.people.access import get_person
from throughcare.people.inputs import OtherName, PersonDetails
from throughcare.people.schemas import OtherNameIn, PersonOut
from throughcare.people.summary import person_summary

router = Router(tags=["identity matching"])
router.add_router("/", access_router)

HELD_ELSEWHERE = ("A possible match is held by an agency that has not shared this person's record with yours. "
                  "You cannot see it. If the person holds an NHS number, prison number, probation case reference "
                  "or PNC ID, enter it to confirm the match and join that record (POST /people/join); otherwise "
                  "ask the agency that holds it (POST /access-requests): it records the person's consent, or says "
                  "no, and you learn only which.")


class DetailsIn(Schema):
    model_config = ConfigDict(extra="forbid")
    given_names: str = Field(max_length=120)
    family_name: str = Field(max_length=120)
    date_of_birth: dt.date
    other_names: list[OtherNameIn] = []
    sex: str = "not_stated"
    postcode: str = ""
    nhs_number: str = ""
    prison_number: str = ""
    probation_reference: str = ""
    pnc_id: str = ""

    def details(self) -> PersonDetails:
        data = self.dict(exclude={"setting", "service"})
        data["other_names"] = [OtherName(**n) for n in data["other_names"]]
        return PersonDetails(**data)


class JoinIn(DetailsIn):
    setting: str = Field(description="community, prison, residential_rehab or inpatient_detox")
    service: str = Field(max_length=200, description="The service within your agency")


class FieldOut(Schema):
    field: str
    title: str
    outcome: str = Field(description="agreed, disagreed, neutral or not compared")
    level: str
    weight: float = Field(description="log2 Bayes factor: the strength of the evidence")


class CandidatePersonOut(Schema):
    id: uuid.UUID
    display_name: str
    date_of_birth: dt.date
    postcode: str


class CandidateOut(Schema):
    person: CandidatePersonOut
    probability: float
    fields: list[FieldOut]


class CandidatesOut(Schema):
    model_version: int
    candidates: list[CandidateOut]
    held_elsewhere: bool = Field(description="A possible match exists that you may not see; nothing else is said")
    message: str


def _fields(fields) -> list[dict]:
    return [{"field": f.column, "title": f.title, "outcome": f.outcome, "level": f.level, "weight": round(f.weight, 2)}
            for f in fields]


def candidates_out(found) -> dict:
    return {
        "model_version": found.model_version,
        "candidates": [{"person": c.person, "probability": c.probability, "fields": _fields(c.fields)}
                       for c in found.shown],
        "held_elsewhere": found.held_elsewhere,
        "message": HELD_ELSEWHERE if found.held_elsewhere else (
            "Possible matches you can see are listed." if found.shown else "No possible match was found."),
    }


@router.post("/people/candidates", response=CandidatesOut,
             summary="Possible existing records for a person you are about to register")
def person_candidates(request, payload: DetailsIn):
    return candidates_out(find_candidates(request.user, payload.details()))


@router.post("/people/join", response={201: PersonOut},
             summary="Join an existing record, confirmed by an identifier, instead of registering the person again")
def join_record(request, payload: JoinIn):
    person = actions.join_existing_record(actor=request.user, details=payload.details(), setting=payload.setting,
                                          service=payload.service)
    person, grant = get_person(request.user, person.pk, audit=False)
    return Status(201, person_summary(person, grant))


# --- review of merge proposals (Caldicott guardians) --------------------------------------------------------


class RecordOut(Schema):
    id: uuid.UUID
    names: list[str]
    date_of_birth: dt.date
    sex: str
    postcode: str
    identifiers: list[str]
    registered_by: str
    registered_on: dt.date


class ProposalOut(Schema):
    id: uuid.UUID
    status: str
    probability: float
    model_version: int
    proposed_at: dt.datetime
    records: list[RecordOut]
    fields: list[FieldOut]
    note: str
    version: int


class ProposalPage(Schema):
    items: list[ProposalOut]
    total: int


class ProposalQuery(Schema):
    status: str = Field("open", description="open, merged, rejected or superseded")


class MergeIn(Schema):
    model_config = ConfigDict(extra="forbid")
    keep: uuid.UUID = Field(description="The record that stays (the other is merged into it)")
    reason: str


class RejectIn(Schema):
    model_config = ConfigDict(extra="forbid")
    note: str


class UnmergeIn(Schema):
    model_config = ConfigDict(extra="forbid")
    reason: str


class MergeOut(Schema):
    id: uuid.UUID
    kept: uuid.UUID
    merged: uuid.UUID
    merged_at: dt.datetime
    moved: dict[str, int] = Field(description="Rows moved, by table")
    unmerged_at: dt.datetime | None


def _merge_out(merge) -> dict:
    return {"id": merge.pk, "kept": merge.into_person_id, "merged": merge.merged_person_id,
            "merged_at": merge.merged_at, "moved": {k: len(v) for k, v in merge.moved.items()},
            "unmerged_at": merge.unmerged_at}


@router.get("/matching/proposals", response=ProposalPage, summary="Proposed merges (Caldicott guardians)")
def list_proposals(request, filters: Query[ProposalQuery]):
    items = reviews.proposals(request.user, status=filters.status)
    return {"items": [reviews.proposal_view(p, views) for p, views in items], "total": len(items)}


@router.get("/matching/proposals/{proposal_id}", response=ProposalOut, summary="One proposed merge")
def read_proposal(request, proposal_id: uuid.UUID, response: HttpResponse):
    proposal, views = reviews.proposal(request.user, proposal_id)
    set_etag(response, proposal.version)
    return reviews.proposal_view(proposal, views)


@router.post("/matching/proposals/{proposal_id}/merge", response={201: MergeOut},
             summary="Merge the two records of a proposal; send If-Match with the proposal's ETag")
def merge_proposal(request, proposal_id: uuid.UUID, payload: MergeIn):
    proposal, _views = reviews.proposal(request.user, proposal_id, audit=False)
    other = proposal.person_b_id if str(payload.keep) == str(proposal.person_a_id) else proposal.person_a_id
    merge = actions.merge_records(actor=request.user, keep_id=payload.keep, merge_id=other, reason=payload.reason,
                                  proposal_id=proposal.pk, expected_version=if_match(request))
    return Status(201, _merge_out(merge))


@router.post("/matching/proposals/{proposal_id}/reject", response=ProposalOut,
             summary="Not the same person: the pair is not proposed again")
def reject_proposal(request, proposal_id: uuid.UUID, payload: RejectIn):
    actions.reject_proposal(actor=request.user, proposal_id=proposal_id, note=payload.note,
                            expected_version=if_match(request))
    proposal, views = reviews.proposal(request.user, proposal_id, audit=False)
    return reviews.proposal_view(proposal, views)


@router.post("/matching/merges/{merge_id}/unmerge", response=MergeOut, summary="Separate two merged records again")
def unmerge(request, merge_id: uuid.UUID, payload: UnmergeIn):
    return _merge_out(actions.unmerge_records(actor=request.user, merge_id=merge_id, reason=payload.reason))
