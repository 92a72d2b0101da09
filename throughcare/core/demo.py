"""A realistic synthetic partnership for demos, tests and benchmarks.

Agencies of every kind (including a prison and a commissioner), 30+ staff in every role,
and N people with months of history: registrations, episodes of care in community and
custody, discharges, and notes in every information category. Rows are bulk-loaded in
batches (the same rows the actions would write) so 100,000 people take minutes, not hours.
Only ever run against a database marked as a demo (core.DatabaseMark).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from faker import Faker

from throughcare.agencies.models import Agency, Staff
from throughcare.agencies.roles import AgencyKind, Role
from throughcare.careteam.models import CareTeamMember
from throughcare.core import refdata
from throughcare.core.categories import CATEGORY_BY_AGENCY_KIND, Category
from throughcare.episodes.models import Episode, Setting
from throughcare.journey.models import Event, EventKind
from throughcare.people.models import Identifier, NameKind, Person, PersonName, Sex, fold
from throughcare.people.validators import nhs_check_digit, pnc_check_letter
from throughcare.referrals.models import Referral
from throughcare.referrals.models import Status as ReferralStatus

#: A worker's caseload: the demo puts workers on care teams up to this many people each.
CASELOAD = 60
#: How far along the demo's open referrals are, and the timestamps each state needs.
REFERRAL_STAGES = [
    (ReferralStatus.SENT, ()),
    (ReferralStatus.ACKNOWLEDGED, ("acknowledged_at",)),
    (ReferralStatus.ACCEPTED, ("acknowledged_at", "decided_at")),
    (ReferralStatus.FIRST_APPOINTMENT_OFFERED, ("acknowledged_at", "decided_at", "first_appointment_offered_at")),
    (ReferralStatus.INTERVENTION_STARTED, ("acknowledged_at", "decided_at", "first_appointment_offered_at",
                                           "intervention_started_at")),
]
DEMO_PASSWORD = "throughcare-demo"  # noqa: S105  # nosec B105 - printed for the demo; demo databases only

AGENCIES = [
    ("Riverside Recovery Service", AgencyKind.COMMUNITY_TREATMENT),
    ("Harbour Alcohol Service", AgencyKind.COMMUNITY_TREATMENT),
    ("HMP Northgate", AgencyKind.PRISON),
    ("Probation Service: Northgate", AgencyKind.PROBATION),
    ("Northgate Police Custody Liaison", AgencyKind.POLICE_LIAISON),
    ("Northgate Housing Options", AgencyKind.HOUSING),
    ("Community Mental Health Team North", AgencyKind.MENTAL_HEALTH),
    ("Bridge Street Surgery", AgencyKind.PRIMARY_CARE),
    ("Jobcentre Plus Northgate", AgencyKind.JOBCENTRE_PLUS),
    ("Northgate Children's Services", AgencyKind.CHILDRENS_SERVICES),
    ("Open Door Peer Support", AgencyKind.VOLUNTARY),
    ("Northgate Drug and Alcohol Action Team", AgencyKind.COMMISSIONER),
]

#: username, agency index, role, first name, last name
STAFF = [
    ("sm.nadia", 0, Role.SERVICE_MANAGER, "Nadia", "Rahman"),
    ("kw.amara", 0, Role.KEY_WORKER, "Amara", "Okafor"), ("kw.ben", 0, Role.KEY_WORKER, "Ben", "Hughes"),
    ("kw.carys", 0, Role.KEY_WORKER, "Carys", "Evans"), ("kw.dev", 0, Role.KEY_WORKER, "Dev", "Patel"),
    ("kw.ellen", 1, Role.KEY_WORKER, "Ellen", "Walsh"), ("kw.faisal", 1, Role.KEY_WORKER, "Faisal", "Khan"),
    ("pt.grace", 2, Role.PRISON_TEAM, "Grace", "Morgan"), ("pt.harry", 2, Role.PRISON_TEAM, "Harry", "Lewis"),
    ("pt.imran", 2, Role.PRISON_TEAM, "Imran", "Ali"), ("pw.jess", 3, Role.PARTNER_WORKER, "Jess", "Taylor"),
    ("pw.kofi", 3, Role.PARTNER_WORKER, "Kofi", "Mensah"), ("pw.lena", 4, Role.PARTNER_WORKER, "Lena", "Novak"),
    ("pw.megan", 5, Role.PARTNER_WORKER, "Megan", "Price"), ("pw.niall", 5, Role.PARTNER_WORKER, "Niall", "Byrne"),
    ("pw.olu", 6, Role.PARTNER_WORKER, "Olu", "Adeyemi"), ("pw.priya", 6, Role.PARTNER_WORKER, "Priya", "Shah"),
    ("pw.quinn", 7, Role.PARTNER_WORKER, "Quinn", "Roberts"), ("pw.rhys", 8, Role.PARTNER_WORKER, "Rhys", "Jenkins"),
    ("pw.sian", 9, Role.PARTNER_WORKER, "Sian", "Griffiths"), ("pw.tom", 9, Role.PARTNER_WORKER, "Tom", "Baker"),
    ("pm.una", 10, Role.PEER_MENTOR, "Una", "Kelly"), ("pm.vic", 10, Role.PEER_MENTOR, "Vic", "Stone"),
    ("pm.wes", 10, Role.PEER_MENTOR, "Wes", "Carter"), ("kw.xena", 10, Role.KEY_WORKER, "Xena", "Doyle"),
    ("cm.yusuf", 11, Role.COMMISSIONER, "Yusuf", "Hassan"), ("cm.zoe", 11, Role.COMMISSIONER, "Zoe", "Clarke"),
    ("cg.alan", 0, Role.CALDICOTT_GUARDIAN, "Alan", "Reid"), ("cg.beth", 2, Role.CALDICOTT_GUARDIAN, "Beth", "Fox"),
    ("admin", 11, Role.ADMINISTRATOR, "Sam", "Admin"), ("admin.riverside", 0, Role.ADMINISTRATOR, "Robin", "Hall"),
    ("kw.gemma", 0, Role.KEY_WORKER, "Gemma", "Wright"), ("pt.hana", 2, Role.PRISON_TEAM, "Hana", "Begum"),
]

NOTE_TEXTS = {
    Category.SUBSTANCE_USE: ["Reviewed script: methadone 60ml daily, collecting from the pharmacy on the high street.",
                             "Reports using heroin twice in the past week; talked through naloxone and harm reduction.",
                             "Urine screen negative for opiates. Pleased with progress."],
    Category.ALCOHOL: ["Drinking about 20 units a day; discussed a community detox.",
                       "Alcohol-free for three weeks, attending mutual aid on Thursdays."],
    Category.MENTAL_HEALTH: ["Low mood and poor sleep. Agreed to a GP appointment about anxiety.",
                             "Mental health team assessment booked; dual diagnosis noted."],
    Category.PHYSICAL_HEALTH: ["Hepatitis C test offered and accepted.", "Abscess on left leg; referred to the nurse."],
    Category.OFFENDING: ["Attended probation appointment; DRR review went well.",
                         "Licence conditions explained before release."],
    Category.HOUSING: ["Hostel place confirmed for the night of release.", "Rent arrears; risk of eviction discussed."],
    Category.EMPLOYMENT_BENEFITS: ["Universal Credit claim started with the Jobcentre work coach.",
                                   "Interested in a volunteering placement with the peer support service."],
    Category.FAMILY_SAFEGUARDING: ["Two children live with their grandmother; contact every other weekend.",
                                   "Attended the child protection review meeting."],
    Category.CONTACT_ADMIN: ["New mobile number recorded; safe to text.", "Letter returned: not at this address."],
}


@dataclass
class WorldSummary:
    agencies: int
    staff: int
    people: int
    events: int
    episodes: int


def _staff_for(agency_staff: dict, agency_id) -> list:
    return agency_staff.get(agency_id) or []


def build_agencies_and_staff() -> tuple[list[Agency], list[Staff]]:
    agencies = []
    for name, kind in AGENCIES:
        agency, _ = Agency.objects.get_or_create(name=name, defaults={"kind": kind, "area": "Northgate"})
        agencies.append(agency)
    User = get_user_model()
    password = make_password(DEMO_PASSWORD)
    staff = []
    for username, index, role, first, last in STAFF:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last, "password": password})
        member, _ = Staff.objects.get_or_create(user=user, defaults={"agency": agencies[index], "role": role})
        staff.append(member)
    return agencies, staff


def build_world(*, people: int, seed: int = 1, batch_size: int = 2000,
                progress: Callable[[int], None] | None = None, today: dt.date | None = None) -> WorldSummary:
    rng = random.Random(seed)  # nosec B311 - repeatable synthetic data, not security
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    today = today or timezone.localdate()
    agencies, staff = build_agencies_and_staff()
    casework = [s for s in staff if s.role in (Role.KEY_WORKER, Role.PRISON_TEAM, Role.PARTNER_WORKER)]
    by_agency: dict = {}
    for member in casework:
        by_agency.setdefault(member.agency_id, []).append(member)
    treatment = [a for a in agencies if a.kind == AgencyKind.COMMUNITY_TREATMENT]
    prison = next(a for a in agencies if a.kind == AgencyKind.PRISON)
    partners = [a for a in agencies if a.kind not in (AgencyKind.COMMISSIONER, AgencyKind.COMMUNITY_TREATMENT,
                                                       AgencyKind.PRISON) and by_agency.get(a.pk)]
    reasons = [e for e in refdata.load("discharge_reasons") if e.current(today)]
    ethnicities = [e.id for e in refdata.load("ethnicity")]
    disabilities = [e.id for e in refdata.load("disabilities")]
    nhs_counter = 400_000_000 + seed * 1_000_003 % 100_000_000
    serial = rng.randint(100_000, 900_000)
    totals = {"events": 0, "episodes": 0}
    caseloads: dict = {}  # worker user id -> people on their care teams
    on_team: set = set()  # (person id, worker user id)
    with_lead: set = set()  # person ids that have a lead professional
    tz = timezone.get_current_timezone()

    def moment(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=tz)

    done = 0
    while done < people:
        n = min(batch_size, people - done)
        persons, names, identifiers, episodes, events, members, referrals = [], [], [], [], [], [], []
        for _ in range(n):
            sex = rng.choice([Sex.MALE, Sex.MALE, Sex.FEMALE, Sex.NOT_STATED])
            given = fake.first_name_male() if sex == Sex.MALE else fake.first_name_female() if sex == Sex.FEMALE else fake.first_name()
            family = fake.last_name()
            dob = today - dt.timedelta(days=rng.randint(18 * 365, 70 * 365))
            home = rng.choice(treatment) if rng.random() < 0.7 else rng.choice([prison, *treatment])
            registered = today - dt.timedelta(days=rng.randint(30, 540))
            person = Person(
                id=uuid.UUID(int=rng.getrandbits(128), version=4), date_of_birth=dob, sex=sex,
                gender={Sex.MALE: "Man", Sex.FEMALE: "Woman"}.get(sex, ""),
                ethnicity=rng.choice(ethnicities), postcode=fake.postcode(),
                preferred_language=rng.choice(["English"] * 9 + ["Welsh", "Polish", "Urdu"]),
                disabilities=rng.sample(disabilities, k=rng.choice([0, 0, 0, 1])),
                learning_disability=rng.random() < 0.05, phone=fake.phone_number()[:30],
                safe_to_contact={"phone": True, "text": rng.random() < 0.8, "letter": rng.random() < 0.5},
                display_name=f"{given} {family}", registered_by_agency_id=home.pk,
                registered_at=moment(registered), updated_at=moment(registered),
            )
            persons.append(person)
            names.append(PersonName(person=person, kind=NameKind.USUAL, given_names=given, family_name=family,
                                    folded_given=fold(given), folded_family=fold(family)))
            if rng.random() < 0.15:
                alias = fake.last_name()
                names.append(PersonName(person=person, kind=NameKind.ALIAS if rng.random() < 0.6 else NameKind.PREVIOUS,
                                        given_names=given, family_name=alias, folded_given=fold(given),
                                        folded_family=fold(alias)))
            while True:
                nhs_counter += 1
                check = nhs_check_digit(f"{nhs_counter:09d}")
                if check is not None:
                    break
            if rng.random() < 0.85:
                identifiers.append(Identifier(person=person, scheme="nhs", value=f"{nhs_counter:09d}{check}"))
            author = rng.choice(_staff_for(by_agency, home.pk) or casework)
            events.append(Event(person=person, occurred_at=moment(registered), recorded_at=moment(registered),
                                kind=EventKind.REGISTRATION, category=Category.CONTACT_ADMIN, agency_id=home.pk,
                                author_id=author.user_id, title=f"Registered by {home.name}"))
            spells = [(home, registered)]
            if rng.random() < 0.3 and home != prison:
                spells.append((prison, registered + dt.timedelta(days=rng.randint(10, 200))))
                serial += 1
                letter = chr(65 + (serial % 26))
                identifiers.append(Identifier(person=person, scheme="prison",
                                              value=f"{letter}{serial % 10000:04d}{chr(65 + serial % 23)}{chr(66 + serial % 24)}"))
                year = str(rng.randint(2000, 2024))
                pnc_serial = f"{serial:07d}"
                identifiers.append(Identifier(person=person, scheme="pnc",
                                              value=f"{year}/{pnc_serial}{pnc_check_letter(year, pnc_serial)}"))
            if rng.random() < 0.4 and partners:
                spells.append((rng.choice(partners), registered + dt.timedelta(days=rng.randint(0, 120))))
            for agency, start in spells:
                if start > today:
                    continue
                worker = rng.choice(_staff_for(by_agency, agency.pk) or casework)
                setting = Setting.PRISON if agency.kind == AgencyKind.PRISON else Setting.COMMUNITY
                ends = rng.random() < 0.45
                end = min(today, start + dt.timedelta(days=rng.randint(14, 300))) if ends else None
                reason = rng.choice(reasons) if end else None
                episode = Episode(id=uuid.UUID(int=rng.getrandbits(128), version=4), person=person, agency_id=agency.pk,
                                  setting=setting, service=f"{agency.name} {'healthcare' if setting == Setting.PRISON else 'key working'}",
                                  started_on=start, ended_on=end, discharge_reason=reason.id if reason else "",
                                  created_by_id=worker.user_id)
                episodes.append(episode)
                if end is None and caseloads.get(worker.user_id, 0) < CASELOAD \
                        and (person.id, worker.user_id) not in on_team:
                    caseloads[worker.user_id] = caseloads.get(worker.user_id, 0) + 1
                    on_team.add((person.id, worker.user_id))
                    lead = person.id not in with_lead
                    with_lead.add(person.id)
                    members.append(CareTeamMember(person=person, agency_id=agency.pk, worker_id=worker.user_id,
                                                  is_lead=lead, joined_at=moment(start), added_by_id=worker.user_id))
                category = CATEGORY_BY_AGENCY_KIND[agency.kind]
                events.append(Event(person=person, occurred_at=moment(start), recorded_at=moment(start),
                                    kind=EventKind.EPISODE_STARTED, category=category, agency_id=agency.pk,
                                    author_id=worker.user_id, title=f"{Setting(setting).label} episode started: {episode.service}",
                                    subject_type="episode", subject_id=str(episode.id)))
                if end:
                    events.append(Event(person=person, occurred_at=moment(end), recorded_at=moment(end),
                                        kind=EventKind.EPISODE_ENDED, category=category, agency_id=agency.pk,
                                        author_id=worker.user_id, title=f"Episode ended: {episode.service}",
                                        body=f"Discharge reason: {reason.label} (code {reason.code})",
                                        subject_type="episode", subject_id=str(episode.id)))
                for _ in range(rng.randint(2, 9)):
                    day = start + dt.timedelta(days=rng.randint(0, max(1, ((end or today) - start).days)))
                    if day > today:
                        continue
                    note_category = rng.choice([category, category, *NOTE_TEXTS.keys()])
                    text = rng.choice(NOTE_TEXTS[note_category])
                    events.append(Event(person=person, occurred_at=moment(day), recorded_at=moment(day),
                                        kind=EventKind.NOTE, category=note_category, agency_id=agency.pk,
                                        author_id=worker.user_id, title=text[:120], body=text))
            if rng.random() < 0.06 and partners and home != prison:
                partner = rng.choice(partners)
                if rng.random() < 0.5:  # the treatment service refers on
                    referrals.append(_demo_referral(rng, person, home, partner, author, today, moment))
                else:  # a partner (housing, probation, mental health...) refers to treatment
                    referrer = rng.choice(_staff_for(by_agency, partner.pk) or casework)
                    referrals.append(_demo_referral(rng, person, partner, home, referrer, today, moment))
        with transaction.atomic():
            Person.objects.bulk_create(persons, batch_size=batch_size)
            PersonName.objects.bulk_create(names, batch_size=batch_size)
            Identifier.objects.bulk_create(identifiers, batch_size=batch_size)
            Episode.objects.bulk_create(episodes, batch_size=batch_size)
            Event.objects.bulk_create(events, batch_size=batch_size)
            CareTeamMember.objects.bulk_create(members, batch_size=batch_size)
            Referral.objects.bulk_create(referrals, batch_size=batch_size)
        totals["events"] += len(events)
        totals["episodes"] += len(episodes)
        done += n
        if progress:
            progress(n)
    _demo_appointments(rng, batch_size)
    _demo_plans(rng, today)
    _demo_releases(rng, today)
    _demo_assessments(rng, today)
    _demo_directory(rng, today)
    _demo_person_record()
    _demo_matching(batch_size)
    _demo_reporting(today)
    _demo_voice()
    return WorldSummary(agencies=len(agencies), staff=len(staff), people=people, events=totals["events"],
                        episodes=totals["episodes"])


def _demo_matching(batch_size: int) -> None:
    """The people were bulk-created: give them the blocking keys that find them as possible matches."""
    from throughcare.matching.index import rebuild

    rebuild(batch_size=batch_size)


def _demo_directory(rng, today: dt.date) -> None:
    """The partnership's service directory (directory/demo.py), with referral history for its waiting times."""
    from throughcare.directory.demo import build_directory

    build_directory(rng=rng, today=today)


