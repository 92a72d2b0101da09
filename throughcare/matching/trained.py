"""The versioned matching model: saved in the database, the newest version in use.

Until the register has trained its own (`throughcare link train`), the model shipped with Throughcare
(`default_model.json`, trained without labels on FEBRL3 with the social security number dropped) is
version 0.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone

from throughcare.matching.models import MatchModel
from throughcare.matching.scoring import Scorer

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "default_model.json"
_lock = threading.Lock()
_scorers: dict[int, Scorer] = {}


def default_parameters() -> dict:
    return json.loads(DEFAULT_MODEL_PATH.read_text())


def current() -> tuple[int, dict]:
    """(version, Splink model JSON) of the model in use."""
    latest = MatchModel.objects.order_by("-version").values_list("version", "parameters").first()
    return latest if latest else (0, default_parameters())


def current_version() -> int:
    return MatchModel.objects.order_by("-version").values_list("version", flat=True).first() or 0


def scorer() -> tuple[int, Scorer]:
    """The Python scorer of the model in use (built once per version and process)."""
    version = current_version()
    with _lock:
        if version not in _scorers:
            parameters = (MatchModel.objects.get(version=version).parameters if version else default_parameters())
            _scorers[version] = Scorer(parameters)
        return version, _scorers[version]


def problems(parameters: dict) -> list[str]:
    """Why a trained model is not fit to use (EM can collapse on odd data), or []."""
    found = []
    prior = parameters.get("probability_two_random_records_match")
    if not isinstance(prior, int | float) or not 0 < prior < 1:
        found.append(f"the chance that two records match came out as {prior}")
    for comparison in parameters.get("comparisons", []):
        if comparison["output_column_name"] not in ("given_name", "surname", "dob", "postcode"):
            continue
        exact = next((level for level in comparison["comparison_levels"] if level.get("label_for_charts") == "the same"),
                     {})
        m, u = exact.get("m_probability"), exact.get("u_probability")
        if not (isinstance(m, int | float) and isinstance(u, int | float) and m > u):
            found.append(f"{comparison['output_column_name']}: agreeing did not come out as evidence of a match")
    return found


def save(parameters: dict, *, source: str, records: int, trained_by: str = "", notes: dict | None = None) -> MatchModel:
    """Save a newly trained model as the next version (never overwriting an earlier one)."""
    from throughcare.core.errors import ValidationFailed

    found = problems(parameters)
    if found:
        raise ValidationFailed({"model": "Training did not produce a usable model (" + "; ".join(found) + "). The "
                                         "model in use is unchanged."})
    Scorer(parameters)  # refuse a model whose levels do not match spec.py
    for _attempt in range(3):
        try:
            with transaction.atomic():
                version = (MatchModel.objects.order_by("-version").values_list("version", flat=True).first() or 0) + 1
                return MatchModel.objects.create(version=version, trained_at=timezone.now(), trained_by=trained_by,
                                                 source=source, records=records, parameters=parameters,
                                                 notes=notes or {})
        except IntegrityError:  # two trainings finished at once: take the next number
            continue
    raise RuntimeError("Could not save the model: another training keeps taking the version number")
