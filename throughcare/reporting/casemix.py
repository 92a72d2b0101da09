"""Outcomes adjusted for case mix, and the cream-skimming signal (docs/reporting.md, "Case mix").

The model: logistic regression of sustained recovery (a planned exit without re-presentation within six
months) on complexity at entry — acute housing need, dual diagnosis, injecting, criminal-justice involvement,
alcohol and opiates together, long use (ten years or more using the main problem substance), and whether the
person was assessed at all — fitted to every exit in the partnership (grouped by covariate pattern, so a
million exits are a few dozen rows).

Each provider's expected count E is the sum of the model's probabilities over its exits; O is what happened.
Indirect standardisation: the adjusted rate is (O / E) x the partnership rate, with a 95% interval from
O - E having variance sum p(1 - p) (the funnel-plot interval), clipped to 0-100%.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: The complexity factors at entry, each 0 or 1: rpt_complexity's and rpt_episode's columns of the same names.
FACTORS = ("housing", "dual_diagnosis", "injecting", "criminal_justice", "alcohol_and_opiates", "long_use")
COVARIATES = ("assessed", *FACTORS)
LABELS = {"assessed": "Assessed at entry", "housing": "Acute housing need", "dual_diagnosis": "Dual diagnosis",
          "injecting": "Injecting", "criminal_justice": "Criminal-justice involvement",
          "alcohol_and_opiates": "Alcohol and opiates together",
          "long_use": "Ten years or more using the main problem substance"}
#: A light ridge penalty keeps the fit finite when a pattern is all successes or all failures.
RIDGE = 1.0
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Model:
    intercept: float
    coefficients: dict[str, float]

    def probability(self, row: dict) -> float:
        eta = self.intercept + sum(self.coefficients[c] * row[c] for c in COVARIATES)
        return 1 / (1 + math.exp(-eta))


def fit(groups: list[dict], *, iterations: int = 50) -> Model:
    """Grouped binomial logistic regression by iteratively reweighted least squares (Newton's method).

    groups: rows with the covariates, `exits` (trials) and `sustained` (successes)."""
    x = np.array([[1.0, *(float(g[c]) for c in COVARIATES)] for g in groups]) if groups else np.zeros((0, len(COVARIATES) + 1))
    n = np.array([float(g["exits"]) for g in groups])
    y = np.array([float(g["sustained"]) for g in groups])
    beta = np.zeros(x.shape[1])
    penalty = np.eye(x.shape[1]) * RIDGE
    penalty[0, 0] = 0.0
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-(x @ beta)))
        gradient = x.T @ (y - n * p) - penalty @ beta
        hessian = (x.T * (n * p * (1 - p))) @ x + penalty + np.eye(x.shape[1]) * 1e-9
        step = np.linalg.solve(hessian, gradient)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            break
    return Model(intercept=float(beta[0]), coefficients={c: float(b) for c, b in zip(COVARIATES, beta[1:], strict=True)})


@dataclass(frozen=True)
class Adjusted:
    agency_id: str
    exits: int
    observed: int
    expected: float
    observed_rate: float | None
    expected_rate: float | None
    adjusted_rate: float | None
    low: float | None
    high: float | None


def adjust(groups: list[dict], model: Model | None = None) -> tuple[Model, list[Adjusted], float | None]:
    """Observed and expected sustained recovery per provider. Returns (model, rows, partnership rate)."""
    model = model or fit(groups)
    total_exits = sum(g["exits"] for g in groups)
    overall = sum(g["sustained"] for g in groups) / total_exits if total_exits else None
    by_agency: dict[str, dict] = {}
    for g in groups:
        p = model.probability(g)
        row = by_agency.setdefault(g["agency_id"], {"exits": 0, "observed": 0, "expected": 0.0, "variance": 0.0})
        row["exits"] += g["exits"]
        row["observed"] += g["sustained"]
        row["expected"] += g["exits"] * p
        row["variance"] += g["exits"] * p * (1 - p)
    out = []
    for agency_id, r in sorted(by_agency.items()):
        e, o, n = r["expected"], r["observed"], r["exits"]
        if e <= 0 or overall is None:
            out.append(Adjusted(agency_id, n, o, e, o / n if n else None, None, None, None, None))
            continue
        margin = Z95 * math.sqrt(r["variance"])
        adjusted = o / e * overall
        out.append(Adjusted(agency_id=agency_id, exits=n, observed=o, expected=e, observed_rate=o / n,
                            expected_rate=e / n, adjusted_rate=min(adjusted, 1.0),
                            low=max(0.0, (o - margin) / e * overall), high=min(1.0, (o + margin) / e * overall)))
    return model, out, overall


@dataclass(frozen=True)
class Trend:
    agency_id: str
    people: int
    first_half_mean: float | None
    second_half_mean: float | None
    slope_per_year: float | None
    low: float | None
    high: float | None

    @property
    def falling(self) -> bool:
        """The cream-skimming signal: intake complexity falling, the whole 95% interval below zero."""
        return self.high is not None and self.high < 0


def intake_trends(rows: list[dict]) -> list[Trend]:
    """Per provider, the least-squares slope of complexity at intake (0-6 factors) on the quarter of intake,
    over individuals, from the per-quarter sums the intake_complexity SQL gives, with a 95% interval."""
    by_agency: dict[str, list[dict]] = {}
    for row in rows:
        by_agency.setdefault(row["agency_id"], []).append(row)
    out = []
    for agency_id, quarters in sorted(by_agency.items()):
        n = sum(q["people"] for q in quarters)
        sx = sum(q["people"] * q["quarter"] for q in quarters)
        sxx = sum(q["people"] * q["quarter"] ** 2 for q in quarters)
        sy = sum(q["score_sum"] for q in quarters)
        syy = sum(q["score_squares"] for q in quarters)
        sxy = sum(q["quarter"] * q["score_sum"] for q in quarters)
        first = [q for q in quarters if q["quarter"] < 4]
        second = [q for q in quarters if q["quarter"] >= 4]

        def mean(part):
            people = sum(q["people"] for q in part)
            return sum(q["score_sum"] for q in part) / people if people else None

        slope = low = high = None
        sxx_c = sxx - sx * sx / n if n else 0
        if n > 2 and sxx_c > 0:
            b = (sxy - sx * sy / n) / sxx_c
            residual = max(syy - sy * sy / n - b * b * sxx_c, 0.0)
            se = math.sqrt(residual / (n - 2) / sxx_c)
            slope, low, high = 4 * b, 4 * (b - Z95 * se), 4 * (b + Z95 * se)
        out.append(Trend(agency_id, n, mean(first), mean(second), slope, low, high))
    return out
