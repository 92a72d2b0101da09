"""Consent and access pages in a real browser, as their users touch them, with axe-core on every page.

The key worker records and withdraws consent and asks for a safeguarding basis; the Caldicott guardian
approves it and reviews emergency access; the prison team uses emergency access; the key worker sees who
has looked at the record and ends an episode. Each test starts from tests/conftest.py's world.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from throughcare.consent import actions
from throughcare.consent.models import BreakGlass, Consent, LawfulBasis
from throughcare.core import refdata
from throughcare.episodes.models import Episode

pytestmark = pytest.mark.e2e


def banner(page: Page):
    return page.locator(".govuk-notification-banner")


def test_key_worker_records_and_withdraws_consent(page: Page, live_server, e2e_world, sign_in, assert_accessible):
    jo = e2e_world["jo"]
    consents_url = f"{live_server.url}/people/{jo.pk}/consents/"
    sign_in(page, "amara")
    page.goto(f"{live_server.url}/people/{jo.pk}/")
    assert_accessible(page, "Jo's page")

    page.get_by_role("link", name="Who can see what about Jo Bloggs").click()
    expect(page).to_have_url(consents_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Who can see what about this person")
    expect(page.get_by_text("Nothing: other agencies see nothing from this record")).to_be_visible()
    assert_accessible(page, "who can see what, before any consent")

    page.get_by_role("button", name="Record consent").click()
    expect(page).to_have_url(f"{live_server.url}/people/{jo.pk}/consents/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Record consent")
    assert_accessible(page, "the record-consent form")

    page.get_by_role("button", name="Record consent").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary).to_contain_text("Choose one agency, or one kind of agency, to share with")
    expect(summary).to_contain_text("Say how the person gave their consent")
    expect(page).to_have_title("Error: Record consent – Throughcare")
    assert not Consent.objects.exists()
    assert_accessible(page, "the record-consent form with errors")

    page.get_by_label("Consent to share information").check()
    page.get_by_label("Share with this agency").select_option(label="HMP Northgate (Prison)")
    page.get_by_role("group", name="For", exact=True).get_by_label("Direct care").check()
    categories = page.get_by_role("group", name="Which information")
    categories.get_by_label("Substance use").check()
    categories.get_by_label("Housing").check()
    page.get_by_label("In writing").check()
    page.get_by_role("button", name="Record consent").click()

    expect(page).to_have_url(consents_url)
    expect(banner(page)).to_contain_text("Consent recorded")
    card = page.locator(".govuk-summary-card")
    expect(card).to_contain_text("HMP Northgate can see substance use, housing, for direct care, from ")
    expect(card).to_contain_text("Given in writing")
    assert_accessible(page, "who can see what, with a consent")

    card.get_by_role("link", name="Withdraw this consent").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw consent")
    expect(page.locator(".govuk-warning-text")).to_contain_text("Withdrawal takes effect straight away")
    assert_accessible(page, "the withdraw-consent page")

    page.get_by_label("Reason (optional)").fill("Jo asked us to stop sharing")
    page.get_by_role("button", name="Withdraw consent").click()

    expect(page).to_have_url(consents_url)
    expect(banner(page)).to_contain_text("Consent withdrawn")
    expect(page.locator(".govuk-summary-card")).to_have_count(0)
    past = page.locator("details", has_text="Withdrawn, expired and future consents (1)")
    past.locator("summary").click()
    expect(past.get_by_role("listitem")).to_contain_text(
        re.compile(r"HMP Northgate can see substance use, housing, .* Withdrawn\. Reason: Jo asked us to stop sharing"))
    assert Consent.objects.get().withdrawn_at is not None
    assert_accessible(page, "who can see what, after withdrawal")


def test_safeguarding_basis_is_approved_by_the_caldicott_guardian(
        page: Page, live_server, e2e_world, sign_in, sign_out, assert_accessible):
    jo = e2e_world["jo"]
    sign_in(page, "amara")
    page.goto(f"{live_server.url}/people/{jo.pk}/consents/")
    page.get_by_role("button", name="Record a safeguarding basis").click()
    expect(page).to_have_url(f"{live_server.url}/people/{jo.pk}/lawful-basis/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a safeguarding or court-order basis")
    assert_accessible(page, "the safeguarding-basis form")

    page.get_by_label("Safeguarding a child").check()
    page.get_by_label("Agency that needs the information").select_option(label="HMP Northgate")
    page.get_by_label("Family, children and safeguarding").check()
    page.get_by_label("Reason").fill("Child protection strategy meeting agreed to share")
    page.get_by_role("button", name="Record", exact=True).click()
    expect(banner(page)).to_contain_text("It takes effect when a Caldicott guardian, or a service manager at your agency, approves it")
    assert LawfulBasis.objects.get().approved is None
    assert_accessible(page, "who can see what, with a basis waiting for approval")

    sign_out(page)
    sign_in(page, "alan")
    expect(page).to_have_url(f"{live_server.url}/caldicott/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Caldicott review queue")
    expect(page.get_by_role("heading", name="Lawful bases waiting for a decision (1)")).to_be_visible()
    assert_accessible(page, "the review queue with a basis waiting")

    page.get_by_role("link", name="Safeguarding a child for HMP Northgate", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Safeguarding a child for HMP Northgate")
    expect(page.get_by_text("Reason given: “Child protection strategy meeting agreed to share”")).to_be_visible()
    assert_accessible(page, "the basis decision page")

    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record decision").click()
    expect(page).to_have_url(f"{live_server.url}/caldicott/")
    expect(banner(page)).to_contain_text("Decision recorded")
    expect(page.get_by_text("Nothing waiting.")).to_be_visible()
    basis = LawfulBasis.objects.get()
    assert basis.approved is True and basis.decided_by.username == "alan"
    assert_accessible(page, "the review queue after the decision")


def test_emergency_access_and_its_review(page: Page, live_server, e2e_world, sign_in, sign_out, assert_accessible):
    jo = e2e_world["jo"]
    sign_in(page, "grace")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Emergency access").click()
    expect(page).to_have_url(f"{live_server.url}/emergency-access")
    expect(page.get_by_role("heading", level=1)).to_have_text("Emergency access")
    assert_accessible(page, "the emergency-access form")

    page.get_by_label("NHS number, prison number, probation reference or PNC ID").fill("485 777 3457")
    page.get_by_label("Why you need the record now").fill("Found unconscious in cell, need substance history")
    page.get_by_role("button", name="Get emergency access").click()

    expect(page).to_have_url(f"{live_server.url}/people/{jo.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Jo Bloggs")
    expect(banner(page)).to_contain_text("Emergency access granted")
    expect(page.locator(".govuk-warning-text")).to_contain_text("You are using emergency access")
    assert_accessible(page, "Jo's page under emergency access")

    sign_out(page)
    sign_in(page, "alan")
    expect(page).to_have_url(f"{live_server.url}/caldicott/")
    expect(page.get_by_role("heading", name="Emergency access to review (1)")).to_be_visible()
    expect(page.get_by_role("table", name="Emergency access waiting for review")).to_contain_text(
        "Found unconscious in cell, need substance history")
    assert_accessible(page, "the review queue with emergency access to review")

    page.get_by_role("link", name="Review emergency access by grace").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review emergency access")
    expect(page.get_by_text("(HMP Northgate) said: “Found unconscious in cell")).to_be_visible()
    assert_accessible(page, "the emergency-access review page")

    page.get_by_label("Yes, appropriate").check()
    page.get_by_role("button", name="Record review").click()
    expect(page).to_have_url(f"{live_server.url}/caldicott/")
    expect(banner(page)).to_contain_text("Review recorded")
    expect(page.get_by_role("heading", name="Emergency access to review (0)")).to_be_visible()
    expect(page.get_by_text("Nothing to review.")).to_be_visible()
    glass = BreakGlass.objects.get()
    assert glass.review_outcome == "appropriate" and glass.reviewed_by.username == "alan"
    assert_accessible(page, "the review queue with nothing to review")


def test_access_log_and_audit_trail(page: Page, live_server, e2e_world, sign_in, sign_out, assert_accessible):
    jo = e2e_world["jo"]
    grace = e2e_world["staff"]["grace"].user
    # Grace's emergency access, and her look at the record, set up without the browser (test 3 walks them).
    actions.break_glass(actor=grace, person_id=jo.pk, reason="Found unconscious in cell", hours=2)
    prison = Client()
    assert prison.login(username="grace", password=PASSWORD)
    assert prison.get(f"/people/{jo.pk}/").status_code == 200

    sign_in(page, "amara")
    page.goto(f"{live_server.url}/people/{jo.pk}/")
    page.get_by_role("link", name="Who has looked at this record").click()
    expect(page).to_have_url(f"{live_server.url}/people/{jo.pk}/access-log")
    expect(page.get_by_role("heading", level=1)).to_have_text("Who has looked at this record")
    log = page.get_by_role("table")
    graces = log.get_by_role("row").filter(has_text="grace, HMP Northgate")
    expect(graces.filter(has_text="used emergency access")).to_have_count(1)
    expect(graces.filter(has_text="looked at the record").first).to_contain_text("break_glass")
    assert_accessible(page, "who has looked at this record")

    sign_out(page)
    sign_in(page, "alan")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Audit trail").click()
    expect(page).to_have_url(f"{live_server.url}/audit/")
    page.get_by_label("Record id (optional)").fill(str(jo.pk))
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(f"{live_server.url}/audit/?person={jo.pk}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    rows = page.get_by_role("table").get_by_role("row")
    action = "td:nth-child(4)"  # the Action column, newest first
    expect(rows.filter(has_text="grace prison_team HMP Northgate").locator(action)).to_have_text(
        ["person.read", "break_glass"])
    expect(rows.filter(has_text="amara key_worker Riverside Recovery").locator(action).first).to_have_text(
        "access_log.read")
    assert_accessible(page, "the audit trail for Jo's record")


def test_key_worker_ends_an_episode(page: Page, live_server, e2e_world, sign_in, assert_accessible):
    jo = e2e_world["jo"]
    episode = Episode.objects.get(person=jo, service="Key working")
    reason, reason_label = refdata.current_choices("discharge_reasons")[0]
    today = timezone.localdate()
    sign_in(page, "amara")
    page.goto(f"{live_server.url}/people/{jo.pk}/")
    page.get_by_role("link", name="End Key working").click()
    expect(page).to_have_url(f"{live_server.url}/episodes/{episode.pk}/end")
    expect(page.get_by_role("heading", level=1)).to_have_text("End the episode: Key working")
    assert_accessible(page, "the end-episode form")

    page.get_by_role("button", name="End episode").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.locator('a[href="#id_ended_on-day"]')).to_have_text("Enter the date the episode ended")
    expect(page.locator("#id_ended_on-error")).to_contain_text("Error: Enter the date the episode ended")
    episode.refresh_from_db()
    assert episode.ended_on is None
    assert_accessible(page, "the end-episode form with errors")

    end_date = page.get_by_role("group", name="End date")
    end_date.get_by_label("Day").fill(str(today.day))
    end_date.get_by_label("Month").fill(str(today.month))
    end_date.get_by_label("Year").fill(str(today.year))
    page.get_by_label("Discharge reason").select_option(reason)
    page.get_by_role("button", name="End episode").click()

    expect(page).to_have_url(f"{live_server.url}/people/{jo.pk}/")
    expect(banner(page)).to_contain_text("Episode ended")
    expect(page.get_by_text(f"to {today:%-d %b %Y} ({reason_label})")).to_be_visible()
    expect(page.get_by_role("link", name="End Key working")).to_have_count(0)
    episode.refresh_from_db()
    assert episode.ended_on == today and episode.discharge_reason == reason
    assert_accessible(page, "Jo's page after the episode ended")
