"""Identity matching in the app: possible matches before registering (API and page), joining an existing
record by a shared identifier, and never revealing a record the caller may not see."""

from __future__ import annotations

import datetime as dt

import pytest

from throughcare.audit.models import AuditEntry
from throughcare.episodes.models import Episode
from throughcare.journey.models import Event, EventKind
from throughcare.matching.candidates import find_candidates
from throughcare.matching.models import MatchKey, MatchProfile
from throughcare.people.actions import update_person
from throughcare.people.inputs import PersonDetails
from throughcare.people.models import Person

LIKE_JO = {"given_names": "Joanne", "family_name": "Blogs", "date_of_birth": "1985-03-27", "postcode": "SA1 1AA"}


def test_registering_keeps_the_blocking_keys_in_step(world):
    jo = world["jo"]
    profile = MatchProfile.objects.get(person=jo).data
    assert profile["names"] == [["jo", "bloggs"]] and profile["nhs_number"] == "4857773457"
    keys = set(MatchKey.objects.filter(person=jo).values_list("key", flat=True))
    assert {"d:1985-03-27", "n:bloggs|jo", "p:SA11AA", "i:nhs_number:4857773457"} <= keys
    update_person(actor=world["staff"]["amara"].user, person_id=jo.pk, changes={"family_name": "Smith"})
    keys = set(MatchKey.objects.filter(person=jo).values_list("key", flat=True))
    assert "n:smith|jo" in keys and "n:bloggs|jo" in keys  # the previous name still finds her


def test_candidates_show_what_agreed_and_disagreed(api, world):
    response = api("amara").post("/people/candidates", LIKE_JO)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["held_elsewhere"] is False and body["model_version"] == 0
    [candidate] = body["candidates"]
    assert candidate["person"]["id"] == str(world["jo"].pk)
    assert candidate["probability"] >= 0.9
    fields = {f["field"]: f for f in candidate["fields"]}
    assert fields["dob"]["outcome"] == "agreed" and fields["postcode"]["outcome"] == "agreed"
    assert fields["surname"]["level"].startswith("nearly the same")
    assert fields["nhs_number"]["outcome"] == "not compared"
    entry = AuditEntry.objects.filter(action="person.match").latest("seq")
    assert str(world["jo"].pk) in entry.subjects or entry.person_id == world["jo"].pk


def test_a_record_the_caller_may_not_see_is_never_revealed(api, world):
    response = api("grace").post("/people/candidates", LIKE_JO)
    assert response.status_code == 200
    body = response.json()
    assert body["candidates"] == [] and body["held_elsewhere"] is True
    assert "held by an agency" in body["message"]
    text = response.content.decode()
    assert str(world["jo"].pk) not in text and "Bloggs" not in text and "Riverside" not in text
    entry = AuditEntry.objects.filter(action="person.match").latest("seq")
    assert entry.subjects == [] and entry.person_id is None
    assert "held elsewhere was not shown" in entry.reason


def test_no_candidates_for_someone_new(api, world):
    body = api("grace").post("/people/candidates", {"given_names": "Priya", "family_name": "Shah",
                                                    "date_of_birth": "1978-06-15"}).json()
    assert body == {"model_version": 0, "candidates": [], "held_elsewhere": False,
                    "message": "No possible match was found."}


@pytest.mark.parametrize("change,field,message", [
    ({"family_name": ""}, "family_name", "Enter the person's family name"),
    ({"date_of_birth": "2999-01-01"}, "date_of_birth", "in the past"),
    ({"date_of_birth": "1985-02-30"}, "date_of_birth", "Enter a real date"),
])
def test_candidates_need_names_and_date_of_birth(api, world, change, field, message):
    response = api("amara").post("/people/candidates", {**LIKE_JO, **change})
    assert response.status_code == 422
    assert message in response.json()["error"]["fields"][field]


