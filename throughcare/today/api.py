"""A worker's day through the API: the same `today.caseload.my_day` the page shows, in a fixed number of queries,
audited once naming everyone in it."""

from __future__ import annotations

import datetime as dt
import uuid

from ninja import Query, Router, Schema
from pydantic import Field

from throughcare.agencies.models import staff_of
from throughcare.appointments.reads import appointments_on
from throughcare.core.errors import Forbidden
from throughcare.myrecord.actions import open_corrections_for
from throughcare.today.caseload import SHOW_AT_MOST, audit_day, my_day

router = Router(tags=["today"])


class CaseloadOut(Schema):
    person: uuid.UUID
    display_name: str
    date_of_birth: dt.date | None
    lead: bool = Field(description="You are the person's lead professional (else a care team member)")


class AppointmentOut(Schema):
    id: uuid.UUID
    person: uuid.UUID
    display_name: str
    agency: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    mode: str
    location: str
    status: str


class ReviewOut(Schema):
    person: uuid.UUID
    display_name: str
    plan: uuid.UUID
    due_on: dt.date
    overdue: bool
    days: int = Field(description="Days until the review is due; negative when overdue")


class ClockOut(Schema):
    received_on: dt.date
    breach_after: dt.date
    days_waiting: int
    running: bool
    breached: bool
    due_soon: bool
    days_left: int


class ReferralOut(Schema):
    id: uuid.UUID
    person: uuid.UUID
    display_name: str
    from_agency: str
    to_agency: str
    service: str
    status: str
    priority: str
    clock: ClockOut


class ReferralsOut(Schema):
    total: int = Field(description="Every one, for people you may see; `items` holds the oldest "
                                   f"{SHOW_AT_MOST}")
    items: list[ReferralOut]


class HandoverOut(Schema):
    id: uuid.UUID
    from_worker: str | None
    person: uuid.UUID | None = Field(description="null while you may not see the person")
    display_name: str | None
    proposed_at: dt.datetime


class ReleasedOut(Schema):
    release_plan: uuid.UUID
    person: uuid.UUID
    display_name: str
    prison: str
    release_on: dt.date | None
    acknowledged: bool
    engagement_day: int | None = Field(description="Days since release (of 21); null before release")
    outcome_due: bool


class ReleaseReviewOut(Schema):
    release_plan: uuid.UUID
    person: uuid.UUID
    display_name: str
    release_on: dt.date | None
    reasons: list[str] = Field(description="Why the plan needs a structured review (a moved release date, or "
                                           "completed long before release)")


class CorrectionOut(Schema):
    id: uuid.UUID
    person: uuid.UUID
    display_name: str
    what: str
    asked_at: dt.datetime


class AccessRequestOut(Schema):
    id: uuid.UUID
    person: uuid.UUID
    display_name: str
    requesting_agency: str
    asked_at: dt.datetime


class OutcomeDueOut(Schema):
    person: uuid.UUID
    display_name: str
    episode: uuid.UUID
    stage: str = Field(description="start (no TOP since the episode began) or review (six months after the last)")
    due_on: dt.date
    overdue: bool
    days: int
    last_completed_on: dt.date | None


class TodayOut(Schema):
    today: dt.date
    caseload: list[CaseloadOut]
    appointments: list[AppointmentOut] = Field(description="Your appointments today, not cancelled")
    reviews: list[ReviewOut] = Field(description="Plan reviews due in the next 14 days or overdue")
    outcome_reviews: list[OutcomeDueOut] = Field(description="Outcome reviews (TOP) due in the next 14 days or "
                                                             "overdue: at the start of treatment, every six months")
    referrals_waiting: ReferralsOut = Field(description="Referrals to your agency waiting on it to act")
    waiting_times: ReferralsOut = Field(description="Referrals to or from your agency still waiting, over 3 weeks "
                                                    "(breached) or within 3 days of it (due soon)")
    handovers: list[HandoverOut] = Field(description="The lead role offered to you")
    released_to_us: list[ReleasedOut] = Field(description="Releases handed over to your service, still open")
    release_reviews: list[ReleaseReviewOut] = Field(description="Your prison's release plans that need a "
                                                                "structured review now")
    corrections: list[CorrectionOut] = Field(description="Corrections people asked for in their own record")
    access_requests: list[AccessRequestOut] = Field(description="Other agencies asking to work with people you are "
                                                                "lead professional for (answer: POST "
                                                                "/access-requests/{id}/answer)")