def _demo_appointments(rng, batch_size: int) -> None:
    """Appointments with the lead professional: most people have one in the next fortnight (some today),
    some had one recently (attended or did not attend)."""
    from throughcare.appointments.models import Appointment, Mode
    from throughcare.appointments.models import Status as AppointmentStatus
    from throughcare.notifications.reminders import reminder_due_at

    now = timezone.now()
    tz = timezone.get_current_timezone()
    today = timezone.localdate()

    def at(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(rng.randint(9, 16), rng.choice([0, 15, 30, 45])), tzinfo=tz)

    batch = []
    leads = CareTeamMember.objects.filter(is_lead=True, left_at__isnull=True).values_list(
        "person_id", "agency_id", "worker_id")
    for person_id, agency_id, worker_id in leads.iterator(chunk_size=batch_size):
        common = {"person_id": person_id, "agency_id": agency_id, "worker_id": worker_id, "booked_by_id": worker_id,
                  "duration_minutes": rng.choice([30, 45, 60]), "created_at": now, "updated_at": now}
        if rng.random() < 0.7:
            starts = at(today + dt.timedelta(days=rng.randint(0, 13)))
            if starts > now:
                mode = rng.choice([Mode.IN_PERSON, Mode.IN_PERSON, Mode.PHONE])
                batch.append(Appointment(**common, starts_at=starts, mode=mode,
                                         location="Key working room 2" if mode == Mode.IN_PERSON else "",
                                         purpose="Key working session", reminder_due_at=reminder_due_at(starts, now)))
        if rng.random() < 0.4:
            starts = at(today - dt.timedelta(days=rng.randint(1, 20)))
            outcome = AppointmentStatus.ATTENDED if rng.random() < 0.75 else AppointmentStatus.DID_NOT_ATTEND
            batch.append(Appointment(**common, starts_at=starts, mode=Mode.IN_PERSON, location="Key working room 2",
                                     purpose="Key working session", status=outcome, outcome_recorded_at=starts,
                                     outcome_recorded_by_id=worker_id))
    Appointment.objects.bulk_create(batch, batch_size=batch_size)


