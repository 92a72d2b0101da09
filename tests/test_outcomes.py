"""Outcome reviews (TOP, BARC-10): scoring against hand-worked examples, distance travelled and reliable
change, validation naming the question, nothing half-saved, immutability and corrections, who sees which
scores, query counts pinned for the chart data, FHIR Observations."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhirclient.models.bundle import Bundle as R4Bundle
from fhirclient.models.fhirabstractbase import FHIRValidationError

from tests.assessment_helpers import harbour_housing_works_with_jo
from throughcare.assessments import instruments
from throughcare.assessments.answers import clean_answers, missing_required
from throughcare.assessments.fhir import r4_checked
from throughcare.audit.models import AuditEntry
from throughcare.journey.models import Event
from throughcare.outcomes import scoring
from throughcare.outcomes.actions import record_outcome_review
from throughcare.outcomes.models import ImmutableError, OutcomeDraft, OutcomeReview

BARC = [4, 5, 3, 2, 6, 4, 3, 5, 4, 2]  # total 38


def barc(values=BARC) -> dict:
    return {"recovery_capital": {f"q{i}": v for i, v in enumerate(values, start=1)}}


def top_start() -> dict:
    return {
        "substance_use": {"opiates_days": 20, "opiates_amount": 0.5, "crack_days": 8, "crack_amount": 0.2,
                          "cocaine_days": 0, "amphetamines_days": 0, "cannabis_days": 10, "cannabis_amount": 3,
                          "other_days": 0},
        "alcohol": {"alcohol_days": 12, "alcohol_units": 8},
        "injecting": {"injecting_days": 15, "shared_needles": False, "shared_paraphernalia": True},
        "crime": {"shoplifting_days": 6, "selling_drugs_days": 0, "vehicle_theft": False, "other_theft": True,
                  "fraud": False, "violence": True},
        "psychological_health": {"rating": 6}, "physical_health": {"rating": 8}, "quality_of_life": {"rating": 5},
        "housing": {"acute_problem": True, "eviction_risk": False},
        "work": {"paid_work_days": 0, "education_days": 0},
    }


def top_six_months() -> dict:
    return {
        "substance_use": {"opiates_days": 2, "opiates_amount": 0.1, "crack_days": 0, "cocaine_days": 0,
                          "amphetamines_days": 0, "cannabis_days": 10, "cannabis_amount": 2, "other_days": 0},
        "alcohol": {"alcohol_days": 4, "alcohol_units": 4},
        "injecting": {"injecting_days": 0},
        "crime": {"shoplifting_days": 0, "selling_drugs_days": 0, "vehicle_theft": False, "other_theft": False,
                  "fraud": False, "violence": False},
        "psychological_health": {"rating": 13}, "physical_health": {"rating": 12}, "quality_of_life": {"rating": 11},
        "housing": {"acute_problem": False, "eviction_risk": False},
        "work": {"paid_work_days": 6, "education_days": 2},
    }


def _record(client, person_id, instrument, stage, completed_on, answers):
    return client.post(f"/people/{person_id}/outcome-reviews", {
        "instrument": instrument, "stage": stage, "completed_on": completed_on, "answers": answers})


# --- scoring, worked by hand ---------------------------------------------------------------------------


def test_barc10_total_against_hand_worked_examples():
    instrument = instruments.get("barc10")
    assert scoring.compute(instrument, barc())["total"] == 38  # 4+5+3+2+6+4+3+5+4+2
    assert scoring.compute(instrument, barc([1] * 10))["total"] == 10
    assert scoring.compute(instrument, barc([6] * 10))["total"] == 60
    unfinished = barc()
    del unfinished["recovery_capital"]["q7"]
    assert scoring.compute(instrument, unfinished)["total"] is None  # a sum needs every item
    total = instrument.score("total")
    # 1.96 x sqrt(2) x 9 x sqrt(1 - 0.9) = 7.89: a rise of 8 is reliable, of 7 is not.
    assert math.isclose(total.reliable_change.threshold, 7.8888, abs_tol=0.001)
    assert scoring.distance(total, 38, 46).label == "Reliable improvement"
    assert scoring.distance(total, 38, 45).label == "Better, but within what could be noise"
    assert scoring.distance(total, 46, 38).label == "Reliable deterioration"
    assert scoring.distance(total, 38, 38).label == "No change"


#: Two answer sets for TOP, each scored by hand: every one of the 17 scores.
TOP_A = {  # at the start of treatment: every substance used, selling drugs, a little college
    "substance_use": {"opiates_days": 20, "opiates_amount": 0.5, "crack_days": 8, "crack_amount": 0.2,
                      "cocaine_days": 3, "cocaine_amount": 1, "amphetamines_days": 5, "amphetamines_amount": 0.5,
                      "cannabis_days": 10, "cannabis_amount": 3, "other_days": 2, "other_name": "Pregabalin"},
    "alcohol": {"alcohol_days": 12, "alcohol_units": 8},
    "injecting": {"injecting_days": 15, "shared_needles": False, "shared_paraphernalia": True},
    "crime": {"shoplifting_days": 6, "selling_drugs_days": 4, "vehicle_theft": False, "other_theft": True,
              "fraud": False, "violence": True},
    "psychological_health": {"rating": 6}, "physical_health": {"rating": 8}, "quality_of_life": {"rating": 5},
    "housing": {"acute_problem": True, "eviction_risk": False},
    "work": {"paid_work_days": 0, "education_days": 3},
}
TOP_A_SCORES = {
    "opiates_days": 20, "crack_days": 8, "cocaine_days": 3, "amphetamines_days": 5, "cannabis_days": 10,
    "other_days": 2, "alcohol_days": 12, "injecting_days": 15, "shoplifting_days": 6, "selling_drugs_days": 4,
    "other_offences": 2,  # other theft and violence: 2 of the 4 yes
    "psychological_health": 6, "physical_health": 8, "quality_of_life": 5,
    "housing_problems": 1,  # an acute housing problem, no risk of eviction
    "paid_work_days": 0, "education_days": 3,
}
TOP_B = {  # at the ends of the scales: cannabis every day, nothing else, full-time college and work
    "substance_use": {"opiates_days": 0, "crack_days": 0, "cocaine_days": 0, "amphetamines_days": 1,
                      "amphetamines_amount": 0.2, "cannabis_days": 28, "cannabis_amount": 4, "other_days": 0},
    "alcohol": {"alcohol_days": 0},
    "injecting": {"injecting_days": 0},
    "crime": {"shoplifting_days": 0, "selling_drugs_days": 28, "vehicle_theft": True, "other_theft": False,
              "fraud": True, "violence": True},
    "psychological_health": {"rating": 14}, "physical_health": {"rating": 20}, "quality_of_life": {"rating": 0},
    "housing": {"acute_problem": False, "eviction_risk": True},
    "work": {"paid_work_days": 20, "education_days": 28},
}
TOP_B_SCORES = {
    "opiates_days": 0, "crack_days": 0, "cocaine_days": 0, "amphetamines_days": 1, "cannabis_days": 28,
    "other_days": 0, "alcohol_days": 0, "injecting_days": 0, "shoplifting_days": 0, "selling_drugs_days": 28,
    "other_offences": 3,  # vehicle theft, fraud and violence
    "psychological_health": 14, "physical_health": 20, "quality_of_life": 0,
    "housing_problems": 1,  # at risk of eviction, no acute problem
    "paid_work_days": 20, "education_days": 28,
}
#: Every scored instrument file must have hand-worked examples here: (key, version) -> [(answers, scores)].
HAND_WORKED = {
    ("top", 1): [(TOP_A, TOP_A_SCORES), (TOP_B, TOP_B_SCORES)],
    ("barc10", 1): [(barc(), {"total": 38}),  # 4+5+3+2+6+4+3+5+4+2
                    (barc([1] * 10), {"total": 10}), (barc([6] * 10), {"total": 60})],
}


def without_hand_worked_examples(found: dict) -> list[str]:
    """Scored instruments with no hand-worked example in HAND_WORKED, or one that leaves a score out."""
    missing = []
    for key, instrument in sorted(found.items()):
        if instrument.scores and (key not in HAND_WORKED or any(
                set(expected) != {s.id for s in instrument.scores} for _answers, expected in HAND_WORKED[key])):
            missing.append(instrument.ref)
    return missing


def test_every_scored_instrument_has_hand_worked_examples_for_every_score():
    found = instruments.load_all()
    assert sum(1 for i in found.values() if i.scores) >= 2
    assert without_hand_worked_examples(found) == [], "add hand-worked examples to HAND_WORKED in tests/test_outcomes.py"


@pytest.mark.parametrize("key, example", [(key, n) for key, examples in HAND_WORKED.items()
                                          for n in range(len(examples))])
def test_scores_match_the_hand_worked_examples(key, example):
    answers, expected = HAND_WORKED[key][example]
    instrument = instruments.get(*key)
    clean, errors = clean_answers(instrument, answers)
    assert errors == {} and missing_required(instrument, clean, every_question=True) == {}
    assert scoring.compute(instrument, clean) == expected


def test_a_count_or_item_score_with_an_item_missing_is_not_scored_and_cannot_be_recorded(api, world):
    instrument = instruments.get("top")
    answers = json.loads(json.dumps(TOP_A))
    del answers["crime"]["fraud"]
    del answers["work"]["education_days"]
    scores = scoring.compute(instrument, answers)
    assert scores["other_offences"] is None  # a count of yes answers needs all four answered
    assert scores["education_days"] is None and scores["paid_work_days"] == 0 and scores["selling_drugs_days"] == 4
    response = _record(api("amara"), world["jo"].pk, "top", "start", "2026-01-05", answers)
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"answers.crime.fraud": "Choose fraud, forgery or handling",
                                                  "answers.work.education_days": "Enter days of education or training"}
    assert not OutcomeReview.objects.exists()


def test_top_reliable_change_thresholds():
    instrument = instruments.get("top")
    rating, days = instrument.score("psychological_health"), instrument.score("opiates_days")
    # Ratings: 1.96 x sqrt(2) x 4 x sqrt(0.3) = 6.07; days: 1.96 x sqrt(2) x 10 x sqrt(0.3) = 15.18.
    assert math.isclose(rating.reliable_change.threshold, 6.0728, abs_tol=0.001)
    assert math.isclose(days.reliable_change.threshold, 15.1821, abs_tol=0.001)
    assert scoring.distance(rating, 6, 13).label == "Reliable improvement"  # +7
    assert scoring.distance(rating, 5, 11).label == "Better, but within what could be noise"  # +6
    assert scoring.distance(days, 20, 2).label == "Reliable improvement"  # -18 days, fewer is better
    assert scoring.distance(days, 15, 0).label == "Better, but within what could be noise"  # -15
    work = instrument.score("paid_work_days")
    assert scoring.distance(work, 0, 20).label == "Reliable improvement"  # more work days are better
    assert scoring.distance(instrument.score("selling_drugs_days"), 4, 28).label == "Reliable deterioration"
    offences = instrument.score("other_offences")
    assert offences.reliable_change is None and scoring.distance(offences, 2, 0).label == "Better"
    assert scoring.distance(offences, 2, 3).label == "Worse"


# --- recording ----------------------------------------------------------------------------------------


def test_record_a_review_with_scores_event_and_audit(api, world):
    jo = world["jo"]
    response = _record(api("amara"), jo.pk, "barc10", "start", "2026-01-05", barc())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["stage_label"] == "Start of treatment" and body["title"].startswith("Brief Assessment")
    assert body["scores"] == [{"id": "total", "label": "Recovery capital (BARC-10 total)", "value": 38.0,
                               "better": "higher", "min": 10.0, "max": 60.0, "unit": ""}]
    review = OutcomeReview.objects.get()
    assert review.scores == {"total": 38} and review.instrument_version == 1
    event = Event.objects.get(kind="outcome_review")
    assert event.title == "Outcome review recorded (start of treatment)" and event.category == "contact_admin"
    entry = AuditEntry.objects.get(action="outcome.record", resource="outcome_review")
    assert "substance_use" in entry.categories and entry.resource_id == str(review.pk)
    with pytest.raises(ImmutableError):
        review.save()
    with pytest.raises(ImmutableError):
        review.delete()


@pytest.mark.parametrize("change, field, message", [
    (lambda b: b["answers"]["recovery_capital"].update(q3=7), "answers.recovery_capital.q3",
     "Enough energy must be between 1 and 6"),
    (lambda b: b["answers"]["recovery_capital"].update(q3="x"), "answers.recovery_capital.q3",
     "Enough energy must be a number"),
    (lambda b: b["answers"]["recovery_capital"].pop("q9"), "answers.recovery_capital.q9",
     "Choose dealing with professionals"),
    (lambda b: b.update(stage="halfway"), "stage", "Choose when it was completed"),
    (lambda b: b.update(completed_on="2099-01-01"), "completed_on", "must be today or in the past"),
    (lambda b: b.update(completed_on="5th Jan"), "completed_on", "must be a real date"),
    (lambda b: b.update(instrument="phq9"), "instrument", "Choose an outcome measure"),
    (lambda b: b.update(mood="good"), "mood", "This field is not recognised"),
])
def test_validation_names_the_question_and_nothing_is_saved(api, world, change, field, message):
    body = {"instrument": "barc10", "stage": "start", "completed_on": "2026-01-05", "answers": barc()}
    change(body)
    response = api("amara").post(f"/people/{world['jo'].pk}/outcome-reviews", body)
    assert response.status_code == 422, response.content
    assert message in response.json()["error"]["fields"][field]
    assert not OutcomeReview.objects.exists()


def test_top_needs_every_item_but_amounts_only_when_used(api, world):
    answers = top_start()
    del answers["substance_use"]["opiates_amount"]
    answers["work"] = {"paid_work_days": 0}
    response = _record(api("amara"), world["jo"].pk, "top", "start", "2026-01-05", answers)
    fields = response.json()["error"]["fields"]
    assert fields == {"answers.substance_use.opiates_amount": "Enter opiates on a using day",
                      "answers.work.education_days": "Enter days of education or training"}
    answers = top_start()
    answers["substance_use"]["cocaine_amount"] = 99  # cocaine_days is 0: the amount is not asked, and dropped
    assert _record(api("amara"), world["jo"].pk, "top", "start", "2026-01-05", answers).status_code == 201
    assert "cocaine_amount" not in OutcomeReview.objects.get().answers["substance_use"]


def test_distance_travelled_and_reliable_change_from_the_first_review(api, world):
    jo = world["jo"]
    _record(api("amara"), jo.pk, "top", "start", "2026-01-05", top_start())
    _record(api("amara"), jo.pk, "top", "review", "2026-07-06", top_six_months())
    _record(api("amara"), jo.pk, "barc10", "start", "2026-01-05", barc())
    _record(api("amara"), jo.pk, "barc10", "review", "2026-07-06", barc([5, 5, 4, 3, 6, 5, 4, 5, 5, 4]))  # 46
    body = api("amara").get(f"/people/{jo.pk}/outcomes").json()
    measures = {m["score"]: m for m in body["measures"]}
    assert measures["total"]["distance"] == {"first": 38.0, "latest": 46.0, "change": 8.0, "change_display": "+8",
                                             "direction": "better", "reliable": True,
                                             "label": "Reliable improvement", "since": "2026-01-05"}
    assert measures["psychological_health"]["distance"]["label"] == "Reliable improvement"
    assert measures["quality_of_life"]["distance"]["label"] == "Better, but within what could be noise"
    assert measures["opiates_days"]["distance"]["change"] == -18 and measures["opiates_days"]["distance"]["reliable"]
    assert measures["injecting_days"]["distance"]["reliable"] is False
    assert measures["other_offences"]["distance"]["reliable"] is None
    assert [p["stage"] for p in measures["total"]["points"]] == ["start", "review"]
    spec = body["spec"]
    assert spec["$schema"].endswith("vega-lite/v6.json") and spec["facet"]["field"] == "measure"
    assert {"measure": "Recovery capital (BARC-10 total)", "date": "2026-07-06", "value": 46,
            "stage": "Review (every six months)"} in spec["data"]["values"]


def test_a_correction_replaces_the_review_in_the_chart(api, world):
    jo = world["jo"]
    first = _record(api("amara"), jo.pk, "barc10", "start", "2026-01-05", barc()).json()["id"]
    corrected = api("ben").post(f"/outcome-reviews/{first}/correct", {
        "instrument": "barc10", "stage": "start", "completed_on": "2026-01-06", "answers": barc([3] * 10)})
    assert corrected.status_code == 201 and corrected.json()["replaces"] == first
    points = api("amara").get(f"/people/{jo.pk}/outcomes").json()["measures"][0]["points"]
    assert points == [{"date": "2026-01-06", "stage": "start", "stage_label": "Start of treatment", "value": 30.0}]
    again = api("amara").post(f"/outcome-reviews/{first}/correct", {
        "instrument": "barc10", "stage": "start", "completed_on": "2026-01-06", "answers": barc()})
    assert again.status_code == 422 and "already been corrected" in again.json()["error"]["fields"]["replaces"]
    assert Event.objects.filter(title="Outcome review corrected (start of treatment)").exists()
    assert [r["replaced"] for r in api("amara").get(f"/people/{jo.pk}/outcome-reviews").json()] == [False, True]
    assert OutcomeReview.objects.count() == 2


def test_a_housing_worker_sees_only_the_housing_items_and_scores(api, world):
    jo = world["jo"]
    harbour_housing_works_with_jo(world, consent=["housing"])
    _record(api("amara"), jo.pk, "top", "start", "2026-01-05", top_start())
    _record(api("amara"), jo.pk, "barc10", "start", "2026-01-05", barc())
    listed = api("hana").get(f"/people/{jo.pk}/outcome-reviews").json()
    top = next(r for r in listed if r["instrument"] == "top")
    assert [s["id"] for s in top["sections"]] == ["housing"] and [s["id"] for s in top["scores"]] == [
        "housing_problems"]
    assert [r["instrument"] for r in listed] == ["top"]  # nothing of BARC-10 is shared: not even that it exists
    measures = api("hana").get(f"/people/{jo.pk}/outcomes").json()["measures"]
    assert [m["score"] for m in measures] == ["housing_problems"]
    assert "opiates" not in json.dumps(api("hana").get(f"/people/{jo.pk}/outcomes").json())
    for persona in ("grace", "yusuf", "alan", "sam"):
        assert api(persona).get(f"/people/{jo.pk}/outcomes").status_code == 404
        assert _record(api(persona), jo.pk, "barc10", "start", "2099-01-01", {}).status_code == 404
        assert api(persona).get(f"/outcome-reviews/{top['id']}").status_code == 404


def _chart_queries(api, world, reviews: int) -> int:
    user = world["staff"]["amara"].user
    for i in range(reviews):
        record_outcome_review(actor=user, person_id=world["jo"].pk, instrument="top" if i % 2 else "barc10",
                              stage="review", completed_on=dt.date(2026, 1, 5) + dt.timedelta(days=20 * i),
                              answers=top_start() if i % 2 else barc())
    client = api("amara")
    client.get(f"/people/{world['jo'].pk}/outcomes")  # warm the token's user and the instruments
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/people/{world['jo'].pk}/outcomes")
    assert response.status_code == 200 and len(response.json()["measures"]) > 0
    return len(queries)


def test_the_chart_data_is_a_fixed_number_of_queries_whatever_the_number_of_reviews(api, world):
    assert _chart_queries(api, world, 2) == 4  # token and staff, person with the policy facts, reviews, audit entry


def test_the_chart_data_query_count_does_not_grow_with_reviews(api, world):
    assert _chart_queries(api, world, 12) == 4


def _page_queries(browser_client, world, reviews: int) -> int:
    user = world["staff"]["amara"].user
    for i in range(reviews):
        record_outcome_review(actor=user, person_id=world["jo"].pk, instrument="top" if i % 2 else "barc10",
                              stage="review", completed_on=dt.date(2026, 1, 5) + dt.timedelta(days=20 * i),
                              answers=top_start() if i % 2 else barc())
    client = browser_client("amara")
    client.get(f"/people/{world['jo'].pk}/outcomes")  # warm the instruments
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/people/{world['jo'].pk}/outcomes")
    text = response.content.decode()
    assert response.status_code == 200 and text.count('href="/outcome-reviews/') == reviews
    return len(queries)


def test_the_outcomes_page_is_a_fixed_number_of_queries_whatever_the_number_of_reviews(browser_client, world):
    # session, user and staff, person with the policy's facts, reviews with agency and recorder, audit entry
    assert _page_queries(browser_client, world, 2) == 5


def test_the_outcomes_page_query_count_does_not_grow_with_reviews(browser_client, world):
    assert _page_queries(browser_client, world, 12) == 5


def test_reviews_at_exit_and_after_exit(api, browser_client, world):
    jo, today = world["jo"], timezone.localdate()
    start = today - dt.timedelta(days=400)
    days = {"start": start, "review": start + dt.timedelta(days=182), "exit": start + dt.timedelta(days=212),
            "post_exit": start + dt.timedelta(days=394)}
    exit_answers = json.loads(json.dumps(TOP_B))
    exit_answers["substance_use"].update(cannabis_days=4, cannabis_amount=1)
    after = json.loads(json.dumps(exit_answers))
    after["substance_use"].update(cannabis_days=0)
    del after["substance_use"]["cannabis_amount"]
    for stage, answers in (("start", TOP_A), ("review", TOP_B), ("exit", exit_answers), ("post_exit", after)):
        response = _record(api("amara"), jo.pk, "top", stage, days[stage].isoformat(), answers)
        assert response.status_code == 201, response.content
    listed = api("amara").get(f"/people/{jo.pk}/outcome-reviews").json()
    assert [(r["stage"], r["stage_label"]) for r in listed] == [
        ("post_exit", "After exit"), ("exit", "Exit from treatment"), ("review", "Review (every six months)"),
        ("start", "Start of treatment")]
    titles = set(Event.objects.filter(kind="outcome_review").values_list("title", flat=True))
    assert {"Outcome review recorded (exit from treatment)", "Outcome review recorded (after exit)"} <= titles
    measures = {m["score"]: m for m in api("amara").get(f"/people/{jo.pk}/outcomes").json()["measures"]}
    cannabis = measures["cannabis_days"]
    assert [(p["stage"], p["value"]) for p in cannabis["points"]] == [
        ("start", 10), ("review", 28), ("exit", 4), ("post_exit", 0)]
    assert cannabis["distance"]["change"] == -10 and cannabis["distance"]["since"] == start.isoformat()
    assert measures["selling_drugs_days"]["distance"]["label"] == "Reliable deterioration"  # 4 to 28 days
    page = browser_client("amara").get(f"/people/{jo.pk}/outcomes").content.decode()
    assert "Next six-monthly review due" not in page  # no six-monthly review after exit
    assert "After exit" in page and "Exit from treatment" in page
    exit_review = OutcomeReview.objects.get(stage="exit")
    bundle = api("amara").get(f"/outcome-reviews/{exit_review.pk}/fhir").json()
    assert {e["resource"]["note"][0]["text"] for e in bundle["entry"]} == {"Exit from treatment; top version 1"}
    one = browser_client("amara").get(f"/outcome-reviews/{OutcomeReview.objects.get(stage='post_exit').pk}")
    assert "After exit" in one.content.decode()


def test_fhir_observations_validate(api, world):
    jo = world["jo"]
    rid = _record(api("amara"), jo.pk, "top", "start", "2026-01-05", top_start()).json()["id"]
    response = api("amara").get(f"/outcome-reviews/{rid}/fhir")
    assert response.status_code == 200 and response["Content-Type"] == "application/fhir+json"
    bundle = response.json()
    Bundle.model_validate(bundle)  # FHIR R4B (fhir.resources)
    assert len(R4Bundle(bundle, strict=True).entry) == 17  # FHIR R4 4.0.1 (fhirclient)
    observations = {e["resource"]["code"]["coding"][0]["code"]: e["resource"] for e in bundle["entry"]}
    assert len(observations) == 17
    assert observations["opiates_days"]["valueQuantity"] == {"value": 20, "unit": "days",
                                                             "system": "http://unitsofmeasure.org", "code": "d"}
    assert observations["psychological_health"]["valueInteger"] == 6
    assert observations["psychological_health"]["effectiveDateTime"] == "2026-01-05"
    assert observations["psychological_health"]["category"][0]["coding"][0]["code"] == "survey"
    assert AuditEntry.objects.filter(action="outcome.export", person_id=jo.pk).exists()


def test_exports_are_also_checked_as_fhir_r4_which_names_what_r4_does_not_allow():
    observation = {"resourceType": "Observation", "status": "final", "code": {"text": "Days using opiates"},
                   "effectiveDateTime": "2026-01-05", "valueInteger": 3}
    assert r4_checked(observation) == observation
    with pytest.raises(FHIRValidationError, match='Superfluous entry "instantiatesCanonical"'):  # an R5 element
        r4_checked({**observation, "instantiatesCanonical": "https://example.org/x"})
    with pytest.raises(FHIRValidationError, match="effectiveDateTime"):
        r4_checked({**observation, "effectiveDateTime": "5th January"})
    with pytest.raises(FHIRValidationError, match='Non-optional property "status"'):
        r4_checked({k: v for k, v in observation.items() if k != "status"})
    with pytest.raises(FHIRValidationError, match="valueInteger"):
        r4_checked({"resourceType": "Bundle", "type": "collection", "entry": [
            {"fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000001",
             "resource": {**observation, "valueInteger": "three"}}]})


# --- pages --------------------------------------------------------------------------------------------


def _draft_q(draft, section, question, back=False) -> str:
    return f"/outcome-drafts/{draft.pk}/sections/{section}/{question}" + ("?return=check" if back else "")


def _walk(client, draft, steps) -> object:
    """Post each (section, question, data) in turn with the draft's revision; the last response."""
    response = None
    for section, question, data in steps:
        revision = OutcomeDraft.objects.get(pk=draft.pk).revision
        response = client.post(_draft_q(draft, section, question), {"revision": revision, "then": "continue", **data})
        assert response.status_code == 302, response.content.decode()[:2000]
    return response


