"""A realistic synthetic partnership for demos, tests and benchmarks.

Agencies of every kind (including a prison and a commissioner), 30+ staff in every role,
and N people with months of history: registrations, episodes of care in community and
custody, discharges, and notes in every information category. Rows are bulk-loaded in
batches (the same rows the actions would write) so 100,000 people take minutes, not hours.
Only ever run against a database marked as a demo (core.DatabaseMark).
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from faker import Faker

from throughcare.agencies.models import Agency, Staff
from throughcare.agencies.roles import AgencyKind, Role
from throughcare.appointments.models import Appointment, Mode
from throughcare.appointments.models import Status as AppointmentStatus
from throughcare.careteam.models import CareTeamMember
from throughcare.consent.models import Consent, ConsentKind, HowGiven, Purpose
from throughcare.core import refdata
from throughcare.core.bulk import Loader, Table
from throughcare.core.categories import CATEGORY_BY_AGENCY_KIND, Category
from throughcare.custody.models import Custody, CustodyStatus, ReceptionType, ReleaseType
from throughcare.episodes.models import Episode, Setting
from throughcare.journey.models import Event, EventKind
from throughcare.matching.index import keys_of, profile_of, variants
from throughcare.matching.models import MatchKey, MatchProfile
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


class _Random(random.Random):
    """random.Random's numbers, drawn with less overhead: randint and choice as Random itself makes them
    (`_randbelow` of the range's width or the sequence's length), without randrange's general checks."""

    def randint(self, a: int, b: int) -> int:
        if b < a:
            raise ValueError(f"empty range for randint({a}, {b})")
        return a + self._randbelow(b - a + 1)

    def choice(self, seq):
        if not seq:
            raise IndexError("Cannot choose from an empty sequence")
        return seq[self._randbelow(len(seq))]


@dataclass
class WorldSummary:
    agencies: int
    staff: int
    people: int
    events: int
    episodes: int
    rows: dict = field(default_factory=dict)  # table: rows bulk-loaded
    seconds: dict = field(default_factory=dict)  # step: wall-clock seconds


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


#: How many names, postcodes and phone numbers are drawn from Faker (seeded) for the people to share: Faker
#: costs tens of microseconds a call, too slow for a million people.
POOL = 4000
#: Pick a category label once, not per event.
_LABELS = {c.value: c.label.lower() for c in Category}


def _pools(fake) -> dict:
    return {"male": [fake.first_name_male() for _ in range(POOL)],
            "female": [fake.first_name_female() for _ in range(POOL)],
            "any": [fake.first_name() for _ in range(POOL)],
            "family": [fake.last_name() for _ in range(POOL)],
            "postcode": [fake.postcode() for _ in range(POOL)],
            "phone": [fake.phone_number()[:30] for _ in range(POOL)]}


#: The bits uuid.UUID(version=4) clears and sets in a random 128-bit number (RFC 4122 variant, version 4).
_UUID4_CLEAR = ~((0xc000 << 48) | (0xf000 << 64)) & ((1 << 128) - 1)
_UUID4_SET = (0x8000 << 48) | (4 << 76)

EVENT_COLUMNS = ["person_id", "occurred_at", "recorded_at", "kind", "category", "agency_id", "author_id", "title",
                 "body", "subject_type", "subject_id"]


