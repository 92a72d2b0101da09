"""The holistic assessment through the API: instruments as checked data, drafts saved explicitly with
If-Match, validation naming the question, nothing half-saved, submit makes it immutable, amendments and
re-assessments linked to what they follow (with what changed), sections seen by consent, FHIR export."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhirclient.models.questionnaireresponse import QuestionnaireResponse as R4QuestionnaireResponse

from tests.assessment_helpers import full_answers, harbour_housing_works_with_jo
from throughcare.assessments import instruments
from throughcare.assessments.instruments import InstrumentError, parse
from throughcare.assessments.models import Assessment, ImmutableError
from throughcare.audit.models import AuditEntry
from throughcare.core.categories import ALL_CATEGORIES
from throughcare.journey.models import Event

NOWHERE = "00000000-0000-4000-8000-000000000000"


def _start(client, person_id, **body):
    return client.post(f"/people/{person_id}/assessments", body)


def _patch(client, assessment_id, body, revision=None):
    headers = dict(client.headers)
    if revision is not None:
        headers["If-Match"] = f'"{revision}"'
    return client.client.patch(f"/api/v1/assessments/{assessment_id}", json.dumps(body),
                               content_type="application/json", headers=headers)


def _post(client, path, revision=None):
    headers = dict(client.headers)
    if revision is not None:
        headers["If-Match"] = f'"{revision}"'
    return client.client.post(f"/api/v1{path}", "", content_type="application/json", headers=headers)


def _submitted(api, world, answers=None, persona="amara"):
    jo = world["jo"]
    started = _start(api(persona), jo.pk)
    assert started.status_code == 201, started.content
    aid = started.json()["id"]
    saved = _patch(api(persona), aid, {"answers": answers or full_answers()}, revision=1)
    assert saved.status_code == 200, saved.content
    done = _post(api(persona), f"/assessments/{aid}/submit", revision=2)
    assert done.status_code == 200, done.content
    return aid


# --- instruments ---------------------------------------------------------------------------------------


def test_every_instrument_file_loads_and_every_section_has_a_category():
    found = instruments.load_all()
    assert {key for key, _v in found} == {"holistic-assessment", "top", "barc10"}
    holistic = instruments.get("holistic-assessment")
    assert holistic.purpose == "assessment" and holistic.version == 2
    assert all(s.category in ALL_CATEGORIES for i in found.values() for s in i.sections)
    by_id = {s.id: s.category for s in holistic.sections}
    assert by_id["housing"] == "housing" and by_id["drugs"] == "substance_use" and by_id["alcohol"] == "alcohol"
    assert by_id["domestic_abuse"] == "family_safeguarding" and by_id["money"] == "employment_benefits"
    assert by_id["strengths"] == "substance_use" and by_id["offending"] == "offending"
    injecting = holistic.section("drugs").question("injecting_days")
    assert (injecting.min, injecting.max, injecting.unit) == (0, 28, "days")
    years = holistic.section("drugs").question("years_using")  # new in v2, for the case-mix model
    assert (years.min, years.max, years.unit, years.type) == (0, 80, "years", "number")
    assert instruments.get("holistic-assessment", 1).section("drugs").question("years_using") is None
    assert injecting.show_if.question == "ever_injected" and injecting.show_if.value is True


GOOD = """
key: demo
version: 1
title: Demo
purpose: outcome
sections:
  - id: mood
    title: Mood
    category: mental_health
    questions:
      - {id: low, type: yes_no, text: "Low?"}
      - {id: days, type: number, text: "Days?", min: 0, max: 28, show_if: {question: low, equals: true}}
