"""The outcome reviews API: record TOP and BARC-10 reviews, read them, the change over time, FHIR export."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from ninja import Router, Schema, Status
from pydantic import Field

from throughcare.assessments.api import AgencyRef, SectionOut
from throughcare.core.errors import ValidationFailed
from throughcare.outcomes.actions import record_outcome_review
from throughcare.outcomes.fhir import observations_bundle
from throughcare.outcomes.reads import list_reviews, progress, read_review
from throughcare.people.access import get_person

router = Router(tags=["outcome reviews"])

FIELDS = {"instrument", "stage", "completed_on", "answers"}


class ScoreOut(Schema):
    id: str
    label: str
    value: float | None
    better: str = Field(description="higher or lower")
    min: float
    max: float
    unit: str


class ReviewOut(Schema):
    id: uuid.UUID
    person: uuid.UUID
    instrument: str
    instrument_version: int
    title: str
    stage: str = Field(description="start, review, exit or post_exit")
    stage_label: str
    completed_on: dt.date
    agency: AgencyRef
    recorded_by: str
    recorded_at: dt.datetime
    replaces: uuid.UUID | None = Field(description="The review this one corrects")
    replaced: bool = Field(description="True once a correction has replaced this review")
    sections: list[SectionOut] = Field(description="Only the sections whose category is shared with you")
    hidden_sections: int
    scores: list[ScoreOut] = Field(description="Scores from the sections you may see")


class PointOut(Schema):
    date: dt.date
    stage: str
    stage_label: str
    value: float


class DistanceOut(Schema):
    first: float
    latest: float
    change: float
    change_display: str
    direction: str = Field(description="better, worse or same")
    reliable: bool | None = Field(description="null where the score has no reliable-change figures")
    label: str
    since: dt.date


class MeasureOut(Schema):
    instrument: str
    instrument_title: str
    score: str
    label: str
    better: str
    min: float
    max: float
    unit: str
    threshold: float | None = Field(description="The smallest change that counts as reliable")
    points: list[PointOut]
    distance: DistanceOut | None = Field(description="From the first value to the latest (null with one value)")


class ProgressOut(Schema):
    measures: list[MeasureOut]
    spec: dict[str, Any] = Field(description="A Vega-Lite spec drawing every measure over time")


_BAD_JSON = object()


def _body(request):
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return _BAD_JSON


def _record(request, person_id: str, replaces=None):
    body = _body(request)
    if not isinstance(body, dict):
        errors = {"body": "Send a JSON object with instrument, stage, completed_on and answers"}
    else:
        errors = {key: "This field is not recognised" for key in body if key not in FIELDS}
    if errors:  # the person first: someone you may not see is 404 whatever you sent
        get_person(request.user, person_id, action="outcome.record", write=True, categories=[])
        raise ValidationFailed(errors)
    review = record_outcome_review(actor=request.user, person_id=person_id, instrument=body.get("instrument"),
                                   stage=body.get("stage"), completed_on=body.get("completed_on"),
                                   answers=body.get("answers"), replaces=replaces)
    return Status(201, read_review(request.user, review.pk)[3])


_BODY_SCHEMA = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "additionalProperties": False, "required": ["instrument", "stage", "completed_on", "answers"],
    "properties": {"instrument": {"type": "string", "description": "top or barc10"},
                   "stage": {"type": "string", "enum": ["start", "review", "exit", "post_exit"]},
                   "completed_on": {"type": "string", "format": "date"},
                   "answers": {"type": "object", "description": "{section id: {question id: answer}}"}}}}}}}


@router.post("/people/{person_id}/outcome-reviews", response={201: ReviewOut},
             summary="Record an outcome review (TOP or BARC-10): every item answered, scores computed",
             openapi_extra=_BODY_SCHEMA)
def record(request, person_id: str):
    return _record(request, person_id)


@router.get("/people/{person_id}/outcome-reviews", response=list[ReviewOut],
            summary="The person's outcome reviews, newest first, with the sections and scores you may see")
def reviews(request, person_id: str):
    return list_reviews(request.user, person_id)[2]


@router.get("/people/{person_id}/outcomes", response=ProgressOut,
            summary="Each outcome measure over time, distance travelled since the first, reliable change, "
                    "and a Vega-Lite spec of it all")
def outcomes(request, person_id: str):
    return progress(request.user, person_id)[2]


@router.get("/outcome-reviews/{review_id}", response=ReviewOut, summary="One outcome review")
def review(request, review_id: str):
    return read_review(request.user, review_id)[3]


@router.post("/outcome-reviews/{review_id}/correct", response={201: ReviewOut},
             summary="Correct a review: a new review that replaces it (the same body as recording one)",
             openapi_extra=_BODY_SCHEMA)
def correct(request, review_id: str):
    person, _grant, old, _view = read_review(request.user, review_id, action="outcome.record")
    return _record(request, str(person.pk), replaces=old.pk)


@router.get("/outcome-reviews/{review_id}/fhir",
            summary="The review's scores as FHIR R4 Observations in a collection Bundle")
def fhir(request, review_id: str):
    person, _grant, found, view = read_review(request.user, review_id, action="outcome.export")
    return observations_bundle(person, found, view)
