"""The worker's "today" page: caseload, referrals waiting, breaches, handovers; fixed query count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from throughcare.appointments.actions import book_appointment
from throughcare.appointments.models import Appointment
from throughcare.audit.models import AuditEntry
from throughcare.careteam.actions import add_member, propose_handover
from throughcare.people.actions import register_person
from throughcare.people.inputs import PersonDetails
from throughcare.plans.actions import change_stage
from throughcare.plans.models import RecoveryPlan
from throughcare.referrals.actions import create_referral
from throughcare.referrals.clocks import referral_clock
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


def _busy_day(world, person, *, overdue: bool):
    """A plan whose review is due (or overdue) and an appointment at noon today with amara."""
    amara = world["staff"]["amara"].user
    change_stage(actor=amara, person_id=person.pk, expected_version=0, stage="stability", review_every_weeks=12)
    today = timezone.localdate()
    RecoveryPlan.objects.filter(person=person).update(
        next_review_due=today - dt.timedelta(days=3) if overdue else today + dt.timedelta(days=5))
    appointment = book_appointment(actor=amara, person_id=person.pk, starts_at=timezone.now() + dt.timedelta(days=2),
                                   mode="phone", worker="amara", purpose="Key work session")
    noon = dt.datetime.combine(today, dt.time(12, 0), tzinfo=timezone.get_current_timezone())
    Appointment.objects.filter(pk=appointment.pk).update(starts_at=noon)


def test_today_shows_appointments_today_and_reviews_due(browser_client, world):
    people = _people(world, 2)
    _busy_day(world, people[0], overdue=True)
    _busy_day(world, people[1], overdue=False)
    page = browser_client("amara").get("/today/").content.decode()
    assert "2</strong> appointments today" in page
    assert "2</strong> reviews due or overdue" in page
    reviews = page.split('id="reviews"')[1].split('id="waiting"')[0]
    assert reviews.count("Overdue") == 1
    assert people[0].display_name in reviews and people[1].display_name in reviews
    appointments = page.split('id="appointments"')[1].split('id="reviews"')[0]
    assert "12:00" in appointments and people[0].display_name in appointments
    # Ben, at the same agency, is on neither care team and has no appointments: his day is empty.
    ben = browser_client("ben").get("/today/").content.decode()
    assert "0</strong> appointments today" in ben and "0</strong> reviews due or overdue" in ben


def test_signing_in_as_a_key_worker_lands_on_today(browser_client, world):
    response = browser_client("amara").get("/")
    assert response.status_code == 302 and response["Location"] == "/today/"
    assert browser_client("yusuf").get("/")["Location"] == "/reports/commissioner/"
    assert browser_client("una").get("/")["Location"] == "/people/"


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
    for n, person in enumerate(people):
        _refer(world, person, days_ago=20)
        _busy_day(world, person, overdue=n % 2 == 0)
    client.get("/today/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/today/").status_code == 200
    more = _people(world, large - small)
    for n, person in enumerate(more):
        _refer(world, person, days_ago=25)
        _busy_day(world, person, overdue=n % 2 == 0)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/today/")
    html = page.content.decode()
    assert f"{large}</strong> people on your caseload" in html
    assert f"{large}</strong> appointments today" in html and f"{large}</strong> reviews due or overdue" in html
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_the_database_filter_for_near_breach_agrees_with_the_clock(world):
    from throughcare.today.caseload import agency_referral_clocks

    jo, amara = world["jo"], world["staff"]["amara"].user
    now = timezone.now()
    made = {}
    for hours in range(0, 30 * 24, 7):  # received every 7 hours over the last 30 days
        referral = _refer(world, jo)
        Referral.objects.filter(pk=referral.pk).update(received_at=now - dt.timedelta(hours=hours))
        referral.refresh_from_db()
        made[referral.pk] = referral_clock(referral, now)
    (_waiting, waiting_total), (near, near_total) = agency_referral_clocks(amara, now, limit=1000)
    expected = {pk for pk, clock in made.items() if clock.due_soon or clock.breached}
    assert {r.pk for r, _clock in near} == expected and near_total == len(expected)
    assert 0 < len(expected) < len(made)
    (_w, _wt), (shown, total) = agency_referral_clocks(amara, now, limit=5)
    assert len(shown) == 5 and total == len(expected)
    assert [r.received_at for r, _c in shown] == sorted(r.received_at for r, _c in shown)  # oldest first


def test_releases_handed_over_to_my_service_are_on_today_with_their_clock(api, browser_client, world):
    import json

    from tests.gate_world import days, received
    from throughcare.custody.models import Custody
    from throughcare.releases.models import ReleasePlan

    received(api, world, release_on=days(20).isoformat())
    plan = ReleasePlan.objects.get()
    grace = api("grace")
    sent = grace.client.post(f"/api/v1/release-plans/{plan.pk}/handover",
                             json.dumps({"receiving_agency": str(world["agencies"]["riverside"].pk)}),
                             content_type="application/json", headers=grace.headers)
    assert sent.status_code == 201, sent.content
    page = browser_client("ben").get("/today/").content.decode()
    released = page.split('id="released"')[1].split('id="caseload"')[0]
    assert "Jo Bloggs" in released and "To acknowledge" in released and "Not released yet" in released
    custody = Custody.objects.get(status="in_custody")
    grace.client.post(f"/api/v1/custody/{custody.pk}/release",
                      json.dumps({"released_on": days(-8).isoformat(), "release_type": "conditional_release",
                                  "destination_area": "Swansea"}), content_type="application/json",
                      headers=grace.headers)
    released = browser_client("ben").get("/today/").content.decode().split('id="released"')[1]
    assert "Day 8 of 21: not yet seen" in released
    # The prison's own today page does not list it: it was handed over to Riverside.
    assert "Jo Bloggs" not in browser_client("grace").get("/today/").content.decode().split('id="released"')[1] \
        .split('id="caseload"')[0]
