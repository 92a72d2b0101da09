"""Case mix and the cream-skimming trend against figures worked by hand, and against independent
implementations written here: the case-mix model fitted by a general-purpose optimiser over individual exits
(not Newton's method over grouped patterns), and the intake trend by matrix least squares over individuals
(not the closed form over per-quarter sums the report uses)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize

from throughcare.reporting import casemix

Z = 1.959963984540054  # the 97.5th percentile of the standard normal


def _group(agency, exits, sustained, **factors):
    return {"agency_id": agency, "assessed": factors.pop("assessed", 0),
            **{f: factors.get(f, 0) for f in casemix.FACTORS}, "exits": exits, "sustained": sustained}


def test_observed_and_expected_worked_by_hand():
    """No covariate varies, so the model is the partnership rate (the ridge does not touch the intercept):
    p = 8 / 20 = 0.4 for everyone. A: O = 6, E = 10 x 0.4 = 4, variance 10 x 0.4 x 0.6 = 2.4, so the
    margin is 1.96 x sqrt(2.4) = 1.9599640 x 1.5491933 = 3.0363631; adjusted = 6 / 4 x 0.4 = 0.6, interval
    (6 -+ 3.0363631) / 4 x 0.4 = 0.2963637 to 0.9036363. B: O = 2, E = 4: adjusted 0.2, interval below zero
    clipped to 0, up to (2 + 3.0363631) / 4 x 0.4 = 0.5036363."""
    model, rows, overall = casemix.adjust([_group("a", 10, 6), _group("b", 10, 2)])
    assert overall == pytest.approx(0.4)
    assert model.intercept == pytest.approx(math.log(0.4 / 0.6))
    a, b = rows
    assert (a.exits, a.observed, a.expected) == (10, 6, pytest.approx(4.0))
    assert a.observed_rate == 0.6 and a.expected_rate == pytest.approx(0.4)
    assert (a.adjusted_rate, a.low, a.high) == (pytest.approx(0.6), pytest.approx(0.2963637), pytest.approx(0.9036363))
    assert (b.adjusted_rate, b.low, b.high) == (pytest.approx(0.2), 0.0, pytest.approx(0.5036363))


def _individuals(groups):
    """One row per exit: the covariates (with a 1 for the intercept), sustained or not, and the provider."""
    x, y, agency = [], [], []
    for g in groups:
        for i in range(g["exits"]):
            x.append([1.0, *(float(g[c]) for c in casemix.COVARIATES)])
            y.append(1.0 if i < g["sustained"] else 0.0)
            agency.append(g["agency_id"])
    return np.array(x), np.array(y), np.array(agency)


def test_case_mix_against_an_independent_fit_over_individual_exits():
    groups = [_group("a", 40, 30, assessed=1), _group("a", 25, 9, assessed=1, housing=1),
              _group("a", 10, 2, assessed=1, housing=1, injecting=1), _group("a", 6, 3),
              _group("b", 12, 10, assessed=1), _group("b", 30, 8, assessed=1, housing=1, injecting=1),
              _group("b", 20, 11, assessed=1, injecting=1, dual_diagnosis=1), _group("b", 5, 1, assessed=1, housing=1),
              _group("c", 15, 6, assessed=1, criminal_justice=1), _group("c", 8, 4, assessed=1)]
    x, y, agency = _individuals(groups)

    def loss(beta):  # minus the log-likelihood, plus half the ridge on every coefficient but the intercept
        eta = x @ beta
        return np.sum(np.logaddexp(0, eta) - y * eta) + 0.5 * casemix.RIDGE * np.sum(beta[1:] ** 2)

    def gradient(beta):
        p = 1 / (1 + np.exp(-(x @ beta)))
        return x.T @ (p - y) + casemix.RIDGE * np.concatenate([[0.0], beta[1:]])

    fitted = minimize(loss, np.zeros(x.shape[1]), jac=gradient, method="BFGS", options={"gtol": 1e-9})
    assert np.max(np.abs(gradient(fitted.x))) < 1e-6  # at the optimum (BFGS may stop short of its own tolerance)
    p = 1 / (1 + np.exp(-(x @ fitted.x)))
    overall = y.mean()

    model, rows, partnership = casemix.adjust(groups)
    assert partnership == pytest.approx(overall)
    assert model.intercept == pytest.approx(fitted.x[0], abs=1e-5)
    for covariate, beta in zip(casemix.COVARIATES, fitted.x[1:], strict=True):
        assert model.coefficients[covariate] == pytest.approx(beta, abs=1e-5), covariate
    assert sum(r.expected for r in rows) == pytest.approx(y.sum())  # the intercept makes E add up to O
    for row in rows:
        mine = agency == row.agency_id
        observed, expected = y[mine].sum(), p[mine].sum()
        margin = Z * math.sqrt(np.sum(p[mine] * (1 - p[mine])))
        assert (row.observed, row.exits) == (observed, mine.sum())
        assert row.expected == pytest.approx(expected, abs=1e-5)
        assert row.adjusted_rate == pytest.approx(min(observed / expected * overall, 1.0), abs=1e-6)
        assert row.low == pytest.approx(max(0.0, (observed - margin) / expected * overall), abs=1e-6)
        assert row.high == pytest.approx(min(1.0, (observed + margin) / expected * overall), abs=1e-6)


def _quarters(agency: str, people: list[tuple[int, int]]) -> list[dict]:
    """The intake_complexity rows (per quarter: people, sum and sum of squares of the score) for individuals."""
    rows = {}
    for quarter, score in people:
        row = rows.setdefault(quarter, {"agency_id": agency, "quarter": quarter, "people": 0, "score_sum": 0,
                                        "score_squares": 0})
        row["people"] += 1
        row["score_sum"] += score
        row["score_squares"] += score * score
    return list(rows.values())


def test_intake_trend_worked_by_hand():
    """Four people: quarter 0 scores 3 and 4, quarter 1 scores 2 and 3. Mean quarter 0.5, mean score 3;
    Sxx = 4 x 0.25 = 1, Sxy = -1, so the slope is -1 a quarter (-4 a year). Fitted 3.5 and 2.5, residuals
    +-0.5, residual sum of squares 1, variance 1 / (4 - 2) = 0.5, standard error sqrt(0.5 / 1) = 0.7071068.
    The interval a year: 4 x (-1 -+ 1.96 x 0.7071068) = -9.5436153 to 1.5436153: it includes 0, no signal."""
    (trend,) = casemix.intake_trends(_quarters("a", [(0, 3), (0, 4), (1, 2), (1, 3)]))
    assert trend.people == 4 and trend.first_half_mean == 3.0 and trend.second_half_mean is None
    assert trend.slope_per_year == pytest.approx(-4.0)
    assert (trend.low, trend.high) == (pytest.approx(-9.5436153), pytest.approx(1.5436153))
    assert not trend.falling


def test_intake_trend_against_least_squares_over_individuals():
    rng = np.random.default_rng(5)
    people = {"falling": [(int(q), int(min(5, max(0, round(3.6 - 0.25 * q + rng.normal(0, 1))))))
                          for q in rng.integers(0, 8, 160)],
              "steady": [(int(q), int(rng.integers(0, 6))) for q in rng.integers(0, 8, 90)]}
    rows = [r for agency, individuals in people.items() for r in _quarters(agency, individuals)]
    trends = {t.agency_id: t for t in casemix.intake_trends(rows)}
    for agency, individuals in people.items():
        x = np.array([[1.0, q] for q, _s in individuals])
        y = np.array([float(s) for _q, s in individuals])
        beta, residual, _rank, _sv = np.linalg.lstsq(x, y, rcond=None)
        variance = residual[0] / (len(y) - 2) * np.linalg.inv(x.T @ x)[1, 1]
        slope, se = beta[1], math.sqrt(variance)
        trend = trends[agency]
        assert trend.people == len(individuals)
        assert trend.slope_per_year == pytest.approx(4 * slope, abs=1e-9)
        assert trend.low == pytest.approx(4 * (slope - Z * se), abs=1e-9)
        assert trend.high == pytest.approx(4 * (slope + Z * se), abs=1e-9)
        first = [s for q, s in individuals if q < 4]
        assert trend.first_half_mean == pytest.approx(sum(first) / len(first))
    assert trends["falling"].falling and not trends["steady"].falling
