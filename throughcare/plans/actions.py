"""Writes to the recovery plan. Every write goes through `edit_plan`: one transaction, the scoped
look-up with write access, the If-Match version check, the change, a new immutable PlanVersion, one
journey event (contact and administration, no goal content) and one audit entry.

A writer changes only what they can see: goals outside their Grant are neither changed nor removed,
and the stage, once set by an agency whose substance use information they may not see, stays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from throughcare.agencies.models import Agency, Staff, staff_of
from throughcare.audit.recorder import record_action
from throughcare.consent.policy import Grant
from throughcare.core.categories import Category
from throughcare.core.errors import PreconditionFailed, ThroughcareError, ValidationFailed
from throughcare.journey.models import Event, EventKind
from throughcare.people.access import get_person
from throughcare.plans import inputs
from throughcare.plans.inputs import KEEP
from throughcare.plans.models import (
    DEFAULT_REVIEW_WEEKS,
    DOMAIN_CATEGORY,
    STAGE_CATEGORY,
    Domain,
    Goal,
    GoalAction,
    PlanVersion,
    RecoveryPlan,
    StageMove,
)
from throughcare.plans.reads import snapshot


class PreconditionRequired(ThroughcareError):
    """A write to the plan without If-Match: the client must say which version it is changing."""

    code = "precondition_required"
    status = 428


NO_IF_MATCH = ("Send If-Match with the plan's ETag (its version, e.g. \"3\"; \"0\" before the first save), "
               "so that you cannot overwrite someone else's change")
GOAL_NOT_ON_PLAN = "This goal is not on the plan: leave out the id to add a new goal"


@dataclass
class PlanEdit:
    """One write in progress: what the writer may see, and what changed (in neutral words)."""

    actor: object
    person: object
    grant: Grant
    staff: Staff | None  # None: the person themselves (add_own_goal)
    plan: RecoveryPlan
    agency_id: object = None  # the writer's agency; for the person, the agency holding their plan
    goals: dict = field(default_factory=dict)  # id -> Goal, every goal on the plan
    changes: list[str] = field(default_factory=list)
    categories: set[str] = field(default_factory=set)
    stage_move: tuple[str, str] | None = None

    def can_see(self, goal: Goal) -> bool:
        return self.grant.allows(DOMAIN_CATEGORY[goal.domain], goal.recorded_by_agency_id)

    @property
    def visible_goals(self) -> list[Goal]:
        return [g for g in self.goals.values() if self.can_see(g)]

    def changed(self, what: str, category: str | None = None) -> None:
        if what not in self.changes:
            self.changes.append(what)
        if category:
            self.categories.add(category)

    def stage_visible(self) -> bool:
        return not self.plan.stage or self.grant.allows(STAGE_CATEGORY, self.plan.stage_agency_id)


def stale_message(plan: RecoveryPlan | None, expected: int) -> str:
    if plan is None:
        return (f"The plan has no version {expected}: it has not been saved yet. "
                "Reload it and apply your changes again.")
    who = plan.updated_by.get_full_name() or plan.updated_by.username
    when = timezone.localtime(plan.updated_at)
    return (f"Someone else changed this plan: you were changing version {expected}, and {who} saved "
            f"version {plan.version} at {when:%H:%M on %-d %B %Y}. Reload it and apply your changes again.")


def holding_agency_id(person):
    """The agency that holds the person's plan for them: their lead professional's, else the registering one."""
    from throughcare.careteam.actions import current_lead

    lead = current_lead(person)
    return lead.agency_id if lead else person.registered_by_agency_id


def edit_plan(*, actor, person_id, expected_version: int | None, action: str, apply: Callable[[PlanEdit], None],
              event_kind: str = EventKind.RECOVERY_PLAN, event_title: Callable[[RecoveryPlan], str] | None = None,
              after: Callable[[PlanEdit], None] | None = None, by_person: bool = False) -> RecoveryPlan:
    """Change the plan through `apply(edit)`, if `expected_version` is still current.

    `by_person`: this change is one the person may make to their own plan (add_own_goal); any other
    change by them is refused by the scoped look-up."""
    with transaction.atomic():
        person, grant = get_person(actor, person_id, action=action, write=True, categories=[],
                                   subject_may_write=by_person)
        if expected_version is None:
            raise PreconditionRequired(NO_IF_MATCH)
        staff = staff_of(actor)
        agency_id = staff.agency_id if staff else holding_agency_id(person)
        plan = (RecoveryPlan.objects.select_for_update().select_related("updated_by")
                .filter(person=person).first())
        current = plan.version if plan else 0
        if expected_version != current:
            raise PreconditionFailed(stale_message(plan, expected_version))
        created = plan is None
        if created:
            today = timezone.localdate()
            plan = RecoveryPlan(person=person, version=0, review_every_weeks=DEFAULT_REVIEW_WEEKS, created_on=today,
                                next_review_due=today + dt.timedelta(weeks=DEFAULT_REVIEW_WEEKS),
                                created_by=actor, updated_by=actor)
            try:
                with transaction.atomic():
                    plan.save(force_insert=True)
            except IntegrityError:
                raise PreconditionFailed("Someone else started this plan at the same moment. "
                                         "Reload it and apply your changes again.") from None
        goals = {g.pk: g for g in Goal.objects.filter(plan=plan).prefetch_related("actions")}
        edit = PlanEdit(actor=actor, person=person, grant=grant, staff=staff, plan=plan, goals=goals,
                        agency_id=agency_id)
        if created:
            edit.changed("plan started")
        apply(edit)
        if not edit.changes:
            return plan
        plan.next_review_due = plan.due_date()
        plan.updated_at, plan.updated_by = timezone.now(), actor
        saved = RecoveryPlan.objects.filter(pk=plan.pk, version=current).update(
            version=current + 1, stage=plan.stage, stage_agency=plan.stage_agency,
            review_every_weeks=plan.review_every_weeks, last_reviewed_on=plan.last_reviewed_on,
            next_review_due=plan.next_review_due, updated_at=plan.updated_at, updated_by=actor)
        if saved != 1:
            raise PreconditionFailed(stale_message(None, expected_version))
        plan.version = current + 1
        if edit.stage_move:
            StageMove.objects.create(plan=plan, from_stage=edit.stage_move[0], to_stage=edit.stage_move[1],
                                     agency_id=agency_id, moved_by=actor, version=plan.version)
        if after is not None:
            after(edit)
        PlanVersion.objects.create(plan=plan, number=plan.version, snapshot=snapshot(plan), changes=edit.changes,
                                   author=actor, agency_id=agency_id)
        now = timezone.now()
        title = event_title(plan) if event_title else (
            f"Recovery plan started (version {plan.version})" if created
            else f"Recovery plan updated (version {plan.version})")
        # Contact and administration, with no goal or stage in it: the event is seen by everyone who may see
        # the person, and the plan's content is not theirs to see unless its own categories are shared.
        Event.objects.create(person=person, occurred_at=now, recorded_at=now, kind=event_kind,
                             category=Category.CONTACT_ADMIN, agency_id=staff.agency_id if staff else None,
                             author=actor,
                             title=title[:200], body=", ".join(edit.changes).capitalize() + ".",
                             subject_type="recovery_plan", subject_id=str(plan.pk))
        record_action(actor=actor, action=action, person_id=person.pk, resource="recovery_plan",
                      resource_id=str(plan.pk), categories=sorted({Category.CONTACT_ADMIN, *edit.categories}),
                      lawful_basis=grant.basis, purpose=grant.purpose,
                      reason=f"version {plan.version}: {', '.join(edit.changes)}"[:300])
    return plan


# --- the pieces of a change -------------------------------------------------------------------------


def set_stage(edit: PlanEdit, stage, field_name: str = "stage") -> None:
    if stage is KEEP or stage == edit.plan.stage:
        return
    if not edit.stage_visible():
        raise ValidationFailed({field_name: "You cannot change the stage: the agency that set it has not "
                                            "shared substance use information with you"})
    if not edit.grant.allows(STAGE_CATEGORY, edit.agency_id):
        raise ValidationFailed({field_name: "You cannot set the stage: substance use information is not "
                                            "shared with you"})
    edit.stage_move = (edit.plan.stage, stage)
    edit.plan.stage, edit.plan.stage_agency_id = stage, edit.agency_id
    edit.changed("stage changed", STAGE_CATEGORY)


def set_cadence(edit: PlanEdit, weeks) -> None:
    if weeks is KEEP or weeks == edit.plan.review_every_weeks:
        return
    edit.plan.review_every_weeks = weeks
    edit.changed("review cadence changed")


def _agencies(goals: list[dict], prefix: Callable[[int], str], errors: dict[str, str]) -> dict:
    wanted = {g["owner_agency"] for g in goals if g.get("owner_agency")}
    found = {a.pk: a for a in Agency.objects.filter(pk__in=wanted, active=True)}
    for i, goal in enumerate(goals):
        if goal.get("owner_agency") and goal["owner_agency"] not in found:
            errors[f"{prefix(i)}owner_agency"] = "Choose the agency that owns the goal from the list"
    return found


def _write_actions(goal: Goal, actions: list[dict]) -> None:
    GoalAction.objects.filter(goal=goal).delete()
    GoalAction.objects.bulk_create([GoalAction(goal=goal, position=i, **a) for i, a in enumerate(actions)])


def _actions_of(goal: Goal) -> list[dict]:
    return [{"text": a.text, "who": a.who, "target_date": a.target_date, "done": a.done} for a in goal.actions.all()]


def put_goal(edit: PlanEdit, clean: dict, *, prefix: str) -> Goal:
    """Add (no id) or change (an id of a goal the writer can see) one goal. Errors raise ValidationFailed."""
    category = DOMAIN_CATEGORY[clean["domain"]]
    goal = edit.goals.get(clean["id"]) if clean.get("id") else None
    if clean.get("id") and (goal is None or not edit.can_see(goal)):
        raise ValidationFailed({f"{prefix}id": GOAL_NOT_ON_PLAN})
    recorded_by = goal.recorded_by_agency_id if goal else edit.agency_id
    if not edit.grant.allows(category, recorded_by):
        raise ValidationFailed({f"{prefix}domain": f"You cannot record a goal about "
                                                   f"{Domain(clean['domain']).label.lower()}: that information "
                                                   "is not shared with you"})
    values = {k: clean[k] for k in ("domain", "in_their_words", "target_date", "status")}
    values["owner_agency_id"] = clean["owner_agency"]
    if goal is None:
        goal = Goal.objects.create(plan=edit.plan, recorded_by_agency_id=recorded_by,
                                   position=max((g.position for g in edit.goals.values()), default=-1) + 1,
                                   **values)
        _write_actions(goal, clean["actions"])
        edit.goals[goal.pk] = goal
        edit.changed("goal added", category)
        return goal
    before = {k: getattr(goal, k) for k in values}
    actions_changed = _actions_of(goal) != clean["actions"]
    if before == values and not actions_changed:
        return goal
    for key, value in values.items():
        setattr(goal, key, value)
    goal.save()
    if actions_changed:
        _write_actions(goal, clean["actions"])
    edit.changed("goal changed", DOMAIN_CATEGORY[before["domain"]])
    edit.categories.add(category)
    return goal


def drop_goal(edit: PlanEdit, goal: Goal) -> None:
    edit.changed("goal removed", DOMAIN_CATEGORY[goal.domain])
    del edit.goals[goal.pk]
    goal.delete()


# --- the writes ----------------------------------------------------------------------------------------


def save_plan(*, actor, person_id, expected_version: int | None, body) -> RecoveryPlan:
    """PUT: the plan as the writer sees it. Goals they can see and leave out are removed; goals they
    cannot see are kept as they are; absent `stage`/`review_every_weeks` stay as they are."""

    def apply(edit: PlanEdit) -> None:
        clean, errors = inputs.clean_plan(body)
        goals = clean.get("goals", KEEP)
        if goals is not KEEP and not errors:
            _agencies(goals, lambda i: f"goals[{i}].", errors)
            visible_ids = {g.pk for g in edit.visible_goals}
            for i, goal in enumerate(goals):
                if goal.get("id") and goal["id"] not in visible_ids:
                    errors[f"goals[{i}].id"] = GOAL_NOT_ON_PLAN
        if errors:
            raise ValidationFailed(errors)
        set_stage(edit, clean["stage"])
        set_cadence(edit, clean["review_every_weeks"])
        if goals is KEEP:
            return
        kept = {g["id"] for g in goals if g.get("id")}
        for goal in edit.visible_goals:
            if goal.pk not in kept:
                drop_goal(edit, goal)
        for i, goal in enumerate(goals):
            put_goal(edit, goal, prefix=f"goals[{i}].")

    return edit_plan(actor=actor, person_id=person_id, expected_version=expected_version, action="plan.update",
                     apply=apply)


def change_stage(*, actor, person_id, expected_version: int | None, stage, review_every_weeks) -> RecoveryPlan:
    """The page's "stage and reviews" form."""

    def apply(edit: PlanEdit) -> None:
        errors: dict[str, str] = {}
        clean_stage = inputs.clean_stage(stage, errors)
        weeks = inputs.clean_weeks(review_every_weeks, errors)
        if weeks is KEEP and "review_every_weeks" not in errors:
            errors["review_every_weeks"] = "Enter how many weeks between reviews, from 1 to 52"
        if errors:
            raise ValidationFailed(errors)
        set_stage(edit, clean_stage)
        set_cadence(edit, weeks)

    return edit_plan(actor=actor, person_id=person_id, expected_version=expected_version, action="plan.update",
                     apply=apply)


