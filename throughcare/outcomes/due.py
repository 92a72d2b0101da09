"""Outcome reviews (TOP) due for a worker: at the start of treatment, then every six months while it lasts.

Whose: people on the worker's caseload (their care team, people they may see: `visible_people`) with an
episode open at the worker's agency. Due: a start-of-treatment review when none has been completed since the
episode began (due on its first day); otherwise six months (`REVIEW_EVERY_DAYS`) after the latest completed
since then. Exit and after-exit reviews belong to ending the episode, not to this list. One query for the
whole caseload; the caller audits what it shows (the today page's one entry names everyone on it).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from throughcare.agencies.models import staff_of
from throughcare.careteam.models import CareTeamMember
from throughcare.consent.policy import visible_person_ids
from throughcare.episodes.models import Episode
from throughcare.outcomes.models import OutcomeReview, Stage

INSTRUMENT = "top"
#: Six months between reviews (the national Treatment Outcomes Profile's cadence).
REVIEW_EVERY_DAYS = 182
DEFAULT_WITHIN_DAYS = 14


@dataclass(frozen=True)
class OutcomeDue:
    person_id: uuid.UUID
    display_name: str
    episode_id: uuid.UUID
    stage: str  # Stage.START or Stage.REVIEW
    due_on: dt.date
    overdue: bool
    days: int  # until due; negative when overdue
    last_completed_on: dt.date | None

    @property
    def stage_label(self) -> str:
        return Stage(self.stage).label


def outcome_reviews_due(user, *, today: dt.date | None = None,
                        within_days: int = DEFAULT_WITHIN_DAYS) -> list[OutcomeDue]:
    """TOP reviews due within `within_days` of `today`, or overdue, for the worker's caseload; soonest first."""
    staff = staff_of(user)
    if staff is None:
        return []
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=within_days)
    on_caseload = CareTeamMember.objects.filter(worker=user, left_at__isnull=True).values("person_id")
    latest = (OutcomeReview.objects.filter(person_id=OuterRef("person_id"), instrument=INSTRUMENT,
                                           completed_on__gte=OuterRef("started_on"), replaced_by__isnull=True)
              .values("person_id").annotate(last=Max("completed_on")).values("last"))
    episodes = (Episode.objects.filter(agency_id=staff.agency_id, ended_on__isnull=True, started_on__lte=today,
                                       person_id__in=on_caseload, person__in=visible_person_ids(user))
                .annotate(last=Subquery(latest))
                .order_by("person_id", "started_on")
                .values_list("person_id", "person__display_name", "pk", "started_on", "last"))
    due: dict[uuid.UUID, OutcomeDue] = {}
    for person_id, name, episode_id, started_on, last in episodes:
        if person_id in due:
            continue  # two episodes open at one agency: the earlier decides
        stage, due_on = ((Stage.START, started_on) if last is None
                         else (Stage.REVIEW, last + dt.timedelta(days=REVIEW_EVERY_DAYS)))
        if due_on <= horizon:
            due[person_id] = OutcomeDue(person_id=person_id, display_name=name, episode_id=episode_id,
                                        stage=stage.value, due_on=due_on, overdue=due_on < today,
                                        days=(due_on - today).days, last_completed_on=last)
    return sorted(due.values(), key=lambda d: (d.due_on, d.display_name))
