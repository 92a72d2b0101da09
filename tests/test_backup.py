"""Backup and restore on PostgreSQL: the restored database equals the original, table by table, and the
restored audit trail verifies. SQLite deployments copy the file; these commands are for PostgreSQL."""

from __future__ import annotations

import pytest
from django.conf import settings
from typer.testing import CliRunner

from tests.conftest import build_world
from throughcare.cli import app
from throughcare.core import backup
from throughcare.journey.actions import add_note

pytestmark = pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                                reason="PostgreSQL only: backup and restore wrap pg_dump and pg_restore")
runner = CliRunner()


@pytest.fixture
def committed_world(audit_trail_flushable, transactional_db):
    world = build_world()
    add_note(actor=world["staff"]["amara"].user, person_id=world["jo"].pk, text="Came in today, doing well",
             category="substance_use")
    return world


@pytest.fixture
def scratch():
    made = []

    def make(name: str) -> dict:
        made.append(name)
        return backup.create_database(settings.DATABASES["default"], name)

    yield make
    for name in made:
        backup.drop_database(settings.DATABASES["default"], name)


def test_backup_then_restore_gives_the_same_database(committed_world, scratch, tmp_path):
    dump = tmp_path / "tc.dump"
    manifest = backup.backup(settings.DATABASES["default"], dump)
    assert manifest["tables"]["people_person"]["rows"] == 1
    assert manifest["tables"]["audit_auditentry"]["rows"] > 0
    target = scratch(f"{settings.DATABASES['default']['NAME']}_restored")
    report = backup.restore(dump, target)
    assert report.ok, report.differences
    assert report.tables == len(manifest["tables"]) and report.rows == sum(
        t["rows"] for t in manifest["tables"].values())


def test_a_damaged_dump_or_a_database_in_use_is_refused(committed_world, scratch, tmp_path):
    dump = tmp_path / "tc.dump"
    backup.backup(settings.DATABASES["default"], dump)
    with pytest.raises(backup.BackupError, match="already holds"):
        backup.restore(dump, settings.DATABASES["default"])
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    with pytest.raises(backup.BackupError, match="sha256 differs"):
        backup.restore(dump, scratch(f"{settings.DATABASES['default']['NAME']}_damaged"))


def test_the_comparison_names_a_table_that_differs():
    before = {"people_person": {"rows": 2, "md5": "a"}, "journey_event": {"rows": 5, "md5": "b"}}
    after = {"people_person": {"rows": 1, "md5": "c"}, "journey_event": {"rows": 5, "md5": "b"}}
    report = backup.compare(before, after)
    assert report.differences == ["people_person: 2 rows backed up, 1 restored, checksums differ"]


def test_the_restore_drill_restores_compares_and_verifies_the_audit_trail(committed_world, monkeypatch):
    db = settings.DATABASES["default"]
    url = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    monkeypatch.setenv("DATABASE_URL", url)
    result = runner.invoke(app, ["restore-drill"])
    assert result.exit_code == 0, result.output
    assert "Restore drill passed" in result.output and "Audit trail intact" in result.output
