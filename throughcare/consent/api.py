from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpResponse
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from throughcare.consent.actions import break_glass, describe_consent, record_consent, withdraw_consent
from throughcare.consent.models import Consent
from throughcare.core import idempotency
from throughcare.core.categories import IDENTITY_CATEGORY
from throughcare.people.access import get_person, get_record_about

router = Router(tags=["consent"])


class ConsentIn(Schema):
    model_config = ConfigDict(extra="forbid")
    kind: str = "share"
    recipient_agency: str | None = Field(None, description="An agency id; or give recipient_kind")
    recipient_kind: str = Field("", description="Every agency of this kind, e.g. housing")
    purposes: list[str] = Field([], description="direct_care, care_coordination, safeguarding")
    categories: list[str] = []
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    how_given: str = Field(description="verbal, written or digital")
    note: str = ""


class ConsentOut(Schema):
    id: uuid.UUID
    kind: str
    recipient_agency: uuid.UUID | None = Field(None, alias="recipient_agency_id")
    recipient_kind: str
    purposes: list[str]
    categories: list[str]
    valid_from: dt.date
    valid_until: dt.date | None
    how_given: str
    note: str
    recorded_at: dt.datetime
    withdrawn_at: dt.datetime | None
    active: bool
    summary: str

    @staticmethod
    def resolve_active(obj) -> bool:
        return obj.is_active()

    @staticmethod
    def resolve_summary(obj) -> str:
        return describe_consent(obj)


class WithdrawIn(Schema):
    model_config = ConfigDict(extra="forbid")
    reason: str = ""


class BreakGlassIn(Schema):
    model_config = ConfigDict(extra="forbid")
    reason: str
    hours: int = 4


class BreakGlassOut(Schema):
    id: uuid.UUID
    person: uuid.UUID = Field(alias="person_id")
    started_at: dt.datetime
    expires_at: dt.datetime


@router.get("/people/{person_id}/consents", response=list[ConsentOut], summary="The person's consents")
def list_consents(request, person_id: str):
    person, _grant = get_person(request.user, person_id, action="consent.list", categories=[IDENTITY_CATEGORY])
    return list(Consent.objects.filter(person=person).select_related("recipient_agency"))


@router.post("/people/{person_id}/consents", response={200: ConsentOut, 201: ConsentOut},
             summary="Record a consent; send Idempotency-Key to retry safely")
def create_consent(request, person_id: str, payload: ConsentIn, response: HttpResponse,
                   idempotency_key: str | None = idempotency.KEY_HEADER):
    """A retry with the same Idempotency-Key and consent answers 200 with the consent the first request recorded,
    as it is now (withdrawn since, if it was), with `Idempotent-Replayed: true`, and records nothing."""
    fields = payload.dict()
    return idempotency.respond_once(
        request, response, idempotency_key,
        request_hash=idempotency.request_hash(fields, scope="consent.record", person_id=person_id),
        make=lambda: record_consent(actor=request.user, person_id=person_id, **fields),
        made=lambda consent: consent,
        replayed=lambda consent_id: get_record_about(
            request.user, Consent.objects.select_related("recipient_agency"), consent_id, resource="consent",
            not_found="Consent not found", action="consent.list")[0])


@router.post("/consents/{consent_id}/withdraw", response=ConsentOut, summary="Withdraw a consent: it bites at once")
def withdraw(request, consent_id: str, payload: WithdrawIn):
    return withdraw_consent(actor=request.user, consent_id=consent_id, reason=payload.reason)


@router.post("/people/{person_id}/break-glass", response={201: BreakGlassOut},
             summary="Emergency access: reason required, time-limited, alerted and reviewed")
def emergency(request, person_id: str, payload: BreakGlassIn):
    return Status(201, break_glass(actor=request.user, person_id=person_id, reason=payload.reason,
                                   hours=payload.hours))