def test_record_barc10_one_question_a_page_then_check_your_answers(browser_client, world):
    jo, amara = world["jo"], browser_client("amara")
    page = amara.get(f"/people/{jo.pk}/outcomes")
    assert page.status_code == 200 and "No outcome reviews that you can see yet" in page.content.decode()
    assert f"/people/{jo.pk}/outcomes/record/barc10" in page.content.decode()
    intro = amara.get(f"/people/{jo.pk}/outcomes/record/barc10").content.decode()
    assert "one question a page" in intro and "Start now" in intro and not OutcomeDraft.objects.exists()
    started = amara.post(f"/people/{jo.pk}/outcomes/record/barc10")
    draft = OutcomeDraft.objects.get()
    assert started["Location"] == _draft_q(draft, "review", "stage") and draft.instrument_version == 1
    stage = amara.get(started["Location"]).content.decode()
    assert '<h1 class="govuk-fieldset__heading">When in treatment is this review?</h1>' in stage
    assert f'href="/outcome-drafts/{draft.pk}" class="govuk-back-link"' in stage and "Only Riverside Recovery" in stage
    blank = amara.post(_draft_q(draft, "review", "stage"), {"revision": 1, "then": "continue"})
    assert blank.status_code == 422 and "Choose when in treatment" in blank.content.decode()
    future = amara.post(_draft_q(draft, "review", "completed_on"), {
        "revision": 1, "completed_on-day": "1", "completed_on-month": "1", "completed_on-year": "2099",
        "then": "continue"})
    assert future.status_code == 422 and "must be today or in the past" in future.content.decode()
    _walk(amara, draft, [("review", "stage", {"stage": "start"}),
                         ("review", "completed_on", {"completed_on-day": "5", "completed_on-month": "1",
                                                     "completed_on-year": "2026"})])
    first = amara.get(_draft_q(draft, "recovery_capital", "q1")).content.decode()
    assert "There are more important things to me in life than using substances." in first
    assert "How much do you agree with each statement?" in first and first.count('class="govuk-radios__input"') == 6
    bad = amara.post(_draft_q(draft, "recovery_capital", "q3"), {"revision": 3, "q3": "9", "then": "continue"})
    assert bad.status_code == 422 and '<a href="#id_q3_0">Enough energy must be between 1 and 6</a>' in (
        bad.content.decode())
    _walk(amara, draft, [("recovery_capital", f"q{i}", {f"q{i}": str(v)}) for i, v in enumerate(BARC[:6], start=1)])
    later = amara.post(_draft_q(draft, "recovery_capital", "q7"), {"revision": 9, "q7": "3", "then": "save"})
    assert later["Location"] == f"/outcome-drafts/{draft.pk}" and not OutcomeReview.objects.exists()
    overview = amara.get(later["Location"]).content.decode()
    assert "Draft saved at" in overview and "You have completed 1 of 2 sections" in overview
    # Coming back later: the measure's page offers the draft, which opens at its first unanswered question.
    again = amara.get(f"/people/{jo.pk}/outcomes/record/barc10").content.decode()
    assert "Continue the draft" in again and f'href="/outcome-drafts/{draft.pk}"' in again
    assert f'href="{_draft_q(draft, "recovery_capital", "q8")}"' in overview
    check = amara.get(f"/outcome-drafts/{draft.pk}/check").content.decode()
    assert "Not scored until every item is answered" in check and "3 questions still to answer" in check
    refused = amara.post(f"/outcome-drafts/{draft.pk}/check", {"revision": 10})
    assert refused.status_code == 422 and not OutcomeReview.objects.exists()
    assert f'<a href="{_draft_q(draft, "recovery_capital", "q8", back=True)}">Choose responsibility for actions' in (
        refused.content.decode())
    _walk(amara, draft, [("recovery_capital", f"q{i}", {f"q{i}": str(BARC[i - 1])}) for i in (8, 9, 10)])
    check = amara.get(f"/outcome-drafts/{draft.pk}/check").content.decode()
    assert "Start of treatment" in check and "5 January 2026" in check and ">38<" in check
    # Change a rating from check your answers: back to check your answers, with the score moved.
    changed = amara.post(_draft_q(draft, "recovery_capital", "q1", back=True), {"revision": 13, "q1": "6",
                                                                                   "then": "continue"})
    assert changed["Location"] == f"/outcome-drafts/{draft.pk}/check"
    assert ">40<" in amara.get(changed["Location"]).content.decode()
    stale = amara.post(f"/outcome-drafts/{draft.pk}/check", {"revision": 13})
    assert stale.status_code == 422 and "Someone else saved this draft" in stale.content.decode()
    done = amara.post(f"/outcome-drafts/{draft.pk}/check", {"revision": 14})
    assert done.status_code == 302 and done["Location"] == f"/people/{jo.pk}/outcomes"
    review = OutcomeReview.objects.get()
    assert review.scores == {"total": 40} and review.stage == "start" and review.completed_on == dt.date(2026, 1, 5)
    assert not OutcomeDraft.objects.exists()
    assert [e.action for e in AuditEntry.objects.filter(resource__in=["outcome_draft", "outcome_review"])
            .order_by("seq")].count("outcome.draft_save") == 13  # one for each answer given
    assert AuditEntry.objects.filter(action="outcome.record", resource_id=str(review.pk)).exists()


