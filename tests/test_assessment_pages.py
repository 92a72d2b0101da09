"""Assessment pages: start, a draft as a task list of sections, one question a page (saved with the draft's
revision, the branching followed, back links, "Save draft and come back later"), errors naming the question,
check your answers with what changed and "Change" links that return there, submit, amend and discard;
sections by consent."""

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


def _q(a, section, question, back=False) -> str:
    return f"/assessments/{a.pk}/sections/{section}/{question}" + ("?return=check" if back else "")


def _answers(section=None):
    answers = Assessment.objects.get().answers
    return answers.get(section, {}) if section else answers


def _back_link(response) -> str:
    return re.search(r'<a href="([^"]+)" class="govuk-back-link"', _text(response)).group(1)


def test_a_key_worker_answers_a_section_one_question_a_page_with_its_branch(browser_client, world):
    jo, amara = world["jo"], browser_client("amara")
    listing = amara.get(f"/people/{jo.pk}/assessments")
    assert listing.status_code == 200 and "No assessment has been submitted yet" in _text(listing)
    refused = amara.post(f"/people/{jo.pk}/assessments/start", {})
    assert refused.status_code == 422 and "Choose whether to start a new assessment" in _text(refused)
    started = amara.post(f"/people/{jo.pk}/assessments/start", {"kind": "new"})
    a = Assessment.objects.get()
    tasks = _text(amara.get(started["Location"]))
    assert tasks.count("Not yet started") == 12 and "You have completed 0 of 12 sections" in tasks
    assert f'href="{_q(a, "housing", "living_situation")}"' in tasks
    assert amara.get(f"/assessments/{a.pk}/sections/housing")["Location"] == _q(a, "housing", "living_situation")

    first = amara.get(_q(a, "housing", "living_situation"))
    text = _text(first)
    assert '<h1 class="govuk-fieldset__heading">Where are you living now?</h1>' in text
    assert 'name="revision" value="1"' in text and "Save draft and come back later" in text
    assert "Only Riverside Recovery can see it" in text and _back_link(first) == f"/assessments/{a.pk}"
    assert text.count('class="govuk-radios__input"') == 10 and "Do you have nowhere safe" not in text
    # Continue saves the one answer to the draft and opens the next question the branching asks.
    step = amara.post(_q(a, "housing", "living_situation"), {"revision": 1, "living_situation": "private_rented",
                                                              "then": "continue"})
    assert step["Location"] == _q(a, "housing", "acute_problem")
    assert _answers("housing") == {"living_situation": "private_rented"} and Assessment.objects.get().revision == 2
    assert _back_link(amara.get(step["Location"])) == _q(a, "housing", "living_situation")
    step = amara.post(_q(a, "housing", "acute_problem"), {"revision": 2, "acute_problem": "no", "then": "continue"})
    assert step["Location"] == _q(a, "housing", "eviction_risk")  # asked: a rented home can be lost
    step = amara.post(step["Location"], {"revision": 3, "eviction_risk": "yes", "then": "continue"})
    step = amara.post(step["Location"], {"revision": 4, "wants_housing_help": "yes", "then": "continue"})
    assert step["Location"] == _q(a, "housing", "in_their_words")
    done = amara.post(step["Location"], {"revision": 5, "in_their_words": "Somewhere the kids can visit",
                                         "then": "continue"})
    assert done["Location"] == f"/assessments/{a.pk}"  # the section's end: back to the sections
    tasks = _text(amara.get(done["Location"]))
    assert "Housing is completed" in tasks and "You have completed 1 of 12 sections" in tasks
    assert _answers("housing") == {"living_situation": "private_rented", "acute_problem": False,
                                   "eviction_risk": True, "wants_housing_help": True,
                                   "in_their_words": "Somewhere the kids can visit"}

    # The branch closes: in a hostel the eviction question is not asked, and its answer is not kept.
    step = amara.post(_q(a, "housing", "living_situation"), {"revision": 6, "living_situation": "hostel",
                                                              "then": "continue"})
    assert step["Location"] == _q(a, "housing", "acute_problem")
    assert "eviction_risk" not in _answers("housing")
    skip = amara.post(_q(a, "housing", "acute_problem"), {"revision": 7, "acute_problem": "no", "then": "continue"})
    assert skip["Location"] == _q(a, "housing", "wants_housing_help")  # eviction risk skipped
    assert _back_link(amara.get(skip["Location"])) == _q(a, "housing", "acute_problem")
    assert amara.get(_q(a, "housing", "eviction_risk"))["Location"] == f"/assessments/{a.pk}"
    assert amara.get(_q(a, "housing", "astronaut")).status_code == 404


