"""Reading a plan as the caller may see it.

The plan as it stands is its latest `PlanVersion` snapshot (every save writes one), so reading the
current plan and reading version 3 are the same code: take the snapshot, keep what the Grant allows.
A goal is seen by whoever may see its domain's category from the agency that recorded it; the stage
is substance use information of the agency that set it. Nothing else in a snapshot is hidden.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from throughcare.audit.recorder import disclose
from throughcare.consent.policy import Grant
from throughcare.core.categories import IDENTITY_CATEGORY
from throughcare.core.errors import NotFound
from throughcare.people.access import get_person
from throughcare.plans.models import (
    DEFAULT_REVIEW_WEEKS,
    DOMAIN_CATEGORY,
    STAGE_CATEGORY,
    Domain,
    GoalStatus,
    PlanVersion,
    RecoveryPlan,
    Stage,
    StageMove,
)

VERSION_NOT_FOUND = "Plan version not found"


def _agency(agency) -> dict | None:
    return {"id": str(agency.pk), "name": agency.name} if agency is not None else None


def snapshot(plan: RecoveryPlan) -> dict:
    """The whole plan, every goal included, as JSON: what a PlanVersion keeps (three queries)."""
    goals = (plan.goals.select_related("owner_agency", "recorded_by_agency").prefetch_related("actions")
             .order_by("position", "created_at"))
    return {
        "version": plan.version,
        "stage": plan.stage or None,
        "stage_agency": str(plan.stage_agency_id) if plan.stage_agency_id else None,
        "review_every_weeks": plan.review_every_weeks,
        "created_on": plan.created_on.isoformat(),
        "last_reviewed_on": plan.last_reviewed_on.isoformat() if plan.last_reviewed_on else None,
        "next_review_due": plan.next_review_due.isoformat(),
        "goals": [{
            "id": str(goal.pk),
            "domain": goal.domain,
            "in_their_words": goal.in_their_words,
            "owner_agency": _agency(goal.owner_agency),
            "recorded_by_agency": _agency(goal.recorded_by_agency),
            "target_date": goal.target_date.isoformat() if goal.target_date else None,
            "status": goal.status,
            "actions": [{"text": a.text, "who": a.who, "target_date": a.target_date.isoformat() if a.target_date
                         else None, "done": a.done} for a in goal.actions.all()],
        } for goal in goals],
    }


def goal_visible(goal: dict, grant: Grant) -> bool:
    return grant.allows(DOMAIN_CATEGORY[goal["domain"]], _uuid(goal["recorded_by_agency"]["id"]))


def stage_visible(snap: dict, grant: Grant) -> bool:
    return not snap.get("stage") or grant.allows(STAGE_CATEGORY, _uuid(snap.get("stage_agency")))


def _uuid(value):
    import uuid

    return uuid.UUID(value) if value else None


def visible(snap: dict, grant: Grant) -> tuple[dict, set[str]]:
    """The snapshot with only what `grant` allows, and the categories that discloses."""
    shown_stage = stage_visible(snap, grant)
    goals = [dict(g, category=DOMAIN_CATEGORY[g["domain"]], domain_label=Domain(g["domain"]).label,
                  status_label=GoalStatus(g["status"]).label)
             for g in snap.get("goals", []) if goal_visible(g, grant)]
    categories = {g["category"] for g in goals}
    if shown_stage and snap.get("stage"):
        categories.add(STAGE_CATEGORY)
    out = {key: value for key, value in snap.items() if key not in {"goals", "stage", "stage_agency"}}
    out["stage"] = snap.get("stage") if shown_stage else None
    out["stage_label"] = Stage(out["stage"]).label if out["stage"] else None
    out["stage_visible"] = shown_stage
    out["goals"] = goals
    return out, categories


def empty_snapshot() -> dict:
    return {"version": 0, "stage": None, "stage_agency": None, "review_every_weeks": DEFAULT_REVIEW_WEEKS,
            "created_on": None, "last_reviewed_on": None, "next_review_due": None, "goals": []}


@dataclass
class PlanRead:
    person: object
    grant: Grant
    plan: RecoveryPlan | None
    view: dict
    categories: set[str]

    @property
    def version(self) -> int:
        return self.plan.version if self.plan else 0


def latest_snapshot(plan: RecoveryPlan | None) -> dict:
    if plan is None:
        return empty_snapshot()
    row = plan.versions.filter(number=plan.version).values_list("snapshot", flat=True).first()
    return row if row is not None else snapshot(plan)


def read_plan(user, person_id, *, action: str = "plan.read", write: bool = False, audit: bool = True) -> PlanRead:
    """The person's plan as `user` may see it (an empty version 0 if none is saved yet)."""
    person, grant = get_person(user, person_id, action=action, write=write, categories=[IDENTITY_CATEGORY],
                               audit=audit)
    plan = RecoveryPlan.objects.filter(person=person).first()
    view, categories = visible(latest_snapshot(plan), grant)
    view["stage_moves"] = stage_moves(plan, grant) if plan else []
    view["overdue"] = bool(plan and plan.next_review_due < timezone.localdate())
    if audit:
        disclose(sorted({IDENTITY_CATEGORY, *categories}))
    return PlanRead(person, grant, plan, view, categories)


def stage_moves(plan: RecoveryPlan, grant: Grant) -> list[dict]:
    return [{"from_stage": m.from_stage or None, "to_stage": m.to_stage, "direction": m.direction,
             "moved_at": m.moved_at, "moved_by": m.moved_by.get_full_name() or m.moved_by.username,
             "agency": m.agency.name, "version": m.version,
             "to_label": Stage(m.to_stage).label, "from_label": Stage(m.from_stage).label if m.from_stage else None}
            for m in StageMove.objects.filter(plan=plan).select_related("moved_by", "agency")
            if grant.allows(STAGE_CATEGORY, m.agency_id)]


def plan_versions(user, person_id) -> tuple[object, list[PlanVersion]]:
    """Every version of the plan, newest first: who saved it, when, and what kind of change (no content)."""
    person, _grant = get_person(user, person_id, action="plan.versions", categories=[IDENTITY_CATEGORY])
    versions = list(PlanVersion.objects.filter(plan__person=person).select_related("author", "agency")
                    .defer("snapshot").order_by("-number"))
    return person, versions


def plan_version(user, person_id, number) -> tuple[object, PlanVersion, dict]:
    """One earlier version, as the caller may see it now (the same rules as the current plan)."""
    person, grant = get_person(user, person_id, action="plan.version", categories=[IDENTITY_CATEGORY])
    try:
        n = int(number)
    except (TypeError, ValueError):
        raise NotFound(VERSION_NOT_FOUND) from None
    version = (PlanVersion.objects.filter(plan__person=person, number=n).select_related("author", "agency")
               .first())
    if version is None:
        raise NotFound(VERSION_NOT_FOUND)
    view, categories = visible(version.snapshot, grant)
    disclose(sorted({IDENTITY_CATEGORY, *categories}))
    return person, version, view