def _demo_referral(rng, person, from_agency, to_agency, author, today, moment) -> Referral:
    """A referral received in the last six weeks, some way along: some waiting past three weeks."""
    received = moment(today - dt.timedelta(days=rng.randint(0, 42)))
    status, stamps = rng.choice(REFERRAL_STAGES)
    referral = Referral(person=person, from_agency_id=from_agency.pk, from_user_id=author.user_id,
                        to_agency_id=to_agency.pk, service=f"{to_agency.name} support",
                        reason="Wants help alongside treatment", status=status, received_at=received,
                        shared_categories=[Category.SUBSTANCE_USE], version=1 + len(stamps),
                        priority="fast_track" if rng.random() < 0.1 else "routine")
    if referral.priority == "fast_track":
        referral.fast_track_reason = "released_from_custody_7_days"
    at = received
    for stamp in stamps:
        at = min(timezone.now(), at + dt.timedelta(days=rng.randint(0, 9), hours=rng.randint(1, 8)))
        setattr(referral, stamp, at)
    if status in (ReferralStatus.FIRST_APPOINTMENT_OFFERED, ReferralStatus.INTERVENTION_STARTED):
        referral.first_appointment_on = timezone.localtime(referral.first_appointment_offered_at).date()
    return referral


#: Goals in the person's own words, by life domain, for the demo's recovery plans.
DEMO_GOALS = {
    "substance_use": ["Stay on my script and stop using on top", "Cut down to weekends, then stop"],
    "alcohol": ["Have three dry days a week", "Get through the detox and stay off it"],
    "housing": ["Keep my tenancy: pay the arrears off", "Get out of the hostel into my own flat"],
    "employment_benefits": ["Sort my Universal Credit claim", "Start the volunteering at the food bank"],
    "physical_health": ["Get my hep C treatment started", "Register with a GP and get my teeth seen to"],
    "wellbeing": ["Go to the Tuesday mutual aid group", "See my sister more often"],
}