"""


@pytest.mark.parametrize("change, path, message", [
    (("purpose: outcome", "purpose: survey"), "purpose", "expected one of assessment, outcome"),
    (("category: mental_health", "category: feelings"), "sections[0].category", "expected one of"),
    (("min: 0, max: 28,", "max: 28,"), "sections[0].questions[1].min", "required for a number question"),
    (("min: 0, max: 28,", "min: 30, max: 28,"), "sections[0].questions[1].max", "must be more than min"),
    (("type: yes_no", "type: boolean"), "sections[0].questions[0].type", "expected one of"),
    (("{question: low, equals: true}", "{question: later, equals: true}"),
     "sections[0].questions[1].show_if.question", "not an earlier question in this section"),
    (("{question: low, equals: true}", "{question: low, gt: 3}"), "sections[0].questions[1].show_if.gt",
     "cannot be used on a yes_no question"),
    (('text: "Low?"}', 'text: "Low?", colour: red}'), "sections[0].questions[0].colour", "unknown key"),
    (("id: days", "id: low"), "sections[0].questions[1].id", "used twice"),
])
def test_the_loader_names_the_file_and_the_path_of_each_mistake(change, path, message):
    assert parse(GOOD, "demo-v1.yaml").section("mood").question("days").show_if.op == "equals"
    with pytest.raises(InstrumentError) as failure:
        parse(GOOD.replace(*change), "demo-v1.yaml")
    assert str(failure.value).startswith(f"demo-v1.yaml: {path}: ")
    assert message in str(failure.value)


def test_the_loader_refuses_a_file_named_for_another_version_and_scores_across_sections():
    with pytest.raises(InstrumentError, match="demo-v2.yaml: key: the file must be called demo-v1.yaml"):
        parse(GOOD, "demo-v2.yaml")
    two_sections = GOOD + """
  - id: days_out
    title: Out
    category: housing
    questions:
      - {id: nights, type: number, text: "Nights?", min: 0, max: 28}
scores:
  - {id: both, label: Both, sum: [mood.days, days_out.nights], better: lower}
