"""The daily engagement run (`throughcare releases engagement`): for every released person whose handover
has no outcome yet, it notices a first community intervention (an attended appointment with the receiving
service on or after the day of release), raises the day 7 and day 14 alerts once each, and records the
outcome once day 21 has passed (a recall before then stops the clock instead: `follow_recall`). Each step
claims its row with a conditional UPDATE, so two runs never raise an alert twice. No worker acts: the audit
entries name no user.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from throughcare.appointments.models import Appointment
from throughcare.appointments.models import Status as AppointmentStatus
from throughcare.appointments.reads import day_bounds
from throughcare.audit.recorder import record_action
from throughcare.core.categories import Category
from throughcare.releases.clocks import ENGAGEMENT_DAYS, engaged_in_time, engagement_clock
from throughcare.releases.models import CommunityHandover, EngagementOutcome
from throughcare.releases.opening import plan_event


@dataclass
class RunSummary:
    engaged: list = field(default_factory=list)
    alerts: list = field(default_factory=list)
    not_engaged: list = field(default_factory=list)


def first_attended(handover: CommunityHandover, *, by: dt.date | None = None) -> dt.date | None:
    """The first attended appointment with the receiving service on or after the day of release (and, given
    `by`, on or before that day)."""
    start, _end = day_bounds(handover.released_on)
    appointments = Appointment.objects.filter(person_id=handover.person_id, agency_id=handover.receiving_agency_id,
                                              status=AppointmentStatus.ATTENDED, starts_at__gte=start)
    if by is not None:
        appointments = appointments.filter(starts_at__lt=day_bounds(by)[1])
    appointment = appointments.order_by("starts_at").first()
    return timezone.localtime(appointment.starts_at).date() if appointment else None


def follow_recall(released, recalled_on: dt.date, *, actor=None,
                  lawful_basis: str = "relationship:handover") -> CommunityHandover | None:
    """A recall ends the earlier release's engagement clock (custody.actions.receive_into_custody calls this in
    its transaction). Seen by the community service in time: engaged. Otherwise, recalled on or before day 21:
    "recalled", neither engaged nor not (they were not in the community for the 21 days). After day 21 with
    no outcome yet (the daily run had not come round): not engaged. An outcome already recorded stands."""
    handover = (CommunityHandover.objects.select_related("plan", "receiving_agency")
                .filter(plan__custody=released, released_on__isnull=False, outcome="").first())
    if handover is None:
        return None
    seen = handover.first_intervention_on or first_attended(handover, by=recalled_on)
    day = (recalled_on - handover.released_on).days
    if seen is not None and engaged_in_time(handover.released_on, seen):
        outcome = EngagementOutcome.ENGAGED
    elif day <= ENGAGEMENT_DAYS:
        outcome = EngagementOutcome.RECALLED
    else:
        outcome = EngagementOutcome.NOT_ENGAGED
    if not CommunityHandover.objects.filter(pk=handover.pk, outcome="").update(
            outcome=outcome, outcome_recorded_at=timezone.now(), version=handover.version + 1,
            first_intervention_on=seen if outcome == EngagementOutcome.ENGAGED else handover.first_intervention_on):
        return None
    body = ("The 21-day clock stopped: they were recalled before a community service saw them."
            if outcome == EngagementOutcome.RECALLED else "")
    plan_event(handover.plan, actor, f"Engagement after release: {outcome.label.lower()} (recalled on day {day})",
               body, agency_id=handover.receiving_agency_id)
    record_action(actor=actor, action="release_handover.outcome", person_id=handover.person_id,
                  resource="release_handover", resource_id=str(handover.pk), categories=[Category.CONTACT_ADMIN],
                  lawful_basis=lawful_basis, purpose="direct_care", reason=f"{outcome}: recall on day {day}")
    handover.refresh_from_db()
    return handover


def _audit(handover: CommunityHandover, action: str, reason: str) -> None:
    record_action(actor=None, action=action, person_id=handover.person_id, resource="release_handover",
                  resource_id=str(handover.pk), categories=[Category.CONTACT_ADMIN],
                  lawful_basis="relationship:handover", purpose="direct_care", reason=reason)


def run(today: dt.date | None = None) -> RunSummary:
    today = today or timezone.localdate()
    summary = RunSummary()
    waiting = (CommunityHandover.objects.select_related("plan", "receiving_agency")
               .filter(released_on__isnull=False, outcome="", released_on__lte=today))
    for handover in waiting:
        seen = handover.first_intervention_on or first_attended(handover)
        clock = engagement_clock(handover.released_on, today, seen)
        with transaction.atomic():
            if seen is not None:
                outcome = EngagementOutcome.ENGAGED if clock.engaged else EngagementOutcome.NOT_ENGAGED
                claimed = CommunityHandover.objects.filter(pk=handover.pk, outcome="").update(
                    first_intervention_on=seen, outcome=outcome, outcome_recorded_at=timezone.now(),
                    version=handover.version + 1)
                if claimed:
                    plan_event(handover.plan, None, f"Engagement after release: {outcome.label.lower()}",
                               f"First community intervention on {seen:%d %B %Y}, day {clock.day}.",
                               agency_id=handover.receiving_agency_id)
                    _audit(handover, "release_handover.outcome", outcome)
                    (summary.engaged if clock.engaged else summary.not_engaged).append(handover.pk)
                continue
            for alert_day in clock.alerts_due:
                column = f"alerted_day_{alert_day}_at"
                if CommunityHandover.objects.filter(pk=handover.pk, **{f"{column}__isnull": True}).update(
                        **{column: timezone.now()}):
                    plan_event(handover.plan, None,
                               f"Not yet seen by {handover.receiving_agency.name}, {alert_day} days after release",
                               f"The person engages if seen by {clock.deadline:%A %d %B %Y} "
                               f"({ENGAGEMENT_DAYS} days after release).", agency_id=handover.receiving_agency_id)
                    _audit(handover, "release_handover.alert", f"day {alert_day}")
                    summary.alerts.append((handover.pk, alert_day))
            if clock.outcome_due and CommunityHandover.objects.filter(pk=handover.pk, outcome="").update(
                    outcome=EngagementOutcome.NOT_ENGAGED, outcome_recorded_at=timezone.now(),
                    version=handover.version + 1):
                plan_event(handover.plan, None, "Engagement after release: not engaged within 21 days",
                           agency_id=handover.receiving_agency_id)
                _audit(handover, "release_handover.outcome", EngagementOutcome.NOT_ENGAGED)
                summary.not_engaged.append(handover.pk)
    return summary
