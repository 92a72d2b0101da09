"""Switching off the audit tables' refusing triggers, for tests that need pytest-django to empty them.

Tests on committed data (transactional_db: the live server, racing threads) are followed by a flush
of every table, which the append-only audit tables refuse. Those tests switch the refusing triggers
off for their module; the INSERT triggers that link the hash chain stay on.
"""

from __future__ import annotations

import re

AUDIT_TABLES = ("audit_auditentry", "audit_auditcheckpoint")
SQLITE_INSERT_TRIGGER = re.compile(r"^\s*CREATE\s+TRIGGER\s+\S+\s+(BEFORE\s+|AFTER\s+|INSTEAD\s+OF\s+)?INSERT\b", re.I)


def switch_off_refusing_triggers(connection):
    """Switch the refusing triggers off; returns the function that puts them back unchanged."""
    tables = ", ".join(f"'{t}'" for t in AUDIT_TABLES)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # tgtype bit 2 (value 4) marks INSERT triggers: keep those (they link the chain).
            cursor.execute(
                "SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
                f"WHERE tgrelid::regclass::text IN ({tables}) AND NOT tgisinternal AND (tgtype & 4) = 0"
            )
            triggers = cursor.fetchall()
            for table, name in triggers:
                cursor.execute(f'ALTER TABLE {table} DISABLE TRIGGER "{name}"')

            def restore():
                with connection.cursor() as cursor:
                    for table, name in triggers:
                        cursor.execute(f'ALTER TABLE {table} ENABLE TRIGGER "{name}"')

            return restore
        cursor.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({tables})"
        )
        triggers = [(name, sql) for name, sql in cursor.fetchall() if not SQLITE_INSERT_TRIGGER.search(sql)]
        for name, _sql in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')

    def restore():
        with connection.cursor() as cursor:
            for _name, sql in triggers:
                cursor.execute(sql)

    return restore
