"""Eligibility reasoning, with its explanation text: hand-made profiles for each exclusion, several reasons at
once, minimum-only and maximum-only ages, a non-binary person; and from the record, within consent, a mental
health episode or the holistic assessment's severe mental health need making a treatment service turn the
person away, flagged as a co-occurring need (the reverse of the usual dual-diagnosis refusal)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.assessment_helpers import full_answers
from tests.directory_helpers import build_directory
from throughcare.agencies.actions import create_agency
from throughcare.assessments import actions as assessment_actions
from throughcare.audit.models import AuditEntry
from throughcare.consent.actions import record_consent
from throughcare.directory import actions
from throughcare.directory.eligibility import Profile, apply_told, evaluate, gender_group
from throughcare.directory.models import Service
from throughcare.episodes.models import Episode
from throughcare.people.models import Person

CO_OCCURRING = " This turns people away for a co-occurring need (dual diagnosis)."


def _service(**criteria) -> Service:
    """An unsaved service: `evaluate` is a pure function of the service's criteria and the profile."""
    return Service(name="A service", service_type="treatment", **criteria)


def _told(**facts) -> Profile:
    profile = Profile()
    apply_told(profile, facts)
    return profile


# --- hand-made profiles ----------------------------------------------------------------------------------------


def test_the_alcohol_exclusion_turns_away_someone_who_drinks_and_is_flagged():
    service = _service(exclusions=["current_alcohol_use"])
    (reason,) = evaluate(service, _told(alcohol_use=True)).reasons
    assert reason.criterion == "exclusion:current_alcohol_use" and reason.co_occurring
    assert reason.text == ("Exclusion (no current alcohol use): the service does not take people who drink alcohol "
                           "now; the person drinks alcohol now (as you recorded here)." + CO_OCCURRING)
    assert evaluate(service, _told(alcohol_use=False)).eligible
    # Told only the substances: alcohol among them is drinking, and rules the person out.
    (from_substances,) = evaluate(service, _told(substances=["alcohol", "cannabis"])).reasons
    assert from_substances.text.endswith("the person drinks alcohol now (as you recorded here)." + CO_OCCURRING)
    assert evaluate(service, _told(substances=["cannabis"])).eligible
    assert evaluate(service, Profile()).checks == (
        "Check with the person: the service does not take people who drink alcohol now.",)


def test_the_severe_mental_health_need_exclusion_is_flagged():
    service = _service(exclusions=["mental_health_need"])
    (reason,) = evaluate(service, _told(mental_health_need=True)).reasons
    assert reason.criterion == "exclusion:mental_health_need" and reason.co_occurring
    assert reason.text == ("Exclusion (no current severe mental health need): the service does not take people "
                           "with a current severe mental health need; the person has a current severe mental health "
                           "need (as you recorded here)." + CO_OCCURRING)
    assert evaluate(service, _told(mental_health_need=False)).eligible
    # A fact set without saying how it is known still gives a reason, in general words.
    assert evaluate(service, Profile(mental_health_need=True)).reasons[0].text.startswith(
        "Exclusion (no current severe mental health need): the service does not take people with a current severe "
        "mental health need; the person does.")


def test_the_arson_exclusion_is_a_reason_but_not_a_co_occurring_need():
    service = _service(exclusions=["arson"])
    (reason,) = evaluate(service, _told(arson_history=True)).reasons
    assert reason.criterion == "exclusion:arson" and not reason.co_occurring
    assert reason.text == ("Exclusion (no history of arson): the service does not take people with a history of "
                           "arson; the person has a history of arson (as you recorded here).")
    assert evaluate(service, _told(arson_history=False)).eligible
    assert evaluate(service, Profile()).checks == (
        "Check with the person: the service does not take people with a history of arson.",)


def test_an_other_exclusion_never_excludes_it_is_a_check_with_the_services_note():
    noted = _service(exclusions=["other"], exclusions_note="No dogs in the building")
    everything = _told(substance_use=True, alcohol_use=True, substitute_prescription=True, mental_health_need=True,
                       arson_history=True)
    verdict = evaluate(noted, everything)
    assert verdict.eligible and verdict.checks == ("Check the service's other exclusion: No dogs in the building.",)
    assert evaluate(_service(exclusions=["other"]), everything).checks == (
        "Check the service's other exclusion: ask the service.",)


