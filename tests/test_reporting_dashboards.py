"""Service and commissioner dashboards: who sees which, suppression of every published table (no count
below 5 can be worked out), the case-mix model, the cream-skimming and parking signals, the payment-by-results
calculator, CSV downloads, and the audit trail."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pytest

from tests import reporting_fixture as fx
from throughcare.assessments import instruments
from throughcare.audit.models import AuditEntry
from throughcare.reporting import casemix, dashboards
from throughcare.reporting.downloads import commissioner_downloads, service_downloads
from throughcare.reporting.keys import person_key
from throughcare.reporting.metrics import METRICS, run_django
from throughcare.reporting.models import RAgency
from throughcare.reporting.suppression import recoverable, suppress
from throughcare.reporting.tables import SHAPES, caseload_by_agency, table_of


@pytest.fixture
def reported(world):
    """The hand-made reporting rows, with the world's agencies as providers A, B and the prison P."""
    ids = {fx.A: str(world["agencies"]["riverside"].pk), fx.B: str(world["agencies"]["peer"].pk),
           fx.P: str(world["agencies"]["prison"].pk)}
    data = fx.fixture()
    for rows in data.values():
        for row in rows:
            for field in ("agency_id", "to_agency_id", "prison_id", "lead_agency_id"):
                if field in row and row[field] in ids:
                    row[field] = ids[row[field]]
            if "worker_id" in row:  # workers 1 and 2 at A are amara and ben; 3 at B is xena
                row["worker_id"] = {1: world["staff"]["amara"].user.pk, 2: world["staff"]["ben"].user.pk,
                                    3: world["staff"]["xena"].user.pk}[row["worker_id"]]
    fx.load(data)
    RAgency.objects.bulk_create([RAgency(agency_id=str(a.pk), name=a.name, kind=a.kind, area=a.area)
                                 for a in world["agencies"].values()])
    return ids


def test_every_published_table_hides_counts_below_five_beyond_recovery(reported):
    results = {name: run_django(m) for name, m in METRICS.items()}
    rows = {name: results[name] for name in SHAPES if name in results}
    rows["caseload"] = caseload_by_agency(results["caseload"])
    names = dict(RAgency.objects.values_list("agency_id", "name"))
    checked = 0
    for name, shape in SHAPES.items():
        table = table_of(shape, rows[name], names)
        hidden = suppress(table, 5)
        small = {(r, c) for r, row in enumerate(table.values) for c, v in enumerate(row) if 0 < v < 5}
        assert small <= hidden, name
        assert recoverable(table, hidden, 5) == [], name
        checked += bool(small)
    assert checked >= 5  # the fixture is small: most tables have something to hide


