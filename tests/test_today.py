"""The worker's "today" page: caseload, referrals waiting, breaches, handovers; fixed query count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from throughcare.audit.models import AuditEntry
from throughcare.careteam.actions import add_member, propose_handover
from throughcare.people.actions import register_person
from throughcare.people.inputs import PersonDetails
from throughcare.referrals.actions import create_referral
from throughcare.referrals.models import Referral


def _people(world, count: int, *, worker="amara") -> list:
    amara = world["staff"]["amara"].user
    people = []
    for n in range(count):
        person = register_person(actor=amara, details=PersonDetails(
            given_names=f"Case{n:03d}", family_name="Person", date_of_birth=dt.date(1980, 1, 1 + n % 28)))
        add_member(actor=amara, person_id=person.pk, worker=worker, lead=n % 2 == 0)
        people.append(person)
    return people


def _refer(world, person, *, days_ago=0):
    referral = create_referral(actor=world["staff"]["amara"].user, person_id=person.pk,
                               to_agency=str(world["agencies"]["peer"].pk), service="Peer support", reason="Support")
    if days_ago:
        Referral.objects.filter(pk=referral.pk).update(received_at=timezone.now() - dt.timedelta(days=days_ago))
    return referral


def test_signing_in_as_a_key_worker_lands_on_today(browser_client, world):
    response = browser_client("amara").get("/")
    assert response.status_code == 302 and response["Location"] == "/today/"
    assert browser_client("yusuf").get("/")["Location"] == "/people/"


def test_today_shows_the_caseload_and_referral_clocks_on_both_sides(browser_client, world):
    people = _people(world, 3)
    _refer(world, people[0], days_ago=25)  # breached
    _refer(world, people[1], days_ago=19)  # due soon
    _refer(world, people[2])
    amara = browser_client("amara").get("/today/").content.decode()
    assert "3</strong> people on your caseload" in amara
    for person in people:
        assert person.display_name in amara
    assert "Over 3 weeks: 25 days waiting" in amara
    assert "19 days waiting: 2 days to 3 weeks" in amara
    assert "0</strong> referrals waiting on your agency" in amara  # amara's agency sent them
    xena = browser_client("xena").get("/today/").content.decode()
    assert "3</strong> referrals waiting on your agency" in xena
    assert "Over 3 weeks: 25 days waiting" in xena
    assert "0</strong> people on your caseload" in xena


def test_today_shows_no_one_the_worker_may_not_see(browser_client, world):
    _people(world, 2)
    grace = browser_client("grace").get("/today/").content.decode()
    assert "Person" not in grace.split("Your caseload")[1]
    assert "Jo Bloggs" not in grace


def test_a_handover_offered_to_me_is_on_today(browser_client, world):
    amara = world["staff"]["amara"].user
    add_member(actor=amara, person_id=world["jo"].pk, worker="amara", lead=True)
    propose_handover(actor=amara, person_id=world["jo"].pk, to_worker="ben")
    ben = browser_client("ben").get("/today/").content.decode()
    assert "offered you the lead professional role" in ben


def test_today_is_one_audit_entry_naming_everyone_shown(browser_client, world):
    people = _people(world, 4)
    browser_client("amara").get("/today/")
    entry = AuditEntry.objects.filter(action="today.read").get()
    assert set(entry.subjects) == {str(p.pk) for p in people}
    assert entry.username == "amara"


@pytest.mark.parametrize("small,large", [(3, 30)])
def test_today_runs_the_same_number_of_queries_for_any_caseload(browser_client, world, small, large):
    client = browser_client("amara")
    people = _people(world, small)
    for person in people:
        _refer(world, person, days_ago=20)
    client.get("/today/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/today/").status_code == 200
    more = _people(world, large - small)
    for person in more:
        _refer(world, person, days_ago=25)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/today/")
    assert f"{large}</strong> people on your caseload" in page.content.decode()
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
