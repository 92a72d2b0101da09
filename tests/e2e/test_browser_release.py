"""Through the gate in a real browser, with axe-core on every page.

Grace (HMP Northgate) builds Jo's release plan: she finds it on her releases page, sees the Friday flag,
names Una (a peer mentor at Open Door) to meet Jo at the gate and hands the plan over to Riverside. Amara
(Riverside) acknowledges the handover. Una sees only her part: when and where to meet Jo, Jo's contact
details and appointments, never the plan's details. The plan page shows Una Jo's contact details and appointments, not the checklist (its blockers are free text).
A commissioner sees the continuity dashboard, numbers only.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from throughcare.custody.actions import receive_into_custody
from throughcare.releases.models import ChecklistItem, CommunityHandover, ReleasePlan

pytestmark = pytest.mark.e2e


def _next_friday(after: int = 10) -> dt.date:
    day = timezone.localdate() + dt.timedelta(days=after)
    while day.weekday() != 4:
        day += dt.timedelta(days=1)
    return day


def test_a_plan_is_built_handed_over_and_the_peer_mentor_sees_only_their_part(
        page: Page, live_server, e2e_world, sign_in, sign_out, assert_accessible):
    url, jo = live_server.url, e2e_world["jo"]
    friday = _next_friday()
    receive_into_custody(actor=e2e_world["staff"]["grace"].user, prison_number="A1234BC",
                         date_of_birth=dt.date(1985, 3, 27), received_on=timezone.localdate() - dt.timedelta(days=40),
                         reception_type="sentenced", release_on=friday)
    plan = ReleasePlan.objects.get()
    jo.phone = "07700 900456"
    jo.save(update_fields=["phone"])

    sign_in(page, "grace")
    page.goto(f"{url}/releases/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Releases")
    expect(page.get_by_text("Friday release")).to_be_visible()
    assert_accessible(page, "the prison's releases page")
    page.get_by_role("link", name="Jo Bloggs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Release plan")
    expect(page.get_by_test_id("release-day-flag")).to_contain_text("Release on a Friday")
    assert_accessible(page, "the release plan, prison side")

    page.get_by_role("link", name="Someone to meet them at the gate").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Someone to meet them at the gate")
    page.get_by_label("Done", exact=True).check()
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("To mark it done, enter: who meets them, when, where they will meet")
    assert_accessible(page, "a checklist item with an error")
    page.get_by_label("Who meets them: their username").fill("una")
    when = page.get_by_role("group", name="When: date")
    when.get_by_label("Day").fill(str(friday.day))
    when.get_by_label("Month").fill(str(friday.month))
    when.get_by_label("Year").fill(str(friday.year))
    page.get_by_label("When: time").fill("08:30")
    page.get_by_label("Where they will meet").fill("Gate lodge, HMP Northgate")
    page.get_by_label("Phone number").fill("07700 900123")
    page.get_by_label("Done", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Someone to meet them at the gate saved")
    expect(page.get_by_test_id("checklist")).to_contain_text("Gate lodge, HMP Northgate")
    assert ChecklistItem.objects.get(plan=plan, kind="met_at_gate").status == "done"

    page.get_by_role("link", name="Prescribing continuity").click()
    page.get_by_label("Current script (medicine and dose)").fill("Methadone 60ml daily")
    page.get_by_label("Dispensing pharmacy and address").fill("Quay Pharmacy, 1 Quay Street")
    page.get_by_label("Blocker").fill("Waiting for the community prescriber to confirm the dose")
    assert_accessible(page, "the prescribing item")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("checklist")).to_contain_text("Blocked: Waiting for the community prescriber")

    page.get_by_role("link", name="Hand over to the community service").click()
    page.get_by_label("Community service they are going to").select_option(
        label="Riverside Recovery (Community treatment)")
    assert_accessible(page, "the handover form")
    page.get_by_role("button", name="Hand over").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Handed over to Riverside Recovery")
    expect(page.get_by_test_id("handover-acknowledged")).to_have_text("Not yet")
    pack = page.request.get(f"{url}/release-plans/{plan.pk}/pack.pdf")
    assert pack.ok and pack.headers["content-type"] == "application/pdf" and pack.body().startswith(b"%PDF-")
    sign_out(page)

    sign_in(page, "amara")
    page.goto(f"{url}/releases/")
    expect(page.get_by_text("To acknowledge")).to_be_visible()
    assert_accessible(page, "the community service's releases page")
    page.get_by_role("link", name="Jo Bloggs").click()
    # The blocker is seen by every agency involved; the script is not shared with Riverside.
    expect(page.get_by_test_id("checklist")).to_contain_text("Waiting for the community prescriber")
    expect(page.get_by_test_id("checklist")).not_to_contain_text("Methadone")
    page.get_by_role("button", name="Acknowledge the handover").click()
    expect(page.locator(".govuk-notification-banner").first).to_contain_text("Handover acknowledged")
    expect(page.get_by_test_id("handover-acknowledged")).to_contain_text("Yes, on")
    assert_accessible(page, "the release plan after acknowledging, community side")
    assert CommunityHandover.objects.get().acknowledged_by.username == "amara"
    sign_out(page)

    # A probation appointment booked outside Throughcare, held on the plan: one of the appointments Una supports.
    from throughcare.releases.actions import update_item

    probation_at = timezone.localtime(timezone.make_aware(dt.datetime.combine(friday + dt.timedelta(days=3),
                                                                             dt.time(14, 0))))
    update_item(actor=e2e_world["staff"]["grace"].user,
                item_id=ChecklistItem.objects.get(plan=plan, kind="probation_appointment").pk,
                changes={"at": probation_at, "place": "Swansea Probation, 9 Castle Street", "contact_name": "Pat"})

    sign_in(page, "una")
    page.goto(f"{url}/gate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meeting at the gate")
    card = page.locator(".govuk-summary-card")
    expect(card).to_contain_text("Jo Bloggs")
    expect(card).to_contain_text("08:30")
    expect(card).to_contain_text("Gate lodge, HMP Northgate")
    expect(card).to_contain_text("07700 900456")
    expect(card).to_contain_text("Probation appointment with Pat, Swansea Probation, 9 Castle Street")
    expect(card).not_to_contain_text("Methadone")
    assert_accessible(page, "the peer mentor's gate list")
    expect(card).not_to_contain_text("Waiting for the community prescriber")
    page.goto(f"{url}/release-plans/{plan.pk}")
    # Contact details and appointments only: no checklist, so no blocker (free text) and no script.
    expect(page.get_by_test_id("checklist")).to_have_count(0)
    expect(page.get_by_test_id("contact-details")).to_contain_text("07700 900456")
    expect(page.get_by_test_id("appointments")).to_contain_text("Gate lodge, HMP Northgate")
    expect(page.get_by_test_id("appointments")).to_contain_text("Swansea Probation, 9 Castle Street")
    expect(page.locator("main")).not_to_contain_text("Waiting for the community prescriber")
    expect(page.locator("main")).not_to_contain_text("Methadone")
    expect(page.get_by_role("link", name="Someone to meet them at the gate")).to_have_count(0)
    expect(page.get_by_role("link", name="Release pack for Jo Bloggs (PDF)")).to_have_count(0)
    assert_accessible(page, "the release plan as the peer mentor sees it")
    sign_out(page)

    sign_in(page, "yusuf")
    page.goto(f"{url}/continuity/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Continuity of care after release")
    expect(page.get_by_test_id("continuity")).not_to_contain_text("Jo Bloggs")
    assert_accessible(page, "the continuity dashboard")
