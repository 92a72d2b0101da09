"""Assessment pages: start, a draft as a task list, one section per page saved explicitly, errors naming
the question, check your answers with what changed, submit, amend and discard; sections by consent."""

from __future__ import annotations

import re

from tests.assessment_helpers import full_answers, harbour_housing_works_with_jo
from throughcare.assessments import actions
from throughcare.assessments.models import Assessment
from throughcare.audit.models import AuditEntry


def _text(response) -> str:
    return response.content.decode()


def _submitted(world, actor="amara"):
    user = world["staff"][actor].user
    a = actions.start_assessment(actor=user, person_id=world["jo"].pk)
    a = actions.save_draft(actor=user, assessment_id=a.pk, expected_revision=1, answers=full_answers())
    return actions.submit_assessment(actor=user, assessment_id=a.pk, expected_revision=2)


def test_a_key_worker_starts_answers_a_section_checks_and_submits(browser_client, world):
    jo, amara = world["jo"], browser_client("amara")
    listing = amara.get(f"/people/{jo.pk}/assessments")
    assert listing.status_code == 200 and "No assessment has been submitted yet" in _text(listing)
    assert f"/people/{jo.pk}/assessments" in _text(amara.get(f"/people/{jo.pk}/"))
    refused = amara.post(f"/people/{jo.pk}/assessments/start", {})
    assert refused.status_code == 422 and "Choose whether to start a new assessment" in _text(refused)
    started = amara.post(f"/people/{jo.pk}/assessments/start", {"kind": "new"})
    assert started.status_code == 302
    a = Assessment.objects.get()
    tasks = _text(amara.get(started["Location"]))
    assert "Draft" in tasks and "Only Riverside Recovery can see it" in tasks and tasks.count("Not yet started") == 12

    page = amara.get(f"/assessments/{a.pk}/sections/housing")
    assert page.status_code == 200 and "Where are you living now?" in _text(page)
    assert 'name="revision" value="1"' in _text(page)
    # Save and continue: the draft is saved, visibly, and the next section opens.
    saved = amara.post(f"/assessments/{a.pk}/sections/housing", {
        "revision": 1, "living_situation": "private_rented", "acute_problem": "no", "eviction_risk": "yes",
        "in_their_words": "Somewhere the kids can visit", "then": "next"})
    assert saved.status_code == 302 and saved["Location"].endswith("/sections/work")
    assert Assessment.objects.get().answers["housing"] == {
        "living_situation": "private_rented", "acute_problem": False, "eviction_risk": True,
        "in_their_words": "Somewhere the kids can visit"}
    assert "Draft saved at" in _text(amara.get(saved["Location"]))
    # A closed branch is dropped: no injecting days when never injected.
    amara.post(f"/assessments/{a.pk}/sections/drugs", {"revision": 2, "ever_injected": "no", "injecting_days": "7",
                                                         "drugs_used": ["cannabis"], "then": "task-list"})
    assert Assessment.objects.get().answers["drugs"] == {"drugs_used": ["cannabis"], "ever_injected": False}

    check = amara.post(f"/assessments/{a.pk}/check", {"revision": 3})
    assert check.status_code == 422
    text = _text(check)
    assert "Enter what matters most to them" in text
    assert f'href="/assessments/{a.pk}/sections/strengths#id_what_matters"' in text
    assert Assessment.objects.get().status == "draft"
    amara.post(f"/assessments/{a.pk}/sections/strengths", {"revision": 3, "what_matters": "My kids",
                                                             "then": "next"})
    check = amara.get(f"/assessments/{a.pk}/check")
    assert "Private rented home" in _text(check) and "Somewhere the kids can visit" in _text(check)
    assert f'/assessments/{a.pk}/sections/housing#id_living_situation' in _text(check)
    done = amara.post(f"/assessments/{a.pk}/check", {"revision": 4})
    assert done.status_code == 302
    assert Assessment.objects.get().status == "submitted"
    detail = _text(amara.get(done["Location"]))
    assert "Holistic assessment submitted" in detail and "Latest" in detail and "Amend this assessment" in detail
    assert amara.get(f"/assessments/{a.pk}/sections/housing").status_code == 404  # submitted: no more editing


def test_errors_name_the_question_and_nothing_is_half_saved(browser_client, world):
    amara = browser_client("amara")
    a = actions.start_assessment(actor=world["staff"]["amara"].user, person_id=world["jo"].pk)
    response = amara.post(f"/assessments/{a.pk}/sections/work", {
        "revision": 1, "status": "looking", "paid_work_days": "31", "education_days": "two", "then": "next"})
    assert response.status_code == 422
    text = _text(response)
    assert "Days of paid work must be between 0 and 28 days" in text
    assert "Days of education or training must be a number" in text
    assert 'href="#id_paid_work_days"' in text
    wrong_choice = amara.post(f"/assessments/{a.pk}/sections/work", {"revision": 1, "status": "astronaut"})
    assert "Choose work status from the list" in _text(wrong_choice)
    bad_date = amara.post(f"/assessments/{a.pk}/sections/physical_health", {
        "revision": 1, "bbv_test_date-day": "31", "bbv_test_date-month": "2", "bbv_test_date-year": "2025"})
    assert bad_date.status_code == 422 and "Last blood-borne virus test must be a real date" in _text(bad_date)
    assert Assessment.objects.get().answers == {} and Assessment.objects.get().revision == 1