def _appointment(a) -> dict:
    return {"id": a.pk, "person": a.person_id, "display_name": a.person.display_name, "agency": a.agency.name,
            "starts_at": a.starts_at, "ends_at": a.ends_at, "mode": a.mode, "location": a.location,
            "status": a.status}


def _referral(referral, clock) -> dict:
    return {"id": referral.pk, "person": referral.person_id, "display_name": referral.person.display_name,
            "from_agency": referral.from_agency.name, "to_agency": referral.to_agency.name,
            "service": referral.service, "status": referral.status, "priority": referral.priority,
            "clock": clock.__dict__}


def _require_staff(user) -> None:
    if staff_of(user) is None:
        raise Forbidden("Only staff have a day's work here")


@router.get("/today", response=TodayOut,
            summary="Your day: caseload, appointments today, reviews due, referrals waiting, waiting times, "
                    "handovers offered")
def today(request):
    _require_staff(request.user)
    day = my_day(request.user)
    corrections = list(open_corrections_for(request.user)[:SHOW_AT_MOST])
    audit_day(request.user, day, corrections)
    return {
        "today": day.today,
        "caseload": [{"person": m.person_id, "display_name": m.person.display_name,
                      "date_of_birth": m.person.date_of_birth, "lead": m.is_lead} for m in day.caseload],
        "appointments": [_appointment(a) for a in day.appointments],
        "reviews": [{"person": r.person_id, "display_name": r.display_name, "plan": r.plan_id, "due_on": r.due_on,
                     "overdue": r.overdue, "days": r.days} for r in day.reviews],
        "outcome_reviews": [{"person": d.person_id, "display_name": d.display_name, "episode": d.episode_id,
                             "stage": d.stage, "due_on": d.due_on, "overdue": d.overdue, "days": d.days,
                             "last_completed_on": d.last_completed_on} for d in day.outcome_reviews],
        "referrals_waiting": {"total": day.waiting_total, "items": [_referral(r, c) for r, c in day.waiting_on_us]},
        "waiting_times": {"total": day.breaches_total, "items": [_referral(r, c) for r, c in day.breaches]},
        "handovers": [{"id": h.pk, "from_worker": h.from_worker.username if h.from_worker_id else None,
                       "person": h.person_id if h.person_id in day.handover_people else None,
                       "display_name": h.person.display_name if h.person_id in day.handover_people else None,
                       "proposed_at": h.proposed_at} for h in day.handovers],
        "released_to_us": [{"release_plan": h.plan_id, "person": h.person_id, "display_name": h.person.display_name,
                            "prison": h.plan.prison.name, "release_on": h.plan.release_on,
                            "acknowledged": h.acknowledged_at is not None,
                            "engagement_day": clock.day if clock else None,
                            "outcome_due": bool(clock and clock.outcome_due)} for h, clock in day.released_to_us],
        "release_reviews": [{"release_plan": plan.pk, "person": plan.person_id,
                             "display_name": plan.person.display_name, "release_on": plan.release_on,
                             "reasons": [str(reason) for reason in reasons]} for plan, reasons in day.release_reviews],
        "corrections": [{"id": c.pk, "person": c.person_id, "display_name": c.person.display_name, "what": c.what,
                         "asked_at": c.created_at} for c in corrections],
        "access_requests": [{"id": r.pk, "person": r.person_id, "display_name": r.person.display_name,
                             "requesting_agency": r.requesting_agency.name, "asked_at": r.asked_at}
                            for r in day.access_requests],
    }


class DayQuery(Schema):
    day: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$",
                            description="YYYY-MM-DD, in the service's time zone; today if absent")
    include_cancelled: bool = False


@router.get("/today/appointments", response=list[AppointmentOut],
            summary="Your appointments (as the worker) on one day, for people you may see, earliest first")
def appointments_on_day(request, filters: Query[DayQuery]):
    from django.utils import timezone

    from throughcare.core.errors import ValidationFailed

    _require_staff(request.user)
    try:
        day = dt.date.fromisoformat(filters.day) if filters.day else timezone.localdate()
    except ValueError:
        raise ValidationFailed({"day": "Enter a real date in the format YYYY-MM-DD"}) from None
    return [_appointment(a) for a in appointments_on(request.user, day, include_cancelled=filters.include_cancelled)]
