"""The scoped look-up for a person's record. Every read of a person goes through here.

It returns the person with the caller's Grant, or raises NotFound — the same NotFound,
with the same message, whether the person does not exist or the caller may not see them.
Allowed and denied reads alike are noted for the audit trail.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable

from django.db import connection

from throughcare.agencies.models import Agency
from throughcare.audit.recorder import record_access
from throughcare.consent.policy import SELF, Grant, facts_subquery, grant_for
from throughcare.core import prepared
from throughcare.core.categories import IDENTITY_CATEGORY
from throughcare.core.errors import Forbidden, NotFound
from throughcare.core.ids import parse_uuid
from throughcare.episodes.models import Episode
from throughcare.matching.merges import surviving_id
from throughcare.matching.models import PersonMerge
from throughcare.people.models import Identifier, Person, PersonName

PERSON_NOT_FOUND = "Person not found"


def _load(user, pid, *, details: bool = False) -> Person | None:
    """The person with their registering agency, the merge map and the policy's facts: one statement.

    `details`: also their names, identifiers and episodes (each episode with its agency), as JSON
    arrays in the same statement, for `people.summary.person_summary` (no further queries).
    """
    facts = facts_subquery(user, pid)
    sql = _person_sql(facts[0] if facts else None, details=details)
    params = [*(facts[1] if facts else []), Person._meta.pk.get_db_prep_value(pid, connection)]
    row = prepared.fetchone(sql, params)
    if row is None:
        return None
    width = len(Person._meta.concrete_fields)
    agency_end = width + len(Agency._meta.concrete_fields)
    person = prepared.instance(Person, row[:width])
    Person.registered_by_agency.field.set_cached_value(person, prepared.instance(Agency, row[width:agency_end]))
    merged_into = row[agency_end]
    person.tc_merged_into = _uuid(merged_into) if merged_into is not None else None
    extra = list(row[agency_end + 1:])
    if facts is not None:
        person.tc_facts = extra.pop(0)
    if details:
        # Rows as built in SQL (ids and dates as text): people.summary.person_summary reads them.
        person.tc_details = dict(zip(("names", "identifiers", "episodes"), (_json_rows(v) for v in extra), strict=True))
    return person


_PERSON_SQL: dict = {}


def _person_sql(facts_sql: str | None, *, details: bool) -> str:
    key = (connection.vendor, facts_sql is not None, details)  # the facts' SQL depends on the database only
    if key in _PERSON_SQL:
        return _PERSON_SQL[key]
    q = connection.ops.quote_name
    postgres = connection.vendor == "postgresql"

    def json_rows(columns: str, table: str, order: str, join: str = "") -> str:
        # Table and column names come from the models' metadata; the person id is the outer row's.
        if postgres:
            return (f"(SELECT json_agg(json_build_array({columns}) ORDER BY {order}) FROM {table} x {join} "  # noqa: S608  # nosec B608
                    "WHERE x.person_id = p.id)")
        return (f"(SELECT json_group_array(json_array({columns})) FROM (SELECT * FROM {table} x {join} "  # noqa: S608  # nosec B608
                f"WHERE x.person_id = p.id ORDER BY {order}) x)")

    select = [prepared.columns(Person, "p"), prepared.columns(Agency, "a"),
              f"(SELECT m.into_person_id FROM {q(PersonMerge._meta.db_table)} m "  # noqa: S608  # nosec B608
              "WHERE m.merged_person_id = p.id AND m.unmerged_at IS NULL LIMIT 1)"]
    if facts_sql is not None:
        select.append(f"({facts_sql})")
    if details:
        agency = q(Agency._meta.db_table)
        select += [
            json_rows("x.kind, x.given_names, x.family_name", q(PersonName._meta.db_table), "x.kind, x.id"),
            json_rows("x.scheme, x.value", q(Identifier._meta.db_table), "x.scheme, x.id"),
            json_rows("x.id, x.setting, x.service, x.started_on, x.ended_on, x.discharge_reason, "
                      "ea.id, ea.name, ea.kind", q(Episode._meta.db_table), "x.started_on DESC, x.id",
                      f"INNER JOIN {agency} ea ON ea.id = x.agency_id") if postgres else
            json_rows("x.id, x.setting, x.service, x.started_on, x.ended_on, x.discharge_reason, "
                      "x.ea_id, x.ea_name, x.ea_kind", f"(SELECT e.*, ea.id AS ea_id, ea.name AS ea_name, "  # noqa: S608  # nosec B608
                      f"ea.kind AS ea_kind FROM {q(Episode._meta.db_table)} e INNER JOIN {agency} ea "
                      "ON ea.id = e.agency_id)", "x.started_on DESC, x.id"),
        ]
    _PERSON_SQL[key] = (
        f"SELECT {', '.join(select)} FROM {q(Person._meta.db_table)} p "  # noqa: S608  # nosec B608
        f"INNER JOIN {q(Agency._meta.db_table)} a ON a.id = p.registered_by_agency_id WHERE p.id = %s"
    )
    return _PERSON_SQL[key]


def _json_rows(value) -> list:
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str) else value


def _uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def get_person(user, person_id, *, action: str = "person.read", categories: Iterable[str] = (IDENTITY_CATEGORY,),
               write: bool = False, audit: bool = True, subject_may_write: bool = False,
               details: bool = False, not_found: str = PERSON_NOT_FOUND) -> tuple[Person, Grant]:
    """The person `person_id` as `user` may see them, or NotFound.

    `categories` are those the caller is about to disclose (recorded in the audit trail);
    `write` asks for write access too (a visible person the caller may not write to is 403).
    `subject_may_write`: this write is one the person may make to their own record (give or withdraw
    consent, add a goal in their words); every other write by them is refused.
    `details`: load names, identifiers and episodes in the same statement (for people.summary).
    `not_found`: the message of the 404, when the caller is looking up a record about the person (an
    appointment, a referral ...): a record whose person the caller may not see answers exactly as a missing
    record of that kind (decision 0003), never "Person not found".
    """
    pid = parse_uuid(person_id)
    person = _load(user, pid, details=details) if pid else None
    if person is not None and person.tc_merged_into:
        # A record merged into another: its id leads to the record it now lives in (matching.merges).
        pid = surviving_id(person.tc_merged_into)
        person = _load(user, pid, details=details)
    grant = grant_for(user, person) if person is not None else None
    if person is None or grant is None or not grant.can_see_person:
        if audit:
            record_access(actor=user, action=action, person_id=pid, outcome="denied",
                          reason="not found" if person is None else (grant.reason if grant else ""))
        raise NotFound(not_found)
    if write and not (grant.can_write or (subject_may_write and grant.relationship == SELF)):
        if audit:
            record_access(actor=user, action=action, person_id=pid, outcome="denied",
                          reason="role cannot write", lawful_basis=grant.basis)
        raise Forbidden("Your role cannot add to this person's record")
    if audit:
        record_access(actor=user, action=action, person_id=pid, lawful_basis=grant.basis, purpose=grant.purpose,
                      categories=[c for c in categories if grant.allows(c)])
    return person, grant


def get_record_about(user, queryset, record_id, *, resource: str, not_found: str, action: str,
                     categories: Iterable[str] = (IDENTITY_CATEGORY,), write: bool = False, id_of=parse_uuid):
    """A record about a person (an appointment, a referral, a release plan ...) by its id, as `user` may see
    it: (the row of `queryset`, the caller's Grant for its person), or NotFound(`not_found`).

    A missing record and one whose person the caller may not see answer alike (decision 0003), and both are
    audited: the first as a denied look-up of `resource`, the second by get_person. Pass a queryset with
    select_for_update() to lock the row for a write. `id_of` reads the id (a UUID; parse_int for a numbered
    record such as a journey event), None when it is not one.
    """
    rid = id_of(record_id)
    row = queryset.filter(pk=rid).first() if rid else None
    if row is None:
        record_access(actor=user, action=action, outcome="denied", reason="not found", resource=resource,
                      resource_id=str(rid or ""))
        raise NotFound(not_found)
    _person, grant = get_person(user, row.person_id, action=action, categories=categories, write=write,
                                not_found=not_found)
    return row, grant
