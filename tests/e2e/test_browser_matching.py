"""Identity matching in a real browser, with axe-core on every page.

Grace (the prison, which cannot see Riverside's record of Jo) starts to register "Joanne Blogs": she is
told a possible match is held elsewhere and nothing more, and joins the record with Jo's NHS number.
Amara registers a second record anyway after seeing the match; Alan (Caldicott guardian) merges it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from throughcare.matching.actions import propose_merges
from throughcare.matching.models import PersonMerge
from throughcare.people.models import Person

pytestmark = pytest.mark.e2e


def _fill(page: Page, given: str, family: str, nhs: str = "") -> None:
    page.get_by_label("Given names", exact=True).fill(given)
    page.get_by_label("Family name", exact=True).fill(family)
    page.get_by_label("Day").fill("27")
    page.get_by_label("Month").fill("3")
    page.get_by_label("Year").fill("1985")
    page.get_by_label("Postcode (optional)").fill("SA1 1AA")
    if nhs:
        page.get_by_label("NHS number (optional)").fill(nhs)


def test_possible_matches_join_and_merge(page: Page, live_server, e2e_world, sign_in, sign_out, assert_accessible):
    url, jo = live_server.url, e2e_world["jo"]
    sign_in(page, "grace")
    page.goto(f"{url}/people/new")
    _fill(page, "Joanne", "Blogs", nhs="485 777 3457")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="A possible match is held by another agency")).to_be_visible()
    expect(page.get_by_text("Bloggs")).to_have_count(0)
    assert_accessible(page, "possible match held elsewhere")
    page.get_by_label("Service", exact=True).fill("Healthcare")
    page.get_by_role("radio", name="Prison").check()
    page.get_by_role("button", name="Confirm with the identifier and join the record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jo Bloggs")
    expect(page).to_have_url(f"{url}/people/{jo.pk}/")
    sign_out(page)

    sign_in(page, "amara")
    page.goto(f"{url}/people/new")
    _fill(page, "Joanne", "Blogs")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("link", name="Jo Bloggs")).to_be_visible()
    assert_accessible(page, "possible matches the worker can see")
    page.get_by_role("button", name="None of these is the person: register a new record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Joanne Blogs")
    twin = Person.objects.get(display_name="Joanne Blogs")
    sign_out(page)

    [proposal] = propose_merges(actor=None)
    sign_in(page, "alan")
    page.goto(f"{url}/caldicott/merges/?status=abc")  # an address with a filter the page does not know
    expect(page.locator(".govuk-error-summary")).to_contain_text("status: Choose open, merged, rejected or superseded")
    assert_accessible(page, "the problem-with-the-address page")
    page.goto(f"{url}/caldicott/merges/")
    assert_accessible(page, "proposed merges")
    page.get_by_role("link", name="Review proposal 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review a possible duplicate")
    page.get_by_role("button", name="Merge the records").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why these records are the same person")
    assert_accessible(page, "a proposed merge with an error")
    page.get_by_label("Why these records are the same person").fill("Same NHS patient")
    page.get_by_role("button", name="Merge the records").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The records are merged")
    merge = PersonMerge.objects.get()
    assert {merge.into_person_id, merge.merged_person_id} == {jo.pk, twin.pk}
    proposal.refresh_from_db()
    assert proposal.status == "merged"


def test_ask_for_access_answer_with_consent_and_join(page: Page, live_server, e2e_world, sign_in, sign_out,
                                                    assert_accessible):
    """Grace asks Riverside for access to a record held elsewhere; Amara (Jo's lead professional) sees it on
    her day, records Jo's consent; Grace learns only that the person agreed, and joins the record."""
    from throughcare.careteam.actions import add_member

    url, jo = live_server.url, e2e_world["jo"]
    add_member(actor=e2e_world["staff"]["amara"].user, person_id=jo.pk, worker="amara", lead=True)
    sign_in(page, "grace")
    page.goto(f"{url}/people/new")
    _fill(page, "Joanne", "Blogs")
    page.get_by_role("button", name="Register").click()
    page.get_by_role("button", name="Ask to work with this person").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say why your agency needs to work with the person")
    assert_accessible(page, "an access request with an error")
    page.get_by_label("Why your agency needs to work with the person").fill(
        "Received into custody tonight; needs his script continued")
    page.get_by_role("button", name="Ask to work with this person").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Access requests")
    expect(page.get_by_text("Waiting", exact=True)).to_be_visible()
    expect(page.get_by_text("Bloggs")).to_have_count(0)
    assert_accessible(page, "the asker's access requests")
    sign_out(page)

    sign_in(page, "amara")
    page.goto(f"{url}/today/")
    page.get_by_role("link", name="HMP Northgate asks to work with Jo Bloggs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("HMP Northgate asks to work with this person")
    assert_accessible(page, "answering an access request")
    page.get_by_role("radio", name="The person agreed: record their consent").check()
    page.get_by_role("checkbox", name="Direct care").check()
    page.get_by_role("checkbox", name="Substance use").check()
    page.get_by_role("radio", name="Verbally").check()
    page.get_by_role("button", name="Record the answer").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("HMP Northgate will see that the person agreed")
    sign_out(page)

    sign_in(page, "grace")
    page.goto(f"{url}/access-requests/")
    expect(page.get_by_text("The person agreed")).to_be_visible()
    page.get_by_role("link", name="Join the record of Joanne Blogs").click()
    page.get_by_role("radio", name="Prison").check()
    page.get_by_label("Service", exact=True).fill("Healthcare")
    assert_accessible(page, "joining through an agreed access request")
    page.get_by_role("button", name="Join the record").click()
    expect(page).to_have_url(f"{url}/people/{jo.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Jo Bloggs")
    sign_out(page)

    from throughcare.consent.actions import request_basis

    request_basis(actor=e2e_world["staff"]["amara"].user, person_id=jo.pk, basis="safeguarding_adult",
                  recipient_agency=str(e2e_world["agencies"]["prison"].pk), categories=["family_safeguarding"],
                  reason="Adult at risk: strategy meeting agreed to share")
    sign_in(page, "alan")
    page.goto(f"{url}/caldicott/")
    expect(page.get_by_role("heading", name="Alerts (1 open)")).to_be_visible()
    expect(page.get_by_role("link", name="Decide Safeguarding an adult at risk for HMP Northgate needs a decision"))\
        .to_be_visible()
    assert_accessible(page, "the Caldicott review queue with its alerts")
