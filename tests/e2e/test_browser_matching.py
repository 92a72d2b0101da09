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
