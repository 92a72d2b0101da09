"""The merge map, and moving a record's rows into another record and back.

A merge never deletes or rewrites history. The merged record's Person row stays as it was; every row
of every table that points at it (timeline, consents, bases, episodes, care team, referrals, plans,
appointments, assessments, ... found through Person's relations, so a new app's tables are included
without a change here) is pointed at the surviving record, and PersonMerge.moved lists exactly those
rows, so unmerging points exactly those back. The audit trail is append-only and is never touched:
entries keep the person id they were written with, and `record_ids` reads them through the merge map.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from throughcare.core.errors import ValidationFailed
from throughcare.matching.models import MatchKey, MatchProfile, MergeProposal, PersonMerge
from throughcare.people.models import NameKind, Person, PersonName

#: Tables of the matching app itself: handled by the merge, never moved.
_OWN = {MatchKey, MatchProfile, MergeProposal, PersonMerge}


def merged_away_ids(person_ids: Iterable) -> set:
    """Those of `person_ids` that are merged into another record (and so are nobody's candidate)."""
    return set(PersonMerge.objects.filter(merged_person_id__in=list(person_ids), unmerged_at__isnull=True)
               .values_list("merged_person_id", flat=True))


def merged_into_subquery():
    """For Person querysets: the record this one is merged into, if it is (one subquery, no extra round trip)."""
    return Subquery(PersonMerge.objects.filter(merged_person_id=OuterRef("pk"), unmerged_at__isnull=True)
                    .values("into_person_id")[:1])


def surviving_id(person_id):
    """The record `person_id` now lives in (itself, unless merged; follows a chain of merges)."""
    seen = set()
    while person_id not in seen:
        seen.add(person_id)
        into = (PersonMerge.objects.filter(merged_person_id=person_id, unmerged_at__isnull=True)
                .values_list("into_person_id", flat=True).first())
        if into is None:
            return person_id
        person_id = into
    return person_id


def record_ids(person_id) -> list:
    """The person's own id and the ids of every record merged into theirs: the audit trail is read by these."""
    ids, frontier = [person_id], [person_id]
    while frontier:
        frontier = list(PersonMerge.objects.filter(into_person_id__in=frontier, unmerged_at__isnull=True)
                        .values_list("merged_person_id", flat=True))
        ids.extend(i for i in frontier if i not in ids)
    return ids


def _relations():
    """(model, foreign key field) for every table that points at a person, except matching's own."""
    for relation in Person._meta.related_objects:
        if relation.many_to_many or relation.related_model in _OWN:
            continue
        yield relation.related_model, relation.field


def _label(model, fk) -> str:
    return f"{model._meta.label_lower}.{fk.name}"


def _prepare_care_team(keep: Person, merged: Person, changes: list) -> None:
    """One lead per person, one membership per worker: the surviving record's stand, the merged record's
    step aside (recorded, and restored on unmerge)."""
    from throughcare.careteam.models import CareTeamMember

    kept = CareTeamMember.objects.filter(person=keep, left_at__isnull=True)
    kept_workers = set(kept.values_list("worker_id", flat=True))
    keep_has_lead = kept.filter(is_lead=True).exists()
    now = timezone.now()
    for member in CareTeamMember.objects.filter(person=merged, left_at__isnull=True):
        if member.worker_id in kept_workers:
            changes.append([member._meta.label_lower, str(member.pk), "left_at", None])
            member.left_at = now
            member.save(update_fields=["left_at"])
        elif member.is_lead and keep_has_lead:
            changes.append([member._meta.label_lower, str(member.pk), "is_lead", True])
            member.is_lead = False
            member.save(update_fields=["is_lead"])


def move_rows(keep: Person, merged: Person) -> tuple[dict, list, list]:
    """Point every row of `merged` at `keep`. Returns (moved, renamed, changes). Refuses, changing nothing,
    when the records cannot share a row (two recovery plans, two open handovers)."""
    renamed, changes = [], []
    usual = merged.names.filter(kind=NameKind.USUAL).first()
    if usual is not None:
        renamed.append([usual.pk, usual.kind])
        usual.kind = NameKind.ALIAS
        usual.save(update_fields=["kind"])
    _prepare_care_team(keep, merged, changes)
    moved: dict[str, list[str]] = {}
    for model, fk in _relations():
        rows = model._base_manager.filter(**{fk.name: merged})
        pks = [str(pk) for pk in rows.values_list("pk", flat=True)]
        if not pks:
            continue
        try:
            with transaction.atomic():
                rows.update(**{fk.name: keep})
        except IntegrityError:
            raise ValidationFailed({"merge": f"Both records have a {model._meta.verbose_name} that cannot be "
                                             "combined: settle that on one record first, then merge"}) from None
        moved[_label(model, fk)] = pks
    return moved, renamed, changes


def move_rows_back(merge: PersonMerge) -> None:
    """Point exactly the rows the merge moved back at the merged record, and undo its changes."""
    by_label = {_label(model, fk): (model, fk) for model, fk in _relations()}
    for label, pks in merge.moved.items():
        model, fk = by_label[label]
        model._base_manager.filter(pk__in=pks, **{fk.name: merge.into_person}).update(**{fk.name: merge.merged_person})
    for pk, kind in merge.renamed:
        PersonName.objects.filter(pk=pk).update(kind=kind)
    for label, pk, name, value in merge.changes:
        apps.get_model(label)._base_manager.filter(pk=pk).update(**{name: value})
