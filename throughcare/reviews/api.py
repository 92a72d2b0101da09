"""Reviews API: record a review of the plan (If-Match), list them, and the worker's due list."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from django.http import HttpResponse
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from throughcare.core.etags import if_match
from throughcare.plans.api import inline_schema
from throughcare.reviews.actions import person_reviews, record_review
from throughcare.reviews.due import DEFAULT_WITHIN_DAYS, reviews_due

router = Router(tags=["reviews"])


class ProgressIn(Schema):
    model_config = ConfigDict(extra="forbid")
    goal_id: uuid.UUID
    rating: str = Field(description="worse, same, some_progress or achieved")
    comment: str = Field("", description="How it has gone, in words")
    status: str | None = Field(None, description="The goal's new status; absent: unchanged (achieved if rated "
                                                 "achieved)")


class ReviewIn(Schema):
    model_config = ConfigDict(extra="forbid")
    held_on: dt.date
    attended: list[str] = Field(description="Who took part")
    summary: str
    persons_view: str = Field("", description="The person's own view, in their words")
    progress: list[ProgressIn] = Field(description="One entry for every goal you can see on the plan")


class ProgressOut(Schema):
    goal_id: uuid.UUID
    domain: str
    in_their_words: str
    rating: str
    comment: str
    status_before: str
    status_after: str


class ReviewOut(Schema):
    id: uuid.UUID
    held_on: dt.date
    attended: list[str]
    agency: str
    recorded_by: str
    recorded_at: dt.datetime
    plan_version: int
    summary: str | None = Field(description="null unless the reviewing agency's substance use information is "
                                            "shared with you")
    persons_view: str | None
    progress: list[ProgressOut] = Field(description="Only goals whose category is shared with you")


class DueOut(Schema):
    person: uuid.UUID
    display_name: str
    due_on: dt.date
    overdue: bool
    days: int = Field(description="Days until due; negative when overdue")
    last_reviewed_on: dt.date | None


class DueList(Schema):
    total: int
    items: list[DueOut]


def _review_out(view) -> dict:
    r = view.review
    return {
        "id": r.id, "held_on": r.held_on, "attended": r.attended, "agency": r.agency.name,
        "recorded_by": r.recorded_by.get_full_name() or r.recorded_by.username, "recorded_at": r.recorded_at,
        "plan_version": r.plan_version, "summary": r.summary if view.content else None,
        "persons_view": r.persons_view if view.content else None,
        "progress": [{"goal_id": p.goal_id, "domain": p.domain, "in_their_words": p.in_their_words,
                      "rating": p.rating, "comment": p.comment, "status_before": p.status_before,
                      "status_after": p.status_after} for p in view.progress],
    }


@router.post("/people/{person_id}/plan/reviews", response={201: ReviewOut},
             summary="Record a review: If-Match with the plan's ETag is required; the ETag of the new version "
                     "comes back",
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": inline_schema(ReviewIn)}}}})
def post_review(request, person_id: str, response: HttpResponse):
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        body = None
    review = record_review(actor=request.user, person_id=person_id, expected_version=if_match(request), body=body)
    response["ETag"] = f'"{review.plan_version}"'
    _person, _grant, _plan, views = person_reviews(request.user, person_id, audit=False)  # the write's entry covers it
    return Status(201, _review_out(next(v for v in views if v.review.pk == review.pk)))


@router.get("/people/{person_id}/plan/reviews", response=list[ReviewOut],
            summary="The plan's reviews, newest first, as you may see them")
def list_reviews(request, person_id: str):
    _person, _grant, _plan, views = person_reviews(request.user, person_id)
    return [_review_out(v) for v in views]


@router.get("/reviews/due", response=DueList,
            summary="Plan reviews due within within_days (default 14) or overdue, for your people")
def due(request, within_days: int = DEFAULT_WITHIN_DAYS):
    items = [{"person": d.person_id, "display_name": d.display_name, "due_on": d.due_on, "overdue": d.overdue,
              "days": d.days, "last_reviewed_on": d.last_reviewed_on}
             for d in reviews_due(request.user, within_days=within_days)]
    return {"total": len(items), "items": items}
