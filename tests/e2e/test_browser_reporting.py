"""Dashboards in a real browser, with axe-core on each page: a key worker's service dashboard and the
commissioner dashboard (charts drawn by Vega-Lite, tables beside them, a bad tariff named, CSV download)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests import reporting_fixture as fx
from throughcare.reporting.models import RAgency

pytestmark = pytest.mark.e2e


@pytest.fixture
def reported(e2e_world):
    agencies = e2e_world["agencies"]
    ids = {fx.A: str(agencies["riverside"].pk), fx.B: str(agencies["peer"].pk), fx.P: str(agencies["prison"].pk)}
    data = fx.fixture()
    for rows in data.values():
        for row in rows:
            for field in ("agency_id", "to_agency_id", "prison_id", "lead_agency_id"):
                if field in row and row[field] in ids:
                    row[field] = ids[row[field]]
            if "worker_id" in row:
                row["worker_id"] = e2e_world["staff"]["amara"].user.pk
    fx.load(data)
    RAgency.objects.bulk_create([RAgency(agency_id=str(a.pk), name=a.name, kind=a.kind, area=a.area)
                                 for a in agencies.values()])


def test_service_and_commissioner_dashboards(page: Page, live_server, reported, sign_in, sign_out,
                                             assert_accessible):
    url = live_server.url
    sign_in(page, "amara")
    page.goto(f"{url}/reports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Service dashboard")
    expect(page.get_by_test_id("table-caseload_per_worker")).to_contain_text("Amara Okafor")
    expect(page.get_by_test_id("table-waiting_times")).to_contain_text("Riverside Recovery")
    expect(page.get_by_test_id("table-declines")).to_contain_text("Riverside Recovery")
    # Every chart on the page is drawn by vega-embed, each with its figures written under it.
    charts = page.locator(".tc-chart")
    expect(charts).to_have_count(9)
    for i in range(9):
        expect(charts.nth(i).locator("svg")).to_be_visible()
    expect(page.locator("#chart-text-outcome-change")).to_contain_text("TOP: Days using opiates (lower is better): 2 people")
    assert_accessible(page, "the service dashboard")
    with page.expect_download() as download:
        page.locator("a[href$=\"?table=outcome_change\"]").click()
    assert download.value.suggested_filename == "outcome_change-riverside-recovery.csv"
    sign_out(page)

    sign_in(page, "yusuf")
    page.goto(f"{url}/reports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Commissioner dashboard")
    expect(page.get_by_test_id("table-sustained_recovery")).to_contain_text("[c]")
    # Charts are drawn only from figures that are shown: here every rate is withheld, so no chart (the
    # tables say so); the browser test of a drawn chart is the service dashboard's above.
    expect(page.locator(".tc-chart")).to_have_count(0)
    assert_accessible(page, "the commissioner dashboard")
    page.get_by_label("Housing: housing problems resolved").fill("lots")
    page.get_by_role("button", name="Work out payments").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter an amount in pounds for housing")
    assert_accessible(page, "the commissioner dashboard with a tariff error")
    with page.expect_download() as download:
        page.locator("a[href$=\"?table=exits\"]").click()
    assert download.value.suggested_filename == "exits-partnership.csv"
    # Partners' figures: a file with a bad row first (each problem named, nothing imported), then a good one.
    page.get_by_role("link", name="import partners' figures").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import partners' figures")
    assert_accessible(page, "the partners' figures import")
    page.get_by_label("Partners' figures (CSV)").set_input_files(files=[{
        "name": "figures.csv", "mimeType": "text/csv",
        "buffer": b"month,area,source,signal,count\n2026-13,Northgate,police,Seizures of spice,7\n"}])
    page.get_by_role("button", name="Import the figures").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Row 2, month: Enter the month as YYYY-MM")
    assert_accessible(page, "the partners' figures import with an error")
    page.get_by_label("Partners' figures (CSV)").set_input_files(files=[{
        "name": "figures.csv", "mimeType": "text/csv",
        "buffer": b"month,area,source,signal,count\n2026-10,Northgate,police,Seizures of spice,7\n"}])
    page.get_by_role("button", name="Import the figures").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Imported 1 row of partners' figures")