def test_several_reasons_at_once_are_each_explained_in_order():
    service = _service(minimum_age=18, maximum_age=25, genders=["women"], areas=["CF"], substances=["alcohol"],
                       exclusions=["arson", "substitute_prescription", "other"], exclusions_note="No dogs")
    person = Profile(age=41, gender="non_binary", district="SA1", area="SA", substances=frozenset({"opiates"}),
                     says={"age": "is 41", "gender": "is recorded as non-binary", "district": "lives in SA1",
                           "substances": "uses opiates"})
    apply_told(person, {"arson_history": True, "substitute_prescription": True})
    verdict = evaluate(service, person)
    assert [r.criterion for r in verdict.reasons] == [
        "age", "gender", "area", "substances", "exclusion:arson", "exclusion:substitute_prescription"]
    assert [r.text for r in verdict.reasons] == [
        "Age: the service is for people aged 18 to 25; the person is 41.",
        "Gender: the service is for women only; the person is recorded as non-binary.",
        "Area: the service covers CF; the person lives in SA1.",
        "Substances: the service works with alcohol; the person uses opiates.",
        "Exclusion (no history of arson): the service does not take people with a history of arson; the person has "
        "a history of arson (as you recorded here).",
        "Exclusion (not on a substitute prescription (methadone, buprenorphine)): the service does not take people "
        "on a substitute prescription; the person is on a substitute prescription (as you recorded here)."
        + CO_OCCURRING,
    ]
    assert [r.co_occurring for r in verdict.reasons] == [False] * 5 + [True]
    assert verdict.checks == ("Check the service's other exclusion: No dogs.",)


@pytest.mark.parametrize("minimum, maximum, age, text", [
    (18, None, 16, "Age: the service is for people aged 18 and over; the person is 16."),
    (None, 25, 41, "Age: the service is for people aged 25 and under; the person is 41."),
])
def test_minimum_only_and_maximum_only_ages(minimum, maximum, age, text):
    service = _service(minimum_age=minimum, maximum_age=maximum)
    assert [r.text for r in evaluate(service, Profile(age=age, says={"age": f"is {age}"})).reasons] == [text]
    edge = minimum if minimum is not None else maximum
    assert evaluate(service, Profile(age=edge)).eligible  # the limit itself is in
    wording = "aged 18 and over" if minimum is not None else "aged 25 and under"
    assert evaluate(service, Profile()).checks == (f"Check the person's age: the service is for people {wording}.",)


def test_a_non_binary_person():
    assert gender_group("not_stated", "Non-binary") == "non_binary"
    assert gender_group("female", "non binary") == "non_binary"  # their own words come first
    person = Profile(gender="non_binary", says={"gender": "is recorded as non-binary"})
    (reason,) = evaluate(_service(genders=["women"]), person).reasons
    assert reason.text == "Gender: the service is for women only; the person is recorded as non-binary."
    assert evaluate(_service(genders=["men"]), person).reasons[0].criterion == "gender"
    assert evaluate(_service(genders=["women", "non_binary"]), person).eligible
    assert evaluate(_service(genders=["women", "non_binary"]), Profile()).checks == (
        "Check the person's gender: the service is for women and non-binary people only.",)


# --- from the record, within consent -----------------------------------------------------------------------------


@pytest.fixture
def rehab(world):
    """The test directory and a residential rehab that turns away people with a severe mental health need."""
    built = build_directory(world)
    built["rehab"] = actions.create_service(
        actor=None, organisation_id=built["riverside"].pk, name="Residential rehab", service_type="treatment",
        tier="4", life_domains=["substance_use"], referral_routes=["professional"], exclusions=["mental_health_need"],
        time_zone="Europe/London")
    return built


def _not_shown(body) -> dict:
    return {item["service"]["name"]: item["reasons"] for item in body["not_shown"]}


def _eligible(body) -> dict:
    return {item["service"]["name"]: item["checks"] for item in body["eligible"]}


def test_a_mental_health_episode_makes_a_treatment_service_turn_the_person_away_within_consent(
        api, browser_client, world, rehab):
    jo = world["jo"]
    bayview = create_agency(actor=None, name="Bayview Mental Health Team", kind="mental_health")
    Episode.objects.create(person=jo, agency=bayview, setting="community", service="Community mental health",
                           started_on=dt.date(2026, 2, 2), created_by=world["staff"]["amara"].user)
    # Without Jo's consent to share mental health information, Riverside does not learn of the episode.
    body = api("amara").get(f"/directory/people/{jo.pk}/eligibility").json()
    assert "mental_health_need" not in body["facts_used"]
    assert _eligible(body)["Residential rehab"] == [
        "Check with the person: the service does not take people with a current severe mental health need."]
    record_consent(actor=world["staff"]["amara"].user, person_id=jo.pk, kind="share",
                   recipient_agency=str(world["agencies"]["riverside"].pk), purposes=["direct_care"],
                   categories=["mental_health"], how_given="verbal")
    body = api("amara").get(f"/directory/people/{jo.pk}/eligibility").json()
    assert body["facts_used"]["mental_health_need"] == (
        "has a current episode of care at Bayview Mental Health Team (mental health)")
    (reason,) = _not_shown(body)["Residential rehab"]
    assert reason == {"criterion": "exclusion:mental_health_need", "co_occurring": True, "text": (
        "Exclusion (no current severe mental health need): the service does not take people with a current severe "
        "mental health need; the person has a current episode of care at Bayview Mental Health Team (mental "
        "health)." + CO_OCCURRING)}
    listed = next(i for i in body["not_shown"] if i["service"]["name"] == "Residential rehab")
    assert listed["service"]["co_occurring_exclusions"] == ["mental_health_need"]
    entry = AuditEntry.objects.filter(action="directory.eligibility", username="amara").latest("seq")
    assert "mental_health" in entry.categories
    page = browser_client("amara").get(f"/directory/people/{jo.pk}").content.decode()
    row = page[page.index("Residential rehab</a>"):]
    row = row[:row.index("</tr>")]
    assert "Bayview Mental Health Team (mental health)" in row
    assert '<strong class="govuk-tag govuk-tag--red">Co-occurring need</strong>' in row
    # An episode that has ended is not a current need.
    Episode.objects.filter(agency=bayview).update(ended_on=dt.date(2026, 3, 1))
    body = api("amara").get(f"/directory/people/{jo.pk}/eligibility").json()
    assert "mental_health_need" not in body["facts_used"] and "Residential rehab" in _eligible(body)


