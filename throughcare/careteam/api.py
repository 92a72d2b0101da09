from __future__ import annotations

import datetime as dt
import uuid

from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from throughcare.careteam import actions
from throughcare.careteam.models import CareTeamMember, Handover
from throughcare.consent.policy import visible_people
from throughcare.core.categories import IDENTITY_CATEGORY
from throughcare.people.access import get_person

router = Router(tags=["care team"])


class MemberIn(Schema):
    model_config = ConfigDict(extra="forbid")
    worker: str = Field(description="The worker's username")
    lead: bool = False


class MemberOut(Schema):
    id: uuid.UUID
    worker: str
    worker_name: str
    agency: str
    is_lead: bool
    joined_at: dt.datetime

    @staticmethod
    def resolve_worker(obj) -> str:
        return obj.worker.username

    @staticmethod
    def resolve_worker_name(obj) -> str:
        return obj.worker.get_full_name() or obj.worker.username

    @staticmethod
    def resolve_agency(obj) -> str:
        return obj.agency.name


class HandoverIn(Schema):
    model_config = ConfigDict(extra="forbid")
    to_worker: str = Field(description="The username of the worker to take the lead role")
    note: str = ""


class DeclineIn(Schema):
    model_config = ConfigDict(extra="forbid")
    reason: str = ""


class HandoverOut(Schema):
    id: uuid.UUID
    person: uuid.UUID | None = Field(description="null while you may not see the person (the policy decides)")
    from_worker: str | None
    to_worker: str
    note: str | None = Field(description="null while you may not see the person")
    proposed_at: dt.datetime
    acknowledged_at: dt.datetime | None
    declined_at: dt.datetime | None


def _handover_out(handover: Handover, *, sees_person: bool) -> dict:
    """A handover as the caller may see it: the person and the note (which is about them) only when the access
    policy lets the caller see the person, exactly as the offer page shows them."""
    return {"id": handover.pk, "person": handover.person_id if sees_person else None,
            "from_worker": handover.from_worker.username if handover.from_worker_id else None,
            "to_worker": handover.to_worker.username, "note": handover.note if sees_person else None,
            "proposed_at": handover.proposed_at, "acknowledged_at": handover.acknowledged_at,
            "declined_at": handover.declined_at}


@router.get("/people/{person_id}/care-team", response=list[MemberOut], summary="The care team and lead professional")
def care_team(request, person_id: str):
    person, _grant = get_person(request.user, person_id, action="care_team.list", categories=[IDENTITY_CATEGORY])
    return list(CareTeamMember.objects.filter(person=person, left_at__isnull=True).select_related("worker", "agency"))


@router.post("/people/{person_id}/care-team", response={201: MemberOut}, summary="Add a worker to the care team")
def add_member(request, person_id: str, payload: MemberIn):
    return Status(201, actions.add_member(actor=request.user, person_id=person_id, **payload.dict()))


@router.post("/care-team/{member_id}/leave", response=MemberOut, summary="A worker leaves the care team")
def leave(request, member_id: str):
    return actions.remove_member(actor=request.user, member_id=member_id)


@router.post("/people/{person_id}/handovers", response={201: HandoverOut},
             summary="Offer the lead role to another worker; it moves when they acknowledge it")
def propose(request, person_id: str, payload: HandoverIn):
    handover = actions.propose_handover(actor=request.user, person_id=person_id, **payload.dict())
    return Status(201, _handover_out(handover, sees_person=True))  # the proposer wrote to the record


@router.get("/handovers", response=list[HandoverOut],
            summary="Handovers waiting for you to acknowledge; the person and note only if you may see them")
def my_handovers(request):
    handovers, visible = actions.handovers_offered_to(request.user)
    return [_handover_out(h, sees_person=h.person_id in visible) for h in handovers]


@router.post("/handovers/{handover_id}/acknowledge", response=MemberOut, summary="Take the lead role")
def acknowledge(request, handover_id: str):
    return actions.acknowledge_handover(actor=request.user, handover_id=handover_id)


@router.post("/handovers/{handover_id}/decline", response=HandoverOut, summary="Decline the lead role")
def decline(request, handover_id: str, payload: DeclineIn):
    handover = actions.decline_handover(actor=request.user, handover_id=handover_id, reason=payload.reason)
    return _handover_out(handover, sees_person=visible_people(request.user).filter(pk=handover.person_id).exists())
