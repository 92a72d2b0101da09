"""Reviews due and overdue for a worker: one query however big the caseload.

Whose plans: people the worker may see (`visible_people`, the access policy's own rule) where the
worker is on the person's care team, or the worker's agency owns at least one goal on the plan.
Due: the next review falls within `within_days` of today (or has passed: overdue).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from throughcare.agencies.models import staff_of
from throughcare.audit.recorder import record_access
from throughcare.careteam.models import CareTeamMember
from throughcare.consent.policy import visible_person_ids
from throughcare.core.categories import IDENTITY_CATEGORY
from throughcare.core.errors import ValidationFailed
from throughcare.plans.models import Goal, RecoveryPlan

DEFAULT_WITHIN_DAYS = 14
MAX_WITHIN_DAYS = 366


@dataclass(frozen=True)
class ReviewDue:
    person_id: uuid.UUID
    display_name: str
    plan_id: uuid.UUID
    due_on: dt.date
    overdue: bool
    days: int  # days until due; negative when overdue
    last_reviewed_on: dt.date | None


def reviews_due(user, *, within_days: int = DEFAULT_WITHIN_DAYS, today: dt.date | None = None,
                audit: bool = True) -> list[ReviewDue]:
    """Plans of the worker's people whose review is due within `within_days` or overdue, soonest first.

    A fixed number of queries (the plans with their people in one; the audit entry), whatever the caseload.
    """
    if isinstance(within_days, bool) or not isinstance(within_days, int) or not 0 <= within_days <= MAX_WITHIN_DAYS:
        raise ValidationFailed({"within_days": f"Enter a whole number of days from 0 to {MAX_WITHIN_DAYS}"})
    staff = staff_of(user)
    if staff is None:
        return []
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=within_days)
    owns_goal = Goal.objects.filter(plan_id=OuterRef("pk"), owner_agency_id=staff.agency_id)
    on_team = CareTeamMember.objects.filter(person_id=OuterRef("person_id"), worker_id=user.pk, left_at__isnull=True)
    rows = (RecoveryPlan.objects
            .filter(Q(Exists(owns_goal)) | Q(Exists(on_team)), next_review_due__lte=horizon,
                    person__in=visible_person_ids(user))
            .order_by("next_review_due", "person__display_name")
            .values_list("person_id", "person__display_name", "pk", "next_review_due", "last_reviewed_on"))
    due = [ReviewDue(person_id=pid, display_name=name, plan_id=plan_id, due_on=due_on, overdue=due_on < today,
                     days=(due_on - today).days, last_reviewed_on=last)
           for pid, name, plan_id, due_on, last in rows]
    if audit:
        record_access(actor=user, action="review.due", categories=[IDENTITY_CATEGORY], resource="recovery_plan",
                      subjects=[d.person_id for d in due], reason=f"{len(due)} due within {within_days} days")
    return due
