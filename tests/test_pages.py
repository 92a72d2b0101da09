"""The pages, through the Django test client, for every persona."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from throughcare.journey.models import Event
from throughcare.people.models import Person


def test_sign_in_page_and_redirects(client, world):
    assert client.get("/sign-in").status_code == 200
    response = client.get("/people/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in")
    bad = client.post("/sign-in", {"username": "amara", "password": "wrong"})
    assert bad.status_code == 200
    assert "Enter a correct username and password" in bad.content.decode()
    good = client.post("/sign-in", {"username": "amara", "password": "correct-horse-battery"})
    assert good.status_code == 302


@pytest.mark.parametrize("persona,sees", [("amara", True), ("grace", False), ("una", False), ("yusuf", False)])
def test_search_page_shows_only_visible_people(browser_client, world, persona, sees):
    page = browser_client(persona).get("/people/", {"q": "bloggs"}).content.decode()
    assert (f'href="/people/{world["jo"].pk}/"' in page) is sees
    assert ("1 person matches" in page) is sees


@pytest.mark.parametrize("persona,status", [
    ("amara", 200), ("ben", 200), ("grace", 404), ("una", 404), ("yusuf", 404), ("alan", 404), ("sam", 404),
])
def test_person_page_by_persona(browser_client, world, persona, status):
    response = browser_client(persona).get(f"/people/{world['jo'].pk}/")
    assert response.status_code == status
    if status == 404:
        assert "Jo Bloggs" not in response.content.decode()


def test_person_page_shows_summary_and_timeline(browser_client, world):
    page = browser_client("amara").get(f"/people/{world['jo'].pk}/").content.decode()
    assert "Jo Bloggs" in page and "4857773457" in page and "A1234BC" in page
    assert "moj-timeline" in page and "Registered by Riverside Recovery" in page
    assert "Key working" in page


def test_register_page_success_and_errors(browser_client, world):
    client = browser_client("amara")
    before = Person.objects.count()
    bad = client.post("/people/new", {"given_names": "", "family_name": "X", "date_of_birth-day": "1",
                                      "date_of_birth-month": "1", "date_of_birth-year": "2999",
                                      "nhs_number": "1234567890", "sex": "not_stated"})
    assert bad.status_code == 422
    html = bad.content.decode()
    assert "There is a problem" in html
    assert 'href="#id_given_names"' in html and 'href="#id_date_of_birth-day"' in html
    assert "NHS number is not valid" in html and "Date of birth must be in the past" in html
    assert Person.objects.count() == before
    good = client.post("/people/new", {"given_names": "Kim", "family_name": "Lee", "date_of_birth-day": "2",
                                       "date_of_birth-month": "3", "date_of_birth-year": "1991",
                                       "nhs_number": "9434765919", "sex": "female",
                                       "safe_to_contact": ["text"]})
    assert good.status_code == 302
    kim = Person.objects.get(display_name="Kim Lee")
    assert kim.safe_to_contact == {"phone": False, "text": True, "voicemail": False, "letter": False, "email": False}
    assert good["Location"] == f"/people/{kim.pk}/"


def test_impossible_date_is_named(browser_client, world):
    response = browser_client("amara").post("/people/new", {
        "given_names": "A", "family_name": "B", "date_of_birth-day": "31", "date_of_birth-month": "2",
        "date_of_birth-year": "1990", "sex": "male"})
    assert response.status_code == 422
    assert "Date of birth must be a real date" in response.content.decode()


def test_add_note_page(browser_client, world):
    client = browser_client("amara")
    jo = world["jo"]
    form = client.get(f"/people/{jo.pk}/notes/new")
    assert form.status_code == 200
    empty = client.post(f"/people/{jo.pk}/notes/new", {"text": "", "category": ""})
    assert empty.status_code == 422
    assert "Enter the note" in empty.content.decode()
    done = client.post(f"/people/{jo.pk}/notes/new", {"text": "Housing benefit sorted", "category": "housing"})
    assert done.status_code == 302
    assert Event.objects.filter(person=jo, title="Housing benefit sorted", category="housing").exists()
    page = client.get(f"/people/{jo.pk}/").content.decode()
    assert "Housing benefit sorted" in page
    assert browser_client("grace").get(f"/people/{jo.pk}/notes/new").status_code == 404


def test_timeline_filter_on_page(browser_client, world):
    client = browser_client("amara")
    jo = world["jo"]
    client.post(f"/people/{jo.pk}/notes/new", {"text": "About housing", "category": "housing"})
    client.post(f"/people/{jo.pk}/notes/new", {"text": "About money", "category": "employment_benefits"})
    page = client.get(f"/people/{jo.pk}/", {"category": "housing"}).content.decode()
    assert "About housing" in page and "About money" not in page


def test_episode_pages(browser_client, world):
    client = browser_client("amara")
    jo = world["jo"]
    bad = client.post(f"/people/{jo.pk}/episodes/new", {"setting": "", "service": ""})
    assert bad.status_code == 422
    ok = client.post(f"/people/{jo.pk}/episodes/new", {"setting": "residential_rehab", "service": "Rehab",
                                                       "started_on-day": "1", "started_on-month": "2",
                                                       "started_on-year": "2026"})
    assert ok.status_code == 302
    episode = jo.episodes.get(service="Rehab")
    from throughcare.core import refdata

    reason = refdata.current_choices("discharge_reasons")[0][0]
    ended = client.post(f"/episodes/{episode.pk}/end", {"ended_on-day": "1", "ended_on-month": "3",
                                                        "ended_on-year": "2026", "discharge_reason": reason})
    assert ended.status_code == 302
    episode.refresh_from_db()
    assert episode.ended_on is not None and episode.discharge_reason == reason


def test_admin_pages_for_administrators_only(browser_client, world):
    admin = browser_client("sam")
    assert admin.get("/agencies/").status_code == 200
    created = admin.post("/agencies/new", {"name": "Harbour Housing", "kind": "housing"})
    assert created.status_code == 302
    bad = admin.post("/agencies/new", {"name": "", "kind": "zoo"})
    assert bad.status_code == 422 and "Choose kind of agency from the list" in bad.content.decode()
    blank = admin.post("/agencies/new", {"name": "", "kind": "housing"})
    assert blank.status_code == 422 and "Enter the agency" in blank.content.decode()
    staff = admin.post("/agencies/staff/new", {"username": "nia", "agency": str(world["agencies"]["prison"].pk),
                                               "role": "prison_team"})
    assert staff.status_code == 302
    assert browser_client("amara").get("/agencies/").status_code == 403
    # The administrator sees no case content.
    assert admin.get(f"/people/{world['jo'].pk}/").status_code == 404


def test_person_page_query_count_does_not_grow_with_history(browser_client, world):
    client = browser_client("amara")
    jo = world["jo"]
    client.get(f"/people/{jo.pk}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/people/{jo.pk}/")
    for i in range(60):
        client.post(f"/people/{jo.pk}/notes/new", {"text": f"note {i}", "category": "housing"})
    with CaptureQueriesContext(connection) as many:
        client.get(f"/people/{jo.pk}/")
    assert len(many.captured_queries) == len(few.captured_queries)
