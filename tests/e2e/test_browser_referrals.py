"""A referral in a real browser, from both sides, with axe-core on every page.

Amara (Riverside) refers Jo to Open Door; Xena (Open Door) finds it on her "today" page, acknowledges
and accepts it, books the first appointment and records that Jo came. The waiting time shows on both
sides. Then Amara hands the lead professional role to Ben, who accepts it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from throughcare.appointments.models import Appointment
from throughcare.careteam.models import CareTeamMember
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
    page.locator("#waiting ~ :is(table, .tc-table-scroll)").first.get_by_role("link", name="referral to Peer support group").click()
    expect(page.get_by_text("Wants to meet others in recovery after release")).to_be_visible()
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Referral acknowledged")
    page.get_by_role("button", name="Accept").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Referral accepted")
    assert_accessible(page, "an accepted referral, receiving side")
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED

    # The first appointment, booked from the referral, tomorrow at 10:00.
    page.get_by_role("button", name="Book the first appointment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book an appointment")
    expect(page.get_by_text("first appointment for the referral from Riverside Recovery")).to_be_visible()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    page.get_by_label("Day").fill(str(tomorrow.day))
    page.get_by_label("Month").fill(str(tomorrow.month))
    page.get_by_label("Year").fill(str(tomorrow.year))
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("Where (for an appointment in person)").fill("Open Door, 4 Quay Street")
    assert_accessible(page, "the booking form")
    page.get_by_role("button", name="Book appointment").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Appointment booked")
    assert_accessible(page, "a booked appointment")
    referral.refresh_from_db()
    assert referral.status == Status.FIRST_APPOINTMENT_OFFERED and referral.first_appointment_on == tomorrow

    # The day comes (the test moves the appointment into the past rather than waiting for it).
    appointment = Appointment.objects.get()
    Appointment.objects.filter(pk=appointment.pk).update(starts_at=timezone.now() - dt.timedelta(minutes=30))
    page.reload()
    page.get_by_role("button", name="Record the outcome").click()
    page.get_by_label("Attended", exact=True).check()
    page.get_by_role("button", name="Save outcome").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Recorded: attended")
    referral.refresh_from_db()
    assert referral.status == Status.INTERVENTION_STARTED

    # The waiting time shows on both sides: here, and at Riverside.
    page.goto(f"{url}/referrals/{referral.pk}")
    expect(page.get_by_test_id("waiting-time")).to_have_text("0 days")
    expect(page.get_by_text("Started after 0 days")).to_be_visible()
    sign_out(page)
    sign_in(page, "amara")
    page.goto(f"{url}/referrals/?direction=outgoing&status=all")
    expect(page.get_by_role("cell", name="Intervention started")).to_be_visible()
    expect(page.get_by_text("Started after 0 days")).to_be_visible()
    assert_accessible(page, "the referrals sent, referring side")


def test_the_lead_role_is_handed_over_and_accepted(page: Page, live_server, e2e_world, sign_in, sign_out,
                                                  assert_accessible):
    url, jo = live_server.url, e2e_world["jo"]
    sign_in(page, "amara")
    page.goto(f"{url}/people/{jo.pk}/")
    page.get_by_role("link", name="Manage the care team").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Care team")
    page.get_by_role("button", name="Add a worker").click()
    page.get_by_role("button", name="Add to the care team").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the username of the member of staff")
    assert_accessible(page, "adding a worker, with an error")
    page.get_by_label("Worker's username").fill("amara")
    page.get_by_label("Make them the lead professional").check()
    page.get_by_role("button", name="Add to the care team").click()
    expect(page.get_by_text("Lead professional").first).to_be_visible()
    assert_accessible(page, "the care team")
    page.get_by_role("button", name="Hand over the lead role").click()
    page.get_by_label("Username of the worker taking over the lead role").fill("ben")
    page.get_by_label("Handover note (optional)").fill("Moving to the criminal justice team")
    page.get_by_role("button", name="Offer the lead role").click()
    expect(page.get_by_text("The lead role is offered to")).to_be_visible()
    sign_out(page)

    sign_in(page, "ben")
    page.get_by_role("link", name="Accept or decline it").click()
    expect(page.get_by_text("Moving to the criminal justice team")).to_be_visible()
    assert_accessible(page, "a handover offered")
    page.get_by_role("button", name="Accept the lead role").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You are now the lead professional")
    lead = CareTeamMember.objects.get(person=jo, is_lead=True, left_at__isnull=True)
    assert lead.worker.username == "ben"
