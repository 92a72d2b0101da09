"""A referral in a real browser, from both sides, with axe-core on every page.

Amara (Riverside) refers Jo to Open Door; Xena (Open Door) finds it on her "today" page, acknowledges
and accepts it, books the first appointment and records that Jo came. The waiting time shows on both
sides. Then Amara hands the lead professional role to Ben, who accepts it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from throughcare.referrals.models import Referral, Status

pytestmark = pytest.mark.e2e


def test_refer_accept_book_and_attend_with_the_waiting_time_on_both_sides(
        page: Page, live_server, e2e_world, sign_in, sign_out, assert_accessible):
    url, jo = live_server.url, e2e_world["jo"]
    sign_in(page, "amara")
    expect(page).to_have_url(f"{url}/today/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    assert_accessible(page, "the key worker's today page")

    page.goto(f"{url}/people/{jo.pk}/")
    page.get_by_role("link", name="Refer to another service").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Refer to another service")
    page.get_by_role("radio", name="Fast track").check()
    page.get_by_role("button", name="Send referral").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose the agency you are referring to")
    expect(summary).to_contain_text("Say why the referral is fast-tracked")
    assert_accessible(page, "the referral form with errors")
    summary.get_by_role("link", name="Enter the reason for the referral").click()
    expect(page.get_by_label("Reason for the referral")).to_be_focused()

    page.get_by_label("Agency you are referring to").select_option(label="Open Door (Voluntary / peer support)")
    page.get_by_label("Service", exact=True).fill("Peer support group")
    page.get_by_label("Reason for the referral").fill("Wants to meet others in recovery after release")
    page.get_by_label("Substance use").check()
    page.get_by_label("Fast-track reason (if fast track)").select_option("released_from_custody_7_days")
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referral to Open Door: Peer support group")
    expect(page.get_by_test_id("waiting-time")).to_have_text("0 days so far")
    assert_accessible(page, "a referral just sent")
    referral = Referral.objects.get()
    assert referral.priority == "fast_track" and referral.shared_categories == ["substance_use"]
    sign_out(page)

    sign_in(page, "xena")
    expect(page.get_by_role("link", name="1 referral waiting on your agency")).to_be_visible()
    page.locator("#waiting ~ table").get_by_role("link", name="referral to Peer support group").click()
    expect(page.get_by_text("Wants to meet others in recovery after release")).to_be_visible()
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Referral acknowledged")
    page.get_by_role("button", name="Accept").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Referral accepted")
    assert_accessible(page, "an accepted referral, receiving side")
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