def test_save_draft_and_come_back_later_and_a_required_question(browser_client, world):
    amara = browser_client("amara")
    a = actions.start_assessment(actor=world["staff"]["amara"].user, person_id=world["jo"].pk)
    url = _q(a, "strengths", "what_matters")
    blank = amara.post(url, {"revision": 1, "what_matters": " ", "then": "continue"})
    assert blank.status_code == 422
    assert "Enter what matters most to them" in _text(blank) and 'href="#id_what_matters"' in _text(blank)
    assert Assessment.objects.get().revision == 1
    # "Save draft and come back later" keeps what there is (even nothing) and leaves for the sections.
    later = amara.post(_q(a, "strengths", "strengths"), {"revision": 1, "strengths": ["family", "pets"],
                                                          "then": "save"})
    assert later.status_code == 302 and later["Location"] == f"/assessments/{a.pk}"
    assert _answers("strengths") == {"strengths": ["family", "pets"]}
    tasks = _text(amara.get(later["Location"]))
    assert "Draft saved at" in tasks and "come back to it later" in tasks
    assert re.search(r'task-strengths-status">\s*<strong class="govuk-tag govuk-tag--light-blue">In progress', tasks)
    # The section's link opens where it was left: its first question still to answer.
    assert f'href="{_q(a, "strengths", "what_matters")}"' in tasks  # optional free text is passed over
    left = amara.post(url, {"revision": 2, "what_matters": "", "then": "save"})
    assert left.status_code == 302 and Assessment.objects.get().revision == 3


def test_check_your_answers_change_links_return_there_by_way_of_a_branch_they_open(browser_client, world):
    amara = browser_client("amara")
    user = world["staff"]["amara"].user
    a = actions.start_assessment(actor=user, person_id=world["jo"].pk)
    answers = full_answers()
    answers["drugs"].update(ever_injected=False)
    a = actions.save_draft(actor=user, assessment_id=a.pk, expected_revision=1, answers=answers)
    assert "injecting_days" not in _answers("drugs")
    check = _text(amara.get(f"/assessments/{a.pk}/check"))
    assert f'href="{_q(a, "drugs", "ever_injected", back=True)}"' in check
    page = amara.get(_q(a, "drugs", "ever_injected", back=True))
    assert _back_link(page) == f"/assessments/{a.pk}/check"
    assert "Save and return to check your answers" in _text(page)
    # Yes opens "how many days": it is asked before going back, and then the sharing question it opens.
    changed = amara.post(_q(a, "drugs", "ever_injected", back=True), {"revision": 2, "ever_injected": "yes",
                                                                        "then": "continue"})
    assert changed["Location"] == _q(a, "drugs", "injecting_days", back=True)
    number = _text(amara.get(changed["Location"]))  # a number question: its label is the page's heading, with its unit
    assert re.search(r'<h1 class="govuk-label-wrapper"><label class="govuk-label govuk-label--l" for="id_injecting_days">', number)
    assert 'inputmode="decimal"' in number and '<div class="govuk-input__suffix" aria-hidden="true">days</div>' in number
    days = amara.post(changed["Location"], {"revision": 3, "injecting_days": "3", "then": "continue"})
    assert days["Location"] == _q(a, "drugs", "shared_equipment", back=True)
    shared = amara.post(days["Location"], {"revision": 4, "shared_equipment": "no", "then": "continue"})
    assert shared["Location"] == f"/assessments/{a.pk}/check"
    # A change that opens nothing goes straight back.
    plain = amara.post(_q(a, "housing", "living_situation", back=True), {"revision": 5,
                                                                           "living_situation": "sofa_surfing",
                                                                           "then": "continue"})
    assert plain["Location"] == f"/assessments/{a.pk}/check"
    assert _answers("drugs")["injecting_days"] == 3 and _answers("housing")["living_situation"] == "sofa_surfing"
    done = amara.post(f"/assessments/{a.pk}/check", {"revision": 6})
    assert done.status_code == 302 and Assessment.objects.get().status == "submitted"
    detail = _text(amara.get(done["Location"]))
    assert "Holistic assessment submitted" in detail and "Latest" in detail and "Amend this assessment" in detail
    assert amara.get(_q(a, "housing", "living_situation")).status_code == 404  # submitted: no more editing


