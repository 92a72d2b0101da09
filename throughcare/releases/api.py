from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpResponse
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from throughcare.agencies.models import staff_of
from throughcare.core.errors import Forbidden
from throughcare.core.etags import if_match, set_etag
from throughcare.releases import actions, reads
from throughcare.releases.continuity import continuity_report
from throughcare.releases.models import CommunityHandover, PlanReview, ReleasePlan
from throughcare.releases.pack import pack_response

router = Router(tags=["releases"])


class AgencyRef(Schema):
    id: uuid.UUID
    name: str


class ItemOut(Schema):
    id: uuid.UUID
    kind: str
    label: str
    category: str
    owner_agency: AgencyRef
    status: str
    due_on: dt.date | None
    overdue: bool
    blocker: str
    at: dt.datetime | None
    place: str
    phone: str
    contact_name: str
    worker: str | None
    appointment: uuid.UUID | None
    details: dict | None = Field(description="null unless you may see the item's category from its owner")
    missing_for_done: list[str]
    flagged: bool = Field(description="Accommodation flagged (a hostel, approved premises or B&B)")
    version: int


class MitigationOut(Schema):
    text: str
    in_place: bool


class FlagOut(Schema):
    code: str
    message: str
    mitigations: list[MitigationOut]


class ClockOut(Schema):
    released_on: dt.date
    deadline: dt.date
    day: int
    running: bool
    engaged: bool | None
    days_left: int
    alerts_due: list[int]


class HandoverOut(Schema):
    id: uuid.UUID
    receiving_agency: AgencyRef
    note: str
    sent_at: dt.datetime
    acknowledged_at: dt.datetime | None
    released_on: dt.date | None
    first_intervention_on: dt.date | None
    alerted_day_7_at: dt.datetime | None
    alerted_day_14_at: dt.datetime | None
    outcome: str
    version: int
    clock: ClockOut | None


class PlanOut(Schema):
    id: uuid.UUID
    person: uuid.UUID
    custody: uuid.UUID
    prison: AgencyRef
    release_on: dt.date
    status: str
    opened_at: dt.datetime
    contact_only: bool = Field(description="You see contact details and appointments only (a peer mentor): items "
                                           "holds only the appointments and the meeting at the gate, and the "
                                           "checklist's progress, blockers, reviews and handover are null or empty")
    completed_on: dt.date | None
    complete: bool | None
    outstanding: int | None
    blocked: int | None
    released_on: dt.date | None
    complete_at_release: bool | None
    moved_from: dt.date | None
    last_reviewed_on: dt.date | None
    review_reasons: list[str]
    release_day_flags: list[FlagOut]
    items: list[ItemOut]
    handover: HandoverOut | None
    version: int


class ItemIn(Schema):
    model_config = ConfigDict(extra="forbid")
    status: str | None = Field(None, description="not_started, in_progress, done or not_needed")
    owner_agency: str | None = Field(None, description="An agency id (the plan's prison only)")
    due_on: dt.date | None = None
    blocker: str | None = Field(None, description="Seen by every agency involved: say what is needed, not why")
    at: dt.datetime | None = Field(None, description="With its UTC offset")
    place: str | None = None
    phone: str | None = None
    contact_name: str | None = None
    worker: str | None = Field(None, description="Username of whoever meets them at the gate")
    appointment: str | None = Field(None, description="An appointment id, on or after the release date")
    details: dict | None = Field(None, description="The item's own fields, merged; null or \"\" removes one")


class ConfirmationIn(Schema):
    model_config = ConfigDict(extra="forbid")
    kind: str
    still_holds: bool
    note: str = ""


class ReviewIn(Schema):
    model_config = ConfigDict(extra="forbid")
    held_on: dt.date
    confirmations: list[ConfirmationIn]
    persons_view: str = ""


class ReviewOut(Schema):
    id: uuid.UUID
    held_on: dt.date
    reasons: list[str]
    confirmations: list[dict]
    persons_view: str
    reviewed_by: str
    agency: AgencyRef


class HandoverIn(Schema):
    model_config = ConfigDict(extra="forbid")
    receiving_agency: str
    note: str = ""


class EngagementIn(Schema):
    model_config = ConfigDict(extra="forbid")
    first_intervention_on: dt.date


class GateOut(Schema):
    person: uuid.UUID
    display_name: str
    phone: str
    email: str
    meet_at: dt.datetime | None
    meet_place: str
    release_on: dt.date
    prison: AgencyRef
    appointments: list[dict]


