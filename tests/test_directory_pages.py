"""Directory pages: the public directory (no sign-in, no case data, no staff-only details), the staff directory,
keeping entries, a person's eligibility page, and starting a referral from a directory entry."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client

from tests.directory_helpers import build_directory
from throughcare.audit.models import AuditEntry
from throughcare.directory import actions
from throughcare.directory.models import Location, Organisation, Service


@pytest.fixture
def directory(world):
    return build_directory(world)


def _text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


# --- the public directory ------------------------------------------------------------------------------------------


def test_anyone_can_search_the_public_directory_without_signing_in(world, directory):
    actions.update_service(actor=None, service_id=directory["cardiff"].pk, name="Cardiff floating support",
                           service_type="housing", life_domains=["housing"], referral_routes=["professional"],
                           listed_publicly=False)
    before = AuditEntry.objects.count()
    response = Client().get("/find-support/", {"need": "substance_use", "self_referral": "on"})
    assert response.status_code == 200
    text = _text(response)
    assert "Find support near you" in text and "2 services" in text
    assert "Structured treatment" in text and "Women's recovery group" in text
    assert "Alcohol day programme" not in text  # no self-referral
    assert "Signed in as" not in text and "Sign out" not in text
    everything = _text(Client().get("/find-support/"))
    assert "Cardiff floating support" not in everything  # not listed publicly
    assert "Turns away a co-occurring need" not in everything  # a staff flag, not for the public
    assert AuditEntry.objects.count() == before  # no person data, nothing to audit


def test_public_service_page_never_shows_staff_only_contacts(world, directory):
    response = Client().get(f"/find-support/{directory['treatment'].pk}")
    assert response.status_code == 200
    text = _text(response)
    assert "Duty worker" in text and "01792 000000" in text
    assert "Professionals' line" not in text and "01792 111111" not in text
    assert "Step-free entrance; hearing loop at reception" in text
    assert "People aged 18 and over" in text and "People living in SA" in text
    assert "14 days (as published by the service)" in text
    assert "/referrals/new" not in response.content.decode()


def test_the_public_cannot_open_unlisted_or_closed_services(world, directory):
    service = directory["young"]
    actions.update_service(actor=None, service_id=service.pk, name=service.name, service_type="mental_health",
                           life_domains=["mental_health"], referral_routes=["professional"], status="inactive")
    assert Client().get(f"/find-support/{service.pk}").status_code == 404
    assert Client().get("/find-support/not-a-uuid").status_code == 404


def test_public_search_errors_name_the_field(world, directory):
    response = Client().get("/find-support/", {"area": "Swansea town"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'href="#id_area"' in html and "Enter a postcode, a postcode district like SA1 or an area like SA" in html


# --- the staff directory ---------------------------------------------------------------------------------------------


def test_staff_directory_flags_co_occurring_exclusions_and_shows_staff_contacts(browser_client, world, directory):
    amara = browser_client("amara")
    text = _text(amara.get("/directory/", {"need": "mental_health"}))
    assert "2 services" in text and "Turns away a co-occurring need" in text
    detail = _text(amara.get(f"/directory/services/{directory['treatment'].pk}"))
    assert "Professionals' line" in detail and "Professionals only" in detail
    assert "Change this entry" in detail  # Riverside's own service
    other = _text(amara.get(f"/directory/services/{directory['wellbeing'].pk}"))
    assert "Change this entry" not in other
    assert "people with dual diagnosis fall through this gap" in other
    assert Client().get("/directory/").status_code == 302  # staff pages need sign-in


def test_an_administrator_adds_an_organisation_a_place_and_a_service(browser_client, world, directory):
    sam = browser_client("sam")
    response = sam.post("/directory/organisations/new", {"name": "Gower Foodbank", "description": "Food parcels"})
    assert response.status_code == 302
    organisation = Organisation.objects.get(name="Gower Foodbank")
    response = sam.post(f"/directory/organisations/{organisation.pk}/locations/new",
                        {"name": "Church hall", "address_1": "2 Chapel Road", "city": "Swansea", "postcode": "SA3 1AB"})
    assert response.status_code == 302
    hall = Location.objects.get(name="Church hall")
    data = {"organisation": str(organisation.pk), "name": "Food parcels", "service_type": "other",
            "life_domains": ["wellbeing"], "status": "active", "listed_publicly": "on",
            "referral_routes": ["self_referral"], "areas": "SA3, sa4", "hours": "Tuesday 10:00 to 12:00\nFri 14:00-16:00",
            "locations": [str(hall.pk)], "public_contacts": "Volunteer desk; ; 01792 333333",
            "staff_contacts": "Co-ordinator; Manager; 07700 900000; coord@example.org", "languages": "English, Welsh"}
    response = sam.post("/directory/services/new", data)
    assert response.status_code == 302, _text(response)
    service = Service.objects.get(name="Food parcels")
    assert service.areas == ["SA3", "SA4"] and service.languages == ["English", "Welsh"]
    assert [(h.weekday, str(h.opens_at)) for h in service.hours.all()] == [(1, "10:00:00"), (4, "14:00:00")]
    assert [(c.name, c.staff_only) for c in service.contacts.all()] == [("Volunteer desk", False),
                                                                        ("Co-ordinator", True)]
    assert list(service.locations.all()) == [hall]
    assert AuditEntry.objects.filter(action="directory_service.create", username="sam").count() == 1


def test_the_service_form_names_each_field_it_refuses(browser_client, world, directory):
    response = browser_client("sam").post("/directory/services/new", {
        "organisation": str(directory["riverside"].pk), "name": "", "hours": "Funday 9 to 5", "status": "active"})
    assert response.status_code == 422
    html = unescape(response.content.decode())
    assert 'href="#id_hours"' in html and "Line 1: write a day and times" in html
    response = browser_client("sam").post("/directory/services/new", {
        "organisation": str(directory["riverside"].pk), "name": "", "status": "active"})
    html = unescape(response.content.decode())
    for message in ("Enter the service's name", "Choose the kind of service from the list",
                    "Choose at least one need the service meets", "Choose how people get a place"):
        assert message in html
    assert not Service.objects.filter(name="").exists()


def test_agency_staff_change_their_own_entries_and_a_stale_form_is_refused(browser_client, world, directory):
    amara = browser_client("amara")
    service = directory["treatment"]
    url = f"/directory/services/{service.pk}/edit"
    html = amara.get(url).content.decode()
    assert 'value="Structured treatment"' in html and "Monday 09:00 to 17:00" in html
    data = {"organisation": str(directory["riverside"].pk), "name": "Structured treatment",
            "service_type": "treatment", "tier": "3", "life_domains": ["substance_use"], "status": "active",
            "referral_routes": ["self_referral"], "hours": "Monday 09:00 to 12:00", "version": "1",
            "staff_contacts": "Professionals' line; ; 01792 111111", "time_zone": "Europe/London"}
    assert amara.post(url, data).status_code == 302
    service.refresh_from_db()
    assert service.version == 2 and service.referral_routes == ["self_referral"]
    stale = amara.post(url, {**data, "name": "Renamed"})
    assert stale.status_code == 422 and "Someone else changed this" in unescape(stale.content.decode())
    assert browser_client("xena").get(url).status_code == 403
    assert browser_client("xena").post(url, data).status_code == 403
    assert browser_client("una").get("/directory/services/new").status_code == 403


# --- a person's eligibility, and referring from the directory ------------------------------------------------------


def test_the_person_page_lists_eligible_services_and_why_others_are_not_shown(browser_client, world, directory):
    jo = world["jo"]
    amara = browser_client("amara")
    assert "Services Jo Bloggs may be eligible for" in _text(amara.get(f"/people/{jo.pk}/"))
    response = amara.get(f"/directory/people/{jo.pk}")
    assert response.status_code == 200
    text = _text(response)
    assert "Jo Bloggs has a current episode of care at Riverside Recovery (drug and alcohol treatment)" in text
    assert "Not shown, and why" in text
    assert ("Exclusion (no current drug or alcohol use): the service does not take people who use drugs or alcohol "
            "now; the person has a current episode of care at Riverside Recovery") in text
    assert "Co-occurring need" in text
    assert "Area: the service covers CF; the person lives in SA1." in text
    # Riverside's own services are not offered as referrals from Riverside.
    assert "to_agency=" not in response.content.decode()
    entry = AuditEntry.objects.filter(action="directory.eligibility", username="amara").latest("seq")
    assert entry.person_id == jo.pk


def test_what_the_person_said_changes_the_list_and_is_not_stored(browser_client, world, directory):
    jo = world["jo"]
    text = _text(browser_client("amara").get(f"/directory/people/{jo.pk}", {"substances": ["opiates"]}))
    assert "Substances: the service works with alcohol; the person uses opiates (heroin, illicit methadone) (as you recorded here)." in text


def test_unseen_people_are_not_found(browser_client, world, directory):
    jo = world["jo"]
    assert browser_client("grace").get(f"/directory/people/{jo.pk}").status_code == 404
    assert browser_client("grace").get(f"/directory/services/{directory['treatment'].pk}",
                                       {"person": str(jo.pk)}).status_code == 404
    assert browser_client("sam").get(f"/directory/people/{jo.pk}").status_code == 404


def test_start_a_referral_from_a_directory_entry_with_agency_and_service_filled_in(browser_client, world, directory):
    jo = world["jo"]
    open_door = actions.create_organisation(actor=None, name="Open Door", agency=world["agencies"]["peer"].pk)
    _peer = actions.create_service(actor=None, organisation_id=open_door.pk, name="Peer support group",
                                   service_type="mutual_aid", life_domains=["wellbeing"],
                                   referral_routes=["self_referral", "professional"])
    amara = browser_client("amara")
    detail = amara.get(f"/directory/services/{_peer.pk}", {"person": str(jo.pk)}).content.decode()
    assert "Jo Bloggs looks eligible" in unescape(detail)
    (href,) = re.findall(r'href="(/people/[^"]+/referrals/new\?[^"]+)"', detail)
    href = unescape(href)
    assert f"to_agency={world['agencies']['peer'].pk}" in href and "service=Peer+support+group" in href
    assert f"directory_service={_peer.pk}" in href
    form = amara.get(href).content.decode()
    assert f'name="directory_service" value="{_peer.pk}"' in form
    assert f'<option value="{world["agencies"]["peer"].pk}" selected>' in form
    assert re.search(r'name="service" type="text" value="Peer support group"', form)
    # The person page for Jo offers the same link.
    assert href in unescape(amara.get(f"/directory/people/{jo.pk}").content.decode())


def test_the_referral_form_ignores_prefill_it_cannot_use(browser_client, world):
    html = browser_client("amara").get(f"/people/{world['jo'].pk}/referrals/new",
                                       {"to_agency": "not-an-agency", "service": "x" * 500}).content.decode()
    assert " selected>" not in html.split('name="to_agency"')[1].split("</select>")[0]
    assert re.search('name="service" type="text" value="' + "x" * 200 + '"', html)


def test_staff_of_the_agency_change_its_organisation_and_places_in_the_pages(browser_client, world, directory):
    from throughcare.directory.models import Location, Organisation

    amara = browser_client("amara")  # Riverside's staff keep Riverside's entries
    service = directory["treatment"]
    organisation = Organisation.objects.get(pk=service.organisation_id)
    page = amara.get(f"/directory/services/{service.pk}").content.decode()
    assert f'href="/directory/organisations/{organisation.pk}/edit"' in page
    place = Location.objects.filter(organisation=organisation).first()
    assert f'href="/directory/organisations/{organisation.pk}/locations/{place.pk}/edit"' in page
    form = amara.get(f"/directory/organisations/{organisation.pk}/edit").content.decode()
    assert f'value="{organisation.name}"' in form and f'name="version" value="{organisation.version}"' in form
    bad = amara.post(f"/directory/organisations/{organisation.pk}/edit",
                     {"name": "", "version": organisation.version, "agency": str(organisation.agency_id)})
    assert bad.status_code == 422 and Organisation.objects.get(pk=organisation.pk).name == organisation.name
    done = amara.post(f"/directory/organisations/{organisation.pk}/edit",
                      {"name": "Riverside Recovery Service", "description": "Drug and alcohol treatment",
                       "version": organisation.version, "agency": str(organisation.agency_id)})
    assert done.status_code == 302 and Organisation.objects.get(pk=organisation.pk).name == "Riverside Recovery Service"
    stale = amara.post(f"/directory/organisations/{organisation.pk}/edit",
                       {"name": "Riverside", "version": organisation.version, "agency": str(organisation.agency_id)})
    assert stale.status_code == 422 and Organisation.objects.get(pk=organisation.pk).name == "Riverside Recovery Service"
    moved = amara.post(f"/directory/organisations/{organisation.pk}/locations/{place.pk}/edit",
                       {"name": place.name, "address_1": "2 New Street", "city": place.city, "postcode": "SA1 1AA",
                        "version": place.version})
    assert moved.status_code == 302 and Location.objects.get(pk=place.pk).address_1 == "2 New Street"
    # Another agency's staff may not.
    xena = browser_client("xena")
    assert xena.get(f"/directory/organisations/{organisation.pk}/edit").status_code == 403
    assert xena.post(f"/directory/organisations/{organisation.pk}/locations/{place.pk}/edit",
                     {"name": "Mine", "version": place.version + 1}).status_code == 403
