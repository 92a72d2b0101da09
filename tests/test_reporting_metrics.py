"""Every metric's SQL, on the test database (SQLite or PostgreSQL) and on DuckDB over a Parquet extract,
against the same metric computed independently in plain Python on a hand-made fixture
(tests/reporting_fixture.py), and a few figures worked out by hand."""

from __future__ import annotations

import pytest

from tests import reporting_fixture as fx
from throughcare.reporting.extract import load_extract, open_extract, write_extract
from throughcare.reporting.metrics import METRICS, REPORT_COLUMNS, run_django, run_duckdb

pytest.importorskip("duckdb")


def rounded(rows: list[dict]) -> list[dict]:
    return [{k: round(v, 9) if isinstance(v, float) else v for k, v in row.items()} for row in rows]


@pytest.fixture
def loaded(db, tmp_path):
    data = fx.fixture()
    fx.load(data)
    write_extract(tmp_path)
    return data, open_extract(tmp_path), load_extract(tmp_path, threads=2)


@pytest.mark.parametrize("name", sorted(METRICS))
def test_the_sql_gives_the_definition_on_both_engines(loaded, name):
    data, duck, duck_loaded = loaded
    expected = rounded(fx.EXPECTED[name](data))
    assert expected, "the fixture must give every metric something to count"
    assert rounded(run_django(METRICS[name])) == expected
    assert rounded(run_duckdb(METRICS[name], duck)) == expected
    # ...and on DuckDB tables holding only the columns the report loads (REPORT_COLUMNS).
    assert rounded(run_duckdb(METRICS[name], duck_loaded)) == expected


def test_the_report_loads_only_the_columns_it_names(loaded, tmp_path):
    _data, _duck, duck_loaded = loaded
    tables = {t for (t,) in duck_loaded.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert tables == set(REPORT_COLUMNS)  # not rpt_outcome (6 million reviews at national size) nor rpt_person
    columns = [c for (c,) in duck_loaded.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'rpt_episode' ORDER BY column_index").fetchall()]
    assert columns == list(REPORT_COLUMNS["rpt_episode"]) and "episode_key" not in columns
    with pytest.raises(ValueError, match="rpt_episode"):
        load_extract(tmp_path, {"rpt_episode": ("no_such_column",)})


def test_waiting_times_worked_by_hand(loaded):
    rows = {r["agency_id"]: r for r in run_django(METRICS["waiting_times"])}
    # A waited 0, 7, 8, 21, 22 and 43 days; B 10 and 36 (one started 366 days ago is out of the year).
    assert rows[fx.A] == {"agency_id": fx.A, "started": 6, "within_3_weeks": 4, "days_0_7": 2, "days_8_14": 1,
                          "days_15_21": 1, "days_22_42": 1, "days_43_plus": 1}
    assert (rows[fx.B]["started"], rows[fx.B]["within_3_weeks"]) == (2, 1)


def test_sustained_recovery_worked_by_hand(loaded):
    rows = {r["agency_id"]: r for r in run_django(METRICS["sustained_recovery"])}
    # A: p1 back on day 182 exactly (re-presented), p2 back on day 183 and p3 back only in prison (sustained).
    assert (rows[fx.A]["planned_exits"], rows[fx.A]["re_presented"]) == (3, 1)
    # B: p6 started a new episode the day the planned one ended.
    assert (rows[fx.B]["planned_exits"], rows[fx.B]["re_presented"]) == (1, 1)


def test_outcome_change_worked_by_hand(loaded):
    rows = {(r["agency_id"], r["instrument"], r["score"]): r for r in run_django(METRICS["outcome_change"])}
    opiates_a = rows[(fx.A, "top", "opiates_days")]  # p2 10 -> 12 (worse), p4 6 -> 6 (same)
    assert (opiates_a["people"], opiates_a["improved"], opiates_a["worse"]) == (2, 0, 1)
    assert rows[(fx.B, "top", "opiates_days")]["people"] == 1  # p1 20 -> 0, latest at B; p5 same day: left out
    barc = rows[(fx.A, "barc10", "total")]
    assert (barc["improved"], barc["worse"], barc["mean_first"], barc["mean_latest"]) == (1, 1, 37.5, 40.5)


def test_caseload_dna_overdue_and_continuity_worked_by_hand(loaded):
    assert run_django(METRICS["caseload"]) == [
        {"agency_id": fx.A, "worker_id": 1, "caseload": 3}, {"agency_id": fx.A, "worker_id": 2, "caseload": 1},
        {"agency_id": fx.B, "worker_id": 3, "caseload": 2}]
    dna = {r["agency_id"]: r for r in run_django(METRICS["did_not_attend"])}
    assert (dna[fx.A]["appointments"], dna[fx.A]["did_not_attend"]) == (3, 2)  # one 84 days ago is out
    assert (dna[fx.B]["appointments"], dna[fx.B]["did_not_attend"]) == (3, 1)  # tomorrow's is not yet
    overdue = {r["agency_id"]: r for r in run_django(METRICS["reviews_overdue"])}
    assert (overdue[fx.A]["plans"], overdue[fx.A]["overdue"]) == (3, 1)  # due today is not overdue
    assert overdue[""]["overdue"] == 1  # no lead professional
    assert run_django(METRICS["continuity"]) == [
        {"agency_id": fx.P, "releases": 5, "plan_complete": 3, "decided": 3, "engaged": 2}]


def test_parking_and_outcome_domains_worked_by_hand(loaded):
    parking = {r["agency_id"]: r for r in run_django(METRICS["parking"])}
    # A: p1 (complexity 5) and p10 (not complex) unseen for 8 weeks, p0 (never assessed) seen yesterday;
    # B: p2 (3) seen 10 days ago, p11 unseen.
    assert parking[fx.A] == {"agency_id": fx.A, "complex_in_treatment": 1, "complex_parked": 1,
                             "other_in_treatment": 2, "other_parked": 1}
    assert (parking[fx.B]["complex_in_treatment"], parking[fx.B]["complex_parked"]) == (1, 0)
    domains = {(r["agency_id"], r["domain"]): r["people"] for r in run_django(METRICS["outcome_domains"])}
    assert domains == {(fx.A, "alcohol"): 1, (fx.A, "drug_use"): 1, (fx.A, "employment"): 1,
                       (fx.A, "health_wellbeing"): 1, (fx.A, "housing"): 1, (fx.B, "drug_use"): 1}


def test_declines_worked_by_hand(loaded):
    rows = {r["agency_id"]: r for r in run_django(METRICS["declines"])}
    # A decided 10 in the year: 6 accepted and started, 1 accepted then withdrawn, 3 declined: two because of
    # another need (mental health both times), one for lack of capacity.
    assert rows[fx.A] == {"agency_id": fx.A, "decided": 10, "declined": 3, "another_need": 2,
                          "another_need_mental_health": 2, "another_need_substance_use": 0, "another_need_alcohol": 0}
    # B decided 4 in the year (two more were decided over a year ago): 2 started, 2 declined for another need.
    assert rows[fx.B] == {"agency_id": fx.B, "decided": 4, "declined": 2, "another_need": 2,
                          "another_need_mental_health": 0, "another_need_substance_use": 1, "another_need_alcohol": 1}