def test_candidates_cover_aliases_swapped_names_and_a_swapped_day_and_month(world):
    amara = world["staff"]["amara"].user
    swapped = find_candidates(amara, PersonDetails(given_names="Bloggs", family_name="Jo",
                                                   date_of_birth=dt.date(1985, 3, 27), postcode="SA1 1AA"))
    assert [c.person for c in swapped.shown] == [world["jo"]]
    transposed = find_candidates(amara, PersonDetails(given_names="Jo", family_name="Bloggs",
                                                      date_of_birth=dt.date(1985, 12, 3), postcode="SA1 1AA"))
    assert [c.person for c in transposed.shown] == [world["jo"]]
    dob = next(f for f in transposed.shown[0].fields if f.column == "dob")
    assert dob.level != "the same"


def test_the_api_refuses_to_register_a_possible_duplicate_until_told(api, world):
    before = Person.objects.count()
    refused = api("grace").post("/people", LIKE_JO)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "possible_match"
    assert "Bloggs" not in refused.content.decode()
    assert Person.objects.count() == before
    made = api("grace").post("/people", {**LIKE_JO, "confirm_no_match": True})
    assert made.status_code == 201, made.content
    assert Person.objects.count() == before + 1
    fresh = api("grace").post("/people", {"given_names": "Priya", "family_name": "Shah", "date_of_birth": "1978-06-15"})
    assert fresh.status_code == 201


def test_join_an_existing_record_confirmed_by_a_shared_identifier(api, world):
    jo = world["jo"]
    grace = api("grace")
    assert grace.get(f"/people/{jo.pk}").status_code == 404
    response = grace.post("/people/join", {**LIKE_JO, "nhs_number": "485 777 3457", "setting": "prison",
                                           "service": "Healthcare"})
    assert response.status_code == 201, response.content
    assert response.json()["id"] == str(jo.pk)
    assert grace.get(f"/people/{jo.pk}").status_code == 200
    episode = Episode.objects.get(person=jo, agency=world["agencies"]["prison"])
    assert episode.ended_on is None and episode.setting == "prison"
    event = Event.objects.get(person=jo, kind=EventKind.EPISODE_STARTED, agency=world["agencies"]["prison"])
    assert "confirmed by NHS number" in event.body
    entry = AuditEntry.objects.get(action="person.join")
    assert entry.person_id == jo.pk and entry.reason == "confirmed by NHS number"
    assert Person.objects.count() == 1  # no second record


@pytest.mark.parametrize("change,field,message", [
    ({"nhs_number": "943 476 5919"}, "nhs_number", "does not confirm a possible match"),
    ({"nhs_number": ""}, "nhs_number", "Enter an identifier"),
    ({"nhs_number": "485 777 3457", "given_names": "Zed", "family_name": "Quinn", "date_of_birth": "1960-01-01",
      "postcode": ""}, "nhs_number", "does not confirm a possible match"),
    ({"nhs_number": "485 777 3457", "setting": "moon"}, "setting", "Choose a setting"),
    ({"nhs_number": "485 777 3457", "service": " "}, "service", "Enter the service"),
])
def test_join_is_refused_without_a_confirming_identifier(api, world, change, field, message):
    body = {**LIKE_JO, "setting": "prison", "service": "Healthcare", **change}
    response = api("grace").post("/people/join", body)
    assert response.status_code == 422
    assert message in response.json()["error"]["fields"][field]
    assert not Episode.objects.filter(agency=world["agencies"]["prison"]).exists()
    assert api("grace").get(f"/people/{world['jo'].pk}").status_code == 404


@pytest.mark.parametrize("who", ["yusuf", "alan", "una", "sam"])
def test_roles_that_cannot_register_learn_nothing_about_matches(api, world, who):
    """No existence oracle: the same 403 whether or not a possible match is held."""
    for body in (LIKE_JO, {"given_names": "Priya", "family_name": "Shah", "date_of_birth": "1978-06-15"}):
        for path in ("/people/candidates", "/people"):
            response = api(who).post(path, body)
            assert response.status_code == 403, (path, response.content)
            assert "cannot register" in response.json()["error"]["message"]


@pytest.mark.parametrize("who", ["yusuf", "alan", "una"])
def test_roles_that_cannot_register_cannot_join(api, world, who):
    response = api(who).post("/people/join", {**LIKE_JO, "nhs_number": "4857773457", "setting": "community",
                                              "service": "X"})
    assert response.status_code == 403
    assert "cannot register" in response.json()["error"]["message"]


