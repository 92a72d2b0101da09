"""Reading the audit trail by person: one rule for every page, API answer and copy that lists a person's entries.

An entry is about a person when it names them, or a record since merged into theirs (matching.merges), as its
record (`person_id`: a read of their record, a write to it) or among its `subjects`: a search, a caseload, a
list of referrals or release plans, a bulk export that showed them among others. "Who has looked at this
record", the person's own "who has looked at my record", the audit trail filtered by person (page and API)
and the subject access copy all use `about()`, so a search that showed someone's name is listed wherever
their entries are (decision 25).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import connection
from django.db.models import Q


def about(person_id) -> Q:
    """The entries about a person: see the module's docstring."""
    from throughcare.matching.merges import record_ids

    return about_records(record_ids(person_id))


def about_records(person_ids: Iterable) -> Q:
    """Entries whose record is one of `person_ids` or that list one of them among their subjects.

    PostgreSQL: `subjects @> '["id"]'`, served by the partial GIN index of audit migration 0006 (only entries
    with subjects are in it, so the many entries without any cost nothing more to write); the query repeats
    the index's condition so that the planner may use it. SQLite: the JSON text is searched (a scan).
    """
    ids = [str(person_id) for person_id in person_ids]
    listed = Q()
    for person_id in ids:
        if connection.vendor == "postgresql":
            listed |= Q(subjects__contains=[person_id])
        else:
            listed |= Q(subjects__icontains=person_id)  # a record id is 36 characters: it matches nothing else
    if connection.vendor == "postgresql":
        listed &= ~Q(subjects=[])
    return Q(person_id__in=ids) | listed


def people_listed(entries, *, with_subjects: bool) -> list[str]:
    """The people a page of the trail shows: each entry's record, and (where the reader is given them, as the
    API's are) the subjects each entry lists. Reading the trail is itself audited as naming them."""
    people: dict[str, None] = {}
    for entry in entries:
        if entry.person_id:
            people[str(entry.person_id)] = None
        if with_subjects:
            people.update(dict.fromkeys(entry.subjects))
    return list(people)


#: An action's code as the recorder writes it at the start of each folded part of an entry's reason.
_FOLDED = re.compile(r"(?:^|; )([a-z_]+(?:\.[a-z_]+)+)(?=[ ;]|$)")


def actions_of(entry) -> list[str]:
    """What an entry records: its action, then each action folded into it (audit.recorder._merge names them in
    `reason`, "; "-separated, each starting with its code): what the pages that describe entries in words show."""
    return list(dict.fromkeys([entry.action, *_FOLDED.findall(entry.reason or "")]))
