"""Every table's row count, to show that a request that failed wrote nothing (no half-saved record).

A failed or denied attempt is itself audited, so the audit trail is left out.
"""

from __future__ import annotations

from django.apps import apps
from django.db import connection

#: Failed requests write nothing but their audit entry (a denied or failed attempt is itself audited).
AUDIT_TABLES = {"audit_auditentry", "audit_auditcheckpoint"}
#: A page view may start a session, refused or not: left out when checking what a page's form saved.
SESSIONS = frozenset({"django_session"})


def row_counts(leave_out: frozenset[str] | set[str] = frozenset()) -> dict[str, int]:
    """Every table's row count but the audit trail's (and `leave_out`'s), in one query."""
    tables = sorted({m._meta.db_table for m in apps.get_models() if m._meta.managed} - AUDIT_TABLES - set(leave_out))
    sql = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM {connection.ops.quote_name(t)}" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(cursor.fetchall())


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    """The tables whose counts differ: {table: (before, after)}."""
    return {t: (before.get(t, 0), after.get(t, 0)) for t in before.keys() | after.keys() if before.get(t) != after.get(t)}
