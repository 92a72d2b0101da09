"""Access requests over the API (matching.access): ask the agencies holding a possible match held elsewhere,
answer such an ask with the person's consent (or no), and join the record once they agreed."""

from __future__ import annotations

import datetime as dt
import uuid

from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from throughcare.matching import access
from throughcare.people.access import get_person
from throughcare.people.schemas import PersonOut
from throughcare.people.summary import person_summary

router = Router(tags=["identity matching"])


class AskIn(Schema):
    model_config = ConfigDict(extra="forbid")
    given_names: str = Field(max_length=120)
    family_name: str = Field(max_length=120)
    date_of_birth: dt.date
    sex: str = "not_stated"
    postcode: str = ""
    reason: str = Field(max_length=2000, description="Why your agency needs to work with the person")


class AskedOut(Schema):
    enquiry: uuid.UUID
    new: bool = Field(description="false when the same ask was already waiting: nothing new was sent")
    outcome: str
    message: str


class EnquiryOut(Schema):
    enquiry: uuid.UUID
    given_names: str
    family_name: str
    date_of_birth: dt.date
    reason: str
    asked_at: dt.datetime
    asked_by: str
    outcome: str = Field(description="open, agreed or not_agreed: all you learn about the record")
    to_join: list[uuid.UUID] = Field(description="Agreed requests you may join through (POST "
                                                 "/access-requests/{id}/join) while the consent is active")
    joined: list[uuid.UUID] = Field(description="The people whose record your agency joined through this ask")


class IncomingOut(Schema):
    id: uuid.UUID
    person: uuid.UUID
    display_name: str
    requesting_agency: str
    requested_by: str
    given_names: str = Field(description="What the asking agency entered")
    family_name: str
    date_of_birth: dt.date
    reason: str
    asked_at: dt.datetime


class AnswerIn(Schema):
    model_config = ConfigDict(extra="forbid")
    decision: str = Field(description="consent, person_declined or not_this_person")
    purposes: list[str] = Field([], description="With consent: direct_care, care_coordination, safeguarding")
    categories: list[str] = Field([], description="With consent: what the asking agency may see")
    how_given: str = Field("", description="With consent: verbal, written or digital")
    valid_until: dt.date | None = None
    note: str = ""


class AnswerOut(Schema):
    id: uuid.UUID
    outcome: str
    decision: str
    consent: uuid.UUID | None


class JoinIn(Schema):
    model_config = ConfigDict(extra="forbid")
    setting: str = Field(description="community, prison, residential_rehab or inpatient_detox")
    service: str = Field(max_length=200, description="The service within your agency")


@router.post("/access-requests", response={200: AskedOut, 201: AskedOut},
             summary="Ask the agencies holding a possible match you may not see to let your agency work with the "
                     "person; you learn only the outcome")
def ask(request, payload: AskIn):
    from throughcare.people.inputs import PersonDetails

    details = PersonDetails(**payload.dict(exclude={"reason"}))
    enquiry, new = access.request_access(actor=request.user, details=details, reason=payload.reason)
    message = ("Sent to the agency that holds the record. You will see here whether the person agreed."
               if new else "You already asked; the agency that holds the record has not answered yet.")
    return Status(201 if new else 200, {"enquiry": enquiry, "new": new, "outcome": "open", "message": message})


@router.get("/access-requests", response=list[EnquiryOut], summary="What your agency asked for, and the outcomes")
def my_enquiries(request):
    return [{**e.__dict__, "enquiry": e.id} for e in access.enquiries(request.user)]


@router.get("/access-requests/incoming", response=list[IncomingOut],
            summary="Requests to work with people your agency works with, waiting for an answer")
def incoming(request):
    return [{"id": r.pk, "person": r.person_id, "display_name": r.person.display_name,
             "requesting_agency": r.requesting_agency.name,
             "requested_by": r.requested_by.get_full_name() or r.requested_by.get_username(),
             "given_names": r.given_names, "family_name": r.family_name, "date_of_birth": r.date_of_birth,
             "reason": r.reason, "asked_at": r.asked_at} for r in access.list_incoming(request.user)]


@router.post("/access-requests/{request_id}/answer", response=AnswerOut,
             summary="Answer a request: record the person's consent to share with the asking agency, or say no")
def answer(request, request_id: str, payload: AnswerIn):
    found = access.answer_request(actor=request.user, request_id=request_id, **payload.dict())
    return {"id": found.pk, "outcome": found.outcome, "decision": found.decision, "consent": found.consent_id}


@router.post("/access-requests/{request_id}/join", response={201: PersonOut},
             summary="Join the record an agreed request reached (while the person's consent is active)")
def join(request, request_id: str, payload: JoinIn):
    person = access.join_by_request(actor=request.user, request_id=request_id, setting=payload.setting,
                                    service=payload.service)
    person, grant = get_person(request.user, person.pk, audit=False)
    return Status(201, person_summary(person, grant))