def test_the_commissioner_sees_every_provider_suppressed_and_no_one(reported, browser_client, world):
    response = browser_client("yusuf").get("/reports/commissioner/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Commissioner dashboard" in page and "[c]" in page and "Riverside Recovery" in page
    assert "Open Door" in page and "Partnership" in page
    assert "Bloggs" not in page and str(person_key(world["jo"].pk)) not in page
    assert not any(str(fx.person(n)) in page for n in range(20))  # no person key of the fixture either
    # Charts are drawn only from shown figures: in this small fixture every rate is withheld, so none.
    assert "tc-chart" not in page and "vega-lite.min.js" not in page
    entry = AuditEntry.objects.filter(action="report.commissioner").latest("seq")
    assert entry.outcome == "allowed" and entry.username == "yusuf"


def test_commissioner_numbers_small_counts_never_shown(reported, world):
    report = dashboards.commissioner_report(world["staff"]["yusuf"].user, audit=False)
    for table in report["tables"]:
        for row in [*table["rows"], table["total"]]:
            for column, _heading in table["columns"]:
                value = row[column]
                assert value is None or value == 0 or value >= 5, (table["name"], row["label"], column)


def test_staff_see_their_own_service_unsuppressed(reported, browser_client, world):
    response = browser_client("amara").get("/reports/service/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Riverside Recovery" in page and "Open Door" not in page
    assert "Amara Okafor" in page  # caseload per worker, by name, for her own service
    assert "vega-lite.min.js" in page and 'id="chart-waiting-time-distribution"' in page  # a chart beside the table
    report = dashboards.service_report(world["staff"]["amara"].user)
    waiting = next(t for t in report["tables"] if t["name"] == "waiting_times")
    assert waiting["rows"][0]["started"] == 6 and waiting["rows"][0]["share_within_3_weeks"] == "67%"
    assert {"worker": "Amara Okafor", "caseload": 3} in report["caseloads"]
    assert AuditEntry.objects.filter(action="report.service", username="amara", outcome="allowed").exists()


@pytest.mark.parametrize("persona", ["una", "yusuf", "alan", "sam"])
def test_no_service_dashboard_for_roles_without_case_figures(reported, browser_client, persona):
    response = browser_client(persona).get("/reports/service/")
    assert response.status_code == 403
    assert "Your role cannot see service dashboards" in response.content.decode()
    assert AuditEntry.objects.filter(action="report.service", username=persona, outcome="denied").exists()


@pytest.mark.parametrize("persona", ["amara", "una", "alan", "sam", "grace"])
def test_no_commissioner_dashboard_for_others(reported, browser_client, persona):
    assert browser_client(persona).get("/reports/commissioner/").status_code == 403
    assert browser_client(persona).get("/reports/commissioner.csv?table=exits").status_code == 403


def test_csv_downloads(reported, browser_client):
    response = browser_client("yusuf").get("/reports/commissioner.csv?table=sustained_recovery")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Provider", "Planned exits", "No re-presentation in 6 months", "Re-presented within 6 months"]
    assert rows[-1][0] == "Partnership" and "[c]" in sum(rows[1:], [])
    mine = browser_client("amara").get("/reports/service.csv?table=waiting_times")
    assert list(csv.reader(io.StringIO(mine.content.decode())))[1][:3] == ["Riverside Recovery", "6", "4"]
    assert browser_client("yusuf").get("/reports/commissioner.csv?table=nonsense").status_code == 404


def test_the_payment_calculator_takes_a_tariff_and_names_a_bad_field(reported, browser_client, world):
    bad = browser_client("yusuf").get("/reports/commissioner/", {"tariff_housing": "lots"})
    assert bad.status_code == 422
    assert "Enter an amount in pounds for housing, like 500" in bad.content.decode()
    assert browser_client("yusuf").get("/reports/commissioner/", {"tariff_alcohol": "-3"}).status_code == 422
    report = dashboards.commissioner_report(world["staff"]["yusuf"].user, audit=False,
                                            tariff={d: 0 for d in dashboards.pbr.DOMAINS})
    # In the small fixture every domain count is below 5: each provider's payment is withheld, and the total.
    assert all(row["payment"] is None for row in report["pbr"]["rows"])
    assert report["pbr"]["total"]["payment"] is None


def test_payments_when_counts_are_shown():
    from decimal import Decimal

    from throughcare.reporting import pbr

    tariff = {d: Decimal(10) for d in pbr.DOMAINS}
    counts = {"a": {d: 5 for d in pbr.DOMAINS}, "b": {**{d: 6 for d in pbr.DOMAINS}, "housing": None}}
    assert pbr.payments(counts, tariff) == {"a": Decimal(350), "b": None}
    tariff, errors = pbr.parse_tariff({"tariff_drug_use": "£1,250.5", "tariff_housing": "200000"})
    assert tariff["drug_use"] == Decimal("1250.50") and errors == {"tariff_housing": "Enter an amount from £0 to £100,000"}


def _simulate(n: int, seed: int = 3) -> list[dict]:
    """Exits with known effects: log-odds 0.5 - 1.0 x housing - 0.8 x dual diagnosis - 0.6 x injecting."""
    rng = np.random.default_rng(seed)
    groups: dict[tuple, dict] = {}
    for _ in range(n):
        agency = "hard" if rng.random() < 0.5 else "easy"
        share = 0.7 if agency == "hard" else 0.2
        f = {k: int(rng.random() < share) for k in casemix.FACTORS}
        eta = 0.5 - 1.0 * f["housing"] - 0.8 * f["dual_diagnosis"] - 0.6 * f["injecting"]
        y = int(rng.random() < 1 / (1 + math.exp(-eta)))
        key = (agency, *f.values())
        g = groups.setdefault(key, {"agency_id": agency, "assessed": 1, **f, "exits": 0, "sustained": 0})
        g["exits"] += 1
        g["sustained"] += y
    return list(groups.values())


def test_the_case_mix_model_recovers_known_effects_and_levels_the_field():
    groups = _simulate(20_000)
    model = casemix.fit(groups)
    assert model.coefficients["housing"] == pytest.approx(-1.0, abs=0.12)
    assert model.coefficients["dual_diagnosis"] == pytest.approx(-0.8, abs=0.12)
    assert model.coefficients["criminal_justice"] == pytest.approx(0.0, abs=0.12)
    _model, rows, overall = casemix.adjust(groups, model)
    by = {r.agency_id: r for r in rows}
    # Both providers do as well as their case mix predicts, so their adjusted rates agree...
    assert abs(by["hard"].adjusted_rate - by["easy"].adjusted_rate) < 0.04
    # ...although the one taking complex people has a far lower raw rate.
    assert by["easy"].observed_rate - by["hard"].observed_rate > 0.15
    for r in rows:
        assert r.low < r.adjusted_rate < r.high and r.observed == sum(g["sustained"] for g in groups
                                                                     if g["agency_id"] == r.agency_id)


def test_the_cream_skimming_signal():
    falling = [{"agency_id": "a", "quarter": q, "people": 30, "score_sum": 30 * (3.5 - 0.3 * q),
                "score_squares": 30 * ((3.5 - 0.3 * q) ** 2 + 1)} for q in range(8)]
    steady = [{"agency_id": "b", "quarter": q, "people": 30, "score_sum": 60, "score_squares": 30 * 5}
              for q in range(8)]
    trends = {t.agency_id: t for t in casemix.intake_trends(falling + steady)}
    assert trends["a"].falling and trends["a"].slope_per_year == pytest.approx(-1.2)
    assert not trends["b"].falling and trends["b"].slope_per_year == pytest.approx(0.0)


def test_the_demo_world_fills_the_dashboards(db):
    from throughcare.agencies.models import Staff
    from throughcare.core.demo import build_world
    from throughcare.reporting.models import REpisode, RPerson

    build_world(people=40, seed=3)
    assert RPerson.objects.count() == 40 and REpisode.objects.exists()
    commissioner = Staff.objects.filter(role="commissioner").select_related("user").first()
    report = dashboards.commissioner_report(commissioner.user, audit=False)
    assert report["as_of"] is not None and report["tables"][0]["total"]["started"] is not None
    worker = Staff.objects.get(user__username="kw.amara")
    assert dashboards.service_report(worker.user)["caseloads"]


def test_commissioner_charts_show_only_figures_that_are_shown(reported):
    results = {name: run_django(m) for name, m in METRICS.items()}
    for name in ("waiting_times", "sustained_recovery", "casemix_cohort", "declines"):  # ten times the people
        for row in results[name]:
            for column in METRICS[name].counts:
                row[column] *= 10
    names = dict(RAgency.objects.values_list("agency_id", "name"))
    report = dashboards.assemble_commissioner(results, names, 5)
    charts = {c["title"]: c for c in report["charts"]}
    assert {"Sustained recovery", "Started within 3 weeks", "Sustained recovery adjusted for case mix",
            "Declines because of another need"} <= set(charts)
    assert {"provider": "Riverside Recovery", "percent": 67} in charts["Started within 3 weeks"]["spec"]["data"]["values"]
    assert "Riverside Recovery: 67%" in charts["Started within 3 weeks"]["description"]  # the figures in words
    # A: 20 of 30 declines because of another need; B: 20 of 20.
    assert charts["Declines because of another need"]["spec"]["data"]["values"] == [
        {"provider": "Open Door", "percent": 100}, {"provider": "Riverside Recovery", "percent": 67}]
    by_name = {t["name"]: t for t in report["tables"]}
    for name, (rate, title) in dashboards.COMMISSIONER_RATES.items():
        shown = [r["label"] for r in by_name[name]["rows"] if r[rate]]
        drawn = [v["provider"] for v in charts[title]["spec"]["data"]["values"]] if title in charts else []
        assert sorted(drawn) == sorted(shown), name  # every shown rate drawn, nothing withheld drawn
        assert (title in charts) == bool(shown), name  # no chart without figures
    # The small fixture as it is: every rate withheld, so no chart at all.
    plain = dashboards.assemble_commissioner({name: run_django(m) for name, m in METRICS.items()}, names, 5)
    assert plain["charts"] == []


def test_sustained_recovery_is_withheld_alike_in_every_table_that_shows_it(reported, world):
    results = {name: run_django(m) for name, m in METRICS.items()}
    for row in results["sustained_recovery"]:  # enough people that some figures are shown
        row["planned_exits"] *= 3
        row["re_presented"] *= 3
    names = dict(RAgency.objects.values_list("agency_id", "name"))
    report = dashboards.assemble_commissioner(results, names, 5)
    own = {r["label"]: r["sustained"] for r in next(t for t in report["tables"]
                                                    if t["name"] == "sustained_recovery")["rows"]}
    payments = {r["label"]: r["sustained_recovery"] for r in report["pbr"]["rows"]}
    for label, value in own.items():
        assert payments.get(label, value) == value, label  # shown alike, or withheld (None) alike
    assert any(v is not None for v in own.values()) or all(v is None for v in payments.values())


def test_every_service_figure_has_a_chart_a_table_and_a_csv(reported, browser_client, world):
    report = dashboards.service_report(world["staff"]["amara"].user)
    tables = {t["name"]: t for t in report["tables"]}
    assert list(tables) == ["caseload_per_worker", "waiting_times", "did_not_attend", "reviews_overdue", "exits",
                            "sustained_recovery", "continuity", "parking", "caseload", "declines", "outcome_change"]
    charted = {name for name, t in tables.items() if t.get("chart")}
    # Riverside has no releases (continuity is by prison) and its caseload total is charted per worker.
    assert charted == set(tables) - {"continuity", "caseload"}
    assert report["charts"] == [t["chart"] for t in report["tables"] if t.get("chart")]
    dna = tables["did_not_attend"]["chart"]
    assert dna["spec"]["$schema"].endswith("vega-lite/v6.json") and dna["spec"]["data"]["values"] == [
        {"category": "Attended", "count": 1, "group": "Attended"},
        {"category": "Did not attend", "count": 2, "group": "Did not attend"}]
    assert dna["description"] == ("Appointments attended and missed, Riverside Recovery. Attended: 1; Did not attend: 2; "
                                  "Did not attend (% of appointments): 67%.")
    waiting = tables["waiting_times"]["chart"]
    assert "6 referrals started in the last 12 months, 4 within 3 weeks (67%)" in waiting["description"]
    per_worker = tables["caseload_per_worker"]["chart"]["spec"]["data"]["values"]
    assert per_worker == [{"worker": "Amara Okafor", "people": 3}, {"worker": "Ben Adeyemi", "people": 1}] or \
        [v["people"] for v in per_worker] == [3, 1]
    declines = tables["declines"]["rows"][0]
    assert (declines["decided"], declines["declined"], declines["another_need"], declines["another_need_share"]) == (
        10, 3, 2, "67%")
    assert "Another need: mental health: 2" in tables["declines"]["chart"]["description"]
    outcome = tables["outcome_change"]
    top = instruments.get("top")
    assert [r["label"] for r in outcome["rows"]] == [t for _i, _s, t in dashboards.outcome_scores()]
    assert len(outcome["rows"]) == len(top.scores) + 1 == 18  # every TOP score (17) and the BARC-10 total
    rows = {r["label"]: r for r in outcome["rows"]}
    opiates = rows["TOP: Days using opiates (lower is better)"]  # p2 10 -> 12 worse, p4 6 -> 6 the same
    assert (opiates["people"], opiates["improved"], opiates["same"], opiates["worse"]) == (2, 0, 1, 1)
    assert rows["TOP: Days of paid work (higher is better)"]["improved"] == 1
    assert rows["TOP: Physical health (higher is better)"]["people"] == 0  # no reviews of it: a row of noughts
    drawn = {v["measure"] for v in outcome["chart"]["spec"]["data"]["values"]}
    assert drawn == {label for label, r in rows.items() if r["people"]}  # a measure nobody has is not drawn

    page = browser_client("amara").get("/reports/service/").content.decode()
    assert 'colspan="9">Nothing to count yet.' in page  # continuity: a row heading, 7 counts and a rate
    downloads = service_downloads(report)
    for name, table in tables.items():
        assert f'data-testid="table-{name}"' in page and f"?table={name}" in page, name
        if table.get("chart"):
            assert f'id="chart-{table["chart"]["id"]}"' in page and table["chart"]["description"] in page, name
        assert [r[0] for r in downloads[name][1:]] == [r["label"] for r in table["rows"]], name
        for row, line in zip(table["rows"], downloads[name][1:], strict=True):
            assert line[1:1 + len(table["columns"])] == [row[f"{c}_text"] for c, _h in table["columns"]], name
    for name in ("caseload_per_worker", "outcome_change"):  # the two new downloads, through HTTP
        response = browser_client("amara").get(f"/reports/service.csv?table={name}")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv"), name
        assert list(csv.reader(io.StringIO(response.content.decode()))) == downloads[name]


def test_no_chart_without_figures(reported, world):
    """The prison team's service has releases only: continuity is charted, the rest are tables of nothing."""
    report = dashboards.service_report(world["staff"]["grace"].user)
    charted = [t["name"] for t in report["tables"] if t.get("chart")]
    assert charted == ["continuity"]
    chart = next(t["chart"] for t in report["tables"] if t["name"] == "continuity")
    assert {v["category"]: v["count"] for v in chart["spec"]["data"]["values"]} == {
        "Plan complete at release": 3, "Plan incomplete": 2, "Engaged within 21 days": 2, "Not engaged": 1,
        "Still within 21 days": 2}


def test_commissioner_downloads_every_table(reported, browser_client, world):
    client = browser_client("yusuf")
    page = client.get("/reports/commissioner/").content.decode()
    report = dashboards.commissioner_report(world["staff"]["yusuf"].user, audit=False)
    names = [t["name"] for t in report["tables"]] + ["casemix", "intake_trends", "payments", "local_substances",
                                                   "local_signals"]
    assert "declines" in names and sum(n.startswith("outcome_top_") for n in names) == 17
    downloads = commissioner_downloads(report)
    assert sorted(downloads) == sorted(names)
    for name in names:
        assert f"?table={name}" in page, name
    casemix_csv = list(csv.reader(io.StringIO(client.get("/reports/commissioner.csv?table=casemix").content.decode())))
    assert casemix_csv[0][:3] == ["Provider", "Exits", "Sustained recovery"] and casemix_csv[-1][0] == "Partnership"
    assert "[c]" in sum(casemix_csv[1:], [])  # withheld as on the page
    trends = downloads["intake_trends"]
    assert trends[1][1] == "too few to tell"
    payments = client.get("/reports/commissioner.csv", {"table": "payments", "tariff_housing": "250"})
    rows = list(csv.reader(io.StringIO(payments.content.decode())))
    assert rows[1][0] == "Tariff (pounds per person)" and rows[1][4] == "250.00"  # the tariff asked for
    assert rows[-1][0] == "Partnership" and rows[-1][-1] == "[c]"
    signals = downloads["local_signals"]
    assert signals[0][1:] == report["local"]["signals"]["months"]
    police = next(r for r in signals if r[0] == "Police: Seizures of spice")
    assert police[-2] == "10"  # October, two areas summed, as on the page
    assert 'tariff_housing=250' in client.get("/reports/commissioner/", {"tariff_housing": "250"}).content.decode()