def _demo_releases(rng, today: dt.date) -> None:
    """Custody records, release plans, gate meetings and releases with their outcomes (releases/demo.py)."""
    from throughcare.releases.demo import build_releases

    build_releases(rng=rng, today=today)


def _demo_plans(rng, today: dt.date) -> None:
    """Recovery plans, through the real action, for the people kw.amara leads on: her "today" page then
    has reviews due and overdue. Written as her, so every plan has its versions, events and audit rows."""
    from throughcare.plans.actions import save_plan
    from throughcare.plans.models import RecoveryPlan

    lead = CareTeamMember.objects.filter(worker__username="kw.amara", is_lead=True, left_at__isnull=True) \
        .select_related("worker", "agency")
    for member in lead:
        domains = rng.sample(sorted(DEMO_GOALS), k=rng.randint(2, 4))
        goals = [{"domain": domain, "in_their_words": rng.choice(DEMO_GOALS[domain]),
                  "owner_agency": str(member.agency_id), "status": rng.choice(["not_started", "in_progress"]),
                  "target_date": str(today + dt.timedelta(weeks=rng.randint(4, 26))),
                  "actions": [{"text": "Talk it through at the next key work session", "who": "Key worker"}]}
                 for domain in domains]
        save_plan(actor=member.worker, person_id=member.person_id, expected_version=0,
                  body={"stage": rng.choice(["harm_reduction", "stability", "reduced_use", "abstinence"]),
                        "review_every_weeks": 12, "goals": goals})
        # Plans made over the last few months: some reviews are due soon, some are overdue.
        RecoveryPlan.objects.filter(person_id=member.person_id).update(
            next_review_due=today + dt.timedelta(days=rng.randint(-20, 80)))


