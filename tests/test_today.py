"""The worker's "today" page: caseload, referrals waiting, breaches, handovers; fixed query count."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from throughcare.appointments.actions import book_appointment
from throughcare.appointments.models import Appointment
from throughcare.audit.models import AuditEntry
from throughcare.careteam.actions import add_member, propose_handover
from throughcare.careteam.models import CareTeamMember
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


#: The "today" page's queries, whatever the caseload: the session, the user (with their staff record and
#: agency), the caseload, the referral totals (one aggregate), the referrals waiting on the agency, the
#: referrals near or over three weeks, today's appointments, releases handed over, reviews due, the handovers
#: offered, which of their people the worker may see, other agencies' access requests about the worker's lead
#: cases, corrections asked for, release plans needing a structured review, and the one audit entry.
TODAY_PAGE_QUERIES = 16


def test_the_day_at_the_benchmarks_size_is_a_pinned_number_of_queries(browser_client, world):
    """60 people on the caseload (the benchmark's size), each with a referral, an appointment today and a review
    due, and a lead role offered: the page costs exactly TODAY_PAGE_QUERIES queries, not one per person."""
    client = browser_client("amara")
    for n, person in enumerate(_people(world, 60)):
        _refer(world, person, days_ago=20 + n % 5)
        _busy_day(world, person, overdue=n % 2 == 0)
    offered = _people(world, 1, worker="ben")[0]
    propose_handover(actor=world["staff"]["ben"].user, person_id=offered.pk, to_worker="amara")
    client.get("/today/")
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/today/")
    html = page.content.decode()
    assert "60</strong> people on your caseload" in html and "60</strong> appointments today" in html
    assert "60</strong> reviews due or overdue" in html and "60</strong> waiting times over or near" in html
    assert "offered you the lead professional role" in html
    assert len(queries) == TODAY_PAGE_QUERIES, [q["sql"][:120] for q in queries.captured_queries]


def _local(stamp: str) -> tuple[dt.date, dt.time]:
    """An API timestamp as (day, time) in the service's time zone."""
    local = timezone.localtime(dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")))
    return local.date(), local.time().replace(tzinfo=None)


def test_the_today_api_gives_the_day_the_page_shows(api, world):
    people = _people(world, 3)
    for n, person in enumerate(people):
        _refer(world, person, days_ago=(25, 19, 2)[n])
        _busy_day(world, person, overdue=n == 0)
    jo = world["jo"]
    add_member(actor=world["staff"]["amara"].user, person_id=jo.pk, worker="ben", lead=True)
    propose_handover(actor=world["staff"]["ben"].user, person_id=jo.pk, to_worker="xena")  # Open Door: not Jo's
    response = api("amara").get("/today")
    assert response.status_code == 200, response.content
    day = response.json()
    assert day["today"] == timezone.localdate().isoformat()
    assert {c["person"] for c in day["caseload"]} == {str(p.pk) for p in people}
    assert sorted(c["lead"] for c in day["caseload"]) == [False, True, True]
    assert len(day["appointments"]) == 3
    assert {_local(a["starts_at"]) for a in day["appointments"]} == {(timezone.localdate(), dt.time(12, 0))}
    assert sorted(r["overdue"] for r in day["reviews"]) == [False, False, True]
    assert day["referrals_waiting"] == {"total": 0, "items": []}  # Riverside sent them
    clocks = sorted((r["clock"]["days_waiting"], r["clock"]["breached"], r["clock"]["due_soon"])
                    for r in day["waiting_times"]["items"])
    assert day["waiting_times"]["total"] == 2 and clocks == [(19, False, True), (25, True, False)]
    assert day["handovers"] == [] and day["corrections"] == [] and day["released_to_us"] == []
    assert day["access_requests"] == []
    entry = AuditEntry.objects.filter(action="today.read", username="amara").get()
    assert entry.channel == "api" and set(entry.subjects) == {str(p.pk) for p in people}
    # The receiving side: Open Door's key worker sees the three waiting on her agency, and the lead role offered
    # to her for a person her agency does not work with, without the person.
    xena = api("xena").get("/today").json()
    assert xena["referrals_waiting"]["total"] == 3 and xena["caseload"] == []
    assert {r["person"] for r in xena["referrals_waiting"]["items"]} == {str(p.pk) for p in people}
    assert [(h["from_worker"], h["person"], h["display_name"]) for h in xena["handovers"]] == [("ben", None, None)]
    assert str(jo.pk) not in json.dumps(xena) and "Jo Bloggs" not in json.dumps(xena)
    xena_entry = AuditEntry.objects.filter(action="today.read", username="xena").get()
    assert str(jo.pk) not in xena_entry.subjects
    # Roles with no casework get an empty day.
    assert api("yusuf").get("/today").json()["caseload"] == []


@pytest.mark.parametrize("small,large", [(3, 30)])
def test_the_today_api_runs_a_fixed_number_of_queries(api, world, small, large):
    amara = api("amara")
    for n, person in enumerate(_people(world, small)):
        _refer(world, person, days_ago=20)
        _busy_day(world, person, overdue=n % 2 == 0)
    amara.get("/today")
    with CaptureQueriesContext(connection) as few:
        assert amara.get("/today").status_code == 200
    for n, person in enumerate(_people(world, large - small)):
        _refer(world, person, days_ago=25)
        _busy_day(world, person, overdue=n % 2 == 0)
    with CaptureQueriesContext(connection) as many:
        day = amara.get("/today").json()
    assert len(day["caseload"]) == large and len(day["appointments"]) == large and len(day["reviews"]) == large
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]


def test_a_workers_appointments_on_any_day_through_the_api(api, world):
    people = _people(world, 2)
    amara = world["staff"]["amara"].user
    later = timezone.localdate() + dt.timedelta(days=3)
    at = dt.datetime.combine(later, dt.time(9, 30), tzinfo=timezone.get_current_timezone())
    booked = [book_appointment(actor=amara, person_id=p.pk, starts_at=at + dt.timedelta(hours=n), mode="phone",
                               worker="amara", purpose="Key work") for n, p in enumerate(people)]
    on_day = api("amara").get("/today/appointments", day=later.isoformat())
    assert on_day.status_code == 200
    assert [a["id"] for a in on_day.json()] == [str(a.pk) for a in booked]  # earliest first
    assert _local(on_day.json()[0]["starts_at"]) == (later, dt.time(9, 30))
    assert api("amara").get("/today/appointments").json() == []  # nothing today
    assert api("ben").get("/today/appointments", day=later.isoformat()).json() == []  # not his appointments
    entry = AuditEntry.objects.filter(action="appointment.list", username="amara").order_by("seq").first()
    assert set(entry.subjects) == {str(p.pk) for p in people} and str(later) in entry.reason
    bad = api("amara").get("/today/appointments", day="31/02/2026")
    assert bad.status_code == 422 and "day" in json.dumps(bad.json()["error"]["fields"])


@pytest.mark.parametrize("day", ["0", "2026-02-31", "31/01/2026", "2026-1-5"])
def test_a_day_that_is_not_a_real_date_is_422_naming_day(api, world, day):
    bad = api("amara").get("/today/appointments", day=day)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"


def test_outcome_reviews_are_due_at_the_start_of_treatment_and_every_six_months(browser_client, api, world):
    """TOP at the start of an episode at amara's agency, then six months (182 days) after the latest: for people
    on her caseload with an open episode there. Nobody else's, and not after the episode has ended."""
    from tests.test_outcomes import top_six_months, top_start
    from throughcare.episodes.models import Episode
    from throughcare.outcomes.actions import record_outcome_review

    amara = world["staff"]["amara"].user
    riverside = world["agencies"]["riverside"]
    today = timezone.localdate()
    starting, six_months, recent, ended, not_mine = _people(world, 5)
    CareTeamMember.objects.filter(person=not_mine).update(left_at=timezone.now())  # off amara's caseload

    def episode(person, days_ago: int, ended_days_ago: int | None = None):
        Episode.objects.create(person=person, agency=riverside, setting="community", service="Recovery",
                               started_on=today - dt.timedelta(days=days_ago), created_by=amara,
                               ended_on=today - dt.timedelta(days=ended_days_ago) if ended_days_ago else None)

    def top(person, stage, days_ago, answers):
        record_outcome_review(actor=amara, person_id=person.pk, instrument="top", stage=stage,
                              completed_on=today - dt.timedelta(days=days_ago), answers=answers)

    episode(starting, 10)  # no TOP yet: the start-of-treatment review, due on the episode's first day
    episode(six_months, 400)
    top(six_months, "start", 400, top_start())
    top(six_months, "review", 190, top_six_months())  # the latest: due again 182 days later, 8 days ago
    episode(recent, 400)
    top(recent, "start", 100, top_start())  # due again in 82 days: not within the fortnight
    episode(ended, 30, ended_days_ago=1)
    episode(not_mine, 10)

    body = api("amara").get("/today").json()["outcome_reviews"]
    assert [(d["display_name"], d["stage"], d["due_on"], d["overdue"], d["last_completed_on"]) for d in body] == [
        (starting.display_name, "start", str(today - dt.timedelta(days=10)), True, None),  # soonest first
        (six_months.display_name, "review", str(today - dt.timedelta(days=8)), True,
         str(today - dt.timedelta(days=190)))]
    page = browser_client("amara").get("/today/").content.decode()
    table = page[page.index('data-testid="outcome-reviews"'):]
    table = table[:table.index("</table>")]
    assert starting.display_name in table and six_months.display_name in table
    assert "Start of treatment" in table and "Review (every six months)" in table
    assert all(p.display_name not in table for p in (recent, ended, not_mine))
    assert f'href="/people/{starting.pk}/outcomes/record/top"' in table
    # Recording the review takes it off the list.
    top(starting, "start", 0, top_start())
    assert [d["display_name"] for d in api("amara").get("/today").json()["outcome_reviews"]] == [
        six_months.display_name]
