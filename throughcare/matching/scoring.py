"""Scoring a pair of records in Python with a trained Splink model's parameters.

The one-new-record path compares a person being registered with the few candidates found through the
blocking keys (`throughcare.matching.index`); starting Splink for that would cost half a second. This
reads the same levels from `spec` and the m and u probabilities Splink trained, and adds the same
log2 Bayes factors Splink adds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import jellyfish

from throughcare.matching import spec


@dataclass(frozen=True)
class FieldResult:
    column: str
    title: str
    level: str  # the level's label, e.g. "nearly the same"
    weight: float  # log2 Bayes factor: > 0 agreement, < 0 disagreement, 0 not compared

    @property
    def outcome(self) -> str:
        if self.weight > 0.5:
            return "agreed"
        if self.weight < -0.5:
            return "disagreed"
        return "not compared" if self.weight == 0 else "neutral"


@dataclass(frozen=True)
class Score:
    probability: float
    weight: float
    fields: tuple[FieldResult, ...]


def _jw(a: str, b: str) -> float:
    return jellyfish.jaro_winkler_similarity(a, b)


def level_index(comparison: spec.Comparison, left: dict, right: dict) -> int:
    """Which level of `comparison` the pair falls in: the first whose condition holds (as Splink's CASE)."""
    col = comparison.column
    a, b = left.get(col), right.get(col)
    for index, level in enumerate(comparison.levels):
        kind = level.kind
        if kind == "null":
            if a is None or b is None:
                return index
        elif kind == "exact":
            if a == b:
                return index
        elif kind == "jw":
            if _jw(a, b) >= level.threshold:
                return index
        elif kind == "cross_jw":
            other = right.get(level.other)
            if other is not None and _jw(a, other) >= level.threshold:
                return index
        elif kind == "lev":
            if jellyfish.levenshtein_distance(a, b) <= level.threshold:
                return index
        elif kind == "dob_transposed":
            if a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7]:
                return index
        elif kind == "year":
            if a[:4] == b[:4]:
                return index
        else:
            return index
    raise ValueError(f"{col}: no level matched")  # every comparison ends with an else level


class Scorer:
    """The weights of one trained model: log2(m/u) per level, and the prior."""

    def __init__(self, model: dict):
        prior = model["probability_two_random_records_match"]
        self.prior_weight = math.log2(prior / (1 - prior))
        self.weights: dict[str, list[float]] = {}
        saved = {c["output_column_name"]: c for c in model["comparisons"]}
        for comparison in spec.COMPARISONS:
            levels = saved[comparison.column]["comparison_levels"]
            if len(levels) != len(comparison.levels):
                raise ValueError(f"The saved model's {comparison.column} levels do not match spec.py: retrain it")
            self.weights[comparison.column] = [self._weight(level) for level in levels]

    @staticmethod
    def _weight(level: dict) -> float:
        if level.get("is_null_level"):
            return 0.0
        m, u = level.get("m_probability"), level.get("u_probability")
        if not isinstance(m, int | float) or not isinstance(u, int | float) or m <= 0 or u <= 0:
            return 0.0  # a level never seen in training carries no evidence either way
        return math.log2(m / u)

    def score(self, left: dict, right: dict) -> Score:
        fields = []
        total = self.prior_weight
        for comparison in spec.COMPARISONS:
            index = level_index(comparison, left, right)
            weight = self.weights[comparison.column][index]
            total += weight
            fields.append(FieldResult(comparison.column, comparison.title, comparison.levels[index].label, weight))
        return Score(probability=_probability(total), weight=total, fields=tuple(fields))

    def best(self, left: dict, right_variants: list[dict]) -> Score:
        """The best score of `left` against any of one person's name variants (usual, alias, previous)."""
        return max((self.score(left, right) for right in right_variants), key=lambda s: s.weight)


def _probability(weight: float) -> float:
    if weight > 60:
        return 1.0
    odds = 2.0 ** weight
    return odds / (1 + odds)
