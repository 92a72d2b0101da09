"""The merge map: which records were merged into which (active merges only)."""

from __future__ import annotations

from collections.abc import Iterable

from throughcare.matching.models import PersonMerge


def merged_away_ids(person_ids: Iterable) -> set:
    """Those of `person_ids` that are merged into another record (and so are nobody's candidate)."""
    return set(PersonMerge.objects.filter(merged_person_id__in=list(person_ids), unmerged_at__isnull=True)
               .values_list("merged_person_id", flat=True))
