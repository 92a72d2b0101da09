"""The recovery plan API: read it, replace what you can see of it with If-Match, read its versions."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from django.http import HttpResponse
from ninja import Router, Schema
from pydantic import ConfigDict, Field

from throughcare.core.etags import if_match, set_etag
from throughcare.plans.actions import save_plan
from throughcare.plans.reads import plan_version, plan_versions, read_plan

router = Router(tags=["recovery plans"])


class AgencyRef(Schema):
    id: uuid.UUID
    name: str


class ActionIO(Schema):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(description="What will be done")
    who: str = Field(description="Who will do it: the person, a worker, a family member...")
    target_date: dt.date | None = None
    done: bool = False


class GoalIn(Schema):
    model_config = ConfigDict(extra="forbid")
    id: uuid.UUID | None = Field(None, description="A goal already on the plan; leave out to add a new goal")
    domain: str = Field(description="substance_use, alcohol, mental_health, physical_health, offending, housing, "
                                    "employment_benefits, family_safeguarding or wellbeing")
    in_their_words: str = Field(description="The goal in the person's own words")
    owner_agency: uuid.UUID = Field(description="The agency that owns the goal (an id, or {\"id\": ...} as read)")
    target_date: dt.date | None = None
    status: str = Field("not_started", description="not_started, in_progress, achieved or stopped")
    actions: list[ActionIO] = []


class PlanIn(Schema):
    model_config = ConfigDict(extra="forbid")
    stage: str | None = Field(None, description="harm_reduction, stability, reduced_use, abstinence or "
                                                "reintegration; null or absent: unchanged")
    review_every_weeks: int | None = Field(None, ge=1, le=52, description="Review cadence; absent: unchanged")
    goals: list[GoalIn] | None = Field(None, description="Every goal you can see, as it should be: goals you can "
                                                         "see and leave out are removed; goals you cannot see "
                                                         "are kept. Absent: goals unchanged")


class GoalOut(Schema):
    id: uuid.UUID
    domain: str
    category: str
    in_their_words: str
    owner_agency: AgencyRef
    recorded_by_agency: AgencyRef
    target_date: dt.date | None
    status: str
    actions: list[ActionIO]


class StageMoveOut(Schema):
    from_stage: str | None
    to_stage: str
    direction: str = Field(description="set, forward or back")
    moved_at: dt.datetime
    moved_by: str
    agency: str
    version: int


class PlanOut(Schema):
    person: uuid.UUID
    version: int = Field(description="0 until the plan is first saved; also the ETag")
    stage: str | None = Field(description="null if not set, or set by an agency that does not share it with you")
    review_every_weeks: int
    created_on: dt.date | None
    last_reviewed_on: dt.date | None
    next_review_due: dt.date | None
    overdue: bool
    goals: list[GoalOut] = Field(description="Only goals whose information category is shared with you")
    stage_moves: list[StageMoveOut]


class VersionSummary(Schema):
    number: int
    author: str
    agency: str
    created_at: dt.datetime
    changes: list[str]


class VersionOut(VersionSummary):
    plan: PlanOut


def inline_schema(model) -> dict:
    """The model's JSON schema with its $defs written in place, so it stands alone inside the OpenAPI spec."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node):
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return resolve(schema)



def _plan_out(person_id, view: dict) -> dict:
    return {**view, "person": person_id, "stage_moves": view.get("stage_moves", []),
            "overdue": view.get("overdue", False)}


def _summary(version) -> dict:
    return {"number": version.number, "author": version.author.get_full_name() or version.author.username,
            "agency": version.agency.name, "created_at": version.created_at, "changes": version.changes}


@router.get("/people/{person_id}/plan", response=PlanOut,
            summary="The person's recovery plan as you may see it; the ETag header is its version")
def get_plan(request, person_id: str, response: HttpResponse):
    read = read_plan(request.user, person_id)
    set_etag(response, read.version)
    return _plan_out(read.person.pk, read.view)


_BAD_JSON = object()


@router.put("/people/{person_id}/plan", response=PlanOut,
            summary="Save the plan: If-Match is required (428 without it, 412 if someone saved first)",
            openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                "schema": inline_schema(PlanIn)}}}})
def put_plan(request, person_id: str, response: HttpResponse):
    # The body is checked by the action (after the person look-up, so an unseen person is always 404),
    # which names fields as goals[2].target_date.
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        body = _BAD_JSON
    save_plan(actor=request.user, person_id=person_id, expected_version=if_match(request),
              body=body if body is not _BAD_JSON else None)
    read = read_plan(request.user, person_id, audit=False)  # the write's own entry covers this request
    set_etag(response, read.version)
    return _plan_out(read.person.pk, read.view)


@router.get("/people/{person_id}/plan/versions", response=list[VersionSummary],
            summary="Every saved version of the plan, newest first: who, when, what kind of change")
def list_versions(request, person_id: str):
    _person, versions = plan_versions(request.user, person_id)
    return [_summary(v) for v in versions]


@router.get("/people/{person_id}/plan/versions/{number}", response=VersionOut,
            summary="One earlier version of the plan, as you may see it")
def get_version(request, person_id: str, number: str):
    person, version, view = plan_version(request.user, person_id, number)
    return {**_summary(version), "plan": {**_plan_out(person.pk, view), "stage_moves": [], "overdue": False}}
