"""The scoped look-up for a person's record. Every read of a person goes through here.

It returns the person with the caller's Grant, or raises NotFound — the same NotFound,
with the same message, whether the person does not exist or the caller may not see them.
Allowed and denied reads alike are noted for the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable

from throughcare.audit.recorder import record_access
from throughcare.consent.policy import SELF, Grant, grant_for, with_facts
from throughcare.core.categories import IDENTITY_CATEGORY
from throughcare.core.errors import Forbidden, NotFound
from throughcare.core.ids import parse_uuid
from throughcare.matching.merges import merged_into_subquery, surviving_id
from throughcare.people.models import Person

PERSON_NOT_FOUND = "Person not found"


def _load(user, pid) -> Person | None:
    people = Person.objects.select_related("registered_by_agency").annotate(tc_merged_into=merged_into_subquery())
    return with_facts(people, user, pid).filter(pk=pid).first()


def get_person(user, person_id, *, action: str = "person.read", categories: Iterable[str] = (IDENTITY_CATEGORY,),
               write: bool = False, audit: bool = True, subject_may_write: bool = False) -> tuple[Person, Grant]:
    """The person `person_id` as `user` may see them, or NotFound.

    `categories` are those the caller is about to disclose (recorded in the audit trail);
    `write` asks for write access too (a visible person the caller may not write to is 403).
    `subject_may_write`: this write is one the person may make to their own record (give or withdraw
    consent, add a goal in their words); every other write by them is refused.
    """
    pid = parse_uuid(person_id)
    person = _load(user, pid) if pid else None
    if person is not None and person.tc_merged_into:
        # A record merged into another: its id leads to the record it now lives in (matching.merges).
        pid = surviving_id(person.tc_merged_into)
        person = _load(user, pid)
    grant = grant_for(user, person) if person is not None else None
    if person is None or grant is None or not grant.can_see_person:
        if audit:
            record_access(actor=user, action=action, person_id=pid, outcome="denied",
                          reason="not found" if person is None else (grant.reason if grant else ""))
        raise NotFound(PERSON_NOT_FOUND)
    if write and not (grant.can_write or (subject_may_write and grant.relationship == SELF)):
        if audit:
            record_access(actor=user, action=action, person_id=pid, outcome="denied",
                          reason="role cannot write", lawful_basis=grant.basis)
        raise Forbidden("Your role cannot add to this person's record")
    if audit:
        record_access(actor=user, action=action, person_id=pid, lawful_basis=grant.basis, purpose=grant.purpose,
                      categories=[c for c in categories if grant.allows(c)])
    return person, grant