def test_a_stale_section_save_keeps_what_you_typed_and_says_who_saved(browser_client, world):
    amara, ben = browser_client("amara"), browser_client("ben")
    a = actions.start_assessment(actor=world["staff"]["amara"].user, person_id=world["jo"].pk)
    assert ben.post(f"/assessments/{a.pk}/sections/work", {"revision": 1, "paid_work_days": "3"}).status_code == 302
    stale = amara.post(f"/assessments/{a.pk}/sections/work", {"revision": 1, "paid_work_days": "5"})
    assert stale.status_code == 409
    text = _text(stale)
    assert "Someone else saved this draft" in text and 'name="revision" value="2"' in text
    assert re.search(r'name="paid_work_days"[^>]*value="5"', text)
    assert Assessment.objects.get().answers["work"] == {"paid_work_days": 3}


def test_a_reassessment_page_marks_what_changed(browser_client, world):
    _submitted(world)
    amara = browser_client("amara")
    started = amara.post(f"/people/{world['jo'].pk}/assessments/start", {"kind": "reassessment"})
    redo = Assessment.objects.get(kind="reassessment")
    assert started["Location"] == f"/assessments/{redo.pk}"
    amara.post(f"/assessments/{redo.pk}/sections/work", {"revision": 1, "status": "part_time",
                                                         "paid_work_days": "8", "education_days": "0",
                                                         "wants_help": "yes"})
    tasks = _text(amara.get(f"/assessments/{redo.pk}"))
    assert "2 changes since last time" in tasks
    check = _text(amara.get(f"/assessments/{redo.pk}/check"))
    assert check.count("Last time:") == 2 and "Last time: Looking for work" in check
    assert "Last time: 0 days" in check


def test_amend_and_discard_pages(browser_client, world):
    first = _submitted(world)
    amara = browser_client("amara")
    assert "The version you are amending stays as it was" in _text(amara.get(f"/assessments/{first.pk}/amend"))
    amended = amara.post(f"/assessments/{first.pk}/amend")
    amendment = Assessment.objects.get(kind="amendment")
    assert amended["Location"] == f"/assessments/{amendment.pk}" and amendment.number == 2
    assert "amendment (version 2)" in _text(amara.get(amended["Location"]))
    again = amara.post(f"/assessments/{first.pk}/amend")
    assert again.status_code == 422 and "already in draft" in _text(again)
    stale = amara.post(f"/assessments/{amendment.pk}/discard", {"revision": 9})
    assert stale.status_code == 409 and Assessment.objects.filter(pk=amendment.pk).exists()
    gone = amara.post(f"/assessments/{amendment.pk}/discard", {"revision": 1})
    assert gone.status_code == 302 and not Assessment.objects.filter(pk=amendment.pk).exists()


def test_a_housing_worker_sees_the_housing_section_and_nothing_else(browser_client, world):
    harbour_housing_works_with_jo(world, consent=["housing"])
    first = _submitted(world)
    hana = browser_client("hana")
    listing = _text(hana.get(f"/people/{world['jo'].pk}/assessments"))
    assert "You can see 1 of its 12 sections" in listing
    page = hana.get(f"/assessments/{first.pk}")
    text = _text(page)
    assert page.status_code == 200 and "A room of my own, near my kids" in text
    assert "11 sections are not shared with you" in text
    for secret in ("Panic attacks", "My two girls", "Heroin", "Drug Rehabilitation Requirement", "Amend this"):
        assert secret not in text
    entry = AuditEntry.objects.filter(username="hana", action="assessment.read").latest("seq")
    assert set(entry.categories) == {"contact_admin", "housing"}


def test_unseen_people_and_other_agencies_drafts_are_404(browser_client, world):
    first = _submitted(world)
    draft = actions.start_assessment(actor=world["staff"]["amara"].user, person_id=world["jo"].pk,
                                     kind="reassessment")
    grace = browser_client("grace")
    for url in (f"/people/{world['jo'].pk}/assessments", f"/assessments/{first.pk}",
                f"/assessments/{draft.pk}/sections/housing", f"/people/{world['jo'].pk}/assessments/start"):
        assert grace.get(url).status_code == 404
    harbour_housing_works_with_jo(world, consent=["housing"])
    assert browser_client("hana").get(f"/assessments/{draft.pk}").status_code == 404
    assert browser_client("yusuf").get(f"/assessments/{first.pk}").status_code == 404