def _item(view: reads.ItemView) -> dict:
    item = view.item
    return {"id": item.pk, "kind": item.kind, "label": view.label, "category": view.category,
            "owner_agency": {"id": item.owner_agency_id, "name": item.owner_agency.name}, "status": item.status,
            "due_on": item.due_on, "overdue": view.overdue, "blocker": item.blocker, "at": view.when,
            "place": view.where, "phone": item.phone, "contact_name": item.contact_name,
            "worker": item.worker.get_username() if item.worker_id else None, "appointment": item.appointment_id,
            "details": item.details if view.details_seen else None, "missing_for_done": view.missing,
            "flagged": view.flagged, "version": item.version}


def _handover(handover: CommunityHandover | None, clock) -> dict | None:
    if handover is None:
        return None
    return {"id": handover.pk, "receiving_agency": {"id": handover.receiving_agency_id,
                                                    "name": handover.receiving_agency.name},
            "note": handover.note, "sent_at": handover.sent_at, "acknowledged_at": handover.acknowledged_at,
            "released_on": handover.released_on, "first_intervention_on": handover.first_intervention_on,
            "alerted_day_7_at": handover.alerted_day_7_at, "alerted_day_14_at": handover.alerted_day_14_at,
            "outcome": handover.outcome, "version": handover.version,
            "clock": None if clock is None else {**clock.__dict__, "alerts_due": list(clock.alerts_due)}}


def _plan(plan: ReleasePlan, grant) -> dict:
    view = reads.plan_view(plan, grant)
    if view.contact_only:
        return {"id": plan.pk, "person": plan.person_id, "custody": plan.custody_id,
                "prison": {"id": plan.prison_id, "name": plan.prison.name}, "release_on": plan.release_on,
                "status": plan.status, "opened_at": plan.opened_at, "contact_only": True, "completed_on": None,
                "complete": None, "outstanding": None, "blocked": None, "released_on": plan.released_on,
                "complete_at_release": None, "moved_from": None, "last_reviewed_on": None, "review_reasons": [],
                "release_day_flags": [], "items": [_contact_item(v) for v in view.items], "handover": None,
                "version": plan.version}
    return {"id": plan.pk, "person": plan.person_id, "custody": plan.custody_id,
            "prison": {"id": plan.prison_id, "name": plan.prison.name}, "release_on": plan.release_on,
            "status": plan.status, "opened_at": plan.opened_at, "contact_only": False,
            "completed_on": plan.completed_on,
            "complete": view.complete, "outstanding": view.outstanding, "blocked": view.blocked,
            "released_on": plan.released_on, "complete_at_release": plan.complete_at_release,
            "moved_from": plan.moved_from, "last_reviewed_on": plan.last_reviewed_on,
            "review_reasons": view.review_reasons,
            "release_day_flags": [{"code": f.code, "message": f.message,
                                   "mitigations": [m.__dict__ for m in f.mitigations]} for f in view.flags],
            "items": [_item(v) for v in view.items], "handover": _handover(view.handover, view.clock),
            "version": plan.version}


def _contact_item(view: reads.ItemView) -> dict:
    """An appointment item as a contact-only caller sees it: when, where and who; no status, owner's progress,
    blocker or details."""
    return {**_item(view), "status": "", "due_on": None, "overdue": False, "blocker": "", "details": None,
            "missing_for_done": [], "flagged": False}


@router.get("/people/{person_id}/release-plans", response=list[PlanOut],
            summary="The person's release plans, the open one first")
def list_plans(request, person_id: str):
    _person, grant, plans = reads.person_plans(request.user, person_id)
    return [_plan(p, grant) for p in plans]


@router.post("/custody/{custody_id}/release-plan", response={201: PlanOut},
             summary="Open the release plan now (it also opens by itself inside the window)")
def open_plan(request, custody_id: str, response: HttpResponse):
    plan = actions.open_release_plan(actor=request.user, custody_id=custody_id)
    plan, grant = reads.get_plan(request.user, plan.pk)
    set_etag(response, plan.version)
    return Status(201, _plan(plan, grant))


@router.get("/release-plans/{plan_id}", response=PlanOut,
            summary="One release plan as you may see it; the ETag is its version")
def read_plan(request, plan_id: str, response: HttpResponse):
    plan, grant = reads.get_plan(request.user, plan_id)
    set_etag(response, plan.version)
    return _plan(plan, grant)