def _demo_assessments(rng, today: dt.date) -> None:
    """Holistic assessments and outcome reviews (assessments/demo.py) for people kw.amara leads on."""
    from throughcare.assessments.demo import build_assessments

    build_assessments(rng=rng, today=today, lead_members=CareTeamMember.objects.filter(
        worker__username="kw.amara", is_lead=True, left_at__isnull=True).select_related("worker"))


#: The demo person who can sign in to their own record at /my/sign-in (with DEMO_PASSWORD, or a code the
#: console sender prints in the server's log).
DEMO_PERSON_MOBILE = "07700 900001"


def _demo_person_record() -> None:
    """The first person kw.amara leads on can sign in to their own record (throughcare/myrecord)."""
    from throughcare.myrecord.actions import invite_person, set_password
    from throughcare.people.models import Person

    lead = (CareTeamMember.objects.filter(worker__username="kw.amara", is_lead=True, left_at__isnull=True)
            .select_related("person", "worker").order_by("person__display_name", "person_id").first())
    if lead is None:
        return
    Person.objects.filter(pk=lead.person_id).update(
        phone=DEMO_PERSON_MOBILE, safe_to_contact={**(lead.person.safe_to_contact or {}), "text": True})
    account = invite_person(actor=lead.worker, person_id=lead.person_id, channel="sms")
    set_password(actor=account.user, password=DEMO_PASSWORD, confirm=DEMO_PASSWORD)


def _demo_reporting(today: dt.date) -> None:
    """The reporting tables, so the service and commissioner dashboards (/reports/) have figures."""
    from throughcare.reporting.refresh import refresh

    refresh(full=True, today=today)


def _demo_voice() -> None:
    """A consultation from the synthetic example in examples/voice/ (voice/demo.py)."""
    from throughcare.voice.demo import build_consultation

    build_consultation()