def test_submitting_with_a_required_question_unanswered_links_to_that_question(browser_client, world):
    amara = browser_client("amara")
    user = world["staff"]["amara"].user
    a = actions.start_assessment(actor=user, person_id=world["jo"].pk)
    answers = full_answers()
    del answers["strengths"]["what_matters"]
    actions.save_draft(actor=user, assessment_id=a.pk, expected_revision=1, answers=answers)
    check = amara.post(f"/assessments/{a.pk}/check", {"revision": 2})
    assert check.status_code == 422 and Assessment.objects.get().status == "draft"
    assert re.search(r'<li><a href="' + re.escape(_q(a, "strengths", "what_matters", back=True))
                     + r'">Enter what matters most to them</a></li>', _text(check))
    back = amara.post(_q(a, "strengths", "what_matters", back=True), {"revision": 2, "what_matters": "My kids",
                                                                       "then": "continue"})
    assert back["Location"] == f"/assessments/{a.pk}/check"
    stale = amara.post(f"/assessments/{a.pk}/check", {"revision": 2})
    assert stale.status_code == 422 and "Someone else saved this draft while you were checking it" in _text(stale)
    assert 'name="revision" value="3"' in _text(stale) and Assessment.objects.get().status == "draft"
    assert amara.post(f"/assessments/{a.pk}/check", {"revision": 3}).status_code == 302


def test_errors_name_the_question_and_nothing_is_half_saved(browser_client, world):
    amara = browser_client("amara")
    a = actions.start_assessment(actor=world["staff"]["amara"].user, person_id=world["jo"].pk)
    response = amara.post(_q(a, "work", "paid_work_days"), {"revision": 1, "paid_work_days": "31", "then": "continue"})
    assert response.status_code == 422
    text = _text(response)
    assert "Error: On how many of the last 28 days did you do paid work?" in text  # the page title
    assert '<a href="#id_paid_work_days">Days of paid work must be between 0 and 28 days</a>' in text
    assert re.search(r'name="paid_work_days"[^>]*value="31"', text)
    words = amara.post(_q(a, "work", "education_days"), {"revision": 1, "education_days": "two", "then": "save"})
    assert words.status_code == 422 and "Days of education or training must be a number" in _text(words)
    wrong_choice = amara.post(_q(a, "work", "status"), {"revision": 1, "status": "astronaut", "then": "continue"})
    assert "Choose work status from the list" in _text(wrong_choice)
    bad_date = amara.post(_q(a, "physical_health", "bbv_test_date"), {
        "revision": 1, "bbv_test_date-day": "31", "bbv_test_date-month": "2", "bbv_test_date-year": "2025",
        "then": "continue"})
    assert bad_date.status_code == 422 and "Last blood-borne virus test must be a real date" in _text(bad_date)
    assert 'href="#id_bbv_test_date-day"' in _text(bad_date)
    future = amara.post(_q(a, "physical_health", "bbv_test_date"), {
        "revision": 1, "bbv_test_date-day": "1", "bbv_test_date-month": "1", "bbv_test_date-year": "2099",
        "then": "continue"})
    assert "Last blood-borne virus test must be today or in the past" in _text(future)
    assert Assessment.objects.get().answers == {} and Assessment.objects.get().revision == 1


def test_a_stale_save_keeps_what_you_typed_and_says_who_saved(browser_client, world):
    amara, ben = browser_client("amara"), browser_client("ben")
    a = actions.start_assessment(actor=world["staff"]["amara"].user, person_id=world["jo"].pk)
    assert ben.post(_q(a, "work", "paid_work_days"), {"revision": 1, "paid_work_days": "3",
                                                      "then": "continue"}).status_code == 302
    stale = amara.post(_q(a, "work", "paid_work_days"), {"revision": 1, "paid_work_days": "5", "then": "continue"})
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
    tasks = _text(amara.get(started["Location"]))
    assert "You have completed 12 of 12 sections" in tasks  # every section carried over
    page = _text(amara.get(_q(redo, "work", "status")))
    assert re.search(r'value="looking" checked', page)  # pre-filled from last time
    amara.post(_q(redo, "work", "status"), {"revision": 1, "status": "part_time", "then": "continue"})
    amara.post(_q(redo, "work", "paid_work_days"), {"revision": 2, "paid_work_days": "8", "then": "continue"})
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
