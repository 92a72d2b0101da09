"""Generated access cases: random relationships (registered, episodes, custody, care team, referrals open or
closed, to or from the caller's agency), consents, bases and emergency access against an independent model.

A few hundred cases in every run; `make nightly` sets THROUGHCARE_NIGHTLY=1 for 20,000.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from throughcare.agencies.models import Agency, Staff
from throughcare.careteam.models import CareTeamMember
from throughcare.consent.models import BreakGlass, Consent, LawfulBasis
from throughcare.consent.policy import grant_for, visible_people, visible_person_ids
from throughcare.core.context import request_context
from throughcare.episodes.models import Episode
from throughcare.people.models import Person
from throughcare.referrals.models import Referral

EXAMPLES = 20_000 if os.environ.get("THROUGHCARE_NIGHTLY") else 300
CATS = ["substance_use", "alcohol", "mental_health", "physical_health", "offending", "housing",
        "employment_benefits", "family_safeguarding", "contact_admin"]
ROLES = ["key_worker", "prison_team", "partner_worker", "service_manager", "peer_mentor", "commissioner",
         "caldicott_guardian", "administrator", "auditor"]

consents = st.lists(st.fixed_dictionaries({
    "to": st.sampled_from(["caller", "caller_kind", "other", "other_kind"]),
    "kind": st.sampled_from(["share", "share", "share", "treatment", "national_return"]),
    "purposes": st.sets(st.sampled_from(["direct_care", "care_coordination", "safeguarding"]), min_size=1),
    "categories": st.sets(st.sampled_from(CATS), min_size=1),
    "start": st.integers(-30, 5), "end": st.one_of(st.none(), st.integers(-5, 30)),
    "withdrawn": st.booleans(),
}), max_size=3)
bases = st.lists(st.fixed_dictionaries({
    "to": st.sampled_from(["caller", "other"]), "approved": st.sampled_from([True, False, None]),
    "revoked": st.booleans(), "end": st.one_of(st.none(), st.integers(-5, 30)),
    "categories": st.sets(st.sampled_from(CATS), min_size=1),
}), max_size=2)
cases = st.fixed_dictionaries({
    "role": st.sampled_from(ROLES),
    "relationship": st.sampled_from(["none", "registered", "episode", "ended_episode", "custody", "care_team",
                                     "left_care_team", "referral_to", "referral_from", "closed_referral"]),
    # Referral states: open ones (anything short of declined, withdrawn or intervention started) relate the
    # two agencies to the person; closed ones do not.
    "referral_status": st.sampled_from(["sent", "acknowledged", "accepted", "first_appointment_offered",
                                        "declined", "withdrawn", "intervention_started"]),
    "consents": consents, "bases": bases,
    "glass": st.sampled_from(["none", "none", "active", "expired", "someone_else"]),
})


def expected(case) -> tuple[bool, set[str], set[str]]:
    """(person visible, categories seen from any agency, categories seen from the caller's own agency)."""
    if case["role"] not in ("key_worker", "prison_team", "partner_worker", "service_manager", "peer_mentor"):
        return False, set(), set()
    cap = {"contact_admin"} if case["role"] == "peer_mentor" else set(CATS)
    if case["glass"] == "active":
        return True, cap, cap
    related = case["relationship"] in ("registered", "episode", "custody", "care_team") or (
        case["relationship"] in ("referral_to", "referral_from")
        and case["referral_status"] in ("sent", "acknowledged", "accepted", "first_appointment_offered"))
    basis_categories: set[str] = set()
    for b in case["bases"]:
        if b["to"] == "caller" and b["approved"] is True and not b["revoked"] and (b["end"] is None or b["end"] >= 0):
            basis_categories |= b["categories"]
    has_basis = any(b["to"] == "caller" and b["approved"] is True and not b["revoked"] and (b["end"] is None or b["end"] >= 0)
                    for b in case["bases"])
    if not related and not has_basis:
        return False, set(), set()
    consented: set[str] = set()
    for c in case["consents"]:
        in_date = c["start"] <= 0 and (c["end"] is None or c["end"] >= 0)
        if (related and c["kind"] == "share" and c["to"] in ("caller", "caller_kind") and in_date
                and not c["withdrawn"] and "direct_care" in c["purposes"]):
            consented |= c["categories"]
    return True, ({"contact_admin"} | consented | basis_categories) & cap, (cap if related else set())


def _setup():
    User = get_user_model()
    home = Agency.objects.create(name="Home", kind="community_treatment")
    caller = Agency.objects.create(name="Caller", kind="housing")
    other = Agency.objects.create(name="Other", kind="probation")
    users = {}
    for role in ROLES:
        user = User.objects.create(username=f"p-{role}")
        Staff.objects.create(user=user, agency=caller, role=role)
        users[role] = user
    stranger = User.objects.create(username="p-stranger")
    Staff.objects.create(user=stranger, agency=other, role="key_worker")
    return home, caller, other, users, stranger


@pytest.mark.timeout(3 * 3600 if EXAMPLES > 1000 else 300)  # 20,000 cases take minutes, more on a busy machine
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=cases)
def test_policy_matches_the_independent_model(db, case):
    home, caller, other, users, stranger = _prepared(db)
    today = timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        sid = transaction.savepoint()
        person = Person.objects.create(date_of_birth=dt.date(1980, 1, 1), display_name="P",
                                       registered_by_agency=caller if case["relationship"] == "registered" else home,
                                       registered_at=now, updated_at=now)
        if case["relationship"] in ("episode", "ended_episode", "custody"):
            Episode.objects.create(person=person, agency=caller, service="S", created_by=stranger,
                                   setting="prison" if case["relationship"] == "custody" else "community",
                                   started_on=dt.date(2025, 1, 1),
                                   ended_on=dt.date(2025, 2, 1) if case["relationship"] == "ended_episode" else None)
        if case["relationship"] in ("referral_to", "referral_from", "closed_referral"):
            status = "declined" if case["relationship"] == "closed_referral" else case["referral_status"]
            ours, theirs = (home, caller) if case["relationship"] != "referral_from" else (caller, home)
            Referral.objects.create(person=person, from_agency=ours, from_user=stranger, to_agency=theirs,
                                    service="S", reason="r", status=status, received_at=now)
        # A referral between two other agencies never relates the caller's agency to the person.
        Referral.objects.create(person=person, from_agency=home, from_user=stranger, to_agency=other, service="S",
                                reason="r", received_at=now)
        if case["relationship"] in ("care_team", "left_care_team"):
            CareTeamMember.objects.create(person=person, agency=caller, worker=stranger, added_by=stranger,
                                          left_at=now if case["relationship"] == "left_care_team" else None)
        for c in case["consents"]:
            target = {"caller": {"recipient_agency": caller}, "caller_kind": {"recipient_kind": "housing"},
                      "other": {"recipient_agency": other}, "other_kind": {"recipient_kind": "probation"}}[c["to"]]
            Consent.objects.create(person=person, kind=c["kind"], purposes=sorted(c["purposes"]),
                                   categories=sorted(c["categories"]), how_given="verbal",
                                   valid_from=today + dt.timedelta(days=c["start"]),
                                   valid_until=None if c["end"] is None else today + dt.timedelta(days=c["end"]),
                                   withdrawn_at=now if c["withdrawn"] else None, **target)
        for b in case["bases"]:
            LawfulBasis.objects.create(person=person, basis="safeguarding_adult",
                                       recipient_agency=caller if b["to"] == "caller" else other,
                                       categories=sorted(b["categories"]), reason="r", requested_by=stranger,
                                       approved=b["approved"], revoked_at=now if b["revoked"] else None,
                                       valid_until=None if b["end"] is None else today + dt.timedelta(days=b["end"]))
        user = users[case["role"]]
        if case["glass"] != "none":
            who = stranger if case["glass"] == "someone_else" else user
            expires = now - dt.timedelta(minutes=1) if case["glass"] == "expired" else now + dt.timedelta(hours=1)
            BreakGlass.objects.create(person=person, user=who, agency=who.staff.agency, reason="r", expires_at=expires)
        visible, shared, own = expected(case)
        grant = grant_for(user, person)
        listed = visible_people(user).filter(pk=person.pk).exists()
        with request_context(channel="web"):  # the rule compiled once for the request, as lists use it
            ids = visible_person_ids(user)
            listed_by_id = Person.objects.filter(pk=person.pk, pk__in=ids).exists()
            assert visible_person_ids(user) is ids
        transaction.savepoint_rollback(sid)
    assert grant.can_see_person is visible, case
    assert listed is visible, case
    assert listed_by_id is visible, case
    if visible:
        assert set(grant.categories) == shared, (case, grant)
        assert set(grant.own_categories) == own, (case, grant)


_cache: dict = {}


def _prepared(db):
    """The agencies and users, made once per test run (hypothesis calls the test many times)."""
    key = id(db)
    if key not in _cache or not Agency.objects.filter(pk=_cache[key][0].pk).exists():
        _cache.clear()
        _cache[key] = _setup()
    return _cache[key]
