"""Scores, distance travelled and reliable change for outcome instruments.

Scores are defined in the instrument file (throughcare/refdata/instruments/): `item` (one answer),
`sum` (every item answered, else no score) or `count_yes`. Reliable change follows Jacobson and Truax
(1991): a change is reliable when |latest - first| ≥ 1.96 × √2 × SD × √(1 − r), with the SD and
reliability r the instrument file gives for that score (docs/decisions/0010 says where they come from).
"""

from __future__ import annotations

from dataclasses import dataclass

from throughcare.assessments.instruments import Instrument, Score


def score_value(score: Score, answers: dict):
    values = [answers.get(section, {}).get(question) for section, question in score.items]
    if any(v is None for v in values):
        return None
    if score.kind == "count_yes":
        return sum(1 for v in values if v is True)
    if score.kind == "sum":
        return sum(values)
    return values[0]


def compute(instrument: Instrument, answers: dict) -> dict:
    return {score.id: score_value(score, answers) for score in instrument.scores}


@dataclass(frozen=True)
class Distance:
    first: float
    latest: float
    change: float
    direction: str  # better, worse or same
    reliable: bool | None  # None: no reliable-change figures for this score

    @property
    def label(self) -> str:
        if self.direction == "same":
            return "No change"
        if self.reliable is None:
            return "Better" if self.direction == "better" else "Worse"
        if self.reliable:
            return "Reliable improvement" if self.direction == "better" else "Reliable deterioration"
        return "Better, but within what could be noise" if self.direction == "better" else \
            "Worse, but within what could be noise"


def distance(score: Score, first, latest) -> Distance | None:
    """From the first value to the latest: which way, and whether the change is reliable."""
    if first is None or latest is None:
        return None
    change = latest - first
    if change == 0:
        direction = "same"
    elif (change > 0) == (score.better == "higher"):
        direction = "better"
    else:
        direction = "worse"
    reliable = None if score.reliable_change is None else abs(change) >= score.reliable_change.threshold
    return Distance(first=first, latest=latest, change=change, direction=direction, reliable=reliable)
