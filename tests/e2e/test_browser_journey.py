"""The key worker's journey in a real browser, with an axe-core accessibility check on every page.

Run on both databases (see Makefile); the module takes about 20 seconds, most of it in axe-core.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from throughcare.journey.models import Event
from throughcare.people.models import Person

pytestmark = pytest.mark.e2e

#: The person page as the key worker saw it, for a human to look at (never written into the repository).
SCREENSHOT = Path(tempfile.gettempdir()) / "throughcare-e2e-person-page.png"


def test_key_worker_registers_a_person_and_adds_a_note(page: Page, live_server, e2e_world, assert_accessible):
    url = live_server.url
    page.goto(f"{url}/people/")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Throughcare")
    assert_accessible(page, "the sign-in page")

    page.get_by_label("Username").fill("amara")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a correct username and password")
    expect(page).to_have_title("Error: Sign in – Throughcare")
    assert_accessible(page, "the sign-in page with an error")

    page.get_by_label("Username").fill("amara")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{url}/people/")
    expect(page.get_by_text("Signed in as Amara Okafor")).to_be_visible()
    expect(page.get_by_role("heading", name="People your agency is working with (1)")).to_be_visible()
    assert_accessible(page, "search with no query")

    search = page.get_by_label("Name, date of birth or identifier")
    search.fill("Nobody Atall")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("No one found")).to_be_visible()
    assert_accessible(page, "search with no results")

    search.fill("Bloggs")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Jo Bloggs")).to_be_visible()
    assert_accessible(page, "search with results")

    page.get_by_role("button", name="Register a new person").click()
    expect(page).to_have_url(f"{url}/people/new")
    assert_accessible(page, "the register form")

    page.get_by_label("Given names", exact=True).fill("Sam")
    page.get_by_label("Family name", exact=True).fill("Taylor")
    page.get_by_label("Day").fill("14")
    page.get_by_label("Month").fill("7")
    page.get_by_label("Year").fill("1990")
    page.get_by_label("NHS number (optional)").fill("943 476 5919")
    page.get_by_role("button", name="Register").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sam Taylor")
    person = Person.objects.get(display_name="Sam Taylor")
    expect(page).to_have_url(f"{url}/people/{person.pk}/")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Sam Taylor is registered")
    expect(page.get_by_text("Born 14 July 1990")).to_be_visible()
    expect(page.locator(".govuk-summary-list")).to_contain_text("9434765919")
    assert_accessible(page, "the person page")

    page.get_by_role("button", name="Add a note").click()
    expect(page).to_have_url(f"{url}/people/{person.pk}/notes/new")
    assert_accessible(page, "the add-a-note form")

    page.get_by_label("Note").fill("Collected the script from the pharmacy.\nSays the new hostel is quieter.")
    page.get_by_label("Substance use").check()
    page.get_by_role("button", name="Add note").click()

    expect(page).to_have_url(f"{url}/people/{person.pk}/")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Note added to the timeline")
    newest = page.locator(".moj-timeline .moj-timeline__item").first
    expect(newest.locator(".moj-timeline__title")).to_have_text("Collected the script from the pharmacy.")
    expect(newest.locator(".moj-timeline__byline")).to_have_text("by Amara Okafor, Riverside Recovery")
    expect(newest.locator(".moj-timeline__date .govuk-tag")).to_have_text("Substance use")
    expect(newest.locator(".moj-timeline__description")).to_contain_text("Says the new hostel is quieter.")
    assert Event.objects.filter(person=person, kind="note", category="substance_use").count() == 1
    assert_accessible(page, "the person page with a note")
    page.screenshot(path=SCREENSHOT, full_page=True)

    page.goto(f"{url}/people/{person.pk}/episodes/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Start an episode of care")
    assert_accessible(page, "the start-an-episode form")


def test_register_with_a_bad_nhs_number_and_future_birth_date_shows_errors_and_saves_nothing(
        page: Page, live_server, sign_in, assert_accessible):
    sign_in(page, "amara")
    before = Person.objects.count()
    next_year = dt.date.today().year + 1
    page.goto(f"{live_server.url}/people/new")
    page.get_by_label("Given names", exact=True).fill("Alex")
    page.get_by_label("Family name", exact=True).fill("Jones")
    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill(str(next_year))
    page.get_by_label("NHS number (optional)").fill("943 476 5918")
    page.get_by_role("button", name="Register").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    links = summary.get_by_role("link")
    expect(links).to_have_count(2)
    expect(summary.locator('a[href="#id_date_of_birth-day"]')).to_contain_text("Date of birth must be in the past")
    expect(summary.locator('a[href="#id_nhs_number"]')).to_contain_text("NHS number is not valid")
    expect(page).to_have_title("Error: Register a person – Throughcare")
    # Each error is also shown at its field, tied to it for screen readers, and the values typed are kept.
    expect(page.locator("#id_date_of_birth-error")).to_contain_text("Error: Date of birth must be in the past")
    expect(page.get_by_role("group", name="Date of birth")).to_have_accessible_description(
        re.compile(r"^For example, 27 3 1985\s+Error:\s+Date of birth must be in the past"))
    expect(page.get_by_label("NHS number (optional)")).to_have_accessible_description(
        re.compile(r"^Error:\s+NHS number is not valid"))
    expect(page.get_by_label("Year")).to_have_value(str(next_year))
    expect(page.get_by_label("Given names", exact=True)).to_have_value("Alex")
    assert Person.objects.count() == before
    assert_accessible(page, "the register form with errors")

    # The summary's links take the keyboard to the fields.
    summary.locator('a[href="#id_nhs_number"]').click()
    expect(page.get_by_label("NHS number (optional)")).to_be_focused()


def test_prison_team_cannot_see_a_person_their_agency_does_not_work_with(
        page: Page, live_server, e2e_world, sign_in, assert_accessible):
    sign_in(page, "grace")
    response = page.goto(f"{live_server.url}/people/{e2e_world['jo'].pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_text("Jo Bloggs")).to_have_count(0)
    assert_accessible(page, "the page-not-found page")


def test_administrator_pages(page: Page, live_server, sign_in, assert_accessible):
    sign_in(page, "sam")
    page.goto(f"{live_server.url}/agencies/")
    agencies = page.get_by_role("table", name="Agencies in the partnership")
    expect(agencies.get_by_role("cell", name="Riverside Recovery")).to_be_visible()
    assert_accessible(page, "the agencies and staff page")

    page.get_by_role("button", name="Add an agency").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an agency")
    assert_accessible(page, "the add-an-agency form")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page, "the add-an-agency form with errors")

    page.goto(f"{live_server.url}/agencies/staff/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a member of staff")
    assert_accessible(page, "the add-a-member-of-staff form")
