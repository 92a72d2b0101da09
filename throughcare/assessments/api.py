"""The assessments API: instruments as data, and assessments (drafts with If-Match, submit, amend).

Start, submit and amend take an Idempotency-Key (throughcare/core/idempotency.py, the referrals' mechanism):
the same key and request again answer the same assessment (200, Idempotent-Replayed: true) instead of a
"draft already exists" or "already submitted" error, so a client that lost an answer can simply retry."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from django.http import HttpResponse
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from throughcare.assessments import actions, instruments
from throughcare.assessments.fhir import questionnaire_response
from throughcare.assessments.reads import latest, person_assessments, read_assessment
from throughcare.core import idempotency
from throughcare.core.errors import NotFound, ValidationFailed
from throughcare.core.etags import if_match, set_etag
from throughcare.people.access import get_person

router = Router(tags=["assessments"])


class AgencyRef(Schema):
    id: uuid.UUID
    name: str


class AssessmentSummary(Schema):
    id: uuid.UUID
    person: uuid.UUID
    instrument: str
    instrument_version: int
    title: str
    kind: str = Field(description="new, reassessment or amendment")
    status: str = Field(description="draft or submitted")
    number: int = Field(description="1, or the amended assessment's number + 1")
    previous: uuid.UUID | None = Field(description="The assessment this one amends, or started again from")
    agency: AgencyRef
    created_at: dt.datetime
    created_by: str | None
    updated_at: dt.datetime
    updated_by: str | None
    submitted_at: dt.datetime | None
    submitted_by: str | None
    revision: int = Field(description="The draft's revision: its ETag")


class ListedAssessment(AssessmentSummary):
    visible_sections: int
    sections: int


class QuestionOut(Schema):
    id: str
    label: str
    text: str
    type: str
    value: Any = Field(description="number, option value, list of option values, true/false, text or ISO date")
    display: str
    required: bool


class SectionFrom(Schema):
    id: uuid.UUID
    submitted_at: dt.datetime
    agency: str


class SectionOut(Schema):
    id: str
    title: str
    category: str
    answered: int
    asked: int
    questions: list[QuestionOut]
    from_assessment: SectionFrom | None = Field(
        None, description="In the latest assessment: the earlier assessment these answers come from, when the "
                          "newest did not ask this section (each section's latest answers)")


class ChangeOut(Schema):
    section: str
    question: str
    label: str
    before: Any
    after: Any
    before_display: str
    after_display: str


class AssessmentOut(AssessmentSummary):
    sections: list[SectionOut] = Field(description="Only the sections whose category is shared with you")
    hidden_sections: int
    changes: list[ChangeOut] = Field(description="What changed since `previous`, in sections you may see in both")


class StartIn(Schema):
    model_config = ConfigDict(extra="forbid")
    instrument: str = Field(actions.DEFAULT_INSTRUMENT, description="An assessment instrument's key")
    kind: str = Field("new", description="new, or reassessment: pre-filled from the latest, showing what changed")


class InstrumentSummary(Schema):
    key: str
    version: int
    title: str
    purpose: str
    description: str



def _shape_errors(body, *, allowed: set[str], required: frozenset | set = frozenset()) -> dict[str, str]:
    if not isinstance(body, dict):
        return {"body": "Send a JSON object"}
    errors = {key: "This field is not recognised" for key in body if key not in allowed}
    errors.update({key: "This field is required" for key in sorted(required) if key not in body})
    return errors


_BAD_JSON = object()


def _body(request) -> Any:
    """The JSON body; None if empty; _BAD_JSON (not a dict, so reported as `body`) if it is not JSON."""
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return _BAD_JSON


KEY_HEADER = idempotency.KEY_HEADER


def _once(request, response: HttpResponse, key: str | None, *, scope: str, context: dict, body: dict, make,
          made_status: int):
    """Run `make` once for `key` (a fresh assessment view, ETag set), or answer what an earlier request with the
    same key and request made, as it is now (200, Idempotent-Replayed: true; reading it is audited)."""
    def made(assessment):
        set_etag(response, assessment.revision)
        return read_assessment(request.user, assessment.pk, audit=False).view

    def replayed(assessment_id):
        read = read_assessment(request.user, assessment_id)
        set_etag(response, read.assessment.revision)
        return read.view

    return idempotency.respond_once(request, response, key,
                                    request_hash=idempotency.request_hash(body, scope=scope, **context), make=make,
                                    made=made, replayed=replayed, made_status=made_status)


def instrument_json(instrument: instruments.Instrument) -> dict:
    def question(q):
        out = {"id": q.id, "type": q.type, "text": q.text, "label": q.label, "hint": q.hint, "required": q.required}
        if q.options:
            out["options"] = [{"value": o.value, "label": o.label} for o in q.options]
        if q.type in {"number", "scale"}:
            out.update(min=q.min, max=q.max, unit=q.unit, decimal=q.decimal)
        if q.type == "scale":
            out.update(min_label=q.min_label, max_label=q.max_label)
        if q.type == "text":
            out["max_length"] = q.max_length
        if q.type == "date":
            out["not_future"] = q.not_future
        if q.show_if:
            value = list(q.show_if.value) if isinstance(q.show_if.value, tuple) else q.show_if.value
            out["show_if"] = {"question": q.show_if.question, q.show_if.op: value}
        return out

    return {"key": instrument.key, "version": instrument.version, "title": instrument.title,
            "purpose": instrument.purpose, "description": instrument.description, "source": instrument.source,
            "sections": [{"id": s.id, "title": s.title, "category": s.category, "intro": s.intro,
                          "questions": [question(q) for q in s.questions]} for s in instrument.sections],
            "scores": [{"id": s.id, "label": s.label, "kind": s.kind, "items": [".".join(i) for i in s.items],
                        "min": s.min, "max": s.max, "better": s.better, "unit": s.unit,
                        "reliable_change": {"sd": s.reliable_change.sd, "reliability": s.reliable_change.reliability,
                                            "threshold": round(s.reliable_change.threshold, 2),
                                            "source": s.reliable_change.source} if s.reliable_change else None}
                       for s in instrument.scores]}


@router.get("/instruments", response=list[InstrumentSummary], summary="The instruments, newest version of each")
def list_instruments(request):
    return [i for purpose in instruments.PURPOSES for i in instruments.current(purpose)]


@router.get("/instruments/{key}", summary="One instrument as data: sections, questions, answer types, branching, "
                                          "scores (?version= for an earlier version)")
def get_instrument(request, key: str, version: int | None = None):
    instrument = instruments.get(key, version)
    if instrument is None:
        raise NotFound("Instrument not found")
    return instrument_json(instrument)


@router.get("/people/{person_id}/assessments", response=list[ListedAssessment],
            summary="The person's submitted assessments and your agency's drafts, newest first (no answers)")
def list_assessments(request, person_id: str):
    return person_assessments(request.user, person_id)[2]


@router.post("/people/{person_id}/assessments", response={200: AssessmentOut, 201: AssessmentOut},
             summary="Start an assessment (a draft): new, or a re-assessment pre-filled from the latest; send "
                     "Idempotency-Key to retry safely",
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": StartIn.model_json_schema()}}}})
def start(request, person_id: str, response: HttpResponse, idempotency_key: str | None = KEY_HEADER):
    body = _body(request)
    errors = _shape_errors({} if body is None else body, allowed={"instrument", "kind"})
    if errors:  # the person comes first: someone you may not see is 404 whatever you sent
        get_person(request.user, person_id, action="assessment.start", write=True, categories=[])
        raise ValidationFailed(errors)
    fields = {"instrument": (body or {}).get("instrument", actions.DEFAULT_INSTRUMENT),
              "kind": (body or {}).get("kind", "new")}
    return _once(request, response, idempotency_key, scope="assessment.start", context={"person_id": person_id},
                 body=fields, made_status=201,
                 make=lambda: actions.start_assessment(actor=request.user, person_id=person_id, **fields))


@router.get("/people/{person_id}/assessments/latest", response=AssessmentOut,
            summary="The latest submitted assessment, with the sections you may see")
def get_latest(request, person_id: str, instrument: str = actions.DEFAULT_INSTRUMENT):
    read = latest(request.user, person_id, instrument)
    if read is None:
        raise NotFound("No assessment has been submitted yet")
    return read.view


@router.get("/assessments/{assessment_id}", response=AssessmentOut,
            summary="One assessment with the sections you may see; the ETag header is a draft's revision")
def get_assessment(request, assessment_id: str, response: HttpResponse):
    read = read_assessment(request.user, assessment_id)
    set_etag(response, read.assessment.revision)
    return read.view


@router.patch("/assessments/{assessment_id}", response=AssessmentOut,
              summary="Save a draft: each section sent replaces that section's answers; If-Match is required",
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {
                  "type": "object", "properties": {"answers": {
                      "type": "object", "description": "{section id: {question id: answer}}"}},
                  "required": ["answers"], "additionalProperties": False}}}}})
def save(request, assessment_id: str, response: HttpResponse):
    body = _body(request)
    errors = _shape_errors(body, allowed={"answers"}, required={"answers"})
    if errors:  # the assessment comes first: one you may not see is 404 whatever you sent
        read_assessment(request.user, assessment_id, action="assessment.save", write=True)
        raise ValidationFailed(errors)
    saved = actions.save_draft(actor=request.user, assessment_id=assessment_id, expected_revision=if_match(request),
                               answers=body["answers"])
    set_etag(response, saved.revision)
    return read_assessment(request.user, saved.pk, audit=False).view


@router.post("/assessments/{assessment_id}/submit", response=AssessmentOut,
             summary="Submit a draft: it never changes again; If-Match is required; send Idempotency-Key to retry "
                     "safely")
def submit(request, assessment_id: str, response: HttpResponse, idempotency_key: str | None = KEY_HEADER):
    expected = if_match(request)
    return _once(request, response, idempotency_key, scope="assessment.submit", body={},
                 context={"assessment_id": assessment_id, "if_match": expected}, made_status=200,
                 make=lambda: actions.submit_assessment(actor=request.user, assessment_id=assessment_id,
                                                        expected_revision=expected))


@router.post("/assessments/{assessment_id}/amend", response={200: AssessmentOut, 201: AssessmentOut},
             summary="Amend a submitted assessment: a new draft version linked to it, pre-filled; send "
                     "Idempotency-Key to retry safely")
def amend(request, assessment_id: str, response: HttpResponse, idempotency_key: str | None = KEY_HEADER):
    return _once(request, response, idempotency_key, scope="assessment.amend", body={},
                 context={"assessment_id": assessment_id}, made_status=201,
                 make=lambda: actions.amend_assessment(actor=request.user, assessment_id=assessment_id))


@router.post("/assessments/{assessment_id}/discard", response={204: None},
             summary="Discard a draft; If-Match is required")
def discard(request, assessment_id: str):
    actions.discard_draft(actor=request.user, assessment_id=assessment_id, expected_revision=if_match(request))
    return Status(204, None)


@router.get("/assessments/{assessment_id}/fhir",
            summary="The assessment as a FHIR R4 QuestionnaireResponse (the sections you may see)")
def fhir(request, assessment_id: str):
    return questionnaire_response(read_assessment(request.user, assessment_id, action="assessment.export"))