def save_goal(*, actor, person_id, expected_version: int | None, goal: dict, goal_id=None) -> RecoveryPlan:
    """The page's "add a goal" (no goal_id) and "change a goal" forms."""

    def apply(edit: PlanEdit) -> None:
        errors: dict[str, str] = {}
        clean = inputs.clean_goal({**goal, "id": str(goal_id) if goal_id else None}, "", errors)
        if not errors:
            _agencies([clean], lambda _i: "", errors)
        if errors:
            raise ValidationFailed(errors)
        put_goal(edit, clean, prefix="")

    return edit_plan(actor=actor, person_id=person_id, expected_version=expected_version, action="plan.update",
                     apply=apply)


def remove_goal(*, actor, person_id, expected_version: int | None, goal_id) -> RecoveryPlan:
    from throughcare.core.ids import parse_uuid

    def apply(edit: PlanEdit) -> None:
        goal = edit.goals.get(parse_uuid(goal_id))
        if goal is None or not edit.can_see(goal):
            raise ValidationFailed({"goal": "This goal is no longer on the plan"})
        drop_goal(edit, goal)

    return edit_plan(actor=actor, person_id=person_id, expected_version=expected_version, action="plan.update",
                     apply=apply)


def add_own_goal(*, actor, person_id, expected_version: int | None, domain: str, in_their_words: str,
                 target_date=None) -> RecoveryPlan:
    """The person adds a goal to their own plan, in their own words (throughcare/myrecord). It is recorded
    for, and owned by, the agency holding their plan (their lead professional's), which sees it as its own."""

    def apply(edit: PlanEdit) -> None:
        errors: dict[str, str] = {}
        clean = inputs.clean_goal({"domain": domain, "in_their_words": in_their_words,
                                   "owner_agency": str(edit.agency_id),
                                   "target_date": target_date.isoformat() if target_date else None}, "", errors)
        if errors:
            raise ValidationFailed(errors)
        put_goal(edit, clean, prefix="")

    return edit_plan(actor=actor, person_id=person_id, expected_version=expected_version, action="plan.own_goal",
                     apply=apply, by_person=True,
                     event_title=lambda plan: f"Added a goal to their recovery plan (version {plan.version})")