class _PeopleMaker:
    """The people step of `build_world`: one person's rows at a time (`person()`), added to `tables`, drawn
    from one random stream in a fixed order, so that the same seed builds the same world. Hot: a million
    people is about five minutes of this, so values read in the loops are bound to locals first."""

    def __init__(self, *, rng: _Random, seed: int, pools: dict, today: dt.date, agencies: list, staff: list):
        self.rng, self.pools, self.today = rng, pools, today
        # (plain attributes: a model's foreign-key attribute is a descriptor, read hundreds of times a person)
        self.casework = casework = [SimpleNamespace(user_id=s.user_id, agency_id=s.agency_id) for s in staff
                                    if s.role in (Role.KEY_WORKER, Role.PRISON_TEAM, Role.PARTNER_WORKER)]
        self.by_agency = by_agency = {}
        for member in casework:
            by_agency.setdefault(member.agency_id, []).append(member)
        self.treatment = [a for a in agencies if a.kind == AgencyKind.COMMUNITY_TREATMENT]
        self.prison = next(a for a in agencies if a.kind == AgencyKind.PRISON)
        self.partners = [a for a in agencies if a.kind not in (AgencyKind.COMMISSIONER, AgencyKind.COMMUNITY_TREATMENT,
                                                                AgencyKind.PRISON) and by_agency.get(a.pk)]
        self.partner_kinds = sorted({a.kind for a in self.partners})
        self.reasons = [e for e in refdata.load("discharge_reasons") if e.current(today)]
        self.ethnicities = [e.id for e in refdata.load("ethnicity")]
        self.disabilities = [e.id for e in refdata.load("disabilities")]
        self.nhs_counter = 400_000_000 + seed * 1_000_003 % 100_000_000
        self.serial = rng.randint(100_000, 900_000)
        self.caseloads: dict = {}  # worker user id -> people on their care teams
        self.tz = timezone.get_current_timezone()
        self.languages = ["English"] * 9 + ["Welsh", "Polish", "Urdu"]
        self.shareable = [c for c in Category.values if c != Category.CONTACT_ADMIN]
        self.persons, self.names, self.identifiers = Table(Person), Table(PersonName), Table(Identifier)
        self.profiles, self.match_keys = Table(MatchProfile), Table(MatchKey)
        self.episodes, self.custodies, self.members = Table(Episode), Table(Custody), Table(CareTeamMember)
        self.consents, self.referrals = Table(Consent), Table(Referral)
        self.appointments, self.events = Table(Appointment), Table(Event)
        if self.events.columns != EVENT_COLUMNS or self.match_keys.columns != ["key", "person_id"]:  # add_row's order
            raise RuntimeError(f"journey.Event's or matching.MatchKey's columns changed: {self.events.columns}")
        self.tables = [self.persons, self.names, self.identifiers, self.profiles, self.match_keys, self.episodes,
                       self.custodies, self.members, self.consents, self.referrals, self.appointments, self.events]
        for agency in agencies:  # the rows take ids as text (COPY's, and what a UUID field takes from a string)
            agency.sid = str(agency.pk)
        self.partner_ids = {a.sid for a in self.partners}  # (agencies are compared by identity: one object each)
        self.folded = functools.lru_cache(maxsize=None)(fold)  # names come from the pools: a few thousand
        self.event = self.events.add_row

    def moment(self, day: dt.date) -> dt.datetime:
        """08:00 to 17:59 on `day`, one draw (randint costs ten times more)."""
        minute = int(self.rng.random() * 600)
        return dt.datetime.combine(day, dt.time(8 + minute // 60, minute % 60), tzinfo=self.tz)

    def new_id(self) -> str:
        """str(uuid.UUID(int=rng.getrandbits(128), version=4)), without the UUID object."""
        h = f"{self.rng.getrandbits(128) & _UUID4_CLEAR | _UUID4_SET:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def person(self) -> None:
        """One person: details, names, identifiers, matching keys, registration, episodes with their history,
        consents, and sometimes a referral."""
        rng, pools, today, prison = self.rng, self.pools, self.today, self.prison
        person_id = self.new_id()
        sex = rng.choice([Sex.MALE, Sex.MALE, Sex.FEMALE, Sex.NOT_STATED])
        given = rng.choice(pools["male"] if sex == Sex.MALE else pools["female"] if sex == Sex.FEMALE
                           else pools["any"])
        family = rng.choice(pools["family"])
        dob = today - dt.timedelta(days=rng.randint(18 * 365, 70 * 365))
        home = rng.choice(self.treatment) if rng.random() < 0.7 else rng.choice([prison, *self.treatment])
        registered = today - dt.timedelta(days=rng.randint(30, 540))
        registered_at = self.moment(registered)
        postcode = rng.choice(pools["postcode"])
        self.persons.add(id=person_id, date_of_birth=dob, sex=sex, gender={Sex.MALE: "Man", Sex.FEMALE: "Woman"}.get(sex, ""),
                         ethnicity=rng.choice(self.ethnicities), postcode=postcode,
                         preferred_language=rng.choice(self.languages),
                         disabilities=rng.sample(self.disabilities, k=rng.choice([0, 0, 0, 1])),
                         learning_disability=rng.random() < 0.05, phone=rng.choice(pools["phone"]),
                         safe_to_contact={"phone": True, "text": rng.random() < 0.8, "letter": rng.random() < 0.5},
                         display_name=f"{given} {family}", registered_by_agency_id=home.sid,
                         registered_at=registered_at, updated_at=registered_at)
        known = self._names(person_id, given, family)
        held = self._nhs_number()
        author = rng.choice(_staff_for(self.by_agency, home.pk) or self.casework)
        self.event((person_id, registered_at, registered_at, EventKind.REGISTRATION, Category.CONTACT_ADMIN, home.sid,
                    author.user_id, f"Registered by {home.name}", "", "", ""))
        spells = [(home, registered)]
        if rng.random() < 0.3 and home is not prison:
            spells.append((prison, registered + dt.timedelta(days=rng.randint(10, 200))))
            held += self._prison_numbers()
        for identifier in held:
            self.identifiers.add(person_id=person_id, scheme=identifier.scheme, value=identifier.value)
        # The matching index, as matching.index.rebuild would make it (names in (kind, id) order).
        known.sort(key=lambda name: name.kind)
        data = profile_of(SimpleNamespace(date_of_birth=dob, sex=sex, postcode=postcode), known, held)
        self.profiles.add(person_id=person_id, data=data)
        for key in sorted(keys_of(variants(data))):
            self.match_keys.add_row((key, person_id))
        if rng.random() < 0.4 and self.partners:
            spells.append((rng.choice(self.partners), registered + dt.timedelta(days=rng.randint(0, 120))))
        self._episodes(person_id, spells)
        if home is not prison:  # consents, recorded by the treatment service at registration
            self._consents(person_id, home, author, registered, registered_at, spells)
        if rng.random() < 0.06 and self.partners and home is not prison:
            self._referral(person_id, home, author)

    def _names(self, person_id: str, given: str, family: str) -> list:
        """The usual name, and sometimes an alias or previous family name: the names as matching knows them."""
        rng, folded = self.rng, self.folded
        folded_given = folded(given)
        known = [SimpleNamespace(kind=NameKind.USUAL, folded_given=folded_given, folded_family=folded(family))]
        self.names.add(person_id=person_id, kind=NameKind.USUAL, given_names=given, family_name=family,
                       folded_given=folded_given, folded_family=known[0].folded_family)
        if rng.random() < 0.15:
            alias = rng.choice(self.pools["family"])
            kind = NameKind.ALIAS if rng.random() < 0.6 else NameKind.PREVIOUS
            known.append(SimpleNamespace(kind=kind, folded_given=folded_given, folded_family=folded(alias)))
            self.names.add(person_id=person_id, kind=kind, given_names=given, family_name=alias,
                           folded_given=folded_given, folded_family=known[-1].folded_family)
        return known

    def _nhs_number(self) -> list:
        """The next valid NHS number, held by 85% of people."""
        while True:
            self.nhs_counter += 1
            check = nhs_check_digit(f"{self.nhs_counter:09d}")
            if check is not None:
                break
        if self.rng.random() < 0.85:
            return [SimpleNamespace(scheme="nhs", value=f"{self.nhs_counter:09d}{check}")]
        return []

    def _prison_numbers(self) -> list:
        """A prison number and a PNC number, for someone who has been in custody."""
        self.serial += 1
        serial = self.serial
        letter = chr(65 + (serial % 26))
        year = str(self.rng.randint(2000, 2024))
        pnc_serial = f"{serial:07d}"
        return [SimpleNamespace(scheme="prison", value=f"{letter}{serial % 10000:04d}{chr(65 + serial % 23)}{chr(66 + serial % 24)}"),
                SimpleNamespace(scheme="pnc", value=f"{year}/{pnc_serial}{pnc_check_letter(year, pnc_serial)}")]

    def _episodes(self, person_id: str, spells: list) -> None:
        """An episode for each spell begun by today, with its worker, care team place, custody and history."""
        rng, today, caseloads, members, event = self.rng, self.today, self.caseloads, self.members, self.event
        led, teams = False, set()
        for agency, start in spells:
            if start > today:
                continue
            setting = Setting.PRISON if agency.kind == AgencyKind.PRISON else Setting.COMMUNITY
            ends = rng.random() < 0.45
            end = min(today, start + dt.timedelta(days=rng.randint(14, 300))) if ends else None
            reason = rng.choice(self.reasons) if end else None
            workers = _staff_for(self.by_agency, agency.pk) or self.casework
            # A current episode goes to the worker with the fewest people (the first of them) until
            # caseloads are full: the demo key worker kw.amara has people to lead on in even a small world.
            worker = rng.choice(workers)
            if end is None:
                fewest = min(workers, key=lambda w: caseloads.get(w.user_id, 0))
                worker = fewest if caseloads.get(fewest.user_id, 0) < CASELOAD else worker
            episode_id = self.new_id()
            service = f"{agency.name} {'healthcare' if setting == Setting.PRISON else 'key working'}"
            self.episodes.add(id=episode_id, person_id=person_id, agency_id=agency.sid, setting=setting, service=service,
                              started_on=start, ended_on=end, discharge_reason=reason.id if reason else "",
                              created_by_id=worker.user_id, created_at=self.moment(start))
            if end is None and caseloads.get(worker.user_id, 0) < CASELOAD and worker.user_id not in teams:
                caseloads[worker.user_id] = caseloads.get(worker.user_id, 0) + 1
                teams.add(worker.user_id)
                members.add(id=self.new_id(), person_id=person_id, agency_id=agency.sid, worker_id=worker.user_id,
                            is_lead=not led, joined_at=self.moment(start), added_by_id=worker.user_id)
                led = True
            category = CATEGORY_BY_AGENCY_KIND[agency.kind]
            started_at = self.moment(start)
            event((person_id, started_at, started_at, EventKind.EPISODE_STARTED, category, agency.sid, worker.user_id,
                   f"{Setting(setting).label} episode started: {service}", "", "episode", str(episode_id)))
            if end:
                ended_at = self.moment(end)
                event((person_id, ended_at, ended_at, EventKind.EPISODE_ENDED, category, agency.sid, worker.user_id,
                       f"Episode ended: {service}", f"Discharge reason: {reason.label} (code {reason.code})",
                       "episode", str(episode_id)))
                if setting == Setting.PRISON:  # a custody spell over, released on licence
                    self._custody(person_id, agency, episode_id, worker, start, end, started_at, ended_at)
            last = min(end or today, today)
            span = max(1, (last - start).days)
            self._notes(person_id, agency, category, worker, start, span)
            self._past_appointments(person_id, agency, worker, start, span)

    def _custody(self, person_id, agency, episode_id, worker, start, end, started_at, ended_at) -> None:
        custody_id = self.new_id()
        self.custodies.add(id=custody_id, person_id=person_id, episode_id=episode_id, prison_id=agency.sid,
                           reception_type=ReceptionType.SENTENCED, received_on=start, status=CustodyStatus.RELEASED,
                           release_on=end, release_type=ReleaseType.CONDITIONAL, destination_area="Northgate",
                           released_on=end, created_by_id=worker.user_id, created_at=started_at, updated_at=ended_at,
                           version=3)
        self.event((person_id, started_at, started_at, EventKind.CUSTODY, Category.OFFENDING, agency.sid,
                    worker.user_id, f"Received into custody at {agency.name}: sentenced", "", "custody", str(custody_id)))
        self.event((person_id, ended_at, ended_at, EventKind.CUSTODY, Category.OFFENDING, agency.sid,
                    worker.user_id, f"Released from {agency.name}: conditional release on licence", "", "custody",
                    str(custody_id)))

    def _notes(self, person_id, agency, category, worker, start, span) -> None:
        """4 to 14 case notes in the episode, up to today, in its own category or any."""
        rng, today, event, moment = self.rng, self.today, self.event, self.moment
        for _ in range(rng.randint(4, 14)):
            day = start + dt.timedelta(days=rng.randint(0, span))
            if day > today:
                continue
            note_category = rng.choice([category, category, *NOTE_TEXTS.keys()])
            text = rng.choice(NOTE_TEXTS[note_category])
            at = moment(day)
            event((person_id, at, at, EventKind.NOTE, note_category, agency.sid, worker.user_id, text[:120], text, "", ""))

    def _past_appointments(self, person_id, agency, worker, start, span) -> None:
        """Up to four past key working appointments in the episode, attended or not."""
        rng, today, tz = self.rng, self.today, self.tz
        for _ in range(rng.choice([0, 1, 2, 2, 3, 4])):
            day = start + dt.timedelta(days=rng.randint(0, span))
            if day >= today:
                continue
            starts = dt.datetime.combine(day, dt.time(rng.randint(9, 16), rng.choice([0, 15, 30, 45])), tzinfo=tz)
            attended = rng.random() < 0.75
            appointment_id = self.new_id()
            self.appointments.add(id=appointment_id, person_id=person_id, agency_id=agency.sid,
                                  worker_id=worker.user_id, booked_by_id=worker.user_id, starts_at=starts,
                                  duration_minutes=rng.choice([30, 45, 60]), mode=Mode.IN_PERSON,
                                  location="Key working room 2", purpose="Key working session",
                                  status=AppointmentStatus.ATTENDED if attended else AppointmentStatus.DID_NOT_ATTEND,
                                  outcome_recorded_at=starts, outcome_recorded_by_id=worker.user_id,
                                  created_at=starts, updated_at=starts, version=2)
            title = ("Attended appointment with " if attended else "Did not attend appointment with ") + agency.name
            self.event((person_id, starts, starts, EventKind.APPOINTMENT, Category.CONTACT_ADMIN, agency.sid,
                        worker.user_id, title, _when(starts, Mode.IN_PERSON) + ".", "appointment", str(appointment_id)))

    def _consents(self, person_id, home, author, registered, given_at, spells) -> None:
        """Consent to share (sometimes withdrawn), to treatment and to the national return, each sometimes."""
        rng, today, event = self.rng, self.today, self.event
        if rng.random() < 0.65:
            partner = next((a for a, _s in spells if a.sid in self.partner_ids), None)
            recipient_kind = "" if partner else rng.choice(self.partner_kinds)
            purposes = [Purpose.DIRECT_CARE, Purpose.CARE_COORDINATION][:rng.randint(1, 2)]
            categories = sorted(rng.sample(self.shareable, k=rng.randint(2, 5)) + [Category.CONTACT_ADMIN],
                                key=Category.values.index)
            withdrawn = given_at + dt.timedelta(days=rng.randint(1, 60)) if rng.random() < 0.05 else None
            if withdrawn and withdrawn.date() >= today:
                withdrawn = None
            consent_id = self.new_id()
            how = rng.choice([HowGiven.VERBAL, HowGiven.WRITTEN])
            self.consents.add(id=consent_id, person_id=person_id, kind=ConsentKind.SHARE,
                              recipient_agency_id=partner.sid if partner else None, recipient_kind=recipient_kind,
                              purposes=purposes, categories=categories, valid_from=registered, how_given=how,
                              recorded_by_id=author.user_id, recorded_by_agency_id=home.sid, recorded_at=given_at,
                              withdrawn_at=withdrawn, withdrawn_by_id=author.user_id if withdrawn else None,
                              withdrawal_reason="The person asked" if withdrawn else "")
            who = partner.name if partner else f"every {AgencyKind(recipient_kind).label.lower()} agency"
            body = (f"{who} can see {', '.join(_LABELS[c] for c in categories)}, for "
                    f"{' and '.join(Purpose(p).label.lower() for p in purposes)}, from {registered:%-d %B %Y}.")
            event((person_id, given_at, given_at, EventKind.CONSENT_RECORDED, Category.CONTACT_ADMIN, home.sid,
                   author.user_id, f"Consent recorded: {ConsentKind.SHARE.label}", body, "consent", str(consent_id)))
            if withdrawn:
                event((person_id, withdrawn, withdrawn, EventKind.CONSENT_WITHDRAWN, Category.CONTACT_ADMIN,
                       home.sid, author.user_id, f"Consent withdrawn: {ConsentKind.SHARE.label}",
                       "The person asked", "consent", str(consent_id)))
        for kind, chance in ((ConsentKind.TREATMENT, 0.6), (ConsentKind.NATIONAL_RETURN, 0.5)):
            if rng.random() < chance:
                consent_id = self.new_id()
                how = rng.choice([HowGiven.VERBAL, HowGiven.WRITTEN])
                self.consents.add(id=consent_id, person_id=person_id, kind=kind, purposes=[], categories=[],
                                  valid_from=registered, how_given=how, recorded_by_id=author.user_id,
                                  recorded_by_agency_id=home.sid, recorded_at=given_at)
                event((person_id, given_at, given_at, EventKind.CONSENT_RECORDED, Category.CONTACT_ADMIN,
                       home.sid, author.user_id, f"Consent recorded: {ConsentKind(kind).label}",
                       f"{ConsentKind(kind).label}, given {HowGiven(how).label.lower()}.", "consent", str(consent_id)))

    def _referral(self, person_id, home, author) -> None:
        """A referral from the treatment service to a partner, or from a partner to treatment."""
        rng = self.rng
        partner = rng.choice(self.partners)
        if rng.random() < 0.5:  # the treatment service refers on
            sender, receiver, referrer = home, partner, author
        else:  # a partner (housing, probation, mental health...) refers to treatment
            sender, receiver = partner, home
            referrer = rng.choice(_staff_for(self.by_agency, partner.pk) or self.casework)
        referral = _demo_referral(rng, person_id, sender, receiver, referrer, self.today, self.moment)
        referral.id = self.new_id()
        self.referrals.add(**{c: getattr(referral, c) for c in self.referrals.columns})
        self.event((person_id, referral.received_at, referral.received_at, EventKind.REFERRAL_SENT,
                    Category.CONTACT_ADMIN, sender.sid, referrer.user_id,
                    f"Referral sent to {receiver.name}: {referral.service}",
                    f"Priority: {referral.get_priority_display().lower()}. Sent by {sender.name}.", "referral",
                    str(referral.id)))


def build_world(*, people: int, seed: int = 1, batch_size: int = 2000,
                progress: Callable[[int], None] | None = None, today: dt.date | None = None,
                reporting: bool = True, stage: Callable[[str], None] | None = None) -> WorldSummary:
    """The partnership and `people` people with their history, bulk-loaded a batch at a time (core.bulk:
    COPY on PostgreSQL). About 40 rows a person: the person, names, identifiers, matching keys, episodes,
    journey events (registration, episodes, notes, appointments, consents, custody, referrals), consents,
    past appointments, custody spells, referrals and care teams. The same seed builds the same world.
    `reporting=False` leaves the reporting tables to the nightly `throughcare reports refresh`. `stage(name)` is
    told when the load moves on to proving keys, building indexes and analysing (core.bulk.Loader)."""
    started = time.monotonic()
    rng = _Random(seed)  # nosec B311 - repeatable synthetic data, not security
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    pools = _pools(fake)
    today = today or timezone.localdate()
    agencies, staff = build_agencies_and_staff()
    maker = _PeopleMaker(rng=rng, seed=seed, pools=pools, today=today, agencies=agencies, staff=staff)
    tables = maker.tables
    # A demo database: one transaction, indexes built and foreign keys proven after the rows (core.bulk.Loader)
    loader = Loader(demo=True, models_loaded=[t.model for t in tables], stage=stage)
    try:
        done = 0
        while done < people:
            n = min(batch_size, people - done)
            for _ in range(n):
                maker.person()
            loader.submit(tables)
            done += n
            if progress:
                progress(n)
        loader.close()
    except BaseException:
        loader.abort()  # rolls the load back
        raise
    seconds = {"people": time.monotonic() - started - sum(loader.seconds.values()), **loader.seconds}
    for name, step in (("appointments", lambda: _demo_appointments(rng, batch_size)),
                       ("plans", lambda: _demo_plans(rng, today)), ("releases", lambda: _demo_releases(rng, today)),
                       ("assessments", lambda: _demo_assessments(rng, today)),
                       ("directory", lambda: _demo_directory(rng, today)), ("person_record", _demo_person_record),
                       ("reporting", lambda: _demo_reporting(today)), ("voice", _demo_voice)):
        if name == "reporting" and not reporting:
            continue
        began = time.monotonic()
        step()
        seconds[name] = time.monotonic() - began
    return WorldSummary(agencies=len(agencies), staff=len(staff), people=people, events=maker.events.total,
                        episodes=maker.episodes.total, rows={t.model._meta.db_table: t.total for t in tables},
                        seconds={name: round(value, 1) for name, value in seconds.items()})


def _demo_directory(rng, today: dt.date) -> None:
    """The partnership's service directory (directory/demo.py), with referral history for its waiting times."""
    from throughcare.directory.demo import build_directory

    build_directory(rng=rng, today=today)


@functools.lru_cache(maxsize=65536)  # appointments fall on quarter hours: few distinct times
def _when(starts: dt.datetime, mode: str) -> str:
    """appointments.reads.describe_time's words, for a time already in the service's time zone."""
    return f"{starts:%A} {starts.day} {starts:%B %Y} at {starts:%H:%M}, {Mode(mode).label.lower()}"


def _demo_appointments(rng, batch_size: int) -> None:
    """Appointments with the lead professional: most people have one in the next fortnight (some today),
    some had one recently (attended or did not attend). Each with its journey event, as the actions write."""
    from throughcare.appointments.models import Appointment
    from throughcare.appointments.models import Status as AppointmentStatus
    from throughcare.core.bulk import Table, load
    from throughcare.notifications.reminders import reminder_due_at

    now = timezone.now()
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    names = dict(Agency.objects.values_list("pk", "name"))

    def at(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(rng.randint(9, 16), rng.choice([0, 15, 30, 45])), tzinfo=tz)

    appointments, events = Table(Appointment), Table(Event)
    leads = CareTeamMember.objects.filter(is_lead=True, left_at__isnull=True).order_by("person_id").values_list(
        "person_id", "agency_id", "worker_id")
    for person_id, agency_id, worker_id in leads.iterator(chunk_size=batch_size):
        common = {"person_id": person_id, "agency_id": agency_id, "worker_id": worker_id, "booked_by_id": worker_id,
                  "duration_minutes": rng.choice([30, 45, 60]), "created_at": now, "updated_at": now}
        if rng.random() < 0.7:
            starts = at(today + dt.timedelta(days=rng.randint(0, 13)))
            if starts > now:
                mode = rng.choice([Mode.IN_PERSON, Mode.IN_PERSON, Mode.PHONE])
                pk = uuid.UUID(int=rng.getrandbits(128), version=4)
                appointments.add(**common, id=pk, starts_at=starts, mode=mode,
                                 location="Key working room 2" if mode == Mode.IN_PERSON else "",
                                 purpose="Key working session", reminder_due_at=reminder_due_at(starts, now))
                events.add(person_id=person_id, occurred_at=now, recorded_at=now, kind=EventKind.APPOINTMENT,
                           category=Category.CONTACT_ADMIN, agency_id=agency_id, author_id=worker_id,
                           title=f"Appointment booked with {names[agency_id]}", body=_when(starts, mode) + ".",
                           subject_type="appointment", subject_id=str(pk))
        if rng.random() < 0.4:
            starts = at(today - dt.timedelta(days=rng.randint(1, 20)))
            attended = rng.random() < 0.75
            pk = uuid.UUID(int=rng.getrandbits(128), version=4)
            appointments.add(**common, id=pk, starts_at=starts, mode=Mode.IN_PERSON, location="Key working room 2",
                             purpose="Key working session",
                             status=AppointmentStatus.ATTENDED if attended else AppointmentStatus.DID_NOT_ATTEND,
                             outcome_recorded_at=starts, outcome_recorded_by_id=worker_id)
            events.add(person_id=person_id, occurred_at=starts, recorded_at=starts, kind=EventKind.APPOINTMENT,
                       category=Category.CONTACT_ADMIN, agency_id=agency_id, author_id=worker_id,
                       title=("Attended appointment with " if attended else "Did not attend appointment with ")
                       + names[agency_id], body=_when(starts, Mode.IN_PERSON) + ".",
                       subject_type="appointment", subject_id=str(pk))
    load([appointments, events])


def _demo_referral(rng, person_id, from_agency, to_agency, author, today, moment) -> Referral:
    """A referral received in the last six weeks, some way along: some waiting past three weeks."""
    received = moment(today - dt.timedelta(days=rng.randint(0, 42)))
    status, stamps = rng.choice(REFERRAL_STAGES)
    referral = Referral(person_id=person_id, from_agency_id=from_agency.pk, from_user_id=author.user_id,
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
        worker__username="kw.amara", is_lead=True, left_at__isnull=True).select_related("worker").order_by("person_id"))


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

