"""The access matrix: roles × caller agencies × relationships × consent states × endpoint kinds.

Every cell is a real HTTP request. The expected outcome comes from the tables below, written
from the product rules (product.md "Who uses it", the consent issue), not from
throughcare.consent.policy. Zero unauthorised reads and zero wrongful denials are required.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.conftest import Api
from throughcare.accounts.actions import create_token
from throughcare.agencies.models import Agency, Staff
from throughcare.consent.models import BreakGlass, Consent, LawfulBasis
from throughcare.episodes.models import Episode
from throughcare.journey.models import Event
from throughcare.people.models import Person, PersonName

ALL = ["substance_use", "alcohol", "mental_health", "physical_health", "offending", "housing",
       "employment_benefits", "family_safeguarding", "contact_admin"]

ROLES = ["key_worker", "prison_team", "partner_worker", "service_manager", "peer_mentor", "commissioner",
         "caldicott_guardian", "administrator", "auditor"]
#: The caller's agency: its kind matters for consents given to "every agency of a kind".
CALLER_AGENCIES = ["housing", "probation", "mental_health"]
RELATIONSHIPS = ["none", "registered_here", "current_episode", "ended_episode", "held_in_custody"]
CONSENT_STATES = ["none", "granted", "granted_other_categories", "granted_to_kind", "granted_to_other_kind",
                  "expired", "withdrawn", "not_yet_valid", "other_purpose", "safeguarding_approved",
                  "safeguarding_pending", "break_glass", "break_glass_expired"]
ENDPOINTS = ["read", "timeline", "search", "episodes", "consents", "note", "audit"]

# ---- The expected outcomes, as tables -------------------------------------------------------
SEES_CASE_CONTENT = {"key_worker": True, "prison_team": True, "partner_worker": True, "service_manager": True,
                     "peer_mentor": True,
                     "commissioner": False, "caldicott_guardian": False, "administrator": False, "auditor": False}
WRITES = {"key_worker": True, "prison_team": True, "partner_worker": True, "service_manager": True,
          "peer_mentor": False}
ROLE_CAN_SEE = {role: set(ALL) for role in ("key_worker", "prison_team", "partner_worker", "service_manager")}
ROLE_CAN_SEE["peer_mentor"] = {"contact_admin"}
READS_AUDIT = {"caldicott_guardian", "auditor"}
IS_RELATIONSHIP = {"none": False, "registered_here": True, "current_episode": True, "ended_episode": False,
                   "held_in_custody": True}
#: Categories another agency's records open up to the caller, by consent state (given a relationship).
CONSENTED = {"granted": {"housing", "substance_use"}, "granted_other_categories": {"physical_health"},
             "granted_to_kind": {"housing", "substance_use"}, "granted_to_other_kind": set(), "expired": set(),
             "withdrawn": set(), "not_yet_valid": set(), "other_purpose": set(), "none": set(),
             "safeguarding_approved": set(), "safeguarding_pending": set(), "break_glass": set(),
             "break_glass_expired": set()}
#: Categories opened by an approved other lawful basis (which needs no relationship).
BASIS = {"safeguarding_approved": {"family_safeguarding"}}
#: Categories the caller's own agency recorded in the seeded history.
OWN_EVENTS = {"housing", "offending"}


def expected_view(role: str, relationship: str, state: str) -> dict | None:
    """None when the person must look as if they do not exist; else what is visible."""
    if not SEES_CASE_CONTENT[role]:
        return None
    cap = ROLE_CAN_SEE[role]
    if state == "break_glass":
        return {"shared": cap, "own": cap}
    related = IS_RELATIONSHIP[relationship]
    basis = BASIS.get(state, set())
    if not related and not basis:
        return None
    shared = {"contact_admin"} | basis | (CONSENTED[state] if related else set())
    return {"shared": shared & cap, "own": cap if related else set()}


# ---- Building the world ---------------------------------------------------------------------

def _build(django_db_blocker=None):
    User = get_user_model()
    home = Agency.objects.create(name="Home Treatment", kind="community_treatment")
    other = Agency.objects.create(name="Elsewhere", kind="primary_care")
    callers = {kind: Agency.objects.create(name=f"Caller {kind}", kind=kind) for kind in CALLER_AGENCIES}
    prison_kind_agency = callers["probation"]  # custody is modelled as a prison-setting episode at the caller
    author = User.objects.create(username="home-worker")
    Staff.objects.create(user=author, agency=home, role="key_worker")
    personas: dict[tuple[str, str], tuple] = {}
    for kind, agency in callers.items():
        for role in ROLES:
            user = User.objects.create(username=f"{role}@{kind}")
            Staff.objects.create(user=user, agency=agency, role=role)
            personas[(kind, role)] = (user, Api(create_token(actor=None, username=user.username)))
    today = timezone.localdate()
    now = timezone.now()
    people = {}
    persons, names, episodes, events, consents, bases, glasses = [], [], [], [], [], [], []
    for kind, relationship, state in itertools.product(CALLER_AGENCIES, RELATIONSHIPS, CONSENT_STATES):
        agency = callers[kind]
        surname = f"Matrix{uuid.uuid4().hex[:10]}"
        person = Person(id=uuid.uuid4(), date_of_birth=dt.date(1980, 1, 1), display_name=f"Case {surname}",
                        registered_by_agency=agency if relationship == "registered_here" else home,
                        registered_at=now, updated_at=now)
        persons.append(person)
        names.append(PersonName(person=person, given_names="Case", family_name=surname, folded_given="case",
                                folded_family=surname.lower()))
        episodes.append(Episode(person=person, agency=home, setting="community", service="Treatment",
                                started_on=dt.date(2025, 1, 1), created_by=author))
        if relationship in ("current_episode", "ended_episode", "held_in_custody"):
            episodes.append(Episode(person=person, agency=agency,
                                    setting="prison" if relationship == "held_in_custody" else "community",
                                    service="Caller service", started_on=dt.date(2025, 2, 1),
                                    ended_on=dt.date(2025, 6, 1) if relationship == "ended_episode" else None,
                                    created_by=author))
        for category in ALL:
            events.append(Event(person=person, occurred_at=now, recorded_at=now, kind="note", category=category,
                                agency=home, title=f"home:{category}"))
        for category in OWN_EVENTS:
            events.append(Event(person=person, occurred_at=now, recorded_at=now, kind="note", category=category,
                                agency=agency, title=f"own:{category}"))
        events.append(Event(person=person, occurred_at=now, recorded_at=now, kind="note", category="mental_health",
                            agency=other, title="other:mental_health"))
        base = {"person": person, "purposes": ["direct_care"], "categories": ["housing", "substance_use"],
                "how_given": "written", "valid_from": today - dt.timedelta(days=10)}
        if state == "granted":
            consents.append(Consent(recipient_agency=agency, **base))
        elif state == "granted_other_categories":
            consents.append(Consent(recipient_agency=agency, **{**base, "categories": ["physical_health"]}))
            consents.append(Consent(recipient_agency=other, **base))
        elif state == "granted_to_kind":
            consents.append(Consent(recipient_kind=kind, **base))
        elif state == "granted_to_other_kind":
            consents.append(Consent(recipient_kind="jobcentre_plus", **base))
        elif state == "expired":
            consents.append(Consent(recipient_agency=agency, **{**base, "valid_until": today - dt.timedelta(days=1)}))
        elif state == "withdrawn":
            consents.append(Consent(recipient_agency=agency, withdrawn_at=now, **base))
        elif state == "not_yet_valid":
            consents.append(Consent(recipient_agency=agency, **{**base, "valid_from": today + dt.timedelta(days=1)}))
        elif state == "other_purpose":
            consents.append(Consent(recipient_agency=agency, **{**base, "purposes": ["safeguarding"]}))
        elif state in ("safeguarding_approved", "safeguarding_pending"):
            bases.append(LawfulBasis(person=person, basis="safeguarding_child", recipient_agency=agency,
                                     categories=["family_safeguarding"], reason="Strategy meeting",
                                     requested_by=author, approved=True if state == "safeguarding_approved" else None))
        elif state in ("break_glass", "break_glass_expired"):
            expires = now + dt.timedelta(hours=2) if state == "break_glass" else now - dt.timedelta(minutes=1)
            for role in ROLES:
                glasses.append(BreakGlass(person=person, user=personas[(kind, role)][0], agency=agency,
                                          reason="Emergency", started_at=now - dt.timedelta(hours=3),
                                          expires_at=expires))
        people[(kind, relationship, state)] = (person, surname)
    Person.objects.bulk_create(persons)
    PersonName.objects.bulk_create(names)
    Episode.objects.bulk_create(episodes)
    Event.objects.bulk_create(events)
    Consent.objects.bulk_create(consents)
    LawfulBasis.objects.bulk_create(bases)
    BreakGlass.objects.bulk_create(glasses)
    del prison_kind_agency
    return personas, people, callers


def _check(api: Api, role: str, kind: str, agency, relationship: str, state: str, person, surname: str,
           not_found: bytes, failures: list) -> int:
    view = expected_view(role, relationship, state)
    where = f"{role}@{kind} {relationship} {state}"
    requests = 0

    def fail(endpoint, message):
        failures.append(f"{where} {endpoint}: {message}")

    for endpoint in ENDPOINTS:
        requests += 1
        if endpoint == "read":
            r = api.get(f"/people/{person.pk}")
            if view is None:
                if r.status_code != 404 or r.content != not_found:
                    fail(endpoint, f"expected the not-found answer, got {r.status_code}")
            elif r.status_code != 200:
                fail(endpoint, f"expected 200, got {r.status_code}")
        elif endpoint == "timeline":
            r = api.get(f"/people/{person.pk}/timeline", page_size=200)
            if view is None:
                if r.status_code != 404 or r.content != not_found:
                    fail(endpoint, f"expected the not-found answer, got {r.status_code}")
                continue
            # Notes other personas wrote during the run ("matrix note") are not part of the seeded history.
            seen = {i["title"] for i in r.json()["items"] if i["title"].startswith(("home:", "own:", "other:"))}
            expected = {f"home:{c}" for c in view["shared"]}
            expected |= {f"own:{c}" for c in OWN_EVENTS if c in view["shared"] or c in view["own"]}
            expected |= {"other:mental_health"} if "mental_health" in view["shared"] else set()
            if seen != expected:
                fail(endpoint, f"saw {sorted(seen - expected)} wrongly, missed {sorted(expected - seen)}")
        elif endpoint == "search":
            r = api.get("/people", q=surname)
            total = r.json()["total"]
            if total != (0 if view is None else 1):
                fail(endpoint, f"search total {total}")
        elif endpoint == "episodes":
            r = api.get(f"/people/{person.pk}/episodes")
            if view is None:
                if r.status_code != 404:
                    fail(endpoint, f"expected 404, got {r.status_code}")
                continue
            services = sorted(e["service"] for e in r.json())
            expected = []
            if "substance_use" in view["shared"]:
                expected.append("Treatment")  # the home agency's episode is substance-use information
            own_category = {"housing": "housing", "probation": "offending", "mental_health": "mental_health"}[kind]
            if relationship in ("current_episode", "ended_episode", "held_in_custody") and (
                    own_category in view["shared"] or own_category in view["own"]):
                expected.append("Caller service")
            if services != sorted(expected):
                fail(endpoint, f"episodes {services}, expected {sorted(expected)}")
        elif endpoint == "consents":
            r = api.get(f"/people/{person.pk}/consents")
            if r.status_code != (404 if view is None else 200):
                fail(endpoint, f"got {r.status_code}")
        elif endpoint == "note":
            r = api.post(f"/people/{person.pk}/notes", {"text": "matrix note", "category": "contact_admin"})
            wanted = 404 if view is None else (201 if WRITES.get(role) else 403)
            if r.status_code != wanted:
                fail(endpoint, f"expected {wanted}, got {r.status_code}")
        elif endpoint == "audit":
            r = api.get("/audit", person=str(person.pk), page_size=1)
            if r.status_code != (200 if role in READS_AUDIT else 403):
                fail(endpoint, f"got {r.status_code}")
    return requests


@pytest.mark.timeout(900)
def test_access_matrix(db):
    personas, people, callers = _build()
    failures: list[str] = []
    requests = 0
    for (kind, role), (_user, api) in personas.items():
        not_found = api.get(f"/people/{uuid.uuid4()}").content
        for relationship, state in itertools.product(RELATIONSHIPS, CONSENT_STATES):
            person, surname = people[(kind, relationship, state)]
            requests += _check(api, role, kind, callers[kind], relationship, state, person, surname, not_found,
                               failures)
    print(f"access matrix: {requests} requests")
    assert requests >= 7000, requests
    assert not failures, f"{len(failures)} of {requests} requests wrong:\n" + "\n".join(failures[:60])
    os.environ.setdefault("THROUGHCARE_MATRIX_REQUESTS", str(requests))
