"""SQLite rebuilds a table to alter a column (0003 did), and a rebuilt table has lost its triggers.

This puts the append-only triggers of 0002 back on SQLite. Any later migration that alters the audit
tables on SQLite must do the same (tests/test_audit.py fails if the triggers are missing).
"""

from django.db import migrations

from throughcare.audit.migrations import _triggers


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _triggers.create_sqlite(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_fewer_indexes")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
