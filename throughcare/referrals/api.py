from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from throughcare.core import idempotency
from throughcare.core.etags import if_match, set_etag
from throughcare.core.paging import Page
from throughcare.referrals.actions import (
    agency_referral_page,
    create_referral,
    get_referral,
    person_referrals,
    sees_referral_content,
    transition_referral,
)
from throughcare.referrals.clocks import referral_clock

router = Router(tags=["referrals"])


class ReferralIn(Schema):
    model_config = ConfigDict(extra="forbid")
    to_agency: str = Field(description="The receiving agency's id")
    service: str = Field(description="The service at that agency")
    reason: str
    shared_categories: list[str] = Field([], description="Categories you share; each one you may see yourself")
    priority: str = Field("routine", description="routine or fast_track")
    fast_track_reason: str = Field("", description="released_from_custody_7_days, recent_overdose, pregnancy, "
                                                   "rough_sleeping, children_at_risk or other (needs the note)")
    fast_track_note: str = ""
    directory_service: str | None = Field(None, description="The directory entry (GET /api/v1/directory/services) "
                                                            "the referral is to, if it is listed")


class TransitionIn(Schema):
    model_config = ConfigDict(extra="forbid")
    to: str = Field(description="acknowledged, accepted, declined, first_appointment_offered, "
                                "intervention_started or withdrawn")
    decline_reason: str | None = None
    decline_note: str | None = None
    first_appointment_on: dt.date | None = None
    note: str | None = Field(None, description="When withdrawing")


class AgencyRef(Schema):
    id: uuid.UUID
    name: str


class ClockOut(Schema):
    received_on: dt.date
    breach_after: dt.date
    days_waiting: int
    days_to_first_offer: int | None
    days_to_intervention: int | None
    running: bool
    breached: bool
    due_soon: bool
    days_left: int


class ReferralOut(Schema):
    id: uuid.UUID
    person: uuid.UUID
    from_agency: AgencyRef
    from_user: str
    to_agency: AgencyRef
    service: str
    reason: str | None
    shared_categories: list[str]
    priority: str
    fast_track_reason: str | None
    fast_track_note: str | None
    status: str
    received_at: dt.datetime
    acknowledged_at: dt.datetime | None
    decided_at: dt.datetime | None
    first_appointment_offered_at: dt.datetime | None
    first_appointment_on: dt.date | None
    intervention_started_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    decline_reason: str | None
    decline_note: str | None
    version: int
    clock: ClockOut


class ReferralList(Schema):
    total: int = Field(description="Every referral that matches, for people you may see (not only this page)")
    page: int
    page_size: int
    items: list[ReferralOut]


class ReferralQuery(Schema):
    direction: str = Field("", description="incoming or outgoing (both if empty)")
    status: str = Field("", description="Only referrals in this status")
    page: Page = 1
    page_size: int = Field(50, ge=1, le=200)


def _out(referral, *, content: bool, now=None) -> dict:
    clock = referral_clock(referral, now or timezone.now())
    hidden = None
    return {
        "id": referral.id, "person": referral.person_id,
        "from_agency": {"id": referral.from_agency_id, "name": referral.from_agency.name},
        "from_user": referral.from_user.get_username(),
        "to_agency": {"id": referral.to_agency_id, "name": referral.to_agency.name},
        "service": referral.service,
        "reason": referral.reason if content else hidden,
        "shared_categories": referral.shared_categories, "priority": referral.priority,
        "fast_track_reason": (referral.fast_track_reason or None) if content else hidden,
        "fast_track_note": (referral.fast_track_note or None) if content else hidden,
        "status": referral.status, "received_at": referral.received_at,
        "acknowledged_at": referral.acknowledged_at, "decided_at": referral.decided_at,
        "first_appointment_offered_at": referral.first_appointment_offered_at,
        "first_appointment_on": referral.first_appointment_on,
        "intervention_started_at": referral.intervention_started_at, "withdrawn_at": referral.withdrawn_at,
        "decline_reason": (referral.decline_reason or None) if content else hidden,
        "decline_note": (referral.decline_note or None) if content else hidden,
        "version": referral.version, "clock": clock.__dict__,
    }



@router.post("/people/{person_id}/referrals", response={200: ReferralOut, 201: ReferralOut},
             summary="Refer the person to another agency's service; send Idempotency-Key to retry safely")
def make_referral(request, person_id: str, payload: ReferralIn, response: HttpResponse,
                  idempotency_key: str | None = idempotency.KEY_HEADER):
    fields = payload.dict()

    def made(referral):
        set_etag(response, referral.version)
        return _out(referral, content=True)

    def replayed(referral_id):
        referral, _grant = get_referral(request.user, referral_id, action="referral.read")
        set_etag(response, referral.version)
        return _out(referral, content=sees_referral_content(request.user))

    return idempotency.respond_once(
        request, response, idempotency_key, request_hash=idempotency.request_hash(fields, person_id=person_id),
        make=lambda: create_referral(actor=request.user, person_id=person_id, **fields), made=made, replayed=replayed)


@router.get("/people/{person_id}/referrals", response=list[ReferralOut],
            summary="The person's referrals made or received by your agency")
def list_person_referrals(request, person_id: str):
    content = sees_referral_content(request.user)
    return [_out(r, content=content) for r in person_referrals(request.user, person_id)]


@router.get("/referrals", response=ReferralList,
            summary="Your agency's referrals, newest first: direction=incoming|outgoing, status=, page=, page_size=")
def list_referrals(request, filters: Query[ReferralQuery]):
    content = sees_referral_content(request.user)
    referrals, total = agency_referral_page(request.user, direction=filters.direction, status=filters.status,
                                            page=filters.page, page_size=filters.page_size)
    return {"total": total, "page": filters.page, "page_size": filters.page_size,
            "items": [_out(r, content=content) for r in referrals]}


@router.get("/referrals/{referral_id}", response=ReferralOut, summary="One referral, with its waiting-time clock")
def read_referral(request, referral_id: str, response: HttpResponse):
    referral, _grant = get_referral(request.user, referral_id)
    set_etag(response, referral.version)
    return _out(referral, content=sees_referral_content(request.user))


@router.post("/referrals/{referral_id}/transition", response=ReferralOut,
             summary="Move a referral on: {\"to\": status, ...details}; If-Match with the ETag is checked")
def move_referral(request, referral_id: str, payload: TransitionIn, response: HttpResponse):
    details = payload.dict(exclude_unset=True)
    to = details.pop("to")
    referral = transition_referral(actor=request.user, referral_id=referral_id, to=to,
                                   expected_version=if_match(request), **details)
    set_etag(response, referral.version)
    return _out(referral, content=True)