def test_top_one_question_a_page_follows_its_branching(browser_client, world):
    amara = browser_client("amara")
    amara.post(f"/people/{world['jo'].pk}/outcomes/record/top")
    draft = OutcomeDraft.objects.get()
    none = _walk(amara, draft, [("substance_use", "opiates_days", {"opiates_days": "0"})])
    assert none["Location"] == _draft_q(draft, "substance_use", "crack_days")  # no amount when not used
    used = _walk(amara, draft, [("substance_use", "opiates_days", {"opiates_days": "12"})])
    assert used["Location"] == _draft_q(draft, "substance_use", "opiates_amount")
    amount = amara.get(used["Location"]).content.decode()
    assert '<div class="govuk-input__suffix" aria-hidden="true">grams</div>' in amount
    _walk(amara, draft, [("substance_use", "opiates_amount", {"opiates_amount": "0.5"})])
    assert OutcomeDraft.objects.get().answers["substance_use"] == {"opiates_days": 12, "opiates_amount": 0.5}
    # Back to none: the amount is no longer asked, and not kept.
    _walk(amara, draft, [("substance_use", "opiates_days", {"opiates_days": "0"})])
    assert OutcomeDraft.objects.get().answers["substance_use"] == {"opiates_days": 0}
    assert amara.get(_draft_q(draft, "substance_use", "opiates_amount"))["Location"] == f"/outcome-drafts/{draft.pk}"


