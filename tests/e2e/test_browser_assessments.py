"""The holistic assessment and outcome reviews in a real browser, with axe-core on every page.

Amara (Riverside, key worker) completes Jo's assessment section by section, with branching shown as she
answers, checks her answers and submits. Hana (Harbour Housing, consent for housing only) then opens it
and sees the housing section and nothing else. Amara records BARC-10 twice and sees the chart.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.assessment_helpers import full_answers, harbour_housing_works_with_jo
from throughcare.assessments import actions
from throughcare.assessments.models import Assessment
from throughcare.outcomes.actions import record_outcome_review
from throughcare.outcomes.models import OutcomeReview

pytestmark = pytest.mark.e2e


def test_a_key_worker_completes_an_assessment_and_a_housing_worker_sees_only_housing(
        page: Page, live_server, e2e_world, sign_in, sign_out, assert_accessible):
    url, jo = live_server.url, e2e_world["jo"]
    harbour_housing_works_with_jo(e2e_world, consent=["housing"])
    sign_in(page, "amara")
    page.goto(f"{url}/people/{jo.pk}/")
    page.get_by_role("link", name="Assessments", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Assessments")
    assert_accessible(page, "the person's assessments, none yet")
    page.get_by_role("button", name="Start an assessment").click()
    page.get_by_role("button", name="Start").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose whether to start a new assessment")
    assert_accessible(page, "starting an assessment, with an error")
    page.get_by_label("Start a new assessment").check()
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Holistic assessment")
    expect(page.get_by_test_id("draft-status")).to_contain_text("Only Riverside Recovery can see it")
    assert_accessible(page, "the draft's task list")

    # Housing: the eviction question appears only once the answer makes it relevant.
    page.get_by_role("link", name="Housing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Housing")
    eviction = page.get_by_role("group", name="Are you at risk of losing your home?")
    expect(eviction).to_be_hidden()
    page.get_by_label("Private rented home").check()
    expect(eviction).to_be_visible()
    eviction.get_by_label("Yes").check()
    page.get_by_role("group", name="Do you have nowhere safe to stay").get_by_label("No").check()
    page.get_by_label("In your own words, what would a good home look like for you?").fill(
        "Somewhere my kids can stay at weekends")
    assert_accessible(page, "the housing section")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Draft saved at")
    expect(page.get_by_role("heading", level=1)).to_have_text("Work, education and training")
    page.get_by_label("On how many of the last 28 days did you do paid work?").fill("31")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Days of paid work must be between 0 and 28 days")
    assert_accessible(page, "a section with an error")
    page.locator(".govuk-error-summary").get_by_role("link", name="Days of paid work must be between").click()
    expect(page.get_by_label("On how many of the last 28 days did you do paid work?")).to_be_focused()
    page.get_by_label("On how many of the last 28 days did you do paid work?").fill("0")
    page.get_by_role("button", name="Save and return to the sections").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Holistic assessment")

    page.get_by_role("button", name="Check your answers and submit").click()
    page.get_by_role("button", name="Submit assessment").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter what matters most to them")
    assert_accessible(page, "check your answers, with a question still to answer")
    page.locator(".govuk-error-summary").get_by_role("link", name="Enter what matters most to them").click()
    page.get_by_label("What matters most to you right now?").fill("Getting my girls back in my life")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before submitting")
    expect(page.get_by_text("Somewhere my kids can stay at weekends")).to_be_visible()
    assert_accessible(page, "check your answers")
    page.get_by_role("button", name="Submit assessment").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Holistic assessment submitted")
    assert_accessible(page, "a submitted assessment")
    assessment = Assessment.objects.get()
    assert assessment.status == "submitted"
    assert assessment.answers["housing"]["eviction_risk"] is True
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
    page.get_by_role("button", name="Save and return to the sections").click()
    expect(page.get_by_text("1 change since last time")).to_be_visible()
    page.get_by_role("button", name="Check your answers and submit").click()
    expect(page.get_by_text("Last time: A hostel or night shelter")).to_be_visible()
    assert_accessible(page, "check your answers for a re-assessment")

    record_outcome_review(actor=amara, person_id=jo.pk, instrument="barc10", stage="start", completed_on="2026-01-05",
                          answers={"recovery_capital": {f"q{i}": 3 for i in range(1, 11)}})
    page.goto(f"{url}/people/{jo.pk}/outcomes/record/barc10")
    page.get_by_label("Review (every six months)").check()
    page.get_by_role("textbox", name="Day", exact=True).fill("6")
    page.get_by_role("textbox", name="Month", exact=True).fill("7")
    page.get_by_role("textbox", name="Year", exact=True).fill("2026")
    for i in range(1, 11):
        page.locator(f"input[name='recovery_capital-q{i}'][value='5']").check()
    assert_accessible(page, "recording BARC-10")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("scores")).to_contain_text("50")
    assert_accessible(page, "check your answers for BARC-10")
    page.get_by_role("button", name="Record outcome review").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("outcome review recorded")
    assert OutcomeReview.objects.count() == 2
    expect(page.get_by_test_id("distance-travelled")).to_contain_text("Reliable improvement")
    expect(page.locator("#outcome-chart svg")).to_be_visible()
    assert_accessible(page, "outcomes and progress, with the chart")
