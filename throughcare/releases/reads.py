"""Scoped reads of release plans, shaped by the caller's Grant.

Anyone who may see the person sees the plan's skeleton: the release date, every item's kind, owner,
status, due date and blocker, and the when / where / who of each (contact and administration; blockers
are seen by every agency involved). An item's details are seen only by those who may see its category
from its owning agency (`checklist.sees_details`).

A caller the access policy limits to contact and administration (a peer mentor: `contact_only`) sees less:
the person's contact details and the plan's appointments (the meeting at the gate, the first treatment,
probation and Jobcentre appointments, when and where) and their booked appointments, never the checklist's
status, owners, blockers or other places, whose free text can hold what they may not see (issue 7).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from throughcare.appointments.reads import day_bounds
from throughcare.audit.recorder import disclose, record_access
from throughcare.consent.policy import visible_person_ids
from throughcare.core.categories import Category
from throughcare.people.access import get_person, get_record_about
from throughcare.releases import checklist, clocks, rules
from throughcare.releases.actions import HANDOVER_NOT_FOUND, PLAN_NOT_FOUND
from throughcare.releases.models import (
    FINISHED,
    ChecklistItem,
    CommunityHandover,
    ItemKind,
    PlanStatus,
    ReleasePlan,
)


@dataclass
class ItemView:
    item: ChecklistItem
    label: str
    category: str
    details_seen: bool
    details: list[tuple[str, str]]
    missing: list[str]
    flagged: bool
    overdue: bool
    when: dt.datetime | None
    where: str


#: The checklist items that are appointments (or the meeting at the gate): what a peer mentor sees of a plan.
APPOINTMENT_KINDS = (ItemKind.MET_AT_GATE, ItemKind.FIRST_TREATMENT_APPOINTMENT, ItemKind.PROBATION_APPOINTMENT,
                     ItemKind.BENEFITS)


def contact_only(grant) -> bool:
    """Does the access policy limit the caller to contact and administration (its role cap: a peer mentor)?"""
    return grant.can_see_person and not (grant.any_categories() - {Category.CONTACT_ADMIN})


@dataclass
class PlanView:
    plan: ReleasePlan
    items: list[ItemView]
    flags: list[rules.DayFlag]
    review_reasons: list[str]
    handover: CommunityHandover | None
    clock: clocks.EngagementClock | None
    outstanding: int
    blocked: int
    categories: list[str] = field(default_factory=list)
    #: Contact details and appointments only (a peer mentor): `items` holds only the appointment items.
    contact_only: bool = False
    #: For a contact-only caller, the person's booked appointments from today.
    appointments: list = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.outstanding == 0


def _related(queryset):
    return queryset.select_related("prison", "person", "custody")


def _items(plan: ReleasePlan) -> list[ChecklistItem]:
    items = list(ChecklistItem.objects.filter(plan=plan).select_related("owner_agency", "worker",
                                                                        "appointment__agency"))
    order = {kind: index for index, kind in enumerate(checklist.ORDER)}
    return sorted(items, key=lambda item: order[item.kind])


def plan_view(plan: ReleasePlan, grant, today: dt.date | None = None) -> PlanView:
    today = today or timezone.localdate()
    if contact_only(grant):
        return _contact_view(plan, grant, today)
    items = _items(plan)
    views, shown = [], {Category.CONTACT_ADMIN}
    for item in items:
        seen = checklist.sees_details(grant, item)
        if seen:
            shown.add(checklist.SPECS[item.kind].category)
        appointment = item.appointment
        views.append(ItemView(
            item=item, label=checklist.label(item.kind), category=checklist.SPECS[item.kind].category,
            details_seen=seen, details=checklist.detail_rows(item) if seen else [],
            missing=checklist.missing_for_done(item) if not item.finished else [],
            flagged=seen and checklist.flagged_accommodation(item),
            overdue=not item.finished and item.due_on is not None and item.due_on < today,
            when=appointment.starts_at if appointment else item.at,
            where=(appointment.place if appointment else item.place)))
    handover = CommunityHandover.objects.select_related("receiving_agency").filter(plan=plan).first()
    clock = (clocks.engagement_clock(handover.released_on, today, handover.first_intervention_on)
             if handover is not None and handover.released_on else None)
    return PlanView(plan=plan, items=views,
                    flags=rules.release_day_flags(plan.release_on, items) if plan.status == PlanStatus.OPEN else [],
                    review_reasons=rules.review_reasons(plan, today), handover=handover, clock=clock,
                    outstanding=sum(1 for item in items if not item.finished),
                    blocked=sum(1 for item in items if item.blocker), categories=sorted(shown))


def _contact_view(plan: ReleasePlan, grant, today: dt.date) -> PlanView:
    """What a contact-only caller sees: the appointment items (when, where, who) and booked appointments."""
    from throughcare.appointments.models import Appointment

    views = []
    for item in _items(plan):
        if item.kind not in APPOINTMENT_KINDS or item.status == "not_needed":
            continue
        appointment = item.appointment
        views.append(ItemView(item=item, label=checklist.label(item.kind), category=Category.CONTACT_ADMIN,
                              details_seen=False, details=[], missing=[], flagged=False, overdue=False,
                              when=appointment.starts_at if appointment else item.at,
                              where=appointment.place if appointment else item.place))
    start, _end = day_bounds(today)
    booked = list(Appointment.objects.select_related("agency").filter(person_id=plan.person_id, status="booked",
                                                                      starts_at__gte=start).order_by("starts_at"))
    return PlanView(plan=plan, items=views, flags=[], review_reasons=[], handover=None, clock=None, outstanding=0,
                    blocked=0, categories=[Category.CONTACT_ADMIN], contact_only=True, appointments=booked)


def get_plan(user, plan_id, *, action: str = "release_plan.read") -> tuple[ReleasePlan, object]:
    return get_record_about(user, _related(ReleasePlan.objects), plan_id, resource="release_plan",
                            not_found=PLAN_NOT_FOUND, action=action, categories=[Category.CONTACT_ADMIN])


def person_plans(user, person_id) -> tuple[object, object, list[ReleasePlan]]:
    """(person, grant, the person's release plans, the open one first)."""
    person, grant = get_person(user, person_id, action="release_plan.list", categories=[Category.CONTACT_ADMIN])
    plans = sorted(_related(ReleasePlan.objects.filter(person=person)),
                   key=lambda p: (p.status != PlanStatus.OPEN, -p.opened_at.timestamp()))
    return person, grant, plans


def get_handover(user, handover_id, *, action: str = "release_handover.read"):
    return get_record_about(
        user, CommunityHandover.objects.select_related("plan__prison", "plan__person", "receiving_agency"),
        handover_id, resource="release_handover", not_found=HANDOVER_NOT_FOUND, action=action,
        categories=[Category.CONTACT_ADMIN])


def agency_plans(user, staff) -> dict:
    """The caller's agency's release work, for people the caller may see: open plans of its prison, and
    handovers it receives (with their engagement clocks). One list query each, audited as one entry."""
    visible = visible_person_ids(user)
    today = timezone.localdate()
    own = list(_related(ReleasePlan.objects.filter(prison_id=staff.agency_id, status=PlanStatus.OPEN,
                                                   person__in=visible))
               .annotate(outstanding=Count("items", filter=~Q(items__status__in=FINISHED)),
                         blocked=Count("items", filter=~Q(items__blocker="")))
               .order_by("release_on", "id"))
    for plan in own:
        plan.day_flags = rules.release_day_flags(plan.release_on)
        plan.review_reasons = rules.review_reasons(plan, today)
    incoming = list(CommunityHandover.objects.select_related("plan__prison", "plan__person", "receiving_agency")
                    .filter(receiving_agency_id=staff.agency_id, person__in=visible)
                    .order_by("outcome", "plan__release_on", "id"))
    rows = [(h, clocks.engagement_clock(h.released_on, today, h.first_intervention_on) if h.released_on else None)
            for h in incoming]
    record_access(actor=user, action="release_plan.list", resource="release_plan",
                  categories=[Category.CONTACT_ADMIN],
                  subjects=list(dict.fromkeys([str(p.person_id) for p in own] + [str(h.person_id) for h in incoming])))
    return {"own": own, "incoming": rows}


def release_reviews_due(user, today: dt.date, *, limit: int = 50) -> list[tuple[ReleasePlan, list[str]]]:
    """Open plans of the caller's prison that need a structured review now (a moved date, or completed long
    before release), soonest release first, for people the caller may see: the prison worker's "today" page.
    One query; not audited here (the page's one entry names everyone it shows)."""
    from throughcare.agencies.models import staff_of
    from throughcare.releases.opening import review_candidates

    staff = staff_of(user)
    if staff is None:
        return []
    plans = review_candidates(_related(ReleasePlan.objects.filter(prison_id=staff.agency_id,
                                                                  person__in=visible_person_ids(user))),
                              today).order_by("release_on", "id")
    due = [(plan, rules.review_reasons(plan, today)) for plan in plans]
    return [(plan, reasons) for plan, reasons in due if reasons][:limit]


def gate_meetings(user, *, since: dt.datetime | None = None) -> list[dict]:
    """The peer mentor's (or worker's) people to meet at the gate, soonest first: when and where, the
    person's contact details and their appointments. Contact and administration only, for people the caller
    may see; one audit entry names them all."""
    from throughcare.appointments.models import Appointment

    since = since or timezone.now() - dt.timedelta(days=1)
    items = list(ChecklistItem.objects.select_related("plan__person", "plan__prison")
                 .filter(kind=ItemKind.MET_AT_GATE, worker=user, plan__status=PlanStatus.OPEN,
                         plan__person__in=visible_person_ids(user))
                 .exclude(at__lt=since).order_by("at", "id"))
    people = [item.plan.person_id for item in items]
    appointments: dict = {}
    for appointment in (Appointment.objects.select_related("agency").filter(person_id__in=people, status="booked",
                                                                            starts_at__gte=since)
                        .order_by("starts_at")):
        appointments.setdefault(appointment.person_id, []).append(
            {"starts_at": appointment.starts_at, "what": "Appointment", "with": appointment.agency.name,
             "place": appointment.place})
    # The plan's own appointments booked outside Throughcare (probation, the Jobcentre, a first treatment
    # appointment given as a time and place): the ones the peer mentor helps the person get to.
    for item in (ChecklistItem.objects.select_related("plan")
                 .filter(plan__in=[i.plan_id for i in items], kind__in=APPOINTMENT_KINDS[1:], at__gte=since,
                         appointment__isnull=True).exclude(status="not_needed")):
        appointments.setdefault(item.plan.person_id, []).append(
            {"starts_at": item.at, "what": checklist.label(item.kind), "with": item.contact_name, "place": item.place})
    for rows in appointments.values():
        rows.sort(key=lambda row: row["starts_at"])
    record_access(actor=user, action="release_plan.gate", resource="release_item",
                  categories=[Category.CONTACT_ADMIN], subjects=[str(p) for p in dict.fromkeys(people)])
    disclose([Category.CONTACT_ADMIN])
    return [{"item": item, "person": item.plan.person, "appointments": appointments.get(item.plan.person_id, [])}
            for item in items]
