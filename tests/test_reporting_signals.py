"""Local intelligence: substances at presentation from the holistic assessment, partners' signals imported
as CSV (all or nothing, errors naming row and column, audited), both published suppressed by month."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import reporting_fixture as fx
from tests.assessment_helpers import full_answers
from tests.test_assessments import _submitted
from throughcare.audit.models import AuditEntry
from throughcare.core.errors import ValidationFailed
from throughcare.reporting import keys
from throughcare.reporting.metrics import METRICS, run_django
from throughcare.reporting.models import PartnerSignal, RPresentation
from throughcare.reporting.refresh import refresh
from throughcare.reporting.signals import import_signals, last_months, local_intelligence

GOOD = "month,area,source,signal,count\n2026-10,Northgate,police,Seizures of spice,7\n"


def test_substances_at_presentation_come_from_the_first_assessment(api, world):
    """The substances written out by hand from the answers: full_answers() used heroin and crack in the 28
    days before and drinks; the second assessment (not the first) is left out."""
    from django.utils import timezone

    from throughcare.assessments.models import Assessment

    _submitted(api, world)
    later = full_answers()
    later["drugs"] = {**later["drugs"], "drugs_used": ["synthetic_cannabinoids", "cannabis"]}
    later["alcohol"] = {"drinks": False}
    _submitted(api, world, later)
    refresh(today=dt.date(2026, 12, 31))
    first = Assessment.objects.filter(person=world["jo"]).order_by("submitted_at").first()
    month = f"{timezone.localtime(first.submitted_at):%Y-%m}"
    rows = RPresentation.objects.filter(person_key=keys.person_key(world["jo"].pk))
    assert sorted((r.substance, r.nps, r.month, r.day) for r in rows) == [
        ("alcohol", 0, month, keys.day(first.submitted_at)), ("crack", 0, month, keys.day(first.submitted_at)),
        ("heroin", 0, month, keys.day(first.submitted_at))]


def test_new_psychoactive_substances_are_flagged(api, world):
    answers = full_answers()
    answers["drugs"] = {**answers["drugs"], "drugs_used": ["synthetic_cannabinoids", "other_nps", "cannabis"]}
    answers["alcohol"] = {"drinks": False}
    _submitted(api, world, answers)
    refresh(today=dt.date(2026, 12, 31))
    rows = RPresentation.objects.filter(person_key=keys.person_key(world["jo"].pk))
    assert {(r.substance, r.nps) for r in rows} == {("synthetic_cannabinoids", 1), ("other_nps", 1), ("cannabis", 0)}


def test_import_is_all_or_nothing_and_names_row_and_column(world):
    bad = GOOD + "2026-13,Northgate,police,Seizures,3\n2026-11,,gossip,,-1\n"
    with pytest.raises(ValidationFailed) as failure:
        import_signals(actor=world["staff"]["yusuf"].user, text=bad)
    assert failure.value.fields == {
        "row 3 month": "Enter the month as YYYY-MM, like 2026-10", "row 4 area": "Enter the area (up to 120 characters)",
        "row 4 source": "Choose the source from hospital, police, ambulance, public_health, other",
        "row 4 signal": "Enter what is counted (up to 120 characters)",
        "row 4 count": "Enter the count as a whole number, 0 or more"}
    assert not PartnerSignal.objects.exists()
    with pytest.raises(ValidationFailed) as wrong:
        import_signals(actor=None, text="when,where\n")
    assert "file" in wrong.value.fields


def test_import_stores_replaces_and_audits(world):
    assert import_signals(actor=world["staff"]["yusuf"].user, text=GOOD) == 1
    import_signals(actor=world["staff"]["yusuf"].user, text=GOOD.replace(",7", ",9"))
    assert PartnerSignal.objects.get().count == 9  # the same month, area, source and signal: replaced
    assert AuditEntry.objects.filter(action="partner_signal.import", username="yusuf").count() == 2


def test_published_by_month_and_suppressed(db):
    fx.load(fx.fixture())
    results = {name: run_django(METRICS[name]) for name in ("substances", "partner_signals")}
    local = local_intelligence(results, keys.from_day(fx.AS_OF), 5)
    substances = {row["label"]: row for row in local["substances"]["rows"]}
    assert local["substances"]["months"] == last_months(dt.date(2026, 11, 20)) and len(local["substances"]["months"]) == 12
    # Every count in the small fixture is 1 or 2: all withheld, and the totals with them.
    assert substances["Cannabis"]["cells"][-2] == "[c]" and "[c]" in local["substances"]["total"]["cells"]
    assert "Synthetic cannabinoids (NPS)" in substances
    signals = {row["label"]: row for row in local["signals"]["rows"]}
    assert signals["Police: Seizures of spice"]["cells"][-2] == "10"  # two areas summed for October
    assert signals["Hospital: Admissions: drug poisoning"]["cells"][-3] == "[c]"


def test_the_command(world, tmp_path):
    from typer.testing import CliRunner

    from throughcare.cli import app

    path = tmp_path / "signals.csv"
    path.write_text(GOOD)
    result = CliRunner().invoke(app, ["reports", "import-signals", str(path)])
    assert result.exit_code == 0 and "Imported 1 rows" in result.output
    path.write_text(GOOD + "2026-1,x,police,y,1\n")
    assert CliRunner().invoke(app, ["reports", "import-signals", str(path)]).exit_code == 2


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_a_commissioner_imports_partners_figures_in_a_page(browser_client, world):
    import re

    yusuf = browser_client("yusuf")
    assert 'href="/reports/partner-figures"' in yusuf.get("/reports/commissioner/").content.decode()
    page = yusuf.get("/reports/partner-figures")
    assert page.status_code == 200 and "month,area,source,signal,count" in page.content.decode()
    # Nothing chosen, a file that is not CSV, then a CSV with two bad rows: nothing imported, each named.
    empty = yusuf.post("/reports/partner-figures", {})
    assert empty.status_code == 422 and "Choose the CSV file to import" in empty.content.decode()
    wrong = yusuf.post("/reports/partner-figures", {"file": _upload("figures.xlsx", b"PK\x03\x04")})
    assert wrong.status_code == 422 and "figures.xlsx is not a .csv file" in wrong.content.decode()
    bad_csv = (GOOD + "2026-13,Northgate,police,Seizures,3\n2026-11,Northgate,the pub,Seizures,x\n").encode()
    bad = yusuf.post("/reports/partner-figures", {"file": _upload("figures.csv", bad_csv)})
    text = re.sub(r"\s+", " ", bad.content.decode())
    assert bad.status_code == 422 and "3 problems: nothing was imported" in text
    assert "Row 3, month: Enter the month as YYYY-MM, like 2026-10" in text
    assert "Row 4, source: Choose the source from" in text and "Row 4, count: Enter the count as a whole number" in text
    assert 'href="#id_file"' in text and not PartnerSignal.objects.exists()
    good = yusuf.post("/reports/partner-figures", {"file": _upload("figures.csv", ("\ufeff" + GOOD).encode())})
    assert good.status_code == 302 and good["Location"] == "/reports/commissioner/#local-intelligence"
    assert PartnerSignal.objects.get().count == 7
    entry = AuditEntry.objects.get(action="partner_signal.import")
    assert entry.username == "yusuf" and entry.reason == "1 rows"


def test_only_commissioners_and_service_managers_import_partners_figures(browser_client, world):
    amara = browser_client("amara")  # a key worker
    assert amara.get("/reports/partner-figures").status_code == 403
    assert amara.post("/reports/partner-figures", {"file": _upload("figures.csv", GOOD.encode())}).status_code == 403
    assert not PartnerSignal.objects.exists()
    with pytest.raises(Exception, match="Only commissioners and service managers"):
        import_signals(actor=world["staff"]["amara"].user, text=GOOD)
