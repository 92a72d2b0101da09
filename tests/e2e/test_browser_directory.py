"""The service directory in a real browser, with axe-core on every page.

A person finds support on the public directory without signing in (and sees no professionals' contacts);
then Amara looks up the services Jo is eligible for, sees why others are not shown, and refers Jo to Open
Door's peer support group from its directory entry with the agency and service already filled in.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.directory_helpers import build_directory
from throughcare.directory import actions
from throughcare.referrals.models import Referral

pytestmark = pytest.mark.e2e


@pytest.fixture
def directory(e2e_world):
    built = build_directory(e2e_world)
    open_door = actions.create_organisation(actor=None, name="Open Door", agency=e2e_world["agencies"]["peer"].pk,
                                            description="Peer support")
    built["peer"] = actions.create_service(
        actor=None, organisation_id=open_door.pk, name="Peer support group", service_type="mutual_aid",
        life_domains=["substance_use", "wellbeing"], referral_routes=["self_referral", "professional"],
        description="Meet others in recovery every week", time_zone="Europe/London")
    return built


def test_a_person_finds_support_without_signing_in(page: Page, live_server, directory, assert_accessible):
    url = live_server.url
    page.goto(f"{url}/find-support/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find support near you")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert_accessible(page, "the public directory")

    page.get_by_label("Postcode or area").fill("not a postcode")
    page.get_by_role("button", name="Find support").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter a postcode, a postcode district like SA1 or an area like SA")
    assert_accessible(page, "the public directory with an error")
    summary.get_by_role("link").click()
    expect(page.get_by_label("Postcode or area")).to_be_focused()

    page.get_by_label("Postcode or area").fill("SA1 1AA")
    page.get_by_label("Help with").select_option(label="Substance use")
    page.get_by_label("I can refer myself").check()
    page.get_by_role("button", name="Find support").click()
    expect(page.get_by_role("heading", name="3 services")).to_be_visible()
    assert_accessible(page, "public search results")
    page.get_by_role("link", name="Structured treatment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Structured treatment")
    expect(page.get_by_text("Duty worker")).to_be_visible()
    expect(page.get_by_text("Professionals' line")).to_have_count(0)
    expect(page.get_by_text("Step-free entrance; hearing loop at reception")).to_be_visible()
    assert_accessible(page, "a public service page")


def test_a_worker_finds_services_jo_is_eligible_for_and_refers_from_the_directory(
        page: Page, live_server, e2e_world, directory, sign_in, assert_accessible):
    url, jo = live_server.url, e2e_world["jo"]
    sign_in(page, "amara")
    page.goto(f"{url}/directory/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Service directory")
    assert_accessible(page, "the staff directory")

    page.goto(f"{url}/people/{jo.pk}/")
    page.get_by_role("link", name="Services Jo Bloggs may be eligible for").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Services Jo Bloggs may be eligible for")
    expect(page.get_by_test_id("facts")).to_contain_text("has a current episode of care at Riverside Recovery")
    not_shown = page.get_by_test_id("not-shown-service").filter(has_text="Wellbeing clinic")
    expect(not_shown).to_contain_text("the service does not take people who use drugs or alcohol now")
    expect(not_shown).to_contain_text("Co-occurring need")
    assert_accessible(page, "a person's eligible services (with what they told you opened)")

    page.get_by_role("link", name="Refer Jo Bloggs to Peer support group").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Refer to another service")
    expect(page.get_by_label("Agency you are referring to")).to_have_value(str(e2e_world["agencies"]["peer"].pk))
    expect(page.get_by_label("Service", exact=True)).to_have_value("Peer support group")
    assert_accessible(page, "the referral form started from the directory")
    page.get_by_label("Reason for the referral").fill("Wants to meet others in recovery")
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referral to Open Door: Peer support group")
    referral = Referral.objects.get()
    assert (referral.to_agency_id, referral.service) == (e2e_world["agencies"]["peer"].pk, "Peer support group")
    assert referral.directory_service is not None and referral.directory_service.name == "Peer support group"


def test_an_administrator_imports_a_directory_file_with_a_mistake_then_a_good_one(
        page: Page, live_server, e2e_world, directory, sign_in, assert_accessible):
    import json

    from throughcare.directory.oruk import export_directory

    good = json.dumps(export_directory(), default=str)
    bad = json.loads(good)
    bad["contents"][0]["status"] = "open"
    sign_in(page, "sam")
    page.goto(f"{live_server.url}/directory/")
    page.get_by_role("link", name="Import or download the directory (Open Referral UK, FHIR)").click()
    assert_accessible(page, "the directory import and downloads")
    field = page.get_by_label("Open Referral UK file (JSON)")
    field.set_input_files(files=[{"name": "directory.json", "mimeType": "application/json",
                                  "buffer": json.dumps(bad).encode()}])
    page.get_by_role("button", name="Import the file").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("$.contents[0].status: Must be one of")
    assert_accessible(page, "the directory import with a mistake in the file")
    field.set_input_files(files=[{"name": "directory.json", "mimeType": "application/json", "buffer": good.encode()}])
    page.get_by_role("button", name="Import the file").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Imported")
