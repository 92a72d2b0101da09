"""The journey timeline and notes, through the API."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from throughcare.core.categories import Category
from throughcare.core.paging import MAX_PAGE
from throughcare.journey.models import Event, EventKind


def test_note_appears_on_the_timeline_newest_first(api, world):
    jo = world["jo"]
    response = api("amara").post(f"/people/{jo.pk}/notes", {"text": "Script collected.\nDoing well.",
                                                             "category": "substance_use"})
    assert response.status_code == 201, response.content
    note = response.json()
    assert note["title"] == "Script collected." and note["category"] == "substance_use"
    items = api("amara").get(f"/people/{jo.pk}/timeline").json()["items"]
    assert items[0]["id"] == note["id"]
    assert items[0]["author"] == "Amara Okafor"
    assert {i["kind"] for i in items} == {"note", "registration", "episode_started"}


@pytest.mark.parametrize("body,field", [
    ({"text": "", "category": "housing"}, "text"),
    ({"text": "x", "category": "gossip"}, "category"),
    ({"category": "housing"}, "text"),
    ({"text": "x"}, "category"),
])
def test_bad_notes_are_422_and_not_saved(api, world, body, field):
    before = Event.objects.count()
    response = api("amara").post(f"/people/{world['jo'].pk}/notes", body)
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]
    assert Event.objects.count() == before


def test_notes_on_unseen_people_are_404_and_writes_by_read_only_roles_403(api, world):
    jo = world["jo"]
    assert api("grace").post(f"/people/{jo.pk}/notes", {"text": "x", "category": "housing"}).status_code == 404
    # A bad body on an unseen person is still 404: nothing about the person leaks through validation.
    assert api("grace").post(f"/people/{jo.pk}/notes", {"text": "", "category": "x"}).status_code == 404


def test_peer_mentor_sees_only_contact_and_admin_events(api, world):
    jo = world["jo"]
    # Open Door (the peer mentor's agency) starts working with Jo.
    from throughcare.episodes.models import Episode

    Episode.objects.create(person=jo, agency=world["agencies"]["peer"], setting="community", service="Peer support",
                           started_on=dt.date(2026, 2, 1), created_by=world["staff"]["xena"].user)
    api("amara").post(f"/people/{jo.pk}/notes", {"text": "Methadone titration", "category": "substance_use"})
    api("amara").post(f"/people/{jo.pk}/notes", {"text": "New phone number", "category": "contact_admin"})
    una = api("una").get(f"/people/{jo.pk}/timeline").json()
    assert una["categories"] == ["contact_admin"]
    assert {i["category"] for i in una["items"]} == {"contact_admin"}
    assert "Methadone titration" not in str(una)
    assert una["total"] == 2  # registration + the contact note
    # The peer mentor cannot write to the record.
    assert api("una").post(f"/people/{jo.pk}/notes", {"text": "x", "category": "contact_admin"}).status_code == 403


def test_timeline_filters_and_pagination(api, world):
    jo = world["jo"]
    for i in range(7):
        api("amara").post(f"/people/{jo.pk}/notes", {"text": f"housing {i}", "category": "housing"})
    housing = api("amara").get(f"/people/{jo.pk}/timeline", category="housing", page_size=3, page=3).json()
    assert housing["total"] == 7 and housing["categories"] == ["housing"]
    assert [i["title"] for i in housing["items"]] == ["housing 0"]
    notes = api("amara").get(f"/people/{jo.pk}/timeline", kind="note").json()
    assert notes["total"] == 7
    assert api("amara").get(f"/people/{jo.pk}/timeline", page_size=0).status_code == 422
    assert api("amara").get(f"/people/{jo.pk}/timeline", page_size=10_000).status_code == 422
    # A page number so large its OFFSET would overflow the database's integer: refused by name, not a 500.
    huge = api("amara").get(f"/people/{jo.pk}/timeline", page=10**30)
    assert huge.status_code == 422 and list(huge.json()["error"]["fields"]) == ["page"]
    past_the_end = api("amara").get(f"/people/{jo.pk}/timeline", page=MAX_PAGE).json()
    assert past_the_end["items"] == [] and past_the_end["total"] >= 7


@pytest.mark.parametrize("path", ["/api/v1/people", "/api/v1/referrals", "/api/v1/audit"])
def test_every_list_refuses_a_page_past_the_limit_by_name(api, path):
    response = api("amara").get(path.removeprefix("/api/v1"), page=MAX_PAGE + 1)
    assert response.status_code == 422 and list(response.json()["error"]["fields"]) == ["page"]


def test_the_person_page_shows_an_empty_page_for_a_page_number_too_large_to_count(browser_client, world):
    person = browser_client("amara").get(f"/people/{world['jo'].pk}/", {"page": str(10**30)})
    assert person.status_code == 200 and "Jo Bloggs" in person.content.decode()


def _bulk_events(person, agency, count):
    now = timezone.now()
    categories = list(Category.values)
    Event.objects.bulk_create([
        Event(person=person, occurred_at=now - dt.timedelta(hours=i), recorded_at=now, kind=EventKind.NOTE,
              category=categories[i % len(categories)], agency=agency, title=f"event {i}")
        for i in range(count)
    ], batch_size=1000)


@pytest.mark.parametrize("page_size", [1, 25, 200])
def test_timeline_of_5000_events_takes_a_fixed_number_of_queries(api, world, page_size):
    jo = world["jo"]
    _bulk_events(jo, world["agencies"]["riverside"], 5000)
    client = api("amara")
    client.get("/people")  # warm the client
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/people/{jo.pk}/timeline", page_size=page_size, page=2)
    assert response.status_code == 200
    assert len(response.json()["items"]) == page_size
    statements = [q["sql"] for q in queries.captured_queries
                  if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN", "COMMIT"))]
    # token+user+staff+agency, person, relationship, count, page, audit insert
    assert len(statements) <= 7, "\n".join(statements)


def _note(api, persona: str, person_id, body: dict, key: str | None):
    headers = {**api(persona).headers, **({"Idempotency-Key": key} if key else {})}
    return api(persona).client.post(f"/api/v1/people/{person_id}/notes", json.dumps(body),
                                    content_type="application/json", headers=headers)


def test_a_note_sent_again_with_its_idempotency_key_is_added_once(api, world):
    """A client whose answer was lost sends the note again with the same key: the note the first request added
    comes back (200, Idempotent-Replayed), and there is one note, one note.add entry and one timeline event."""
    from throughcare.audit.models import AuditEntry

    jo = world["jo"]
    body = {"text": "Script collected", "category": "substance_use"}
    first = _note(api, "amara", jo.pk, body, "note-1")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    again = _note(api, "amara", jo.pk, body, "note-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Event.objects.filter(kind=EventKind.NOTE).count() == 1
    assert AuditEntry.objects.filter(action="note.add").count() == 1
    assert AuditEntry.objects.filter(action="note.read", person_id=jo.pk).count() == 1  # the replay, a read
    # Another note under another key, or none, is another note.
    assert _note(api, "amara", jo.pk, body, "note-2").status_code == 201
    assert _note(api, "amara", jo.pk, body, None).status_code == 201
    assert Event.objects.filter(kind=EventKind.NOTE).count() == 3


def test_a_notes_key_is_refused_for_another_note_and_released_when_the_note_is_refused(api, world):
    from throughcare.core.models import IdempotencyKey

    jo = world["jo"]
    assert _note(api, "amara", jo.pk, {"text": "Script collected", "category": "substance_use"}, "k").status_code == 201
    other = _note(api, "amara", jo.pk, {"text": "Something else", "category": "substance_use"}, "k")
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["error"]["fields"]
    bad = _note(api, "amara", jo.pk, {"text": "", "category": "substance_use"}, "bad")
    assert bad.status_code == 422 and "text" in bad.json()["error"]["fields"]
    assert not IdempotencyKey.objects.filter(key="bad").exists()  # released: the client may send it again
    # Another user's key of the same name is theirs alone; an unseen person stays 404 under a key.
    assert _note(api, "grace", jo.pk, {"text": "x", "category": "housing"}, "k").status_code == 404