def _assessed(world, **mental_health):
    amara = world["staff"]["amara"].user
    answers = full_answers()
    answers["mental_health"].update(mental_health)
    draft = assessment_actions.start_assessment(actor=amara, person_id=world["jo"].pk)
    assessment_actions.save_draft(actor=amara, assessment_id=draft.pk, expected_revision=1, answers=answers)
    return assessment_actions.submit_assessment(actor=amara, assessment_id=draft.pk, expected_revision=2)


@pytest.mark.parametrize("mental_health", [
    {"concerns": ["psychosis", "anxiety"], "mental_health_service": False},
    {"concerns": ["depression"], "mental_health_service": True},
])
def test_the_holistic_assessments_severe_mental_health_need_excludes_and_is_flagged(
        api, browser_client, world, rehab, mental_health):
    jo = world["jo"]
    _assessed(world, **mental_health)
    body = api("amara").get(f"/directory/people/{jo.pk}/eligibility").json()
    assert body["facts_used"]["mental_health_need"] == (
        "has a current mental health need (in their holistic assessment at Riverside Recovery)")
    (reason,) = _not_shown(body)["Residential rehab"]
    assert reason["co_occurring"] is True and reason["text"].endswith(
        "the person has a current mental health need (in their holistic assessment at Riverside Recovery)."
        + CO_OCCURRING)
    entry = AuditEntry.objects.filter(action="directory.eligibility", username="amara").latest("seq")
    assert "mental_health" in entry.categories
    page = browser_client("amara").get(f"/directory/people/{jo.pk}").content.decode()
    assert "has a current mental health need (in their holistic assessment at Riverside Recovery)" in page
    assert "Co-occurring need" in page


def test_a_need_that_is_not_severe_or_not_shared_does_not_exclude(api, world, rehab):
    jo = world["jo"]
    _assessed(world, concerns=["anxiety"], mental_health_service=False)
    body = api("amara").get(f"/directory/people/{jo.pk}/eligibility").json()
    assert "mental_health_need" not in body["facts_used"] and "Residential rehab" in _eligible(body)
    # A newer assessment says psychosis: Open Door, with Jo's consent to substance use only, is not told.
    Episode.objects.create(person=jo, agency=world["agencies"]["peer"], setting="community", service="Peer support",
                           started_on=dt.date(2026, 1, 5), created_by=world["staff"]["xena"].user)
    record_consent(actor=world["staff"]["amara"].user, person_id=jo.pk, kind="share",
                   recipient_agency=str(world["agencies"]["peer"].pk), purposes=["direct_care"],
                   categories=["substance_use"], how_given="verbal")
    _assessed(world, concerns=["psychosis"], mental_health_service=True)
    seen_by_xena = api("xena").get(f"/directory/people/{jo.pk}/eligibility").json()
    assert "mental_health_need" not in seen_by_xena["facts_used"]
    assert _eligible(seen_by_xena)["Residential rehab"] == [
        "Check with the person: the service does not take people with a current severe mental health need."]
    assert "Residential rehab" in _not_shown(api("amara").get(f"/directory/people/{jo.pk}/eligibility").json())


def test_a_non_binary_person_from_the_record(api, world, rehab):
    jo = world["jo"]
    Person.objects.filter(pk=jo.pk).update(gender="Non-binary")
    body = api("amara").get(f"/directory/people/{jo.pk}/eligibility").json()
    assert body["facts_used"]["gender"] == "is recorded as non-binary"
    assert _not_shown(body)["Women's recovery group"][0]["text"] == (
        "Gender: the service is for women only; the person is recorded as non-binary.")
