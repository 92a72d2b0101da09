"""The reporting benchmark's yardstick (benchmarks/reporting.py, docs/benchmarks.md "Reporting"): on tables it
generates at a small size, the hand-written DuckDB query gives every figure the commissioner report publishes,
the suppressed report shows no cell other than its figure, and the cross-check catches a figure that differs."""

from __future__ import annotations

import pytest

pytest.importorskip("duckdb")

from benchmarks import reporting as bench  # noqa: E402
from benchmarks.reporting_figures import (  # noqa: E402
    disagreements,
    published_figures,
    query_figures,
    report_figures,
    shown_wrongly,
)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    directory = tmp_path_factory.mktemp("bench-reporting")
    bench.generate(directory, 3000)
    report, results, names, as_of = bench.full_report(directory)
    return directory, report, report_figures(results, names, as_of)


def test_the_hand_written_query_gives_every_published_figure(generated):
    directory, _report, figures = generated
    every = query_figures(bench.hand_written_full(directory))
    assert disagreements(figures, every) == []
    tables = {figure for figure, _row, _column in figures}
    # every metric table, the outcome tables with reviews, case mix, payments, local intelligence, model inputs
    assert {"waiting_times", "declines", "did_not_attend", "reviews_overdue", "continuity", "caseload", "exits",
            "sustained_recovery", "parking", "casemix", "payments", "local_substances", "local_signals",
            "casemix_cohort", "intake_complexity", "outcome_top_opiates_days", "outcome_barc10_total"} <= tables
    assert figures["sustained_recovery", "Partnership", "planned_exits"] > 0
    assert figures["payments", "Partnership", "drug_use"] > 0
    assert sum(v for (table, _r, _c), v in every.items() if table == "local_substances") > 0


def test_the_suppressed_report_shows_only_the_figures(generated):
    _directory, report, figures = generated
    published = published_figures(report)
    assert any(value is None for value in published.values()), "3,000 people leave some counts below 5"
    assert shown_wrongly(published, figures) == []
    assert published.keys() <= figures.keys()


def test_a_figure_that_differs_is_caught(generated):
    directory, _report, figures = generated
    every = query_figures(bench.hand_written_full(directory))
    key = ("parking", "Partnership", "complex_parked")
    assert disagreements(figures, {**every, key: every[key] + 1}) == [(*key, figures[key], figures[key] + 1)]
    left_out = {k: v for k, v in every.items() if k != key}  # a figure left out is taken as 0
    assert disagreements(figures, left_out) == [(*key, figures[key], 0)]
    extra = ("declines", "Provider 0", "no_such_column")
    assert disagreements(figures, {**every, extra: 1}) == [(*extra, 0, 1)]