def test_outcome_drafts_are_their_agencys_alone_and_can_be_discarded(browser_client, world):
    jo, amara = world["jo"], browser_client("amara")
    amara.post(f"/people/{jo.pk}/outcomes/record/barc10")
    draft = OutcomeDraft.objects.get()
    harbour_housing_works_with_jo(world, consent=["housing", "substance_use"])
    hana = browser_client("hana")
    for url in (f"/outcome-drafts/{draft.pk}", _draft_q(draft, "review", "stage"), f"/outcome-drafts/{draft.pk}/check",
                f"/outcome-drafts/{draft.pk}/discard"):
        assert hana.get(url).status_code == 404 and browser_client("grace").get(url).status_code == 404
    assert "Start now" in hana.get(f"/people/{jo.pk}/outcomes/record/barc10").content.decode()
    stale = amara.post(f"/outcome-drafts/{draft.pk}/discard", {"revision": 5})
    assert stale.status_code == 409 and OutcomeDraft.objects.exists()
    gone = amara.post(f"/outcome-drafts/{draft.pk}/discard", {"revision": 1})
    assert gone["Location"] == f"/people/{jo.pk}/outcomes" and not OutcomeDraft.objects.exists()
    assert AuditEntry.objects.filter(action="outcome.draft_discard", resource_id=str(draft.pk)).exists()
    assert not Event.objects.filter(subject_type="outcome_draft").exists()  # a draft is nobody else's business