# --- the register page ----------------------------------------------------------------------------------

FORM = {"given_names": "Joanne", "family_name": "Blogs", "date_of_birth-day": "27", "date_of_birth-month": "3",
        "date_of_birth-year": "1985", "postcode": "SA1 1AA", "sex": "not_stated"}


def test_register_page_shows_possible_matches_before_registering(browser_client, world):
    client = browser_client("amara")
    before = Person.objects.count()
    page = client.post("/people/new", FORM)
    assert page.status_code == 200
    html = page.content.decode()
    assert "This person may already have a record" in html
    assert f'href="/people/{world["jo"].pk}/"' in html and "Jo Bloggs" in html
    assert "None of these is the person" in html
    assert "held by another agency" not in html
    assert Person.objects.count() == before
    made = client.post("/people/new", {**FORM, "confirm_no_match": "1"})
    assert made.status_code == 302
    assert Person.objects.count() == before + 1


def test_register_page_does_not_reveal_a_record_held_elsewhere(browser_client, world):
    client = browser_client("grace")
    html = client.post("/people/new", FORM).content.decode()
    assert "A possible match is held by another agency" in html
    assert "Bloggs" not in html and str(world["jo"].pk) not in html
    joined = client.post("/people/join", {**FORM, "nhs_number": "4857773457", "setting": "prison",
                                          "service": "Healthcare"})
    assert joined.status_code == 302
    assert joined["Location"] == f"/people/{world['jo'].pk}/"


def test_join_page_errors_name_the_fields(browser_client, world):
    response = browser_client("grace").post("/people/join", {**FORM, "nhs_number": "9434765919", "service": ""})
    assert response.status_code == 422
    html = response.content.decode()
    assert "does not confirm a possible match" in html and "Enter the service" in html
    assert 'href="#id_nhs_number"' in html
    assert not Episode.objects.filter(agency=world["agencies"]["prison"]).exists()


def test_link_index_rebuilds_the_keys_of_people_loaded_in_bulk(world):
    from typer.testing import CliRunner

    from throughcare.cli import app

    MatchKey.objects.all().delete()
    MatchProfile.objects.all().delete()
    assert find_candidates(world["staff"]["amara"].user, PersonDetails(
        given_names="Jo", family_name="Bloggs", date_of_birth=dt.date(1985, 3, 27))).shown == []
    result = CliRunner().invoke(app, ["link", "index"])
    assert result.exit_code == 0, result.output
    assert "rebuilt for 1 people" in result.output
    assert [c.person for c in find_candidates(world["staff"]["amara"].user, PersonDetails(
        given_names="Jo", family_name="Bloggs", date_of_birth=dt.date(1985, 3, 27))).shown] == [world["jo"]]


def test_register_page_shows_each_candidates_probability_and_the_fields_that_agreed_or_disagreed(
        browser_client, api, world):
    """The page shows what the API reports: the probability as a percentage, and each agreed field (green) and
    disagreed field (red) with how it compared, in their own columns."""
    expected = api("amara").post("/people/candidates", LIKE_JO).json()["candidates"][0]
    html = browser_client("amara").post("/people/new", FORM).content.decode()
    table = html.split("Possible matches you can see")[1].split("</table>")[0]
    row = table.split('<tbody class="govuk-table__body">')[1]
    cells = row.split('<td class="govuk-table__cell">')[1:]
    record, probability, agreed, disagreed = cells
    assert "Jo Bloggs" in record and "Born 27 March 1985" in record
    assert probability.strip().startswith(f"{round(expected['probability'] * 100)}%")
    fields = expected["fields"]
    assert {f["outcome"] for f in fields} >= {"agreed", "disagreed"}  # Joanne Blogs: some of each
    for field in fields:
        shown = f'{field["title"]}</strong> {field["level"]}'
        if field["outcome"] == "agreed":
            assert 'govuk-tag--green">' + shown in agreed and shown not in disagreed
        elif field["outcome"] == "disagreed":
            assert 'govuk-tag--red">' + shown in disagreed and shown not in agreed
        else:
            assert shown not in agreed and shown not in disagreed
