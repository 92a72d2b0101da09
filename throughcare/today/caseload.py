"""A worker's day, gathered in a fixed number of queries whatever the size of their caseload.

Every list goes through the access rule (`visible_people`), so the page shows no one the worker could
not open, and one audit entry names everyone it shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from throughcare.agencies.models import staff_of
from throughcare.appointments.reads import appointments_on
from throughcare.audit.recorder import record_access
from throughcare.careteam.actions import handovers_offered_to
from throughcare.careteam.models import CareTeamMember
from throughcare.consent.policy import visible_person_ids
from throughcare.core.categories import IDENTITY_CATEGORY
from throughcare.matching.access import for_lead
from throughcare.outcomes.due import outcome_reviews_due
from throughcare.referrals.clocks import CLOCK_FIELDS, DUE_SOON_DAYS, TARGET_DAYS, referral_clock
from throughcare.referrals.models import CLOSED_STATUSES, Referral, Status
from throughcare.releases.clocks import engagement_clock
from throughcare.releases.models import CommunityHandover
from throughcare.releases.reads import release_reviews_due
from throughcare.reviews.due import reviews_due

#: Longer lists show the oldest this many, with the total and a link to the full list.
SHOW_AT_MOST = 50
#: Incoming referrals still waiting on the receiving agency to act.
WAITING_ON_US = (Status.SENT, Status.ACKNOWLEDGED, Status.ACCEPTED, Status.FIRST_APPOINTMENT_OFFERED)


@dataclass
class Day:
    today: dt.date
    caseload: list = field(default_factory=list)  # CareTeamMember rows, person selected
    waiting_on_us: list = field(default_factory=list)  # (referral, clock)
    breaches: list = field(default_factory=list)  # (referral, clock): running and breached or due soon, either side
    waiting_total: int = 0  # the lists above show the oldest SHOW_AT_MOST; these count them all
    breaches_total: int = 0
    handovers: list = field(default_factory=list)
    handover_people: set = field(default_factory=set)  # ids of the handovers' people the worker may see
    access_requests: list = field(default_factory=list)  # other agencies asking to work with my lead cases
    reviews: list = field(default_factory=list)
    outcome_reviews: list = field(default_factory=list)  # outcomes.due.OutcomeDue: TOP at start, every six months
    appointments: list = field(default_factory=list)
    released_to_us: list = field(default_factory=list)  # (CommunityHandover, EngagementClock): clock still open
    release_reviews: list = field(default_factory=list)  # (ReleasePlan, reasons): the prison's plans to review

    def people_shown(self) -> list[str]:
        ids = [str(m.person_id) for m in self.caseload]
        ids += [str(h.person_id) for h in self.handovers if h.person_id in self.handover_people]
        ids += [str(r.person_id) for r in self.access_requests]
        ids += [str(r.person_id) for r, _c in self.waiting_on_us + self.breaches]
        ids += [str(getattr(x, "person_id", "")) for x in self.reviews + self.outcome_reviews + self.appointments]
        ids += [str(h.person_id) for h, _c in self.released_to_us]
        ids += [str(plan.person_id) for plan, _reasons in self.release_reviews]
        return [i for i in dict.fromkeys(ids) if i]


#: What the day shows of each row (the page and the API), so the lists load no more: a Person row carries
#: the whole record, and each referral row would bring three. Tests pin the day's query count, so a field
#: used but not listed here (Django would fetch it row by row) fails them.
CASELOAD_FIELDS = ("person_id", "is_lead", "person__display_name", "person__date_of_birth")
REFERRAL_FIELDS = ("person_id", "from_agency_id", "to_agency_id", "service", "priority", *CLOCK_FIELDS,
                   "person__display_name", "from_agency__name", "to_agency__name")


def caseload(user) -> list[CareTeamMember]:
    """The people on whose care team the worker is, lead professional first, then by name."""
    return list(CareTeamMember.objects.filter(worker=user, left_at__isnull=True,
                                              person__in=visible_person_ids(user))
                .select_related("person").only(*CASELOAD_FIELDS)
                .order_by("-is_lead", "person__display_name", "person_id"))


def near_breach_before(today: dt.date) -> dt.datetime:
    """Referrals received before this moment have waited long enough to be due soon or breached today.

    The clock (referrals.clocks) is due soon when `days_left <= DUE_SOON_DAYS`, where days_left is
    `received_on + TARGET_DAYS - today`: so when received_on <= today - (TARGET_DAYS - DUE_SOON_DAYS),
    that is, received before the local midnight that starts the day after.
    """
    last_day = today - dt.timedelta(days=TARGET_DAYS - DUE_SOON_DAYS)
    return dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_current_timezone())


def agency_referral_clocks(user, now: dt.datetime, *, limit: int = SHOW_AT_MOST):
    """The agency's referrals a worker should see today, as (rows, total) pairs, oldest first:
    incoming ones waiting on the agency, and ones either way due soon or breached (still running).

    Filtered and counted in the database (both totals in one query), and at most `limit` rows each, so an
    agency with thousands of open referrals costs the page the same three queries as one with a handful.
    """
    staff = staff_of(user)
    open_referrals = (Referral.objects.exclude(status__in=CLOSED_STATUSES)
                      .filter(Q(to_agency_id=staff.agency_id) | Q(from_agency_id=staff.agency_id),
                              person__in=visible_person_ids(user)))
    waiting = open_referrals.filter(to_agency_id=staff.agency_id, status__in=WAITING_ON_US)
    boundary = near_breach_before(timezone.localtime(now).date())
    near = open_referrals.filter(received_at__lt=boundary)

    def rows(queryset):
        page = (queryset.select_related("person", "from_agency", "to_agency").only(*REFERRAL_FIELDS)
                .order_by("received_at", "id")[:limit])
        return [(referral, referral_clock(referral, now)) for referral in page]

    totals = open_referrals.aggregate(
        waiting=Count("pk", filter=Q(to_agency_id=staff.agency_id, status__in=WAITING_ON_US)),
        near=Count("pk", filter=Q(received_at__lt=boundary)))
    return (rows(waiting), totals["waiting"]), (rows(near), totals["near"])


def released_to_agency(user, today: dt.date, *, limit: int = SHOW_AT_MOST) -> list:
    """Release handovers to the worker's agency still waiting: to be acknowledged, or with the 21-day
    engagement clock running (no outcome yet), soonest release first."""
    staff = staff_of(user)
    handovers = (CommunityHandover.objects.select_related("plan__prison", "person")
                 .filter(receiving_agency_id=staff.agency_id, outcome="",
                         person__in=visible_person_ids(user))
                 .order_by("plan__release_on", "id")[:limit])
    return [(h, engagement_clock(h.released_on, today, h.first_intervention_on) if h.released_on else None)
            for h in handovers]


def my_day(user, *, now: dt.datetime | None = None) -> Day:
    now = now or timezone.now()
    day = Day(today=timezone.localtime(now).date())
    day.caseload = caseload(user)
    (day.waiting_on_us, day.waiting_total), (day.breaches, day.breaches_total) = agency_referral_clocks(user, now)
    day.appointments = appointments_on(user, day.today, audit=False)
    day.released_to_us = released_to_agency(user, day.today)
    day.release_reviews = release_reviews_due(user, day.today, limit=SHOW_AT_MOST)
    day.reviews = reviews_due(user, today=day.today, audit=False)  # the page's one audit entry names them
    day.outcome_reviews = outcome_reviews_due(user, today=day.today)
    day.handovers, day.handover_people = handovers_offered_to(user, audit=False)
    day.access_requests = list(for_lead(user)[:SHOW_AT_MOST])
    return day


def audit_day(user, day: Day, corrections=()) -> None:
    """The one audit entry for a day shown (page or API), naming everyone on it."""
    subjects = list(dict.fromkeys(day.people_shown() + [str(c.person_id) for c in corrections]))
    record_access(actor=user, action="today.read", categories=[IDENTITY_CATEGORY],
                  subjects=subjects, reason=f"{len(day.caseload)} on caseload")
