"""Writes of the matching app: each one action, one transaction, one audit entry."""

from __future__ import annotations

from django.db import transaction

from throughcare.audit.recorder import record_action
from throughcare.core.categories import IDENTITY_CATEGORY
from throughcare.matching import trained
from throughcare.matching.models import MatchModel


def record_training(*, actor, parameters: dict, source: str, records: int, notes: dict | None = None) -> MatchModel:
    """Save a newly trained model as the next version. Training read the whole register's identity details
    (names, date of birth, sex, postcode, identifiers), so the entry says so."""
    with transaction.atomic():
        saved = trained.save(parameters, source=source, records=records,
                             trained_by=actor.get_username() if actor else "", notes=notes)
        record_action(actor=actor, action="matching.model.train", resource="match_model",
                      resource_id=str(saved.version), categories=[IDENTITY_CATEGORY], purpose="data_quality",
                      reason=f"trained on {records} records ({source})")
    return saved
