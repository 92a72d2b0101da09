from __future__ import annotations

import datetime as dt
import uuid

from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from throughcare.careteam import actions
from throughcare.careteam.models import CareTeamMember, Handover
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
    person: uuid.UUID = Field(alias="person_id")
    to_worker: str
    note: str
    proposed_at: dt.datetime
    acknowledged_at: dt.datetime | None
    declined_at: dt.datetime | None

    @staticmethod
    def resolve_to_worker(obj) -> str:
        return obj.to_worker.username


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
    return Status(201, actions.propose_handover(actor=request.user, person_id=person_id, **payload.dict()))


@router.get("/handovers", response=list[HandoverOut], summary="Handovers waiting for you to acknowledge")
def my_handovers(request):
    return list(Handover.objects.filter(to_worker=request.user, acknowledged_at__isnull=True,
                                        declined_at__isnull=True).select_related("to_worker"))


@router.post("/handovers/{handover_id}/acknowledge", response=MemberOut, summary="Take the lead role")
def acknowledge(request, handover_id: str):
    return actions.acknowledge_handover(actor=request.user, handover_id=handover_id)


@router.post("/handovers/{handover_id}/decline", response=HandoverOut, summary="Decline the lead role")
def decline(request, handover_id: str, payload: DeclineIn):
    return actions.decline_handover(actor=request.user, handover_id=handover_id, reason=payload.reason)