"""
    with pytest.raises(InstrumentError, match=r"scores\[0\]\.sum: a score's items must all be in one section"):
        parse(two_sections, "demo-v1.yaml")
    with pytest.raises(InstrumentError, match="not valid YAML"):
        parse("key: [", "demo-v1.yaml")


def test_the_api_serves_instruments_as_data(api, world):
    listed = api("amara").get("/instruments").json()
    assert {(i["key"], i["purpose"]) for i in listed} >= {("holistic-assessment", "assessment"), ("top", "outcome")}
    top = api("amara").get("/instruments/top").json()
    amount = next(q for s in top["sections"] if s["id"] == "substance_use" for q in s["questions"]
                  if q["id"] == "opiates_amount")
    assert amount["unit"] == "grams" and amount["show_if"] == {"question": "opiates_days", "gt": 0}
    barc = api("amara").get("/instruments/barc10", version=1).json()
    assert barc["scores"][0]["min"] == 10 and barc["scores"][0]["max"] == 60
    assert api("amara").get("/instruments/nothing").status_code == 404


# --- drafts ------------------------------------------------------------------------------------------


def test_start_a_draft_with_its_event_and_audit_and_only_one_draft_per_agency(api, world):
    jo = world["jo"]
    started = _start(api("amara"), jo.pk)
    assert started.status_code == 201, started.content
    body = started.json()
    assert started["ETag"] == '"1"' and body["status"] == "draft" and body["kind"] == "new"
    assert body["instrument"] == "holistic-assessment" and body["agency"]["name"] == "Riverside Recovery"
    assert len(body["sections"]) == 12 and body["hidden_sections"] == 0
    event = Event.objects.get(kind="assessment")
    assert event.title == "Holistic assessment started" and event.category == "contact_admin"
    entry = AuditEntry.objects.get(action="assessment.start", resource="assessment")
    assert entry.person_id == jo.pk and entry.resource_id == body["id"]
    again = _start(api("ben"), jo.pk)
    assert again.status_code == 422
    assert "already has a draft" in again.json()["error"]["fields"]["instrument"]
    assert _start(api("amara"), jo.pk, instrument="top").json()["error"]["fields"]["instrument"].startswith(
        "Choose an assessment")
    assert _start(api("amara"), jo.pk, kind="sideways").json()["error"]["fields"]["kind"] == (
        "Choose new or reassessment")
    assert _start(api("amara"), jo.pk, colour="red").json()["error"]["fields"]["colour"] == (
        "This field is not recognised")
    assert Assessment.objects.count() == 1


def test_drafts_save_explicitly_with_if_match_and_each_section_sent_replaces_that_section(api, world):
    aid = _start(api("amara"), world["jo"].pk).json()["id"]
    missing = _patch(api("amara"), aid, {"answers": {"housing": {"living_situation": "hostel"}}})
    assert missing.status_code == 428 and "If-Match" in missing.json()["error"]["message"]
    saved = _patch(api("amara"), aid, {"answers": {"housing": {"living_situation": "hostel",
                                                               "acute_problem": True}}}, revision=1)
    assert saved.status_code == 200 and saved["ETag"] == '"2"'
    housing = next(s for s in saved.json()["sections"] if s["id"] == "housing")
    assert {q["id"]: q["display"] for q in housing["questions"]}["living_situation"] == "A hostel or night shelter"
    assert saved.json()["updated_by"] == "Amara Okafor"
    # Ben saves the next section; the housing answers stay.
    assert _patch(api("ben"), aid, {"answers": {"work": {"paid_work_days": 3}}}, revision=2).status_code == 200
    stale = _patch(api("amara"), aid, {"answers": {"housing": {"living_situation": "own_tenancy"}}}, revision=2)
    assert stale.status_code == 412 and "Someone else saved this draft" in stale.json()["error"]["message"]
    assert Assessment.objects.get().answers == {"housing": {"living_situation": "hostel", "acute_problem": True},
                                                "work": {"paid_work_days": 3}}
    # Sending a section replaces it: an answer left out is cleared.
    _patch(api("amara"), aid, {"answers": {"housing": {"living_situation": "hostel"}}}, revision=3)
    assert Assessment.objects.get().answers["housing"] == {"living_situation": "hostel"}
    assert AuditEntry.objects.filter(action="assessment.save", resource="assessment").count() == 3


@pytest.mark.parametrize("answers, field, message", [
    ({"work": {"paid_work_days": 29}}, "answers.work.paid_work_days", "Days of paid work must be between 0 and 28 days"),
    ({"work": {"paid_work_days": "lots"}}, "answers.work.paid_work_days", "Days of paid work must be a number"),
    ({"work": {"paid_work_days": 2.5}}, "answers.work.paid_work_days", "Days of paid work must be a whole number"),
    ({"alcohol": {"drinks": True, "units_per_day": 201}}, "answers.alcohol.units_per_day",
     "Units on a typical drinking day must be between 0 and 200 units"),
    ({"physical_health": {"rating": 21}}, "answers.physical_health.rating",
     "Physical health rating must be between 0 and 20"),
    ({"housing": {"living_situation": "castle"}}, "answers.housing.living_situation",
     "Choose where they live now from the list"),
    ({"drugs": {"drugs_used": ["heroin", "tea"]}}, "answers.drugs.drugs_used",
     "Choose drugs used in the last 28 days from the list"),
    ({"housing": {"acute_problem": "perhaps"}}, "answers.housing.acute_problem",
     "Choose yes or no for acute housing problem"),
    ({"physical_health": {"bbv_test_date": "2099-01-01"}}, "answers.physical_health.bbv_test_date",
     "Last blood-borne virus test must be today or in the past"),
    ({"physical_health": {"bbv_test_date": "2026-02-30"}}, "answers.physical_health.bbv_test_date",
     "must be a real date"),
    ({"housing": {"colour": "red"}}, "answers.housing.colour", "This question is not in the instrument"),
    ({"gardening": {}}, "answers.gardening", "This section is not in the instrument"),
    ({"strengths": {"what_matters": "x" * 2001}}, "answers.strengths.what_matters", "2,000 characters or fewer"),
])
def test_range_and_type_errors_name_the_question_and_nothing_is_half_saved(api, world, answers, field, message):
    aid = _start(api("amara"), world["jo"].pk).json()["id"]
    good = {"housing": {"living_situation": "hostel"}, "family": {"pregnant": "no"}}
    response = _patch(api("amara"), aid, {"answers": {**good, **answers}}, revision=1)
    assert response.status_code == 422, response.content
    assert message in response.json()["error"]["fields"][field]
    stored = Assessment.objects.get()
    assert stored.answers == {} and stored.revision == 1  # nothing half-saved, not even the good sections


def test_branches_that_are_closed_are_dropped_and_never_an_error(api, world):
    aid = _start(api("amara"), world["jo"].pk).json()["id"]
    answers = {"drugs": {"ever_injected": False, "injecting_days": "nonsense", "shared_equipment": True},
               "alcohol": {"drinks": False, "drinking_days": 12}}
    saved = _patch(api("amara"), aid, {"answers": answers}, revision=1)
    assert saved.status_code == 200, saved.content
    assert Assessment.objects.get().answers == {"drugs": {"ever_injected": False}, "alcohol": {"drinks": False}}
    drugs = next(s for s in saved.json()["sections"] if s["id"] == "drugs")
    assert "injecting_days" not in {q["id"] for q in drugs["questions"]}


def test_bad_bodies_are_named_and_unseen_people_are_404_before_any_input_error(api, world):
    aid = _start(api("amara"), world["jo"].pk).json()["id"]
    assert _patch(api("amara"), aid, {"answer": {}}, revision=1).json()["error"]["fields"] == {
        "answer": "This field is not recognised", "answers": "This field is required"}
    not_json = api("amara").client.patch(f"/api/v1/assessments/{aid}", "{", content_type="application/json",
                                         headers={**api("amara").headers, "If-Match": '"1"'})
    assert not_json.status_code == 422 and "body" in not_json.json()["error"]["fields"]
    for persona in ("grace", "yusuf", "alan", "sam"):
        assert _start(api(persona), world["jo"].pk, colour="red").status_code == 404
        assert _patch(api(persona), aid, {"answers": {"work": {"paid_work_days": 99}}}).status_code == 404
        assert api(persona).get(f"/assessments/{aid}").status_code == 404
        assert api(persona).get(f"/people/{world['jo'].pk}/assessments").status_code == 404
    assert api("amara").get(f"/assessments/{NOWHERE}").status_code == 404
    assert api("amara").get("/assessments/not-an-id").status_code == 404
    # Writing to an assessment of someone unseen answers exactly as writing to one that does not exist.
    for path in ("/assessments/{}/submit", "/assessments/{}/amend", "/assessments/{}/discard"):
        unseen = _post(api("grace"), path.format(aid), revision=1)
        missing = _post(api("grace"), path.format(NOWHERE), revision=1)
        assert unseen.status_code == missing.status_code == 404 and unseen.json() == missing.json(), path
    unseen = _patch(api("grace"), aid, {"answers": {}}, revision=1)
    missing = _patch(api("grace"), NOWHERE, {"answers": {}}, revision=1)
    assert unseen.status_code == missing.status_code == 404 and unseen.json() == missing.json()
    assert AuditEntry.objects.filter(username="grace", outcome="denied", person_id=world["jo"].pk).exists()
    assert Assessment.objects.get().revision == 1


# --- submit, immutability, amendments ------------------------------------------------------------------


def test_submit_needs_the_required_answers_then_the_assessment_never_changes(api, world):
    jo = world["jo"]
    aid = _start(api("amara"), jo.pk).json()["id"]
    _patch(api("amara"), aid, {"answers": {"work": {"paid_work_days": 0}}}, revision=1)
    assert _post(api("amara"), f"/assessments/{aid}/submit").status_code == 428
    refused = _post(api("amara"), f"/assessments/{aid}/submit", revision=2)
    assert refused.status_code == 422
    fields = refused.json()["error"]["fields"]
    assert fields == {"answers.housing.living_situation": "Choose where they live now",
                      "answers.strengths.what_matters": "Enter what matters most to them"}
    assert Assessment.objects.get().status == "draft"
    _patch(api("amara"), aid, {"answers": full_answers()}, revision=2)
    done = _post(api("amara"), f"/assessments/{aid}/submit", revision=3)
    assert done.status_code == 200 and done.json()["status"] == "submitted"
    assert done.json()["submitted_by"] == "Amara Okafor"
    assert Event.objects.filter(kind="assessment", title="Holistic assessment submitted").exists()
    entry = AuditEntry.objects.get(action="assessment.submit", resource="assessment")
    assert {"housing", "substance_use", "family_safeguarding"} <= set(entry.categories)
    changed = _patch(api("amara"), aid, {"answers": {"work": {"paid_work_days": 5}}}, revision=3)
    assert changed.status_code == 422 and "amend it instead" in changed.json()["error"]["fields"]["status"]
    assert _post(api("amara"), f"/assessments/{aid}/discard", revision=3).status_code == 422
    stored = Assessment.objects.get()
    stored.answers = {}
    with pytest.raises(ImmutableError):
        stored.save()
    with pytest.raises(ImmutableError):
        Assessment.objects.get().delete()
    assert Assessment.objects.get().answers["work"]["paid_work_days"] == 0


def test_an_amendment_is_a_new_version_linked_to_the_old_which_stays_as_it_was(api, world):
    jo = world["jo"]
    first = _submitted(api, world)
    amended = _post(api("ben"), f"/assessments/{first}/amend")
    assert amended.status_code == 201, amended.content
    body = amended.json()
    assert body["kind"] == "amendment" and body["number"] == 2 and body["previous"] == first
    assert body["status"] == "draft" and body["changes"] == []
    work = dict(full_answers()["work"], paid_work_days=4)
    _patch(api("ben"), body["id"], {"answers": {"work": work}}, revision=1)
    view = api("ben").get(f"/assessments/{body['id']}").json()
    assert view["changes"] == [{"section": "work", "question": "paid_work_days", "label": "Days of paid work",
                                "before": 0, "after": 4, "before_display": "0 days", "after_display": "4 days"}]
    assert _post(api("ben"), f"/assessments/{body['id']}/submit", revision=2).status_code == 200
    assert Event.objects.filter(title="Holistic assessment amended (version 2)").exists()
    assert Assessment.objects.get(pk=first).answers["work"]["paid_work_days"] == 0
    latest = api("amara").get(f"/people/{jo.pk}/assessments/latest").json()
    assert latest["id"] == body["id"] and latest["number"] == 2
    again = _post(api("amara"), f"/assessments/{first}/amend")
    assert again.status_code == 422 and "Only the latest assessment" in again.json()["error"]["fields"]["status"]
    listed = api("amara").get(f"/people/{jo.pk}/assessments").json()
    assert [(a["number"], a["status"]) for a in listed] == [(2, "submitted"), (1, "submitted")]


def test_a_reassessment_starts_prefilled_from_the_latest_and_shows_what_changed(api, world):
    jo = world["jo"]
    assert _start(api("amara"), jo.pk, kind="reassessment").json()["error"]["fields"]["kind"].startswith(
        "There is no submitted assessment")
    first = _submitted(api, world)
    again = _start(api("amara"), jo.pk, kind="reassessment")
    assert again.status_code == 201
    body = again.json()
    assert body["kind"] == "reassessment" and body["previous"] == first and body["number"] == 1
    housing = next(s for s in body["sections"] if s["id"] == "housing")
    assert {q["id"]: q["value"] for q in housing["questions"]}["living_situation"] == "hostel"
    assert body["changes"] == []
    moved = dict(full_answers()["housing"], living_situation="own_tenancy", eviction_risk=False)
    saved = _patch(api("amara"), body["id"], {"answers": {"housing": moved}}, revision=1).json()
    assert [(c["question"], c["before_display"], c["after_display"]) for c in saved["changes"]] == [
        ("living_situation", "A hostel or night shelter", "My own home or tenancy"),
        ("eviction_risk", "Not answered", "No")]
    assert _post(api("amara"), f"/assessments/{body['id']}/submit", revision=2).status_code == 200
    assert Event.objects.filter(title="Holistic assessment: re-assessment submitted").exists()


def test_discarding_a_draft(api, world):
    aid = _start(api("amara"), world["jo"].pk).json()["id"]
    assert _post(api("amara"), f"/assessments/{aid}/discard", revision=1).status_code == 204
    assert not Assessment.objects.exists()
    assert Event.objects.filter(title="Holistic assessment: draft discarded").exists()
    assert AuditEntry.objects.filter(action="assessment.discard").exists()


# --- who sees what ------------------------------------------------------------------------------------


def test_a_housing_worker_with_consent_for_housing_sees_the_housing_section_and_nothing_else(api, world):
    jo = world["jo"]
    harbour_housing_works_with_jo(world, consent=["housing"])
    aid = _submitted(api, world)
    seen = api("hana").get(f"/people/{jo.pk}/assessments/latest")
    assert seen.status_code == 200
    body = seen.json()
    assert [s["id"] for s in body["sections"]] == ["housing"] and body["hidden_sections"] == 11
    text = json.dumps(body)
    assert "A room of my own" in text
    for secret in ("Panic attacks", "My two girls", "heroin", "Getting my girls back", "drr"):
        assert secret not in text
    assert api("hana").get(f"/assessments/{aid}").json()["sections"][0]["id"] == "housing"
    listed = api("hana").get(f"/people/{jo.pk}/assessments").json()
    assert listed[0]["visible_sections"] == 1 and listed[0]["sections"] == 12
    entry = AuditEntry.objects.filter(username="hana", action="assessment.read").latest("seq")
    assert set(entry.categories) == {"contact_admin", "housing"}
    exported = api("hana").get(f"/assessments/{aid}/fhir").json()
    assert [item["linkId"] for item in exported["item"]] == ["housing"]
    # Her re-assessment starts from what she may see: the housing section only.
    redo = _start(api("hana"), jo.pk, kind="reassessment").json()
    assert {s["id"] for s in redo["sections"] if s["answered"]} == {"housing"}
    # Amara's agency sees none of Harbour's draft; Harbour cannot amend Riverside's assessment.
    assert api("amara").get(f"/assessments/{redo['id']}").status_code == 404
    refused = _post(api("hana"), f"/assessments/{aid}/amend")
    assert refused.status_code == 422 and "Only the agency that recorded" in refused.json()["error"]["fields"]["agency"]


def test_a_peer_mentor_sees_that_an_assessment_exists_but_no_section_and_cannot_start_one(api, world):
    jo = world["jo"]
    _submitted(api, world)
    from throughcare.episodes.models import Episode

    Episode.objects.create(person=jo, agency=world["agencies"]["peer"], setting="community", service="Peer support",
                           started_on=dt.date(2026, 1, 5), created_by=world["staff"]["xena"].user)
    seen = api("una").get(f"/people/{jo.pk}/assessments/latest").json()
    assert seen["sections"] == [] and seen["hidden_sections"] == 12
    assert _start(api("una"), jo.pk).status_code == 403


def test_fhir_questionnaire_response_validates_and_carries_typed_answers(api, world):
    aid = _submitted(api, world)
    response = api("amara").get(f"/assessments/{aid}/fhir")
    assert response.status_code == 200 and response["Content-Type"] == "application/fhir+json"
    resource = response.json()
    parsed = QuestionnaireResponse.model_validate(resource)  # FHIR R4B (fhir.resources)
    assert parsed.status == "completed"
    assert R4QuestionnaireResponse(resource, strict=True).status == "completed"  # FHIR R4 4.0.1 (fhirclient)
    assert resource["questionnaire"] == "https://throughcare.org.uk/fhir/Questionnaire/holistic-assessment|2"
    assert resource["subject"]["reference"] == f"Patient/{world['jo'].pk}"
    answers = {i["linkId"]: i["answer"] for s in resource["item"] for i in s["item"]}
    assert answers["drugs.injecting_days"] == [{"valueInteger": 6}]
    assert answers["alcohol.units_per_day"] == [{"valueDecimal": 6.5}]
    assert answers["housing.acute_problem"] == [{"valueBoolean": False}]
    assert answers["physical_health.bbv_test_date"] == [{"valueDate": "2025-11-02"}]
    assert [a["valueCoding"]["code"] for a in answers["drugs.drugs_used"]] == ["heroin", "crack"]
    assert AuditEntry.objects.filter(action="assessment.export", person_id=world["jo"].pk).exists()


@pytest.mark.parametrize("module, names", [
    ("questionnaireresponse", ["QuestionnaireResponse", "QuestionnaireResponseItem", "QuestionnaireResponseItemAnswer"]),
    ("observation", ["Observation", "ObservationComponent", "ObservationReferenceRange"]),
    ("healthcareservice", ["HealthcareService", "HealthcareServiceEligibility", "HealthcareServiceAvailableTime",
                           "HealthcareServiceNotAvailable"]),
    ("location", ["Location", "LocationPosition", "LocationHoursOfOperation"]),
    ("bundle", ["Bundle", "BundleEntry", "BundleLink"]),
])
def test_the_r4b_and_r4_models_of_what_we_export_have_the_same_elements(module, names):
    """Decision 0010: fhir.resources' R4B models and fhirclient's R4 (4.0.1) models agree, element by element
    (names, each choice type of value[x], and whether it repeats), for every resource Throughcare exports."""
    import importlib

    r4b, r4 = importlib.import_module(f"fhir.resources.R4B.{module}"), importlib.import_module(
        f"fhirclient.models.{module}")
    for name in names:
        r4_elements = {js: is_list for (_n, js, _t, is_list, _of_many, _req) in getattr(r4, name)().elementProperties()}
        r4b_elements = {(f.alias or n): "List" in str(f.annotation) for n, f in getattr(r4b, name).model_fields.items()
                        if not (f.alias or n).startswith("_") and (f.alias or n) not in {"resource_type",
                                                                                       "fhir_comments"}}
        assert r4b_elements == r4_elements, name


def test_a_reassessment_of_some_sections_leaves_the_others_latest_answers_in_place(api, world):
    """Hana (housing, with consent for housing only) re-assesses Jo: housing and the one required question she
    answers. Her assessment is the latest word on those sections, not on drugs or alcohol: Amara still sees the
    latest answers of every other section (saying which assessment each comes from), eligibility still knows
    what Jo uses, and Amara's own re-assessment starts from those. Hana's answers stay hidden from Amara (Jo
    shares nothing Harbour records with Riverside), and are not replaced by older ones."""
    jo = world["jo"]
    harbour_housing_works_with_jo(world, consent=["housing"])
    first = _submitted(api, world)
    every = {s["id"] for s in api("amara").get(f"/people/{jo.pk}/assessments/latest").json()["sections"]}
    facts_before = api("amara").get(f"/directory/people/{jo.pk}/eligibility").json()["facts_used"]
    redo = _start(api("hana"), jo.pk, kind="reassessment").json()
    assert set(Assessment.objects.get(pk=redo["id"]).answers) <= {"housing"}  # only what she may see is carried
    housing = {**full_answers()["housing"], "living_situation": "supported"}
    saved = _patch(api("hana"), redo["id"], {"answers": {"housing": housing,
                                                         "strengths": {"what_matters": "A home"}}}, revision=1)
    assert saved.status_code == 200, saved.content
    assert _post(api("hana"), f"/assessments/{redo['id']}/submit", revision=2).status_code == 200

    latest = api("amara").get(f"/people/{jo.pk}/assessments/latest").json()
    assert latest["id"] == redo["id"]  # the newest is Hana's ...
    by_id = {s["id"]: s for s in latest["sections"]}
    assert set(by_id) == every - {"housing", "strengths"}  # ... and nothing is lost from the rest
    assert latest["hidden_sections"] == 2  # Hana's housing and strengths answers
    assert by_id["drugs"]["from_assessment"]["id"] == first
    assert by_id["drugs"]["from_assessment"]["agency"] == "Riverside Recovery"
    assert api("amara").get(f"/directory/people/{jo.pk}/eligibility").json()["facts_used"]["substances"] == (
        facts_before["substances"])
    # Hana sees her own assessment (its other sections empty) and nothing of Amara's earlier answers.
    hers = {s["id"]: s for s in api("hana").get(f"/people/{jo.pk}/assessments/latest").json()["sections"]}
    assert all(s["from_assessment"] is None for s in hers.values())
    assert hers["housing"]["answered"] >= 1 and hers["drugs"]["answered"] == hers["alcohol"]["answered"] == 0
    # Amara's re-assessment starts from each section's latest answers she may see: her own drugs, not the
    # housing answers Hana's newer ones replaced (nor Hana's, which she may not see).
    again = _start(api("amara"), jo.pk, kind="reassessment").json()
    draft = Assessment.objects.get(pk=again["id"])
    assert draft.answers["drugs"] == full_answers()["drugs"] and "housing" not in draft.answers
    hana_draft_from = Assessment.objects.get(pk=redo["id"])
    assert hana_draft_from.answers["housing"]["living_situation"] == "supported"