@router.patch("/release-plan-items/{item_id}", response=ItemOut,
              summary="Change a checklist item; absent keys are unchanged; If-Match with the item's version")
def change_item(request, item_id: str, payload: ItemIn, response: HttpResponse):
    item = actions.update_item(actor=request.user, item_id=item_id, changes=payload.dict(exclude_unset=True),
                               expected_version=if_match(request))
    plan, grant = reads.get_plan(request.user, item.plan_id, action="release_item.read")
    view = next(v for v in reads.plan_view(plan, grant).items if v.item.pk == item.pk)
    set_etag(response, item.version)
    return _item(view)


@router.post("/release-plans/{plan_id}/reviews", response={201: ReviewOut},
             summary="A structured review: confirm every item; If-Match with the plan's version")
def review(request, plan_id: str, payload: ReviewIn):
    data = payload.dict()
    recorded = actions.review_plan(actor=request.user, plan_id=plan_id, expected_version=if_match(request), **data)
    return Status(201, _review(recorded))


def _review(review: PlanReview) -> dict:
    return {"id": review.pk, "held_on": review.held_on, "reasons": review.reasons,
            "confirmations": review.confirmations, "persons_view": review.persons_view,
            "reviewed_by": review.reviewed_by.get_username(),
            "agency": {"id": review.agency_id, "name": review.agency.name}}


@router.get("/release-plans/{plan_id}/pack.pdf", summary="The release pack for the person (application/pdf); "
                                                      "language=cy for Welsh",
            openapi_extra={"responses": {200: {"description": "A PDF", "content": {"application/pdf": {}}}}})
def pack(request, plan_id: str, language: str = ""):
    return pack_response(request.user, plan_id, kind="pack", language=language)


@router.get("/release-plans/{plan_id}/handover.pdf",
            summary="The handover summary for the community service, within consent (application/pdf)",
            openapi_extra={"responses": {200: {"description": "A PDF", "content": {"application/pdf": {}}}}})
def handover_pdf(request, plan_id: str):
    return pack_response(request.user, plan_id, kind="handover")


@router.post("/release-plans/{plan_id}/handover", response={201: HandoverOut},
             summary="Hand the plan over to the community service the person goes to")
def send_handover(request, plan_id: str, payload: HandoverIn, response: HttpResponse):
    handover = actions.send_handover(actor=request.user, plan_id=plan_id, **payload.dict())
    set_etag(response, handover.version)
    return Status(201, _handover(handover, None))


@router.post("/release-handovers/{handover_id}/acknowledge", response=HandoverOut,
             summary="The receiving service acknowledges the handover; If-Match is checked")
def acknowledge(request, handover_id: str, response: HttpResponse):
    handover = actions.acknowledge_handover(actor=request.user, handover_id=handover_id,
                                            expected_version=if_match(request))
    set_etag(response, handover.version)
    return _handover(handover, None)


@router.post("/release-handovers/{handover_id}/engagement", response=HandoverOut,
             summary="Record the first community intervention after release; If-Match is checked")
def engagement(request, handover_id: str, payload: EngagementIn, response: HttpResponse):
    handover = actions.record_first_intervention(actor=request.user, handover_id=handover_id,
                                                 expected_version=if_match(request), **payload.dict())
    set_etag(response, handover.version)
    return _handover(handover, None)


@router.get("/gate", response=list[GateOut],
            summary="The people you are meeting at the gate: when, where, contact details and appointments")
def gate(request):
    return [{"person": row["person"].pk, "display_name": row["person"].display_name,
             "phone": row["person"].phone, "email": row["person"].email, "meet_at": row["item"].at,
             "meet_place": row["item"].place, "release_on": row["item"].plan.release_on,
             "prison": {"id": row["item"].plan.prison_id, "name": row["item"].plan.prison.name},
             "appointments": [{"starts_at": a["starts_at"], "what": a["what"], "agency": a["with"],
                               "place": a["place"]} for a in row["appointments"]]}
            for row in reads.gate_meetings(request.user)]


@router.get("/continuity", summary="Continuity of care after release, by week: aggregate figures only, small "
                                   "numbers suppressed (prison= or area=, weeks=)")
def continuity(request, prison: str = "", area: str = "", weeks: int = 12):
    staff = staff_of(request.user)
    if staff is None:
        raise Forbidden("Your account is not linked to an agency")
    return continuity_report(request.user, prison=prison, area=area, weeks=weeks)