def test_the_progress_page_has_the_chart_spec_and_the_same_figures_in_tables(browser_client, api, world):
    jo = world["jo"]
    _record(api("amara"), jo.pk, "barc10", "start", "2026-01-05", barc())
    _record(api("amara"), jo.pk, "barc10", "review", "2026-07-06", barc([5, 5, 4, 3, 6, 5, 4, 5, 5, 4]))
    text = browser_client("amara").get(f"/people/{jo.pk}/outcomes").content.decode()
    assert 'id="outcome-chart-spec"' in text and "vendor/vega/vega-embed.min.js" in text
    assert "Reliable improvement" in text and "+8" in text
    assert "Next six-monthly review due 4 January 2027" in text  # 6 July 2026 + 182 days
    assert "5 January 2026" in text and "6 July 2026" in text
    review = OutcomeReview.objects.order_by("completed_on").first()
    one = browser_client("amara").get(f"/outcome-reviews/{review.pk}").content.decode()
    assert "Start of treatment" in one and "Happy with life" in one
    assert browser_client("grace").get(f"/people/{jo.pk}/outcomes").status_code == 404
    assert browser_client("grace").get(f"/outcome-reviews/{review.pk}").status_code == 404
    assert browser_client("amara").get(f"/people/{jo.pk}/outcomes/record/phq9").status_code == 404


def test_the_demo_world_gives_people_an_assessment_and_outcome_reviews_six_months_apart(world):
    import random
    from types import SimpleNamespace

    from django.utils import timezone

    from throughcare.assessments.demo import build_assessments
    from throughcare.assessments.models import Assessment

    lead = SimpleNamespace(worker=world["staff"]["amara"].user, person_id=world["jo"].pk)
    assert build_assessments(rng=random.Random(1), today=timezone.localdate(), lead_members=[lead]) == 1
    assert Assessment.objects.get().status == "submitted"
    reviews = list(OutcomeReview.objects.order_by("completed_on", "instrument"))
    assert [(r.instrument, r.stage) for r in reviews] == [("barc10", "start"), ("top", "start"),
                                                          ("barc10", "review"), ("top", "review")]
    assert (reviews[2].completed_on - reviews[0].completed_on).days == 182
    assert all(r.completed_on <= timezone.localdate() for r in reviews)
