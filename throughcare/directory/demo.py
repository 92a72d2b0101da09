"""A small, realistic service directory for the demo partnership (called at the end of core.demo.build_world).

Every kind of service the partnership signposts to, with real-looking access criteria, including the
classic gap (a community mental health team that will not take people who use drugs, next to a dual
diagnosis clinic that will), and some referral history so waiting times come from referrals. Written
through the directory's actions, so the demo's entries are checked and audited like anyone's.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from throughcare.agencies.models import Agency, Staff
from throughcare.agencies.roles import RECORDING_ROLES
from throughcare.directory import actions
from throughcare.directory.models import Organisation, Service

WEEKDAYS = range(5)
TZ = "Europe/London"


def _hours(days, opens: str, closes: str) -> list[dict]:
    return [{"weekday": d, "opens_at": opens, "closes_at": closes} for d in days]


#: organisation (agency name, or None for one outside Throughcare), description, place, services.
DIRECTORY = [
    ("Riverside Recovery Service", "The partnership's drug and alcohol treatment service.",
     ("Riverside Recovery hub", "12 Quay Street", "Northgate", "Step-free entrance, hearing loop, quiet room"), [
         {"name": "Structured treatment and prescribing", "service_type": "treatment", "tier": "3",
          "life_domains": ["substance_use", "alcohol"], "minimum_age": 18,
          "referral_routes": ["self_referral", "professional", "gp", "criminal_justice", "prison"],
          "how_to_access": "Walk in weekday mornings for an assessment, or phone the duty worker.",
          "hours": _hours(WEEKDAYS, "09:00", "17:00"), "published_wait_days": 14, "phone": "01632 960100",
          "languages": ["English", "Polish"], "interpretation_services": "Telephone interpreters for any language",
          "contacts": [{"name": "Duty worker", "phone": "01632 960100"},
                       {"name": "Criminal justice team", "title": "Professionals' line", "phone": "01632 960199",
                        "email": "cjit@riverside.example", "staff_only": True}]},
         {"name": "Needle exchange and naloxone", "service_type": "harm_reduction", "tier": "2",
          "life_domains": ["substance_use", "physical_health"], "referral_routes": ["self_referral"],
          "how_to_access": "Just come in: no appointment, no name needed.",
          "hours": _hours(range(6), "10:00", "16:00"), "published_wait_days": 0},
     ]),
    ("Harbour Alcohol Service", "Community alcohol treatment.",
     ("Harbour House", "3 Harbour Road", "Northgate", "Ground floor, accessible toilet"), [
         {"name": "Community alcohol detox", "service_type": "treatment", "tier": "3", "substances": ["alcohol"],
          "life_domains": ["alcohol"], "minimum_age": 18, "referral_routes": ["self_referral", "gp", "professional"],
          "how_to_access": "Phone for an assessment; a GP letter helps but is not needed.",
          "hours": _hours(WEEKDAYS, "09:00", "17:00"), "published_wait_days": 21,
          "exclusions": ["other"], "exclusions_note": "Pregnancy: ask about an inpatient detox instead"},
     ]),
    ("HMP Northgate", "Category B local prison.", None, [
         {"name": "Prison substance misuse team", "service_type": "prison_team", "life_domains": ["substance_use",
                                                                                                  "offending"],
          "genders": ["men"], "minimum_age": 18, "referral_routes": ["prison", "criminal_justice"],
          "listed_publicly": False, "how_to_access": "Refer from reception screening or any wing officer.",
          "contacts": [{"name": "Healthcare hub", "phone": "01632 960300", "staff_only": True}]},
     ]),
    ("Northgate Housing Options", "The council's housing advice and homelessness service.",
     ("Civic Centre", "1 Market Square", "Northgate", "Lift, hearing loop, baby changing"), [
         {"name": "Floating support", "service_type": "housing", "life_domains": ["housing"], "minimum_age": 18,
          "referral_routes": ["self_referral", "professional", "prison"], "published_wait_days": 28,
          "exclusions": ["arson"], "hours": _hours(WEEKDAYS, "09:00", "16:30"),
          "how_to_access": "Ask at the Civic Centre or have your key worker refer you."},
     ]),
    ("Northgate Crisis House", "A charity running short-stay crisis beds.",
     ("Crisis House", "40 Mill Lane", "Northgate", "Two ground-floor rooms"), [
         {"name": "Crisis beds", "service_type": "crisis_beds", "life_domains": ["housing", "mental_health",
                                                                                 "substance_use"],
          "minimum_age": 18, "referral_routes": ["professional", "criminal_justice"],
          "hours": _hours(range(7), "00:00", "00:00"), "exclusions": ["arson"],
          "how_to_access": "Probation, police liaison and key workers phone any time, day or night.",
          "contacts": [{"name": "Night manager", "phone": "01632 960500", "staff_only": True}]},
     ]),
    ("Community Mental Health Team North", "Secondary mental health care.",
     ("Northgate Health Centre", "2 Hospital Way", "Northgate", "Step-free, accessible toilet"), [
         {"name": "Community mental health team", "service_type": "mental_health", "life_domains": ["mental_health"],
          "minimum_age": 18, "maximum_age": 65, "referral_routes": ["gp", "professional"],
          "exclusions": ["current_substance_use"], "published_wait_days": 35,
          "hours": _hours(WEEKDAYS, "09:00", "17:00")},
         {"name": "Dual diagnosis clinic", "service_type": "mental_health",
          "life_domains": ["mental_health", "substance_use"], "minimum_age": 18,
          "referral_routes": ["professional"], "hours": _hours([1, 3], "13:00", "17:00"), "published_wait_days": 21,
          "how_to_access": "Referral by the drug and alcohol service or the mental health team."},
     ]),
    ("Bridge Street Surgery", "GP practice.", ("Bridge Street Surgery", "5 Bridge Street", "Northgate",
                                              "Step-free, hearing loop"), [
         {"name": "GP registration, including no fixed address", "service_type": "primary_care",
          "life_domains": ["physical_health"], "referral_routes": ["self_referral"],
          "hours": _hours(WEEKDAYS, "08:00", "18:30"),
          "how_to_access": "Register at reception: you do not need proof of address or ID."},
     ]),
    ("Jobcentre Plus Northgate", "Jobcentre Plus.", ("Jobcentre Plus", "9 Station Road", "Northgate",
                                                     "Step-free"), [
         {"name": "Work coach and Universal Credit", "service_type": "employment",
          "life_domains": ["employment_benefits"], "minimum_age": 16, "referral_routes": ["self_referral",
                                                                                        "professional", "prison"],
          "hours": _hours(WEEKDAYS, "09:00", "17:00"), "languages": ["English", "Welsh"]},
     ]),
    ("Northgate Children's Services", "The council's children and families service.", None, [
         {"name": "Family support for parents in recovery", "service_type": "family",
          "life_domains": ["family_safeguarding"], "referral_routes": ["self_referral", "professional"],
          "published_wait_days": 10},
     ]),
    ("Open Door Peer Support", "Peer-led recovery community.", ("Open Door", "4 Quay Street", "Northgate",
                                                                "Step-free, quiet room"), [
         {"name": "Peer support group", "service_type": "mutual_aid", "life_domains": ["substance_use", "wellbeing"],
          "referral_routes": ["self_referral", "professional"], "hours": _hours([1, 3], "18:00", "20:00"),
          "published_wait_days": 0},
         {"name": "Met at the gate", "service_type": "mutual_aid", "life_domains": ["offending", "wellbeing"],
          "referral_routes": ["prison", "criminal_justice"],
          "how_to_access": "The prison team books a peer mentor to meet the person on the day of release."},
     ]),
    (None, "Northgate Women's Centre", ("Women's Centre", "18 Chapel Street", "Northgate", "Crèche on site"), [
         {"name": "Women's recovery group", "service_type": "mutual_aid", "genders": ["women"],
          "life_domains": ["substance_use", "wellbeing", "family_safeguarding"], "referral_routes": ["self_referral"],
          "hours": _hours([2], "10:00", "12:00")},
     ]),
    (None, "Northgate Young People's Service", None, [
         {"name": "Young people's drug and alcohol service", "service_type": "treatment", "tier": "3",
          "minimum_age": 11, "maximum_age": 24, "life_domains": ["substance_use", "alcohol"],
          "referral_routes": ["self_referral", "professional", "gp"], "published_wait_days": 7},
     ]),
    (None, "Alcoholics Anonymous Northgate", None, [
         {"name": "AA meetings", "service_type": "mutual_aid", "substances": ["alcohol"], "life_domains": ["alcohol"],
          "referral_routes": ["self_referral"], "hours": _hours([0, 2, 4], "19:30", "21:00")},
     ]),
    (None, "Samaritans", None, [
         {"name": "Samaritans helpline", "service_type": "mental_health", "life_domains": ["mental_health",
                                                                                         "wellbeing"],
          "referral_routes": ["self_referral"], "phone": "116 123", "hours": _hours(range(7), "00:00", "00:00"),
          "how_to_access": "Call free, any time, from any phone."},
     ]),
]


def build_directory(*, rng=None, today: dt.date | None = None) -> int:
    """Load the demo directory once (nothing happens if it is already there). Returns services added."""
    if Organisation.objects.exists():
        return 0
    agencies = {a.name: a for a in Agency.objects.all()}
    added = []
    with transaction.atomic():
        for position, (agency_name, description, place, services) in enumerate(DIRECTORY):
            name = agency_name or description
            agency = agencies.get(agency_name) if agency_name else None
            organisation = actions.create_organisation(
                actor=None, name=name, description=description if agency_name else "",
                agency=agency.pk if agency else None)
            location_ids = []
            if place:
                location = actions.save_location(actor=None, organisation_id=organisation.pk, name=place[0],
                                                 address_1=place[1], city=place[2],
                                                 postcode=f"NG{position % 9 + 1} {position % 9 + 1}AB",
                                                 accessibility=place[3])
                location_ids = [location.pk]
            for fields in map(dict, services):
                added.append(actions.create_service(
                    actor=None, organisation_id=organisation.pk, location_ids=location_ids, time_zone=TZ,
                    assured_on=today or timezone.localdate(),
                    description=fields.pop("description", f"{fields['name']} from {name}."), **fields))
        if rng is not None:
            _referral_history(rng, added)
    return len(added)


def _referral_history(rng, services: list[Service]) -> None:
    """Closed referrals to the agencies' directory services over the last 90 days, so their waiting times
    come from referrals (0011). Only where the demo has people to refer."""
    from throughcare.people.models import Person
    from throughcare.referrals.models import Referral

    people = list(Person.objects.order_by("pk").values_list("pk", "registered_by_agency_id")[:300])
    workers: dict = {}
    for staff in Staff.objects.filter(role__in=RECORDING_ROLES).order_by("agency_id", "user_id").values("agency_id", "user_id"):
        workers.setdefault(staff["agency_id"], []).append(staff["user_id"])
    now = timezone.now()
    rows = []
    for service in services:
        to_agency = service.organisation.agency_id
        if to_agency is None or service.service_type == "prison_team":
            continue
        candidates = [(pk, agency) for pk, agency in people if agency != to_agency and workers.get(agency)]
        for _ in range(rng.randint(6, 12) if len(candidates) >= 12 else 0):
            person_id, from_agency = rng.choice(candidates)
            started = now - dt.timedelta(days=rng.randint(1, 85), hours=rng.randint(0, 8))
            received = started - dt.timedelta(days=rng.randint(1, 40), hours=rng.randint(0, 8))
            rows.append(Referral(
                person_id=person_id, from_agency_id=from_agency, from_user_id=rng.choice(workers[from_agency]),
                to_agency_id=to_agency, service=service.name, reason="Referred from the service directory",
                status="intervention_started", received_at=received,
                acknowledged_at=received + dt.timedelta(hours=4), decided_at=received + dt.timedelta(days=1),
                first_appointment_offered_at=received + dt.timedelta(days=1), first_appointment_on=timezone.localtime(started).date(),
                intervention_started_at=started, shared_categories=["contact_admin"], version=5))
    Referral.objects.bulk_create(rows)
