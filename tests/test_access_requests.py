"""Asking for access to a record held elsewhere, through the consent rules (issue 8, decision 0021).

Grace (HMP Northgate) registers someone who may be Jo Bloggs, whose record Riverside holds and Grace may not
see. She asks; the request reaches Riverside (Amara's "today" page as lead professional, Jo's consent page,
the service manager's queue) without Jo being revealed to Grace; Amara asks Jo and records Jo's consent, or
says no; Grace learns only the outcome, and joins the record only through that consent.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import PASSWORD
from throughcare.agencies.actions import create_staff
from throughcare.audit.models import AuditEntry
from throughcare.careteam.actions import add_member
from throughcare.consent.models import Consent, LawfulBasis
from throughcare.matching.models import AccessRequest

FORM = {"given_names": "Joanne", "family_name": "Blogs", "date_of_birth-day": "27", "date_of_birth-month": "3",
        "date_of_birth-year": "1985", "postcode": "SA1 1AA", "sex": "not_stated"}
LIKE_JO = {"given_names": "Joanne", "family_name": "Blogs", "date_of_birth": "1985-03-27", "postcode": "SA1 1AA"}
REASON = "Received into custody tonight; needs his script continued"
CONSENT = {"decision": "consent", "purposes": ["direct_care"], "categories": ["substance_use", "housing"],
           "how_given": "verbal"}


@pytest.fixture
def jo_led_by_amara(world):
    add_member(actor=world["staff"]["amara"].user, person_id=world["jo"].pk, worker="amara", lead=True)
    return world["jo"]


def _notes(api, world):
    for category, text in (("substance_use", "Script: methadone 60ml"), ("mental_health", "Anxiety: GP review")):
        assert api("amara").post(f"/people/{world['jo'].pk}/notes", {"text": text, "category": category}).status_code == 201


def test_ask_answer_with_consent_and_join_through_the_pages(browser_client, api, world, jo_led_by_amara):
    jo = jo_led_by_amara
    _notes(api, world)
    grace, amara = browser_client("grace"), browser_client("amara")
    page = grace.post("/people/new", FORM).content.decode()
    assert "Ask to work with this person" in page and "Bloggs" not in page
    short = grace.post("/people/ask-for-access", {**FORM, "access_reason": "please"})
    assert short.status_code == 422 and "Say why your agency needs to work with the person" in short.content.decode()
    assert 'href="#id_access_reason"' in short.content.decode()  # in the error summary
    asked = grace.post("/people/ask-for-access", {**FORM, "access_reason": REASON})
    assert asked.status_code == 302 and asked["Location"] == "/access-requests/"
    request = AccessRequest.objects.get()
    assert request.person_id == jo.pk and request.requesting_agency == world["agencies"]["prison"]
    mine = grace.get("/access-requests/").content.decode()
    assert "Joanne Blogs, born 27 March 1985" in mine and "Waiting" in mine
    assert "Bloggs" not in mine and "Riverside" not in mine and str(jo.pk) not in mine
    # It reaches the holding side: the lead professional's day, and the person's consent page.
    today = amara.get("/today/").content.decode()
    assert "HMP Northgate asks to work with Jo Bloggs" in today
    assert f"/access-requests/{request.pk}/answer" in today
    assert "HMP Northgate asks to work with this person" in amara.get(f"/people/{jo.pk}/consents/").content.decode()
    form = amara.get(f"/access-requests/{request.pk}/answer").content.decode()
    assert REASON in form and "Joanne Blogs, born 27 March 1985" in form
    missing = amara.post(f"/access-requests/{request.pk}/answer", {"decision": "consent", "how_given": "verbal"})
    assert missing.status_code == 422 and "Choose at least one category" in missing.content.decode()
    assert not Consent.objects.filter(recipient_agency=world["agencies"]["prison"]).exists()
    answered = amara.post(f"/access-requests/{request.pk}/answer", CONSENT)
    assert answered.status_code == 302 and answered["Location"] == f"/people/{jo.pk}/consents/"
    consent = Consent.objects.get(recipient_agency=world["agencies"]["prison"])
    assert consent.categories == ["substance_use", "housing"] and consent.recorded_by.username == "amara"
    # Consent alone opens nothing without a relationship: Jo is still "not found" to Grace until she joins.
    assert api("grace").get(f"/people/{jo.pk}").status_code == 404
    outcome = grace.get("/access-requests/").content.decode()
    assert "The person agreed" in outcome and "Bloggs" not in outcome
    assert f"/access-requests/{request.pk}/join" in outcome
    joined = grace.post(f"/access-requests/{request.pk}/join", {"setting": "prison", "service": "Healthcare"})
    assert joined.status_code == 302 and joined["Location"] == f"/people/{jo.pk}/"
    titles = {i["title"] for i in api("grace").get(f"/people/{jo.pk}/timeline").json()["items"]}
    assert "Script: methadone 60ml" in titles and "Anxiety: GP review" not in titles  # as the consent allows
    assert "Open the record" in grace.get("/access-requests/").content.decode()
    assert "asks to work with" not in amara.get("/today/").content.decode()  # answered: off the list
    # One audit entry per step, naming the person in the trail (never on the asker's pages).
    create = AuditEntry.objects.get(action="access_request.create", outcome="allowed")
    assert create.person_id == jo.pk and create.username == "grace"
    answer = AuditEntry.objects.get(action="access_request.answer")
    assert answer.username == "amara" and answer.recipient_agency == "HMP Northgate" and answer.reason.startswith("consent")
    join = AuditEntry.objects.get(action="access_request.join", outcome="allowed")
    assert join.username == "grace" and join.person_id == jo.pk and join.lawful_basis == "consent"


@pytest.mark.parametrize("decision", ["person_declined", "not_this_person"])
def test_a_request_not_agreed_tells_the_asker_only_that(browser_client, api, world, jo_led_by_amara, decision):
    grace, amara = browser_client("grace"), browser_client("amara")
    grace.post("/people/ask-for-access", {**FORM, "access_reason": REASON})
    request = AccessRequest.objects.get()
    done = amara.post(f"/access-requests/{request.pk}/answer", {"decision": decision, "note": "Jo said no"})
    assert done.status_code == 302
    outcome = grace.get("/access-requests/").content.decode()
    assert "Not agreed" in outcome and "Jo said no" not in outcome and "not the person" not in outcome.lower()
    assert grace.get(f"/access-requests/{request.pk}/join").status_code == 404
    assert grace.post(f"/access-requests/{request.pk}/join", {"setting": "prison", "service": "Healthcare"}) \
        .status_code == 404
    assert not Consent.objects.filter(recipient_agency=world["agencies"]["prison"]).exists()
    again = amara.post(f"/access-requests/{request.pk}/answer", CONSENT)
    assert again.status_code == 422 and "already been answered" in again.content.decode()


def test_a_withdrawn_consent_means_no_join(browser_client, api, world, jo_led_by_amara):
    grace = browser_client("grace")
    grace.post("/people/ask-for-access", {**FORM, "access_reason": REASON})
    request = AccessRequest.objects.get()
    assert api("amara").post(f"/access-requests/{request.pk}/answer", CONSENT).status_code == 200
    consent = Consent.objects.get(recipient_agency=world["agencies"]["prison"])
    assert api("amara").post(f"/consents/{consent.pk}/withdraw", {"reason": "Jo changed his mind"}).status_code == 200
    assert "The consent has ended: ask again" in grace.get("/access-requests/").content.decode()
    refused = api("grace").post(f"/access-requests/{request.pk}/join", {"setting": "prison", "service": "Healthcare"})
    assert refused.status_code == 422 and "no longer active" in refused.json()["error"]["fields"]["request"]
    assert api("grace").get(f"/people/{world['jo'].pk}").status_code == 404


def test_the_whole_route_through_the_api(api, world, jo_led_by_amara):
    jo = jo_led_by_amara
    grace, amara, xena = api("grace"), api("amara"), api("xena")
    asked = grace.post("/access-requests", {**LIKE_JO, "reason": REASON})
    assert asked.status_code == 201, asked.content
    assert asked.json()["new"] is True and asked.json()["outcome"] == "open"
    again = grace.post("/access-requests", {**LIKE_JO, "reason": REASON})
    assert again.status_code == 200 and again.json() == {**asked.json(), "new": False, "message": again.json()["message"]}
    assert AccessRequest.objects.count() == 1
    listed = grace.get("/access-requests")
    assert [e["outcome"] for e in listed.json()] == ["open"]
    assert str(jo.pk) not in listed.content.decode() and "Bloggs" not in listed.content.decode()
    incoming = amara.get("/access-requests/incoming").json()
    assert [(i["person"], i["requesting_agency"], i["reason"]) for i in incoming] == [(str(jo.pk), "HMP Northgate",
                                                                                      REASON)]
    request_id = incoming[0]["id"]
    # Open Door does not work with Jo: it neither sees nor answers the request; Grace cannot answer her own.
    # Not even with an approved safeguarding basis, which lets it see Jo but does not make it hold the record.
    LawfulBasis.objects.create(person=jo, basis="safeguarding_adult", recipient_agency=world["agencies"]["peer"],
                               categories=["family_safeguarding"], reason="Strategy meeting",
                               requested_by=world["staff"]["amara"].user, approved=True)
    assert xena.get(f"/people/{jo.pk}").status_code == 200
    assert xena.get("/access-requests/incoming").json() == []
    assert xena.post(f"/access-requests/{request_id}/answer", CONSENT).status_code == 404
    assert grace.post(f"/access-requests/{request_id}/answer", CONSENT).status_code == 404
    bad = amara.post(f"/access-requests/{request_id}/answer", {"decision": "maybe"})
    assert bad.status_code == 422 and "decision" in bad.json()["error"]["fields"]
    assert grace.post(f"/access-requests/{request_id}/join", {"setting": "prison", "service": "H"}).status_code == 404
    answered = amara.post(f"/access-requests/{request_id}/answer", CONSENT)
    assert answered.status_code == 200 and answered.json()["outcome"] == "agreed" and answered.json()["consent"]
    [enquiry] = grace.get("/access-requests").json()
    assert enquiry["outcome"] == "agreed" and enquiry["to_join"] == [request_id] and enquiry["joined"] == []
    bad_join = grace.post(f"/access-requests/{request_id}/join", {"setting": "moon", "service": ""})
    assert bad_join.status_code == 422 and set(bad_join.json()["error"]["fields"]) == {"setting", "service"}
    joined = grace.post(f"/access-requests/{request_id}/join", {"setting": "prison", "service": "Healthcare"})
    assert joined.status_code == 201 and joined.json()["id"] == str(jo.pk)
    assert grace.get("/access-requests").json()[0]["joined"] == [str(jo.pk)]
    again = grace.post(f"/access-requests/{request_id}/join", {"setting": "prison", "service": "Healthcare"})
    assert again.status_code == 422 and "already joined" in again.json()["error"]["fields"]["request"]
    today = amara.get("/today").json()
    assert today["access_requests"] == []


def test_who_may_ask_and_what_for(api, world):
    jo = world["jo"]
    assert api("una").post("/access-requests", {**LIKE_JO, "reason": REASON}).status_code == 403  # peer mentor
    assert api("yusuf").post("/access-requests", {**LIKE_JO, "reason": REASON}).status_code == 403  # commissioner
    nobody = api("grace").post("/access-requests", {"given_names": "Priya", "family_name": "Shah",
                                                    "date_of_birth": "1978-06-15", "reason": REASON})
    assert nobody.status_code == 422 and "No possible match" in nobody.json()["error"]["fields"]["details"]
    # Riverside sees Jo already: there is nothing held elsewhere for it to ask about.
    visible = api("amara").post("/access-requests", {**LIKE_JO, "reason": REASON})
    assert visible.status_code == 422
    short = api("grace").post("/access-requests", {**LIKE_JO, "reason": "x"})
    assert short.status_code == 422 and "reason" in short.json()["error"]["fields"]
    assert not AccessRequest.objects.exists()
    assert json.dumps(nobody.json()).count(str(jo.pk)) == 0


def test_a_service_manager_sees_requests_about_their_agencys_people(browser_client, world):
    create_staff(actor=None, username="mona", agency=world["agencies"]["riverside"], role="service_manager",
                 password=PASSWORD)
    create_staff(actor=None, username="pete", agency=world["agencies"]["peer"], role="service_manager",
                 password=PASSWORD)
    browser_client("grace").post("/people/ask-for-access", {**FORM, "access_reason": REASON})
    request = AccessRequest.objects.get()
    queue = browser_client("mona").get("/caldicott/").content.decode()
    assert "HMP Northgate asks to work with Jo Bloggs" in queue and f"/access-requests/{request.pk}/answer" in queue
    # Once, in the page: never in its <title> (a browser's tabs and history), where it once was as markup.
    assert "<title>Lawful bases to decide – Throughcare</title>" in queue and queue.count("asks to work with") == 1
    assert "asks to work with" not in browser_client("pete").get("/caldicott/").content.decode()
    assert browser_client("pete").get(f"/access-requests/{request.pk}/answer").status_code == 404
    # A Caldicott guardian sees no case content: the request is not theirs to answer (it looks missing).
    assert "asks to work with" not in browser_client("alan").get("/caldicott/").content.decode()
    assert browser_client("alan").get(f"/access-requests/{request.pk}/answer").status_code == 404
