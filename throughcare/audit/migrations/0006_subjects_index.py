"""PostgreSQL: a partial GIN index on the entries that list people among their subjects (audit.reads.about).

Only entries with subjects are indexed (searches, lists, exports): the per-request read entries, which name one
record in person_id, skip it, so writing them costs what it did. SQLite has no such index: it scans.
"""

from django.db import migrations

INDEX = "audit_subjects_listed"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON audit_auditentry "
                              "USING gin (subjects jsonb_path_ops) WHERE NOT (subjects = '[]'::jsonb)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [("audit", "0005_chain_lanes")]

    operations = [migrations.RunPython(create, drop)]
