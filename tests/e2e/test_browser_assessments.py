"""The holistic assessment and outcome reviews in a real browser, with axe-core on every page.

Amara (Riverside, key worker) completes Jo's assessment one question a page: a whole section (every kind of
answer), a branch that opens and closes, back links, "Save draft and come back later", errors that name the
question, check your answers with a "Change" that opens a branch on its way back, then submits. Hana (Harbour
Housing, consent for housing only) then opens it and sees the housing section and nothing else. Amara records
BARC-10 one statement a page and sees the chart.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.assessment_helpers import full_answers, harbour_housing_works_with_jo
from throughcare.assessments import actions, instruments
from throughcare.assessments.models import Assessment
from throughcare.outcomes.actions import record_outcome_review
from throughcare.outcomes.models import OutcomeDraft, OutcomeReview

pytestmark = pytest.mark.e2e


def _heading(page: Page):
    return page.get_by_role("heading", level=1)


def _continue(page: Page) -> None:
    page.get_by_role("button", name="Continue").click()


def test_a_key_worker_completes_an_assessment_and_a_housing_worker_sees_only_housing(
        page: Page, live_server, e2e_world, sign_in, sign_out, assert_accessible):
    url, jo = live_server.url, e2e_world["jo"]
    harbour_housing_works_with_jo(e2e_world, consent=["housing"])
    sign_in(page, "amara")
    page.goto(f"{url}/people/{jo.pk}/")
    page.get_by_role("link", name="Assessments", exact=True).click()
    expect(_heading(page)).to_have_text("Assessments")
    assert_accessible(page, "the person's assessments, none yet")
    page.get_by_role("button", name="Start an assessment").click()
    page.get_by_role("button", name="Start").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose whether to start a new assessment")
    assert_accessible(page, "starting an assessment, with an error")
    page.get_by_label("Start a new assessment").check()
    page.get_by_role("button", name="Start").click()
    expect(_heading(page)).to_have_text("Holistic assessment")
    expect(page.get_by_test_id("draft-status")).to_contain_text("Only Riverside Recovery can see it")
    expect(page.get_by_test_id("sections-completed")).to_have_text("You have completed 0 of 12 sections.")
    assert_accessible(page, "the draft's task list")

    # Physical health, question by question: every kind of answer (radios, a number, checkboxes, a date, text).
    page.get_by_role("link", name="Physical health").click()
    expect(_heading(page)).to_have_text("Are you registered with a GP?")
    expect(page.get_by_test_id("draft-status")).to_contain_text("revision 1")
    assert_accessible(page, "a question answered with radios")
    page.get_by_label("Yes").check()
    _continue(page)
    expect(_heading(page)).to_have_text("How would you rate your physical health?")
    rating = page.get_by_label("How would you rate your physical health?")
    rating.fill("31")
    _continue(page)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Physical health rating must be between 0 and 20")
    assert_accessible(page, "a question with an error")
    page.locator(".govuk-error-summary").get_by_role("link", name="Physical health rating must be between").click()
    expect(rating).to_be_focused()
    rating.fill("9")
    _continue(page)
    expect(_heading(page)).to_have_text("Do you have any of these?")
    assert_accessible(page, "a question answered with checkboxes")
    page.get_by_label("Hepatitis C").check()
    page.get_by_label("Problems with teeth").check()
    _continue(page)
    expect(_heading(page)).to_have_text("When were you last tested for hepatitis and HIV?")
    assert_accessible(page, "a date question")
    page.get_by_role("textbox", name="Day", exact=True).fill("2")
    page.get_by_role("textbox", name="Month", exact=True).fill("11")
    page.get_by_role("textbox", name="Year", exact=True).fill("2025")
    _continue(page)
    expect(_heading(page)).to_have_text("In your own words, how is your health?")
    assert_accessible(page, "a free-text question")
    page.get_by_label("In your own words, how is your health?").fill("Tired, but my teeth are sorted")
    page.get_by_role("link", name="Back").click()  # back links go to the question before, answer kept
    expect(_heading(page)).to_have_text("When were you last tested for hepatitis and HIV?")
    expect(page.get_by_role("textbox", name="Month", exact=True)).to_have_value("11")
    _continue(page)
    page.get_by_label("In your own words, how is your health?").fill("Tired, but my teeth are sorted")
    _continue(page)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Physical health is completed")
    expect(page.locator("#task-physical_health-status")).to_have_text("Completed")
    expect(page.get_by_test_id("sections-completed")).to_have_text("You have completed 1 of 12 sections.")

    # Housing: the eviction question is asked only while the answer makes it relevant.
    page.get_by_role("link", name="Housing").click()
    page.get_by_label("Private rented home").check()
    _continue(page)
    page.get_by_label("No").check()
    _continue(page)
    expect(_heading(page)).to_have_text("Are you at risk of losing your home?")
    page.get_by_role("link", name="Back").click()
    page.get_by_role("link", name="Back").click()
    expect(_heading(page)).to_have_text("Where are you living now?")
    page.get_by_label("A hostel or night shelter").check()
    _continue(page)
    expect(page.get_by_label("No")).to_be_checked()
    _continue(page)
    expect(_heading(page)).to_have_text("Would you like help with housing?")  # eviction risk skipped
    page.get_by_label("Yes").check()
    _continue(page)
    page.get_by_label("In your own words, what would a good home look like for you?").fill(
        "Somewhere my kids can stay at weekends")
    page.get_by_role("button", name="Save draft and come back later").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Draft saved at")
    expect(page.locator("#task-housing-status")).to_have_text("Completed")
    assert "eviction_risk" not in Assessment.objects.get().answers["housing"]

    page.get_by_role("button", name="Check your answers and submit").click()
    page.get_by_role("button", name="Submit assessment").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter what matters most to them")
    assert_accessible(page, "check your answers, with a question still to answer")
    page.locator(".govuk-error-summary").get_by_role("link", name="Enter what matters most to them").click()
    page.get_by_label("What matters most to you right now?").fill("Getting my girls back in my life")
    page.get_by_role("button", name="Save and return to check your answers").click()
    expect(_heading(page)).to_have_text("Check your answers before submitting")
    expect(page.get_by_text("Somewhere my kids can stay at weekends")).to_be_visible()
    assert_accessible(page, "check your answers")
    # Change the home: supported housing opens the eviction question, asked before going back.
    page.get_by_role("link", name="Change where they live now").click()
    page.get_by_label("Supported housing").check()
    page.get_by_role("button", name="Save and return to check your answers").click()
    expect(_heading(page)).to_have_text("Are you at risk of losing your home?")
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Save and return to check your answers").click()
    expect(_heading(page)).to_have_text("Check your answers before submitting")
    expect(page.locator("#section-housing + dl")).to_contain_text("Supported housing")
    page.get_by_role("button", name="Submit assessment").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Holistic assessment submitted")
    assert_accessible(page, "a submitted assessment")
    assessment = Assessment.objects.get()
    assert assessment.status == "submitted"
    assert assessment.answers["physical_health"] == {
        "has_gp": True, "rating": 9, "conditions": ["hepatitis_c", "dental"], "bbv_test_date": "2025-11-02",
        "in_their_words": "Tired, but my teeth are sorted"}
    assert assessment.answers["housing"] == {
        "living_situation": "supported", "acute_problem": False, "eviction_risk": True, "wants_housing_help": True,
        "in_their_words": "Somewhere my kids can stay at weekends"}
    assert assessment.answers["strengths"]["what_matters"] == "Getting my girls back in my life"
    sign_out(page)

    # Hana at Harbour Housing has Jo's consent for housing only.
    sign_in(page, "hana")
    page.goto(f"{url}/people/{jo.pk}/assessments")
    expect(page.get_by_text("You can see 1 of its 12 sections")).to_be_visible()
    page.get_by_role("link", name="See the latest assessment").click()
    expect(page.get_by_role("heading", level=2, name="Housing")).to_be_visible()
    expect(page.get_by_text("Somewhere my kids can stay at weekends")).to_be_visible()
    expect(page.get_by_test_id("hidden-sections")).to_have_text("11 sections are not shared with you.")
    headings = page.locator("main h2").all_inner_texts()
    assert headings == ["Housing"], headings
    body = page.locator("main").inner_text()
    for secret in ("Getting my girls back", "Work, education and training", "Drugs and medicines", "Amend"):
        assert secret not in body
    assert_accessible(page, "the housing worker's view of the assessment")


def test_a_reassessment_shows_what_changed_and_outcomes_are_charted(
        page: Page, live_server, e2e_world, sign_in, assert_accessible):
    url, jo = live_server.url, e2e_world["jo"]
    amara = e2e_world["staff"]["amara"].user
    first = actions.start_assessment(actor=amara, person_id=jo.pk)
    first = actions.save_draft(actor=amara, assessment_id=first.pk, expected_revision=1, answers=full_answers())
    actions.submit_assessment(actor=amara, assessment_id=first.pk, expected_revision=2)
    sign_in(page, "amara")
    page.goto(f"{url}/people/{jo.pk}/assessments")
    page.get_by_role("button", name="Start a re-assessment or a new assessment").click()
    page.get_by_label("Start a re-assessment, beginning from the latest assessment").check()
    page.get_by_role("button", name="Start").click()
    page.get_by_role("link", name="Housing").click()
    expect(page.get_by_label("A hostel or night shelter")).to_be_checked()
    page.get_by_label("My own home or tenancy").check()
    page.get_by_role("button", name="Save draft and come back later").click()
    expect(page.get_by_text("1 change since last time")).to_be_visible()
    page.get_by_role("button", name="Check your answers and submit").click()
    expect(page.get_by_text("Last time: A hostel or night shelter")).to_be_visible()
    assert_accessible(page, "check your answers for a re-assessment")

    record_outcome_review(actor=amara, person_id=jo.pk, instrument="barc10", stage="start", completed_on="2026-01-05",
                          answers={"recovery_capital": {f"q{i}": 3 for i in range(1, 11)}})
    page.goto(f"{url}/people/{jo.pk}/outcomes")
    page.get_by_role("button", name="Record Brief Assessment of Recovery Capital (BARC-10)").click()
    assert_accessible(page, "starting an outcome review")
    page.get_by_role("button", name="Start now").click()
    expect(_heading(page)).to_have_text("When in treatment is this review?")
    page.get_by_label("Review (every six months)").check()
    _continue(page)
    page.get_by_role("textbox", name="Day", exact=True).fill("6")
    page.get_by_role("textbox", name="Month", exact=True).fill("7")
    page.get_by_role("textbox", name="Year", exact=True).fill("2026")
    _continue(page)
    expect(page.get_by_test_id("draft-status")).to_contain_text("Only Riverside Recovery can see it")
    page.get_by_role("link", name="Recovery capital").click()
    expect(_heading(page)).to_have_text("There are more important things to me in life than using substances.")
    assert_accessible(page, "a BARC-10 statement")
    for statement in instruments.get("barc10").section("recovery_capital").questions:
        expect(_heading(page)).to_have_text(statement.text)
        page.get_by_label("5", exact=True).check()
        _continue(page)
    expect(page.locator("#task-recovery_capital-status")).to_have_text("Completed")
    assert_accessible(page, "an outcome review draft's sections")
    page.get_by_role("button", name="Check your answers and record").click()
    expect(page.get_by_test_id("scores")).to_contain_text("50")
    assert_accessible(page, "check your answers for BARC-10")
    page.get_by_role("button", name="Record outcome review").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("outcome review recorded")
    assert OutcomeReview.objects.count() == 2 and not OutcomeDraft.objects.exists()
    expect(page.get_by_test_id("distance-travelled")).to_contain_text("Reliable improvement")
    expect(page.locator("#outcome-chart svg")).to_be_visible()
    assert_accessible(page, "outcomes and progress, with the chart")
