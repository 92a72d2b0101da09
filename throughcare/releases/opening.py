"""Opening release plans, and keeping them in step with the custody record.

A plan opens `RELEASE_PLAN_WEEKS` weeks before the release date: at once when a date inside that window is
set (by the worker setting it), and by `throughcare releases open-due` (daily, no worker: the entry names no
user) for dates that come into the window. The custody actions call `follow_*` in their own transaction, so
the plan moves with the date, the transfer and the release. The same daily run raises "review needed" once
when a plan completed long before release comes within RELEASE_REVIEW_DAYS of it (`flag_reviews_due`); a
moved release date raises it as it moves.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from throughcare.audit.recorder import record_action
from throughcare.core.categories import Category
from throughcare.custody.models import Custody, CustodyStatus
from throughcare.journey.models import Event, EventKind
from throughcare.releases import checklist
from throughcare.releases.models import FINISHED, ChecklistItem, CommunityHandover, PlanStatus, ReleasePlan


def window_opens(release_on: dt.date) -> dt.date:
    return release_on - dt.timedelta(weeks=settings.RELEASE_PLAN_WEEKS)


def is_due(release_on: dt.date | None, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return release_on is not None and window_opens(release_on) <= today <= release_on


def plan_event(plan: ReleasePlan, actor, title: str, body: str = "", agency_id=None) -> None:
    # Contact and administration: that there is a plan and its dates, never what is in it.
    now = timezone.now()
    Event.objects.create(person_id=plan.person_id, occurred_at=now, recorded_at=now, kind=EventKind.RELEASE_PLAN,
                         category=Category.CONTACT_ADMIN, agency_id=agency_id or plan.prison_id, author=actor,
                         title=title[:200], body=body, subject_type="release_plan", subject_id=str(plan.pk))


def open_plan(custody: Custody, *, actor=None, lawful_basis: str = "", purpose: str = "direct_care") -> ReleasePlan:
    """A new plan for `custody` with the whole checklist, owned by the prison. Call inside a transaction."""
    today = timezone.localdate()
    now = timezone.now()
    plan = ReleasePlan.objects.create(person_id=custody.person_id, custody=custody, prison_id=custody.prison_id,
                                      release_on=custody.release_on, opened_at=now, opened_by=actor, updated_at=now)
    ChecklistItem.objects.bulk_create([
        ChecklistItem(plan=plan, kind=kind, owner_agency_id=custody.prison_id, updated_at=now,
                      due_on=max(today, custody.release_on - dt.timedelta(days=checklist.SPECS[kind].due_days_before)))
        for kind in checklist.ORDER
    ])
    how = "" if actor else f"Opened automatically {settings.RELEASE_PLAN_WEEKS} weeks before release."
    plan_event(plan, actor, f"Release plan opened for release on {custody.release_on:%A %d %B %Y}", how)
    record_action(actor=actor, action="release_plan.open", person_id=plan.person_id, resource="release_plan",
                  resource_id=str(plan.pk), categories=[Category.CONTACT_ADMIN],
                  lawful_basis=lawful_basis or "relationship:held_in_custody", purpose=purpose,
                  reason="" if actor else "automatic")
    return plan


def open_plan_of(custody: Custody) -> ReleasePlan | None:
    return ReleasePlan.objects.select_for_update().filter(custody=custody, status=PlanStatus.OPEN).first()


def open_if_due(custody: Custody, *, actor=None, today: dt.date | None = None) -> ReleasePlan | None:
    """Open the plan if the release date is inside the window and none is open yet."""
    if custody.status != CustodyStatus.IN_CUSTODY or not is_due(custody.release_on, today):
        return None
    if open_plan_of(custody) is not None:
        return None
    return open_plan(custody, actor=actor)


def follow_release_date(custody: Custody, *, actor) -> ReleasePlan | None:
    """The release date moved: an open plan follows it (unfinished items' due dates move by as much) and
    needs a structured review; with no plan, one opens if the new date is inside the window."""
    plan = open_plan_of(custody)
    if plan is None:
        return open_if_due(custody, actor=actor)
    if plan.release_on == custody.release_on:
        return plan
    shift = custody.release_on - plan.release_on
    for item in ChecklistItem.objects.filter(plan=plan, due_on__isnull=False).exclude(status__in=FINISHED):
        item.due_on = item.due_on + shift
        item.save(update_fields=["due_on"])
    before = plan.release_on
    plan.moved_from = None if plan.moved_from == custody.release_on else (plan.moved_from or before)
    plan.release_on = custody.release_on
    plan.updated_at = timezone.now()
    plan.version += 1
    # The move raises "review needed" itself (this event); back to the first date, nothing is due any more.
    plan.review_flagged_at = plan.updated_at if plan.moved_from else None
    plan.save(update_fields=["moved_from", "release_on", "updated_at", "version", "review_flagged_at"])
    plan_event(plan, actor, f"Release plan moved to {plan.release_on:%A %d %B %Y}",
               f"Was {before:%A %d %B %Y}. A structured review is needed." if plan.moved_from else "")
    return plan


def review_candidates(queryset, today: dt.date):
    """Open plans that may need a structured review today (rules.review_reasons decides): a moved date, or a
    plan completed and release now within RELEASE_REVIEW_DAYS. One query."""
    from django.db.models import Q

    soon = today + dt.timedelta(days=settings.RELEASE_REVIEW_DAYS)
    return queryset.filter(status=PlanStatus.OPEN).filter(
        Q(moved_from__isnull=False) | Q(completed_on__isnull=False, release_on__lte=soon))


def flag_reviews_due(today: dt.date | None = None) -> list[ReleasePlan]:
    """Raise "review needed" once for each open plan whose review has fallen due (the daily run, with
    `open-due`): a journey event at the prison, claimed by a conditional UPDATE so two runs raise it once."""
    from throughcare.releases.rules import review_reasons

    today = today or timezone.localdate()
    flagged = []
    for plan in review_candidates(ReleasePlan.objects.filter(review_flagged_at__isnull=True), today):
        reasons = review_reasons(plan, today)
        if not reasons:
            continue
        with transaction.atomic():
            if not ReleasePlan.objects.filter(pk=plan.pk, review_flagged_at__isnull=True).update(
                    review_flagged_at=timezone.now()):
                continue
            plan_event(plan, None, "Release plan needs a structured review", " ".join(reasons))
            record_action(actor=None, action="release_plan.review_due", person_id=plan.person_id,
                          resource="release_plan", resource_id=str(plan.pk), categories=[Category.CONTACT_ADMIN],
                          lawful_basis="relationship:held_in_custody", purpose="direct_care", reason="automatic")
        flagged.append(plan)
    return flagged


def follow_transfer(old: Custody, new: Custody, *, actor) -> ReleasePlan | None:
    """The plan moves with the person: to the new custody record and prison, with the old prison's items."""
    plan = open_plan_of(old)
    if plan is None:
        return open_if_due(new, actor=actor)
    ChecklistItem.objects.filter(plan=plan, owner_agency_id=old.prison_id).update(owner_agency_id=new.prison_id)
    plan.custody, plan.prison_id = new, new.prison_id
    plan.updated_at = timezone.now()
    plan.version += 1
    plan.save(update_fields=["custody", "prison", "updated_at", "version"])
    plan_event(plan, actor, f"Release plan moved with the person to {new.prison.name}", agency_id=old.prison_id)
    return plan


def follow_release(custody: Custody, *, actor) -> ReleasePlan | None:
    """Release day: the plan is marked released as it stands (complete or not), and the clock starts."""
    plan = open_plan_of(custody)
    if plan is None:
        return None
    items = list(ChecklistItem.objects.filter(plan=plan))
    plan.status, plan.released_on = PlanStatus.RELEASED, custody.released_on
    plan.complete_at_release = all(item.finished for item in items)
    plan.destination_area = custody.destination_area
    plan.updated_at = timezone.now()
    plan.version += 1
    plan.save(update_fields=["status", "released_on", "complete_at_release", "destination_area", "updated_at",
                             "version"])
    CommunityHandover.objects.filter(plan=plan).update(released_on=custody.released_on)
    outstanding = sum(1 for item in items if not item.finished)
    plan_event(plan, actor, "Released: the release plan was " + ("complete" if plan.complete_at_release else
                                                               f"not complete ({outstanding} outstanding)"))
    return plan


def open_due_plans(today: dt.date | None = None) -> list[ReleasePlan]:
    """Open a plan for everyone in custody whose release date has come into the window (the daily run)."""
    today = today or timezone.localdate()
    candidates = (Custody.objects.filter(status=CustodyStatus.IN_CUSTODY, release_on__isnull=False,
                                         release_on__gte=today,
                                         release_on__lte=today + dt.timedelta(weeks=settings.RELEASE_PLAN_WEEKS))
                  .exclude(release_plans__status=PlanStatus.OPEN).select_related("prison"))
    opened = []
    for custody in candidates:
        try:
            with transaction.atomic():
                locked = Custody.objects.select_for_update().get(pk=custody.pk)
                plan = open_if_due(locked, today=today)
        except IntegrityError:  # another run opened it first: the unique open plan per custody decides
            continue
        if plan is not None:
            opened.append(plan)
    return opened
