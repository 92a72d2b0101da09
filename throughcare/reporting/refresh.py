"""The job that builds the reporting tables from the live tables, incrementally.

Which people to rebuild comes from the event stream: every write adds a journey Event for its person
(the three habits), so the people with an Event whose id is above the high-water mark have changed. A few
changes write no Event (the 21-day engagement run, a custody record's update): their tables' own stamps
(`updated_at`, `outcome_recorded_at`) are high-water marks too. Each mark is re-read with a grace window
(`GRACE`), because on PostgreSQL a transaction that began before another can commit after it, with a
smaller id: re-reading a few minutes back costs little and misses nothing.

For each person touched, every per-person reporting table is rebuilt from the live tables in a fixed
number of queries per chunk of people (delete their rows, insert them again), so a refresh is idempotent
and a full rebuild (`full=True`) is the same code over everyone. Age bands depend on the day, so run a
full refresh now and then (nightly is plenty): docs/reporting.md.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from throughcare.reporting import keys
from throughcare.reporting.casemix import FACTORS
from throughcare.reporting.models import (
    PERSON_TABLES,
    RAgency,
    RAppointment,
    RCareTeam,
    RComplexity,
    REpisode,
    ReportMeta,
    ROutcome,
    ROutcomePair,
    RPerson,
    RPlan,
    RPresentation,
    RReferral,
    RRelease,
    Watermark,
)

CHUNK = 500
GRACE = dt.timedelta(minutes=10)
#: Discharge codes of a planned exit (treatment completed): refdata/discharge_reasons.yaml.
PLANNED_EXIT_CODES = frozenset({"79", "80", "81", "82"})
EVENT_SOURCE = "journey.event"
HOLISTIC = "holistic-assessment"
PRISON = "prison"
#: Re-presentation within six months: another treatment episode started up to this many days after an exit.
SIX_MONTHS = 182
#: Long use: years using the main problem substance (holistic assessment v2, drugs.years_using) at or above this.
LONG_USE_YEARS = 10
INSECURE_HOUSING = frozenset({"hostel", "sofa_surfing", "rough_sleeping"})
OPIATES = frozenset({"heroin", "illicit_methadone"})


@dataclass
class RefreshResult:
    people: int = 0
    full: bool = False
    rows: dict[str, int] = field(default_factory=dict)


def _stamp_sources() -> dict[str, tuple]:
    """Sources whose changes may write no Event: (queryset, stamp field, person field)."""
    from throughcare.appointments.models import Appointment
    from throughcare.assessments.models import Assessment
    from throughcare.custody.models import Custody
    from throughcare.people.models import Person
    from throughcare.plans.models import RecoveryPlan
    from throughcare.releases.models import CommunityHandover, ReleasePlan

    return {
        "people.person": (Person.objects.all(), "updated_at", "pk"),
        "appointments.appointment": (Appointment.objects.all(), "updated_at", "person_id"),
        "plans.recoveryplan": (RecoveryPlan.objects.all(), "updated_at", "person_id"),
        "assessments.assessment": (Assessment.objects.all(), "updated_at", "person_id"),
        "custody.custody": (Custody.objects.all(), "updated_at", "person_id"),
        "releases.releaseplan": (ReleasePlan.objects.all(), "updated_at", "person_id"),
        "releases.communityhandover": (CommunityHandover.objects.all(), "outcome_recorded_at", "person_id"),
    }


def refresh(*, full: bool = False, today: dt.date | None = None, grace: dt.timedelta = GRACE,
            progress: Callable[[int, int], None] | None = None) -> RefreshResult:
    """Bring the reporting tables up to date. Returns how many people were rebuilt.

    `grace`: how far back before the last run each mark is read again (see the module's docstring)."""
    from throughcare.journey.models import Event
    from throughcare.people.models import Person

    today = today or timezone.localdate()
    started = timezone.now()
    marks = {w.source: w for w in Watermark.objects.all()}
    top_event = Event.objects.aggregate(top=Max("id"))["top"] or 0
    if full or EVENT_SOURCE not in marks:
        full = True
        people = list(Person.objects.values_list("pk", flat=True))
    else:
        touched: set = set()
        mark = marks[EVENT_SOURCE]
        since = (mark.refreshed_at - grace) if mark.refreshed_at else None
        events = Event.objects.filter(id__gt=mark.mark_id, id__lte=top_event)
        touched.update(events.values_list("person_id", flat=True).distinct())
        if since is not None:
            touched.update(Event.objects.filter(recorded_at__gt=since).values_list("person_id", flat=True).distinct())
        for source, (queryset, stamp, person_field) in _stamp_sources().items():
            mark_time = marks[source].mark_time if source in marks else None
            if mark_time is not None:
                touched.update(queryset.filter(**{f"{stamp}__gt": mark_time - grace})
                               .values_list(person_field, flat=True).distinct())
        people = sorted(touched, key=str)
    new_marks = {source: queryset.aggregate(top=Max(stamp))["top"]
                 for source, (queryset, stamp, _p) in _stamp_sources().items()}
    result = RefreshResult(full=full, rows=defaultdict(int))
    with transaction.atomic():
        _agencies()
        if full:
            for model in PERSON_TABLES:
                model.objects.all().delete()
        ReportMeta.objects.update_or_create(pk=1, defaults={"as_of_day": keys.day(today),
                                                            "refreshed_at": started.isoformat()})
    for index in range(0, len(people), CHUNK):
        chunk = people[index:index + CHUNK]
        with transaction.atomic():
            rows = build_rows(chunk, today)
            person_keys = [keys.person_key(pid) for pid in chunk]
            for model in PERSON_TABLES:
                if not full:
                    model.objects.filter(person_key__in=person_keys).delete()
                model.objects.bulk_create(rows[model], batch_size=1000)
                result.rows[model._meta.db_table] += len(rows[model])
        if progress:
            progress(min(index + CHUNK, len(people)), len(people))
    with transaction.atomic():
        Watermark.objects.update_or_create(source=EVENT_SOURCE,
                                           defaults={"mark_id": top_event, "refreshed_at": started})
        for source, top in new_marks.items():
            Watermark.objects.update_or_create(source=source, defaults={"mark_time": top or started,
                                                                       "refreshed_at": started})
    result.people = len(people)
    result.rows = dict(result.rows)
    return result


def _agencies() -> None:
    from throughcare.agencies.models import Agency

    RAgency.objects.all().delete()
    RAgency.objects.bulk_create([RAgency(agency_id=str(a.pk), name=a.name, kind=a.kind, area=a.area)
                                 for a in Agency.objects.all()])


def build_rows(person_ids: Iterable, today: dt.date) -> dict:
    """Every per-person reporting row for these people, from the live tables (a fixed number of queries)."""
    from throughcare.appointments.models import Appointment
    from throughcare.assessments.models import Assessment, Status
    from throughcare.careteam.models import CareTeamMember
    from throughcare.custody.models import Custody, CustodyStatus
    from throughcare.episodes.models import Episode
    from throughcare.outcomes.models import OutcomeReview
    from throughcare.people.models import Person
    from throughcare.plans.models import RecoveryPlan
    from throughcare.referrals.models import Referral
    from throughcare.releases.models import ReleasePlan

    ids = list(person_ids)
    pk = keys.person_key
    rows: dict = {model: [] for model in PERSON_TABLES}
    for p in Person.objects.filter(pk__in=ids).select_related("registered_by_agency"):
        rows[RPerson].append(RPerson(person_key=pk(p.pk), age_band=keys.age_band(p.date_of_birth, today),
                                     sex=p.sex, area=p.registered_by_agency.area or "",
                                     registered_day=keys.day(p.registered_at)))
    assessments = Assessment.objects.filter(person_id__in=ids, instrument=HOLISTIC, status=Status.SUBMITTED)
    rows[RComplexity], rows[RPresentation] = complexity_rows(assessments.order_by("submitted_at", "created_at"))
    appointments = list(Appointment.objects.filter(person_id__in=ids))
    rows[REpisode], current = episode_rows(Episode.objects.filter(person_id__in=ids), rows[RComplexity],
                                           appointments, today)
    for r in Referral.objects.filter(person_id__in=ids):
        rows[RReferral].append(RReferral(
            referral_key=keys.key("referral", r.pk), person_key=pk(r.person_id), to_agency_id=str(r.to_agency_id),
            priority=r.priority, status=r.status, received_day=keys.day(r.received_at),
            started_day=keys.day(r.intervention_started_at), decided_day=keys.day(r.decided_at),
            decline_reason=r.decline_reason if r.status == "declined" else ""))
    for a in appointments:
        rows[RAppointment].append(RAppointment(
            appointment_key=keys.key("appointment", a.pk), person_key=pk(a.person_id), agency_id=str(a.agency_id),
            worker_id=a.worker_id, day=keys.day(a.starts_at), status=a.status))
    lead_agency = {}
    for m in CareTeamMember.objects.filter(person_id__in=ids):
        active = m.left_at is None
        if active and m.is_lead:
            lead_agency[m.person_id] = str(m.agency_id)
        rows[RCareTeam].append(RCareTeam(
            member_key=keys.key("care_team", m.pk), person_key=pk(m.person_id), agency_id=str(m.agency_id),
            worker_id=m.worker_id, is_lead=int(m.is_lead), active=int(active)))
    for plan in RecoveryPlan.objects.filter(person_id__in=ids):
        rows[RPlan].append(RPlan(
            plan_key=keys.key("plan", plan.pk), person_key=pk(plan.person_id),
            lead_agency_id=lead_agency.get(plan.person_id, ""), next_review_due_day=keys.day(plan.next_review_due),
            in_treatment=int(plan.person_id in current)))
    rows[ROutcome] = _outcome_rows(OutcomeReview.objects.filter(person_id__in=ids, replaced_by__isnull=True))
    rows[ROutcomePair] = outcome_pairs(rows[ROutcome])
    plans = {}
    for plan in ReleasePlan.objects.filter(person_id__in=ids, status="released").select_related("handover"):
        plans[plan.custody_id] = plan
    for c in Custody.objects.filter(person_id__in=ids, status=CustodyStatus.RELEASED, released_on__isnull=False):
        plan = plans.get(c.pk)
        handover = getattr(plan, "handover", None) if plan is not None else None
        rows[RRelease].append(RRelease(
            release_key=keys.key("custody", c.pk), person_key=pk(c.person_id), prison_id=str(c.prison_id),
            receiving_agency_id=str(handover.receiving_agency_id) if handover else "",
            released_day=keys.day(c.released_on), plan_complete=int(bool(plan and plan.complete_at_release)),
            engagement=(handover.outcome if handover else "") or ""))
    return rows


def episode_rows(episodes, complexity: list[RComplexity], appointments, today: dt.date) -> tuple[list[REpisode], set]:
    """The episodes of a chunk of people, with the columns reports would otherwise search for: re-presentation
    within six months, complexity at entry, the last attended appointment at the episode's agency. Returns
    (rows, ids of people in a current episode)."""
    from throughcare.core import refdata

    codes = {e.id: e.code for e in refdata.load("discharge_reasons")}
    factors = {c.person_key: c for c in complexity}
    today_day = keys.day(today)
    attended: dict = {}
    for a in appointments:
        day = keys.day(a.starts_at)
        if a.status == "attended" and day <= today_day:
            where = (a.person_id, str(a.agency_id))
            attended[where] = max(attended.get(where, day), day)
    episodes = list(episodes)
    starts: dict = defaultdict(list)  # person -> (episode id, start day) of treatment episodes
    for e in episodes:
        if e.setting != PRISON:
            starts[e.person_id].append((e.pk, keys.day(e.started_on)))
    out, current = [], set()
    for e in episodes:
        code = codes.get(e.discharge_reason, "") if e.discharge_reason else ""
        if e.ended_on is None:
            current.add(e.person_id)
        end = keys.day(e.ended_on)
        back = end is not None and any(other != e.pk and end <= start <= end + SIX_MONTHS
                                       for other, start in starts[e.person_id])
        person = keys.person_key(e.person_id)
        c = factors.get(person)
        out.append(REpisode(
            episode_key=keys.key("episode", e.pk), person_key=person, agency_id=str(e.agency_id),
            setting=e.setting, start_day=keys.day(e.started_on), end_day=end, exit_code=code,
            planned_exit=int(e.ended_on is not None and code in PLANNED_EXIT_CODES), re_presented_182=int(back),
            assessed=int(c is not None), **{f: getattr(c, f) if c else 0 for f in FACTORS},
            last_attended_day=attended.get((e.person_id, str(e.agency_id)))))
    return out, current


def outcome_pairs(scores: list[ROutcome]) -> list[ROutcomePair]:
    """Each person's first and latest score per instrument and score (by day, then score key: the same order
    whatever the engine), counted at the latest review's agency."""
    series: dict = defaultdict(list)
    for o in scores:
        series[(o.person_key, o.instrument, o.score)].append(o)
    out = []
    for (person, instrument, score), rows in series.items():
        rows.sort(key=lambda o: (o.day, o.score_key))
        first, latest = rows[0], rows[-1]
        out.append(ROutcomePair(
            pair_key=keys.key("outcome_pair", f"{person}:{instrument}:{score}"), person_key=person,
            instrument=instrument, score=score, better=latest.better, agency_id=latest.agency_id,
            first_day=first.day, first_value=first.value, latest_day=latest.day, latest_value=latest.value))
    return out


def _outcome_rows(reviews) -> list[ROutcome]:
    from throughcare.assessments import instruments

    out = []
    for review in reviews:
        instrument = instruments.get(review.instrument, review.instrument_version)
        better = {s.id: (1 if s.better == "higher" else -1) for s in instrument.scores} if instrument else {}
        for score, value in (review.scores or {}).items():
            if value is None or score not in better or isinstance(value, bool):
                continue
            out.append(ROutcome(
                score_key=keys.key("outcome", f"{review.pk}:{score}"), person_key=keys.person_key(review.person_id),
                agency_id=str(review.agency_id), instrument=review.instrument, stage=review.stage,
                day=keys.day(review.completed_on), score=score, value=float(value), better=better[score]))
    return out


def complexity_factors(answers: dict) -> dict[str, int]:
    """The case-mix model's inputs from a holistic assessment's answers (docs/reporting.md, "Complexity")."""
    drugs, alcohol = answers.get("drugs", {}), answers.get("alcohol", {})
    housing, mental, offending = answers.get("housing", {}), answers.get("mental_health", {}), answers.get("offending", {})
    used = set(drugs.get("drugs_used") or [])
    opiates = bool(used & OPIATES) or drugs.get("main_problem") == "heroin"
    return {
        "housing": int(housing.get("acute_problem") is True or housing.get("living_situation") in INSECURE_HOUSING),
        "dual_diagnosis": int(mental.get("dual_diagnosis") is True),
        "injecting": int((drugs.get("injecting_days") or 0) > 0 or "injecting" in (drugs.get("routes") or [])),
        "criminal_justice": int(offending.get("cj_status") not in (None, "", "none")),
        "alcohol_and_opiates": int(opiates and alcohol.get("drinks") is True),
        "long_use": int((years_of_use(answers) or 0) >= LONG_USE_YEARS),
    }


def years_of_use(answers: dict) -> int | None:
    """Years using the main problem substance, as answered (holistic assessment v2 onwards; None before, or
    when not answered)."""
    years = answers.get("drugs", {}).get("years_using")
    return None if years is None or isinstance(years, bool) else int(years)


NPS = frozenset({"synthetic_cannabinoids", "other_nps"})


def presented(answers: dict) -> list[str]:
    """The substances a holistic assessment says the person used in the last 28 days (alcohol if they drank)."""
    used = [s for s in (answers.get("drugs", {}).get("drugs_used") or []) if s != "none"]
    if answers.get("alcohol", {}).get("drinks") is True:
        used.append("alcohol")
    return sorted(set(used))


def complexity_rows(assessments) -> tuple[list[RComplexity], list[RPresentation]]:
    """Complexity at entry, and the substances presented: each person's first submitted holistic assessment
    (as last amended)."""
    chains: dict = {}
    first_of_person: dict = {}
    for a in assessments:
        root = chains.get(a.previous_id, a.pk) if a.kind == "amendment" else a.pk
        chains[a.pk] = root
        if a.person_id not in first_of_person:
            first_of_person[a.person_id] = root
            first_of_person[(a.person_id, "root")] = a
        if root == first_of_person[a.person_id]:
            first_of_person[(a.person_id, "latest")] = a
    out, substances = [], []
    for person_id in [k for k in first_of_person if not isinstance(k, tuple)]:
        a = first_of_person[(person_id, "latest")]
        first_day = first_of_person[(person_id, "root")].submitted_at
        local = timezone.localtime(first_day).date()
        for substance in presented(a.answers):
            substances.append(RPresentation(
                presentation_key=keys.key("presentation", f"{first_of_person[person_id]}:{substance}"),
                person_key=keys.person_key(person_id), agency_id=str(a.agency_id), day=keys.day(first_day),
                month=f"{local:%Y-%m}", substance=substance, nps=int(substance in NPS)))
        out.append(RComplexity(assessment_key=keys.key("assessment", first_of_person[person_id]),
                               person_key=keys.person_key(person_id), agency_id=str(a.agency_id),
                               day=keys.day(first_of_person[(person_id, "root")].submitted_at),
                               years_of_use=years_of_use(a.answers),
                               **complexity_factors(a.answers)))
    return out, substances
