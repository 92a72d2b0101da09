"""The directory as Open Referral UK JSON (schema-validated, round trip, all-or-nothing import with JSON paths),
as FHIR HealthcareService, and the `throughcare directory import/export` commands."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhirclient.models.bundle import Bundle as R4Bundle
from typer.testing import CliRunner

from tests.directory_helpers import build_directory
from throughcare.audit.models import AuditEntry
from throughcare.cli import app
from throughcare.core.errors import ValidationFailed
from throughcare.directory import actions
from throughcare.directory.fhir import export_bundle
from throughcare.directory.models import (
    Contact,
    Location,
    OpeningHours,
    Organisation,
    Service,
    ServiceLocation,
)
from throughcare.directory.oruk import export_directory, import_directory, load, validate

runner = CliRunner()


@pytest.fixture
def directory(world):
    built = build_directory(world)
    # Everything the directory can hold, so the round trip has something to lose.
    actions.update_service(
        actor=None, service_id=built["wellbeing"].pk, name="Wellbeing clinic", service_type="mental_health",
        life_domains=["mental_health", "wellbeing"], referral_routes=["gp", "professional"], status="temporarily closed",
        exclusions=["current_substance_use", "arson", "other"], exclusions_note="No pets", listed_publicly=False,
        languages=["English", "Polish"], interpretation_services="Interpreters by phone", alert="Closed for repairs",
        how_to_access="Ask your GP", eligibility_note="Adults registered with a Swansea GP", minimum_age=18,
        maximum_age=65, genders=["women", "non_binary"], substances=["alcohol", "cannabis"], areas=["SA1", "SA2"],
        url="https://mind.example/wellbeing", email="hello@mind.example", phone="01792 444444",
        published_wait_days=42, time_zone="Europe/London", assured_on=dt.date(2026, 10, 1),
        hours=[{"weekday": 4, "opens_at": "22:00", "closes_at": "06:00"}, {"weekday": 6, "opens_at": "00:00",
                                                                             "closes_at": "00:00"}],
        contacts=[{"name": "Clinic desk", "title": "Receptionist", "phone": "01792 555555",
                   "email": "desk@mind.example"},
                  {"name": "Duty psychiatrist", "phone": "07700 900123", "staff_only": True}])
    place = actions.save_location(actor=None, organisation_id=built["mind"].pk, name="Mind centre", address_1="3 Bay Road",
                                  city="Swansea", postcode="SA2 8PP", latitude="51.6123", longitude="-3.9812",
                                  accessibility="Lift to all floors", description="Next to the library")
    service = Service.objects.get(pk=built["wellbeing"].pk)
    actions.update_service(actor=None, service_id=service.pk, **_fields(service), location_ids=[place.pk])
    return built


def _fields(service) -> dict:
    names = ("name", "description", "service_type", "life_domains", "tier", "status", "listed_publicly", "url", "email",
             "phone", "how_to_access", "eligibility_note", "alert", "minimum_age", "maximum_age", "genders",
             "substances", "areas", "referral_routes", "exclusions", "exclusions_note", "languages",
             "interpretation_services", "published_wait_days", "time_zone", "assured_on")
    return {**{n: getattr(service, n) for n in names},
            "hours": [{"weekday": h.weekday, "opens_at": h.opens_at, "closes_at": h.closes_at, "id": h.pk}
                      for h in service.hours.all()],
            "contacts": [{"id": c.pk, "name": c.name, "title": c.title, "phone": c.phone, "email": c.email,
                          "staff_only": c.staff_only} for c in service.contacts.all()]}


def _empty_directory() -> None:
    Service.objects.all().delete()
    Location.objects.all().delete()
    Organisation.objects.all().delete()


def _counts() -> tuple:
    return tuple(m.objects.count() for m in (Organisation, Location, Service, OpeningHours, Contact, ServiceLocation))


# --- export and round trip -----------------------------------------------------------------------------------------


def test_export_is_valid_open_referral_uk_and_hsds(world, directory):
    data = export_directory()
    validate(data)  # raises if not
    assert data["total_items"] == 6 and data["first_page"] and data["last_page"]
    wellbeing = next(s for s in data["contents"] if s["name"] == "Wellbeing clinic")
    assert wellbeing["status"] == "temporarily closed" and wellbeing["minimum_age"] == 18
    assert [s["byday"] for s in wellbeing["schedules"]] == ["FR", "SU"]
    assert wellbeing["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] == "SA2 8PP"
    terms = {(a["taxonomy_term"]["taxonomy"], a["taxonomy_term"]["term"]) for a in wellbeing["attributes"]}
    assert ("throughcare:exclusion", "current_substance_use") in terms
    assert ("throughcare:time_zone", "Europe/London") in terms
    staff_only = [c for c in wellbeing["contacts"] if c.get("attributes")]
    assert [c["name"] for c in staff_only] == ["Duty psychiatrist"]
    treatment = next(s for s in data["contents"] if s["name"] == "Structured treatment")
    assert treatment["organization"]["organization_identifiers"][0]["identifier"] == str(world["agencies"]["riverside"].pk)


def test_export_then_import_gives_the_same_directory(world, directory):
    before = export_directory()
    counts = _counts()
    _empty_directory()
    assert _counts() == (0, 0, 0, 0, 0, 0)
    summary = import_directory(actor=None, data=json.loads(json.dumps(before)))
    assert summary["services"] == 6 and summary["warnings"] == []
    assert export_directory() == before
    assert _counts() == counts
    # The agency link survives: Riverside's waiting times and referral links still work.
    assert Organisation.objects.get(name="Riverside Recovery").agency_id == world["agencies"]["riverside"].pk
    # Importing the same file again changes nothing but the versions.
    import_directory(actor=None, data=before)
    assert export_directory() == before and _counts() == counts
    assert AuditEntry.objects.filter(action="directory.import").count() == 2


def test_a_service_from_another_publisher_imports_with_stated_defaults(world):
    service = {"id": "ac148810-d857-441c-9679-408f346de14b", "name": "Community Counselling", "status": "active",
               "organization": {"id": "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610", "name": "Example Org",
                                "description": "A charity"},
               "attributes": [{"id": "ae58cc39-8b70-4ab1-8aea-786882e5ac8e", "taxonomy_term": {
                   "id": "3f7b145d-84af-42d7-8fae-eaca714b02b2", "name": "Counselling", "description": "x",
                   "taxonomy": "esd", "term": "counselling"}}]}
    summary = import_directory(actor=None, data={"total_items": 1, "contents": [service]})
    imported = Service.objects.get(name="Community Counselling")
    assert (imported.service_type, imported.life_domains, imported.referral_routes) == (
        "other", ["wellbeing"], ["professional"])
    assert len(summary["warnings"]) == 3 and "imported as other support" in summary["warnings"][0]


# --- malformed files: the path of the bad field, nothing imported ----------------------------------------------------


def _refused(data) -> dict:
    counts = _counts()
    with pytest.raises(ValidationFailed) as caught:
        import_directory(actor=None, data=data)
    assert _counts() == counts
    return caught.value.fields


def test_schema_errors_name_the_json_path_and_nothing_is_imported(world, directory):
    data = export_directory()
    _empty_directory()
    bad = copy.deepcopy(data)
    bad["contents"][1]["schedules"] = [{"id": "not-a-uuid", "opens_at": 9}]
    bad["contents"][3]["status"] = "open"
    del bad["contents"][4]["name"]
    fields = _refused(bad)
    assert fields == {"$.contents[1].schedules[0].id": "Must be a valid uuid",
                      "$.contents[1].schedules[0].opens_at": "Must be text",
                      "$.contents[3].status": "Must be one of: active, inactive, defunct, temporarily closed",
                      "$.contents[4].name": "This field is required"}


def test_contents_throughcare_cannot_take_are_refused_with_their_paths(world, directory):
    data = export_directory()
    _empty_directory()
    bad = copy.deepcopy(data)
    first = bad["contents"][0]
    life = next(i for i, a in enumerate(first["attributes"]) if a["taxonomy_term"]["taxonomy"] == "throughcare:life_domain")
    first["attributes"][life]["taxonomy_term"]["term"] = "karaoke"
    last = bad["contents"][-1]
    last["schedules"] = [{"id": "48102e86-bb50-41c4-8f1e-e269368c41d1", "freq": "WEEKLY", "byday": "MO,XX",
                          "opens_at": "09:00", "closes_at": "17:00"}]
    last["service_areas"] = [{"id": "381c64f1-a724-4884-9c21-ac96c21cca3e", "name": "The whole of Wales"}]
    fields = _refused(bad)
    assert fields[f"$.contents[0].attributes[{life}].taxonomy_term.term"].startswith(
        "Unknown code 'karaoke' in throughcare:life_domain")
    assert fields["$.contents[5].schedules[0].byday"].startswith("Give the days as MO, TU")
    assert fields["$.contents[5].service_areas[0].name"] == "Give a postcode district like SA1 or an area like SA"


def test_a_failure_late_in_the_import_undoes_everything_before_it(world, directory):
    data = export_directory()
    _empty_directory()
    bad = copy.deepcopy(data)
    # Two different services with the same name at the same organisation: only found while saving the second.
    twin = copy.deepcopy(bad["contents"][0])
    twin["id"] = "0b5c7d0e-0000-4000-8000-000000000001"
    twin["schedules"], twin["contacts"], twin["service_at_locations"] = [], [], []
    bad["contents"].append(twin)
    bad["total_items"] = len(bad["contents"])
    fields = _refused(bad)
    assert fields == {"$.contents[6].name": "This organisation already has a service with that name"}
    assert not AuditEntry.objects.filter(action="directory.import").exists()


def test_not_json_at_all():
    with pytest.raises(ValidationFailed) as caught:
        load(b"{not json")
    assert caught.value.fields == {"$": "The file is not valid JSON (line 1, column 2)"}


# --- the API and the command line ----------------------------------------------------------------------------------


def test_api_export_and_an_import_that_only_administrators_may_run(api, world, directory):
    exported = api("amara").get("/directory/oruk")
    assert exported.status_code == 200
    data = exported.json()
    assert data["total_items"] == 6
    refused = api("amara").post("/directory/oruk", data)
    assert refused.status_code == 403 and "administrator" in refused.json()["error"]["message"]
    bad = copy.deepcopy(data)
    bad["contents"][0]["minimum_age"] = "eighteen"
    response = api("sam").post("/directory/oruk", bad)
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"$.contents[0].minimum_age": "Must be a number"}
    assert api("sam").post("/directory/oruk", raw="[").json()["error"]["fields"]["$"].startswith(
        "The file is not valid JSON")
    ok = api("sam").post("/directory/oruk", data)
    assert ok.status_code == 200 and ok.json()["services"] == 6


def test_cli_export_and_import(world, directory, tmp_path):
    oruk, fhir = tmp_path / "directory.json", tmp_path / "fhir.json"
    result = runner.invoke(app, ["directory", "export", str(oruk)])
    assert result.exit_code == 0, result.output
    assert "Exported 6 services" in result.output
    written = json.loads(oruk.read_text())
    _empty_directory()
    result = runner.invoke(app, ["directory", "import", str(oruk)])
    assert result.exit_code == 0, result.output
    assert "Imported 6 services, 3 organisations and 2 places" in result.output
    assert export_directory() == written
    written["contents"][2]["schedules"] = [{"id": "48102e86-bb50-41c4-8f1e-e269368c41d1", "opens_at": "9am",
                                            "closes_at": "17:00", "byday": "MO"}]
    oruk.write_text(json.dumps(written))
    result = runner.invoke(app, ["directory", "import", str(oruk)])
    assert result.exit_code == 2
    assert "$.contents[2].schedules[0].opens_at: Give a time on a 24-hour clock" in result.output
    assert "Nothing was imported" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["directory", "export", str(fhir), "--format", "fhir"])
    assert result.exit_code == 0, result.output
    assert Bundle.model_validate(json.loads(fhir.read_text())).type == "collection"


# --- FHIR --------------------------------------------------------------------------------------------------------


def test_fhir_healthcare_services(api, world, directory):
    bundle = export_bundle()
    Bundle.model_validate(bundle)  # FHIR R4B (fhir.resources)
    r4 = R4Bundle(bundle, strict=True)  # FHIR R4 4.0.1 (fhirclient)
    assert {e.resource.resource_type for e in r4.entry} == {"HealthcareService"}
    services = {e["resource"]["name"]: e["resource"] for e in bundle["entry"]}
    assert set(services) == {"Structured treatment", "Women's recovery group", "Wellbeing clinic",
                             "Young people's service", "Cardiff floating support", "Alcohol day programme"}
    wellbeing = services["Wellbeing clinic"]
    assert wellbeing["active"] is False  # temporarily closed
    assert wellbeing["availableTime"] == [
        {"daysOfWeek": ["fri"], "availableStartTime": "22:00:00", "availableEndTime": "23:59:59"},
        {"daysOfWeek": ["sat"], "availableStartTime": "00:00:00", "availableEndTime": "06:00:00"},
        {"daysOfWeek": ["sun"], "allDay": True}]
    assert "07700 900123" not in json.dumps(wellbeing)  # a staff-only contact never leaves in FHIR
    assert {"system": "phone", "value": "01792 555555", "use": "work"} in wellbeing["telecom"]
    assert wellbeing["contained"][0]["address"]["postalCode"] == "SA2 8PP"
    assert {"code": {"text": "Age"}, "comment": "People aged 18 to 65"} in wellbeing["eligibility"]
    treatment = services["Structured treatment"]
    assert treatment["specialty"][0]["coding"][0]["code"] == "3"
    response = api("amara").get("/directory/fhir")
    assert response.status_code == 200 and response.json()["resourceType"] == "Bundle"


# --- the demo directory ---------------------------------------------------------------------------------------------


def test_the_demo_world_has_a_directory_with_waiting_times_from_referrals(db):
    from throughcare.core.demo import build_world
    from throughcare.directory.search import clean_filters, search_services
    from throughcare.directory.waiting import waiting_times

    build_world(people=60, seed=2)
    data = export_directory()
    validate(data)
    assert data["total_items"] == 17
    kinds = {s.service_type for s in Service.objects.all()}
    assert kinds >= {"treatment", "prison_team", "mutual_aid", "housing", "mental_health", "primary_care",
                     "employment", "family", "crisis_beds", "harm_reduction"}
    services = search_services(clean_filters())
    waits = waiting_times(services)
    from_referrals = [s.name for s in services if waits[s.pk].source == "referrals"]
    assert "Structured treatment and prescribing" in from_referrals
    assert all(waits[s.pk].based_on >= 5 for s in services if waits[s.pk].source == "referrals")
    gap = Service.objects.get(name="Community mental health team")
    assert gap.exclusions == ["current_substance_use"]
    assert not Service.objects.get(name="Prison substance misuse team").listed_publicly
    from throughcare.directory.demo import build_directory

    assert build_directory() == 0  # a second run adds no second directory
    assert Service.objects.count() == 17


# --- the same, in the pages --------------------------------------------------------------------------------------


def test_an_administrator_downloads_and_imports_the_directory_in_the_pages(browser_client, world, directory):
    import re
    from html import unescape

    from django.core.files.uploadedfile import SimpleUploadedFile

    sam = browser_client("sam")
    assert 'href="/directory/exchange"' in sam.get("/directory/").content.decode()
    page = sam.get("/directory/exchange")
    assert page.status_code == 200 and "Import the file" in page.content.decode()
    download = sam.get("/directory/exchange/oruk.json")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    exported = json.loads(download.content)
    assert exported == json.loads(json.dumps(export_directory(), default=str))
    fhir = sam.get("/directory/exchange/fhir.json")
    assert fhir["Content-Type"] == "application/fhir+json" and json.loads(fhir.content)["resourceType"] == "Bundle"
    counts = _counts()
    _empty_directory()
    # A broken file: nothing imported, each problem named by where it is.
    bad = copy.deepcopy(exported)
    bad["contents"][3]["status"] = "open"
    del bad["contents"][4]["name"]
    refused = sam.post("/directory/exchange", {"file": SimpleUploadedFile("d.json", json.dumps(bad).encode())})
    text = unescape(re.sub(r"\s+", " ", refused.content.decode()))
    assert refused.status_code == 422
    assert "$.contents[3].status: Must be one of: active, inactive, defunct, temporarily closed" in text
    assert "$.contents[4].name: This field is required" in text and _counts() == (0, 0, 0, 0, 0, 0)
    not_json = sam.post("/directory/exchange", {"file": SimpleUploadedFile("d.json", b"{not json")})
    assert not_json.status_code == 422 and "The file is not valid JSON (line 1, column 2)" in unescape(
        not_json.content.decode())
    wrong_type = sam.post("/directory/exchange", {"file": SimpleUploadedFile("d.xml", b"<x/>")})
    assert wrong_type.status_code == 422 and "d.xml is not a .json file" in wrong_type.content.decode()
    done = sam.post("/directory/exchange", {"file": SimpleUploadedFile("d.json", json.dumps(exported).encode())})
    assert done.status_code == 302 and _counts() == counts
    assert export_directory() == json.loads(json.dumps(exported))  # the round trip, through the pages
    # A key worker may download it, not import it.
    amara = browser_client("amara")
    assert amara.get("/directory/exchange/oruk.json").status_code == 200
    assert "Import the file" not in amara.get("/directory/exchange").content.decode()
    assert amara.post("/directory/exchange", {"file": SimpleUploadedFile("d.json", b"{}")}).status_code == 403
