"""A new version of an instrument: new drafts use it, records made with the old version still read and chart,
and a re-assessment from an old-version assessment carries over only what the new version still asks and
shows what changed. The instruments directory is pointed at a temporary copy holding the next version of the holistic
assessment and of TOP (instruments.INSTRUMENTS_DIR is read when instruments are loaded)."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from tests.assessment_helpers import full_answers
from tests.test_outcomes import TOP_A, TOP_B, without_hand_worked_examples
from throughcare.assessments import actions, instruments
from throughcare.assessments.models import Assessment
from throughcare.outcomes.actions import record_outcome_review
from throughcare.outcomes.models import OutcomeDraft, OutcomeReview

#: The holistic assessment in use, and the version these tests make after it.
HOLISTIC_OLD = instruments.get("holistic-assessment").version
HOLISTIC_NEW = HOLISTIC_OLD + 1


def _write_next(directory, key: str, change) -> None:
    """The newest version of an instrument, changed, as the next version."""
    version = instruments.get(key).version
    data = yaml.safe_load((instruments.INSTRUMENTS_DIR / f"{key}-v{version}.yaml").read_text(encoding="utf-8"))
    data["version"] = version + 1
    change(data)
    (directory / f"{key}-v{version + 1}.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def _section(data, section_id):
    return next(s for s in data["sections"] if s["id"] == section_id)


def _holistic_v2(data) -> None:
    housing = _section(data, "housing")
    housing["questions"] = [q for q in housing["questions"] if q["id"] != "wants_housing_help"]
    housing["questions"].insert(2, {"id": "support_worker", "type": "yes_no", "label": "Has a housing support worker",
                                    "text": "Do you have a housing support worker?"})
    data["sections"] = [s for s in data["sections"] if s["id"] != "money"]


def _top_v2(data) -> None:
    work = _section(data, "work")
    work["questions"] = [q for q in work["questions"] if q["id"] != "education_days"]
    data["scores"] = [s for s in data["scores"] if s["id"] != "education_days"]


@pytest.fixture
def version_two(tmp_path, monkeypatch):
    """The real instrument files plus the next holistic assessment (HOLISTIC_NEW) and top-v2, as the instruments
    directory."""
    for path in instruments.INSTRUMENTS_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    _write_next(tmp_path, "holistic-assessment", _holistic_v2)
    _write_next(tmp_path, "top", _top_v2)

    def switch():
        monkeypatch.setattr(instruments, "INSTRUMENTS_DIR", tmp_path)
        assert instruments.get("holistic-assessment").version == HOLISTIC_NEW and instruments.get("top").version == 2

    return switch


def test_new_drafts_use_the_new_version_and_old_records_still_read_and_chart(api, browser_client, world,
                                                                            version_two):
    jo, amara = world["jo"], world["staff"]["amara"].user
    first = actions.start_assessment(actor=amara, person_id=jo.pk)
    first = actions.save_draft(actor=amara, assessment_id=first.pk, expected_revision=1, answers=full_answers())
    first = actions.submit_assessment(actor=amara, assessment_id=first.pk, expected_revision=2)
    old_review = record_outcome_review(actor=amara, person_id=jo.pk, instrument="top", stage="start",
                                       completed_on="2026-01-05", answers=TOP_A)
    assert (first.instrument_version, old_review.instrument_version) == (HOLISTIC_OLD, 1)

    version_two()
    served = {i["key"]: i["version"] for i in api("amara").get("/instruments").json()}
    assert served["holistic-assessment"] == HOLISTIC_NEW and served["top"] == 2
    # Records made with the old version still read with the old version's questions.
    old = api("amara").get(f"/assessments/{first.pk}").json()
    assert old["instrument_version"] == HOLISTIC_OLD and "money" in [s["id"] for s in old["sections"]]
    housing = next(s for s in old["sections"] if s["id"] == "housing")
    assert "wants_housing_help" in [q["id"] for q in housing["questions"]]
    review = api("amara").get(f"/outcome-reviews/{old_review.pk}").json()
    assert review["instrument_version"] == 1 and "education_days" in [s["id"] for s in review["scores"]]

    # A new outcome review (page draft or API) is version 2, and both versions chart together.
    client = browser_client("amara")
    client.post(f"/people/{jo.pk}/outcomes/record/top")
    assert OutcomeDraft.objects.get().instrument_version == 2
    assert "Days of education or training" not in client.get(
        f"/outcome-drafts/{OutcomeDraft.objects.get().pk}/sections/work/paid_work_days").content.decode()
    new_answers = json.loads(json.dumps(TOP_B))
    del new_answers["work"]["education_days"]
    made = api("amara").post(f"/people/{jo.pk}/outcome-reviews", {
        "instrument": "top", "stage": "review", "completed_on": "2026-07-06", "answers": new_answers})
    assert made.status_code == 201, made.content
    assert OutcomeReview.objects.get(pk=made.json()["id"]).instrument_version == 2
    measures = {m["score"]: m for m in api("amara").get(f"/people/{jo.pk}/outcomes").json()["measures"]}
    assert [p["value"] for p in measures["cannabis_days"]["points"]] == [10, 28]  # v1 then v2
    assert [p["value"] for p in measures["education_days"]["points"]] == [3]  # asked only by v1
    assert "Days of education or training" in client.get(f"/people/{jo.pk}/outcomes").content.decode()

    # A new scored version without hand-worked examples is caught by the guard in tests/test_outcomes.py.
    assert without_hand_worked_examples(instruments.load_all()) == ["top-v2"]


def test_a_reassessment_from_an_old_version_carries_over_only_what_the_new_asks_and_shows_what_changed(
        api, browser_client, world, version_two):
    jo, amara = world["jo"], world["staff"]["amara"].user
    first = actions.start_assessment(actor=amara, person_id=jo.pk)
    first = actions.save_draft(actor=amara, assessment_id=first.pk, expected_revision=1, answers=full_answers())
    first = actions.submit_assessment(actor=amara, assessment_id=first.pk, expected_revision=2)

    version_two()
    started = api("amara").post(f"/people/{jo.pk}/assessments", {"kind": "reassessment"})
    assert started.status_code == 201, started.content
    redo = Assessment.objects.get(pk=started.json()["id"])
    assert redo.instrument_version == HOLISTIC_NEW and redo.previous_id == first.pk
    assert "money" not in redo.answers  # no longer asked
    assert redo.answers["housing"] == {"living_situation": "hostel", "acute_problem": False,
                                       "in_their_words": "A room of my own, near my kids"}  # not wants_housing_help
    assert redo.answers["drugs"] == full_answers()["drugs"]

    client = browser_client("amara")
    tasks = client.get(f"/assessments/{redo.pk}").content.decode()
    assert "You have completed 10 of 11 sections" in tasks  # housing now has a question to answer
    assert "Money and benefits" not in tasks
    step = client.post(f"/assessments/{redo.pk}/sections/housing/acute_problem", {
        "revision": 1, "acute_problem": "no", "then": "continue"})
    assert step["Location"] == f"/assessments/{redo.pk}/sections/housing/support_worker"  # the new question
    assert client.post(step["Location"], {"revision": 2, "support_worker": "yes", "then": "continue"}).status_code == 302
    assert client.post(f"/assessments/{redo.pk}/sections/housing/living_situation", {
        "revision": 3, "living_situation": "supported", "then": "save"}).status_code == 302
    body = api("amara").get(f"/assessments/{redo.pk}").json()
    assert {(c["section"], c["question"], c["before_display"], c["after_display"]) for c in body["changes"]} == {
        ("housing", "support_worker", "Not answered", "Yes"),
        ("housing", "living_situation", "A hostel or night shelter", "Supported housing")}
    check = client.get(f"/assessments/{redo.pk}/check").content.decode()
    assert "Last time: A hostel or night shelter" in check and "Last time: Not answered" in check
    assert "Would you like help with housing?" not in check and "Money and benefits" not in check
