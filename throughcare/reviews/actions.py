"""Recording a review of the recovery plan, and reading reviews as the caller may see them.

A review is a plan write (`plans.actions.edit_plan`): If-Match, a new plan version, goal statuses
updated, the due date reset from the day it was held. Progress is recorded for every goal the
reviewer can see; goals they cannot see are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from throughcare.audit.recorder import disclose
from throughcare.consent.policy import Grant
from throughcare.core.categories import IDENTITY_CATEGORY
from throughcare.core.errors import ValidationFailed
from throughcare.core.ids import parse_uuid
from throughcare.journey.models import EventKind
from throughcare.people.access import get_person
from throughcare.plans.actions import GOAL_NOT_ON_PLAN, PlanEdit, edit_plan
from throughcare.plans.inputs import parse_date
from throughcare.plans.models import DOMAIN_CATEGORY, STAGE_CATEGORY, GoalStatus, RecoveryPlan
from throughcare.reviews.models import GoalProgress, Progress, Review

MAX_TEXT = 5_000
MAX_ATTENDEES = 20
#: The review summary and the person's view speak about their recovery: substance use information.
REVIEW_CATEGORY = STAGE_CATEGORY
REVIEW_KEYS = frozenset({"held_on", "attended", "summary", "persons_view", "progress"})
PROGRESS_KEYS = frozenset({"goal_id", "rating", "comment", "status"})


def _text(value, field: str, errors: dict[str, str], *, required: str = "") -> str:
    if value is not None and not isinstance(value, str):
        errors[field] = "Enter text"
        return ""
    text = (value or "").strip()
    if required and not text:
        errors[field] = required
    elif len(text) > MAX_TEXT:
        errors[field] = f"This must be {MAX_TEXT:,} characters or fewer"
    return text


def clean_review(body) -> tuple[dict, dict[str, str]]:
    """What was sent, checked field by field; `progress[1].rating` style names."""
    errors: dict[str, str] = {}
    if not isinstance(body, dict):
        return {}, {"body": "Send the review as a JSON object"}
    for key in body:
        if key not in REVIEW_KEYS:
            errors[key] = "This field is not recognised"
    held_on = parse_date(body.get("held_on"), "held_on", errors)
    if held_on is None and "held_on" not in errors:
        errors["held_on"] = "Enter the date the review was held"
    elif held_on and held_on > timezone.localdate():
        errors["held_on"] = "The date the review was held must be today or in the past"
    attended = body.get("attended") or []
    if isinstance(attended, str):
        attended = attended.splitlines()
    if not isinstance(attended, list) or not all(isinstance(a, str) for a in attended):
        errors["attended"] = "Send who attended as a list of names"
        attended = []
    attended = [a.strip()[:200] for a in attended if a.strip()]
    if not attended and "attended" not in errors:
        errors["attended"] = "Enter who attended the review"
    elif len(attended) > MAX_ATTENDEES:
        errors["attended"] = f"Enter at most {MAX_ATTENDEES} people"
    progress = []
    raw = body.get("progress") or []
    if not isinstance(raw, list):
        errors["progress"] = "Send progress as a list, one entry per goal"
        raw = []
    for i, item in enumerate(raw):
        prefix = f"progress[{i}]."
        if not isinstance(item, dict):
            errors[f"progress[{i}]"] = "Send each goal's progress as an object"
            continue
        for key in item:
            if key not in PROGRESS_KEYS:
                errors[f"{prefix}{key}"] = "This field is not recognised"
        goal_id = parse_uuid(item.get("goal_id"))
        if goal_id is None:
            errors[f"{prefix}goal_id"] = GOAL_NOT_ON_PLAN
        rating = item.get("rating")
        if not rating:
            errors[f"{prefix}rating"] = "Choose how the goal has gone"
        elif rating not in Progress.values:
            errors[f"{prefix}rating"] = "Choose worse, same, some progress or achieved"
        status = item.get("status") or None
        if status is not None and status not in GoalStatus.values:
            errors[f"{prefix}status"] = "Choose a status: not started, in progress, achieved or stopped"
        progress.append({"goal_id": goal_id, "rating": rating, "status": status,
                         "comment": _text(item.get("comment"), f"{prefix}comment", errors)})
    return {
        "held_on": held_on, "attended": attended, "progress": progress,
        "summary": _text(body.get("summary"), "summary", errors, required="Enter a summary of the review"),
        "persons_view": _text(body.get("persons_view"), "persons_view", errors),
    }, errors


def record_review(*, actor, person_id, expected_version: int | None, body) -> Review:
    """Record a review held with the person: progress per goal, statuses, a new plan version, the due date reset."""
    made: dict = {}

    def apply(edit: PlanEdit) -> None:
        if "plan started" in edit.changes:
            raise ValidationFailed({"plan": "Start the recovery plan before recording a review"})
        clean, errors = clean_review(body)
        seen: dict = {}
        visible = {g.pk: g for g in edit.visible_goals}
        for i, item in enumerate(clean.get("progress", [])):
            goal_id = item["goal_id"]
            if goal_id is None:
                continue
            if goal_id not in visible:
                errors[f"progress[{i}].goal_id"] = GOAL_NOT_ON_PLAN
            elif goal_id in seen:
                errors[f"progress[{i}].goal_id"] = f"This goal is already reviewed at progress[{seen[goal_id]}]"
            else:
                seen[goal_id] = i
        missing = [g for g in visible.values() if g.pk not in seen]
        if missing and "progress" not in errors:
            errors["progress"] = (f"Record how each goal has gone: {len(missing)} "
                                  f"goal{'s are' if len(missing) != 1 else ' is'} missing")
        if errors:
            raise ValidationFailed(errors)
        rows = []
        for item in clean["progress"]:
            goal = visible[item["goal_id"]]
            before = goal.status
            after = item["status"] or (GoalStatus.ACHIEVED if item["rating"] == Progress.ACHIEVED else before)
            if after != before:
                goal.status = after
                goal.save(update_fields=["status"])
                edit.changed("goal status changed")
            edit.categories.add(DOMAIN_CATEGORY[goal.domain])
            rows.append((goal, before, after, item))
        held_on = clean["held_on"]
        if edit.plan.last_reviewed_on is None or held_on > edit.plan.last_reviewed_on:
            edit.plan.last_reviewed_on = held_on
        edit.changed("review recorded", REVIEW_CATEGORY)
        made.update(clean=clean, rows=rows)

    def after(edit: PlanEdit) -> None:
        clean = made["clean"]
        review = Review.objects.create(
            plan=edit.plan, person=edit.person, held_on=clean["held_on"], attended=clean["attended"],
            summary=clean["summary"], persons_view=clean["persons_view"], agency_id=edit.staff.agency_id,
            recorded_by=edit.actor, plan_version=edit.plan.version)
        GoalProgress.objects.bulk_create([
            GoalProgress(review=review, goal_id=goal.pk, domain=goal.domain,
                         recorded_by_agency_id=goal.recorded_by_agency_id, in_their_words=goal.in_their_words,
                         rating=item["rating"], comment=item["comment"], status_before=before, status_after=after_)
            for goal, before, after_, item in made["rows"]])
        made["review"] = review

    edit_plan(actor=actor, person_id=person_id, expected_version=expected_version, action="review.record",
              apply=apply, after=after, event_kind=EventKind.REVIEW,
              event_title=lambda plan: f"Recovery plan reviewed (version {plan.version})")
    return made["review"]


@dataclass
class ReviewView:
    review: Review
    content: bool  # may the caller see the summary and the person's view?
    progress: list[GoalProgress]


def person_reviews(user, person_id, *, audit: bool = True) -> tuple[object, Grant, RecoveryPlan | None,
                                                                    list[ReviewView]]:
    """The plan's reviews, newest first; what each shows is shaped by the Grant."""
    person, grant = get_person(user, person_id, action="review.list", categories=[IDENTITY_CATEGORY], audit=audit)
    plan = RecoveryPlan.objects.filter(person=person).first()
    reviews = (Review.objects.filter(person=person).select_related("agency", "recorded_by")
               .prefetch_related("progress")) if plan else []
    views = [ReviewView(review=r, content=grant.allows(REVIEW_CATEGORY, r.agency_id),
                        progress=[p for p in r.progress.all()
                                  if grant.allows(DOMAIN_CATEGORY[p.domain], p.recorded_by_agency_id)])
             for r in reviews]
    if audit:
        shown = {DOMAIN_CATEGORY[p.domain] for v in views for p in v.progress}
        shown |= {REVIEW_CATEGORY for v in views if v.content}
        disclose(sorted({IDENTITY_CATEGORY, *shown}))
    return person, grant, plan, views

