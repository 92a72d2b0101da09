"""The Voice API through HTTP with personas: nadia (a consultation analyst at Riverside), zoe (an analyst at the DAAT),
amara (a key worker, not an analyst). Bad input is 422 naming the field and saves nothing."""

from __future__ import annotations

import pytest

from tests.voice_helpers import add_analysts, example_consultation
from throughcare.audit.models import AuditEntry
from throughcare.voice import worker
from throughcare.voice.models import Consultation, Decision, Question


@pytest.fixture
def hub(world):
    analysts = add_analysts(world)
    return example_consultation(analysts["nadia"].user)


def test_an_analyst_creates_a_consultation_and_adds_a_question(api, hub):
    nadia = api("nadia")
    response = nadia.post("/consultations", {"title": "Evening opening", "description": "When should we open?"})
    assert response.status_code == 201
    created = response.json()
    assert created["status"] == "draft" and created["responses"] == 0
    response = nadia.post(f"/consultations/{created['id']}/questions",
                          {"qid": "1", "text": "Which evenings?", "type": "select-all",
                           "options": ["Monday", "Wednesday", "Friday"]})
    assert response.status_code == 201 and response.json()["options"] == ["Monday", "Wednesday", "Friday"]
    detail = nadia.get(f"/consultations/{created['id']}").json()
    assert [q["qid"] for q in detail["questions"]] == ["1"]
    listed = nadia.get("/consultations").json()
    assert {c["title"] for c in listed} == {"Evening opening", "The recovery hub"}


@pytest.mark.parametrize("body,field,message", [
    ({"qid": "1", "text": "Again?", "type": "open"}, "qid", "There is already a question 1"),
    ({"qid": "9", "text": "", "type": "open"}, "text", "Enter the question"),
    ({"qid": "9", "text": "Which?", "type": "select-one", "options": ["One"]}, "options",
     "Enter at least two options, one on each line"),
    ({"qid": "9", "text": "Which?", "type": "essay"}, "type", "Choose the type of question from the list"),
    # (the API refuses a null character in any field before the view runs: throughcare.api.guard_input; the
    # question's own check, "The question must not contain null characters", is there for the pages)
    ({"qid": "9", "text": "Why?\x00", "type": "open"}, "text", "Null characters are not allowed"),
])
def test_a_bad_question_is_422_naming_the_field_and_saves_nothing(api, hub, body, field, message):
    response = api("nadia").post(f"/consultations/{hub.pk}/questions", body)
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {field: message}
    assert Question.objects.filter(consultation=hub).count() == 3


def test_a_schema_violation_is_422_naming_the_field(api, hub):
    response = api("nadia").post("/consultations", {"title": "T", "colour": "blue"})
    assert response.status_code == 422 and response.json()["error"]["fields"] == {
        "colour": "This field is not recognised"}
    response = api("nadia").post("/consultations", {"description": "no title"})
    assert response.json()["error"]["fields"] == {"title": "This field is required"}
    response = api("nadia").post("/consultations", {"title": "   "})
    assert response.json()["error"]["fields"] == {"title": "Enter the consultation's title"}
    assert Consultation.objects.count() == 1


def test_responses_come_with_their_passages_and_offsets(api, hub):
    response = api("nadia").get(f"/consultations/{hub.pk}/responses")
    assert response.status_code == 200
    by_ref = {r["ref"]: r for r in response.json()}
    families = by_ref["response_families"]
    for passage in families["passages"]:
        assert families["text"][passage["start"]:passage["end"]] == passage["text"]
    q2 = next(p for p in families["passages"] if p["question"] == "2")
    assert q2["closed"]["chosen"] == ["Housing advice", "Peer support groups"]
    assert AuditEntry.objects.filter(action="voice_response.list", username="nadia").count() == 1


def test_the_analysis_runs_and_exports_analysis_json(api, hub):
    nadia = api("nadia")
    assert nadia.get(f"/consultations/{hub.pk}/analysis/run").status_code == 404  # not analysed yet
    run = nadia.post(f"/consultations/{hub.pk}/analysis")
    assert run.status_code == 202 and run.json()["status"] == "queued" and run.json()["finished_at"] is None
    again = nadia.post(f"/consultations/{hub.pk}/analysis")  # one run at a time: the queued one is returned
    assert again.status_code == 202 and again.json()["id"] == run.json()["id"]
    assert worker.work_until_idle() == 1
    done = nadia.get(f"/consultations/{hub.pk}/analysis/run").json()
    assert done["id"] == run.json()["id"] and done["status"] == "done" and done["counts"]["responses"] == 2
    analysis = nadia.get(f"/consultations/{hub.pk}/analysis").json()
    assert analysis["schema_version"] == 1
    assert [q["id"] for q in analysis["questions"]] == ["1", "2", "3"]
    assert analysis["tallies"]["1"] == {"answered": 2, "counts": {"Yes": 1, "No": 0, "Don't know": 1}}
    assert set(analysis["themes"]) == {"3"}
    assert {r["id"] for r in analysis["respondents"]} == {"response_families", "response_individual"}


def test_decisions_are_recorded_and_bad_ones_named(api, hub):
    nadia = api("nadia")
    bad = nadia.post(f"/consultations/{hub.pk}/decisions", {"you_said": "", "we_did": "Open Saturdays",
                                                           "status": "maybe", "theme": 999999})
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"] == {
        "theme": "Choose an approved theme from the list, or “not about one theme”",
        "you_said": "Enter what respondents said", "status": "Choose the decision's status"}
    assert not Decision.objects.exists()
    good = nadia.post(f"/consultations/{hub.pk}/decisions", {"you_said": "Open on Saturdays", "we_did": "From spring",
                                                            "status": "agreed"})
    assert good.status_code == 201 and good.json()["theme"] is None


def test_staff_who_are_not_analysts_get_403_and_other_agencies_404(api, hub):
    amara = api("amara")
    assert amara.get("/consultations").status_code == 403
    assert amara.post("/consultations", {"title": "Mine"}).json()["error"]["code"] == "forbidden"
    for path in ("", "/responses", "/analysis"):
        assert amara.get(f"/consultations/{hub.pk}{path}").status_code == 404
    zoe = api("zoe")
    assert zoe.get("/consultations").json() == []
    assert zoe.get(f"/consultations/{hub.pk}").status_code == 404
    assert zoe.post(f"/consultations/{hub.pk}/analysis").status_code == 404
    assert zoe.get("/consultations/not-an-id").status_code == 404
    assert not hub.runs.exists()
