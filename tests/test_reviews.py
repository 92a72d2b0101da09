"""Plan reviews: recording one (progress per goal, statuses, a new version, the due date reset), access,
audit, the due and overdue list with a fixed clock, and its query count whatever the caseload."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from throughcare.audit.models import AuditEntry
from throughcare.careteam.actions import add_member
from throughcare.journey.models import Event
from throughcare.people.actions import register_person
from throughcare.people.inputs import PersonDetails
from throughcare.plans.actions import save_plan
from throughcare.plans.models import Goal, PlanVersion, RecoveryPlan
from throughcare.reviews.due import reviews_due
from throughcare.reviews.models import GoalProgress, Review


def _plan(world, person=None, *, actor="amara", goals=None, weeks=None):
    person = person or world["jo"]
    body = {"goals": goals if goals is not None else [
        {"domain": "housing", "in_their_words": "A flat of my own", "status": "in_progress",
         "owner_agency": str(world["agencies"]["riverside"].pk)},
        {"domain": "alcohol", "in_their_words": "No drinking before noon",
         "owner_agency": str(world["agencies"]["riverside"].pk)}]}
    if weeks:
        body["review_every_weeks"] = weeks
    return save_plan(actor=world["staff"][actor].user, person_id=person.pk, expected_version=0, body=body)


def _post(client, person_id, body, version=None):
    headers = dict(client.headers)
    if version is not None:
        headers["If-Match"] = f'"{version}"'
    return client.client.post(f"/api/v1/people/{person_id}/plan/reviews", json.dumps(body),
                              content_type="application/json", headers=headers)


def _review(goals, **overrides):
    today = timezone.localdate().isoformat()
    body = {"held_on": today, "attended": ["Jo", "Amara (key worker)"], "summary": "Going well overall",
            "persons_view": "I feel more settled",
            "progress": [{"goal_id": str(g.pk), "rating": "some_progress", "comment": "Viewing booked"}
                         for g in goals]}
    return {**body, **overrides}


def test_recording_a_review_updates_goals_makes_a_version_and_resets_the_due_date(api, world):
    jo = world["jo"]
    plan = _plan(world, weeks=4)
    housing, alcohol = Goal.objects.order_by("position")
    body = _review([housing, alcohol])
    body["progress"][1] = {"goal_id": str(alcohol.pk), "rating": "achieved", "comment": "Six weeks now"}
    body["progress"][0]["status"] = "stopped"
    held = timezone.localdate() - dt.timedelta(days=3)
    body["held_on"] = held.isoformat()
    response = _post(api("amara"), jo.pk, body, version=1)
    assert response.status_code == 201, response.content
    assert response["ETag"] == '"2"'
    out = response.json()
    assert out["plan_version"] == 2 and out["summary"] == "Going well overall"
    assert {p["status_after"] for p in out["progress"]} == {"stopped", "achieved"}
    assert Goal.objects.get(pk=housing.pk).status == "stopped" and Goal.objects.get(pk=alcohol.pk).status == "achieved"
    plan.refresh_from_db()
    assert plan.version == 2 and plan.last_reviewed_on == held
    assert plan.next_review_due == held + dt.timedelta(weeks=4)
    version = PlanVersion.objects.get(plan=plan, number=2)
    assert "review recorded" in version.changes and version.snapshot["last_reviewed_on"] == held.isoformat()
    event = Event.objects.get(kind="review")
    assert event.category == "contact_admin" and event.title == "Recovery plan reviewed (version 2)"
    assert "settled" not in event.body and "flat" not in event.body
    entry = AuditEntry.objects.get(action="review.record")
    assert entry.person_id == jo.pk and {"housing", "alcohol", "substance_use"} <= set(entry.categories)
    listed = api("amara").get(f"/people/{jo.pk}/plan/reviews").json()
    assert len(listed) == 1 and listed[0]["persons_view"] == "I feel more settled"
    assert AuditEntry.objects.filter(action="review.list", person_id=jo.pk).exists()


def test_review_needs_if_match_and_a_stale_one_is_412(api, world):
    jo = world["jo"]
    _plan(world)
    goals = list(Goal.objects.all())
    assert _post(api("amara"), jo.pk, _review(goals)).status_code == 428
    assert _post(api("amara"), jo.pk, _review(goals), version=1).status_code == 201
    stale = _post(api("ben"), jo.pk, _review(goals), version=1)
    assert stale.status_code == 412 and "Someone else changed this plan" in stale.json()["error"]["message"]
    assert Review.objects.count() == 1


@pytest.mark.parametrize("change, field, message", [
    ({"held_on": ""}, "held_on", "Enter the date the review was held"),
    ({"held_on": "2099-01-01"}, "held_on", "today or in the past"),
    ({"held_on": "2026-13-01"}, "held_on", "Enter a real date"),
    ({"attended": []}, "attended", "Enter who attended the review"),
    ({"summary": " "}, "summary", "Enter a summary of the review"),
    ({"progress": []}, "progress", "2 goals are missing"),
])
def test_review_validation_names_the_field(api, world, change, field, message):
    _plan(world)
    response = _post(api("amara"), world["jo"].pk, _review(list(Goal.objects.all()), **change), version=1)
    assert response.status_code == 422, response.content
    assert message in response.json()["error"]["fields"][field]
    assert not Review.objects.exists() and RecoveryPlan.objects.get().version == 1


def test_review_validation_names_the_goal_entry(api, world):
    _plan(world)
    body = _review(list(Goal.objects.all()))
    body["progress"][1]["rating"] = "brilliant"
    body["progress"][0]["goal_id"] = "00000000-0000-4000-8000-000000000000"
    fields = _post(api("amara"), world["jo"].pk, body, version=1).json()["error"]["fields"]
    assert fields["progress[1].rating"] == "Choose worse, same, some progress or achieved"
    assert fields["progress[0].goal_id"].startswith("This goal is not on the plan")
    assert not GoalProgress.objects.exists()


def test_review_before_any_plan_and_for_unseen_people(api, world):
    jo = world["jo"]
    none_yet = _post(api("amara"), jo.pk, _review([]), version=0)
    assert none_yet.status_code == 422 and "Start the recovery plan" in none_yet.json()["error"]["fields"]["plan"]
    assert not RecoveryPlan.objects.exists()
    _plan(world)
    assert _post(api("grace"), jo.pk, {"held_on": "nonsense"}).status_code == 404
    assert api("grace").get(f"/people/{jo.pk}/plan/reviews").status_code == 404


def test_peer_mentor_sees_reviews_without_their_content(api, world):
    from throughcare.episodes.models import Episode

    jo = world["jo"]
    Episode.objects.create(person=jo, agency=world["agencies"]["peer"], setting="community", service="Peer support",
                           started_on=dt.date(2026, 1, 5), created_by=world["staff"]["xena"].user)
    _plan(world)
    assert _post(api("amara"), jo.pk, _review(list(Goal.objects.all())), version=1).status_code == 201
    seen = api("una").get(f"/people/{jo.pk}/plan/reviews").json()
    assert len(seen) == 1 and seen[0]["summary"] is None and seen[0]["persons_view"] is None
    assert seen[0]["progress"] == [] and seen[0]["attended"] == ["Jo", "Amara (key worker)"]
    assert _post(api("una"), jo.pk, _review([]), version=2).status_code == 403


# --- due and overdue -------------------------------------------------------------------------------------


def _person(world, n: int, actor="amara"):
    return register_person(actor=world["staff"][actor].user, details=PersonDetails(
        given_names=f"Person{n}", family_name="Caseload", date_of_birth=dt.date(1980, 1, 1 + n % 28)))


def test_reviews_due_and_overdue_with_a_fixed_clock(world):
    amara, ben = world["staff"]["amara"].user, world["staff"]["ben"].user
    plan = _plan(world, weeks=12)
    created = plan.created_on
    due_on = created + dt.timedelta(weeks=12)
    # Amara's agency owns goals on Jo's plan; fifteen days before it is due, nothing is due yet.
    assert reviews_due(amara, today=due_on - dt.timedelta(days=15)) == []
    soon = reviews_due(amara, today=due_on - dt.timedelta(days=14))
    assert [(d.person_id, d.due_on, d.overdue, d.days) for d in soon] == [(world["jo"].pk, due_on, False, 14)]
    late = reviews_due(amara, today=due_on + dt.timedelta(days=3))
    assert late[0].overdue is True and late[0].days == -3
    assert reviews_due(amara, today=due_on - dt.timedelta(days=20), within_days=30)[0].due_on == due_on
    # Open Door owns no goal and Xena is on no care team: nothing, even when overdue.
    assert reviews_due(world["staff"]["xena"].user, today=due_on + dt.timedelta(days=3)) == []
    # A plan whose goals another agency owns is due for a worker on the person's care team.
    other = _person(world, 1)
    save_plan(actor=amara, person_id=other.pk, expected_version=0, body={"goals": [
        {"domain": "housing", "in_their_words": "Keep my tenancy", "owner_agency": str(world["agencies"]["peer"].pk)}]})
    assert [d.person_id for d in reviews_due(ben, today=due_on)] == [world["jo"].pk]
    add_member(actor=amara, person_id=other.pk, worker="ben")
    assert {d.person_id for d in reviews_due(ben, today=due_on)} == {world["jo"].pk, other.pk}
    assert AuditEntry.objects.filter(action="review.due", username="ben").exists()


def test_reviews_due_over_http_and_bad_input(api, world):
    plan = _plan(world, weeks=1)
    RecoveryPlan.objects.filter(pk=plan.pk).update(next_review_due=timezone.localdate() - dt.timedelta(days=2))
    response = api("amara").get("/reviews/due")
    assert response.status_code == 200
    item = response.json()["items"][0]
    assert item["person"] == str(world["jo"].pk) and item["overdue"] is True and item["days"] == -2
    assert api("grace").get("/reviews/due").json() == {"total": 0, "items": []}
    bad = api("amara").get("/reviews/due", within_days=-1)
    assert bad.status_code == 422 and "within_days" in bad.json()["error"]["fields"]


def _caseload(world, size: int):
    for n in range(size):
        person = _person(world, n)
        _plan(world, person)
        add_member(actor=world["staff"]["amara"].user, person_id=person.pk, worker="amara")


@pytest.mark.parametrize("size", [5, 30])
def test_reviews_due_query_count_does_not_grow_with_the_caseload(world, size):
    amara = world["staff"]["amara"].user
    _caseload(world, size)
    today = timezone.localdate() + dt.timedelta(weeks=12)
    reviews_due(amara, today=today)  # warm the user's staff record
    with CaptureQueriesContext(connection) as queries:
        due = reviews_due(amara, today=today)
    assert len(due) == size and all(d.days == 0 for d in due)
    assert len(queries.captured_queries) == QUERIES_FOR_DUE_LIST


#: One query for the plans and their people; one for the audit entry (outside a request it is written at once).
QUERIES_FOR_DUE_LIST = 2


def test_review_pages_record_and_list(browser_client, world):
    jo = world["jo"]
    _plan(world)
    housing, alcohol = Goal.objects.order_by("position")
    client = browser_client("amara")
    form = client.get(f"/people/{jo.pk}/plan/reviews/new")
    assert form.status_code == 200 and "A flat of my own" in form.content.decode()
    today = timezone.localdate()
    data = {"version": 1, "held_on-day": today.day, "held_on-month": today.month, "held_on-year": today.year,
            "attended": "Jo\nAmara", "summary": "Steady", "persons_view": "Better than last time",
            "goal_0_rating": "same", "goal_0_status": "in_progress", "goal_1_rating": "achieved",
            "goal_1_status": "achieved"}
    missing = client.post(f"/people/{jo.pk}/plan/reviews/new", {**data, "goal_1_rating": "", "summary": ""})
    assert missing.status_code == 422
    text = missing.content.decode()
    assert "Goal 2: choose how the goal has gone" in text and "Enter a summary of the review" in text
    assert 'href="#id_goal_1_rating_0"' in text
    done = client.post(f"/people/{jo.pk}/plan/reviews/new", data)
    assert done.status_code == 302
    assert Goal.objects.get(pk=alcohol.pk).status == "achieved" and Review.objects.get().attended == ["Jo", "Amara"]
    listed = client.get(f"/people/{jo.pk}/plan/reviews").content.decode()
    assert "Better than last time" in listed and "Steady" in listed
    stale = browser_client("ben").post(f"/people/{jo.pk}/plan/reviews/new", data)
    assert stale.status_code == 409 and "Someone else changed this plan" in stale.content.decode()
